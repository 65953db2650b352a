with

visitors as (

    select * from {{ ref('stg_pendo__visitors') }}

),

events as (

    select * from {{ ref('stg_pendo__events') }}

),

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}

),

poll_responses as (

    select * from {{ ref('fct_poll_responses') }}

),

all_visitor_ids as (

    select * from {{ ref('int_pendo__visitor_ids') }}

),

lifetime_activity as (

    select
        visitor_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(*) as active_days,
        cast(sum(total_events) as bigint) as total_events,
        cast(sum(total_minutes) as bigint) as total_minutes

    from visitor_days
    group by 1

),

event_accounts as (

    select
        visitor_id,
        count(distinct account_id) as accounts

    from events
    group by 1

),

latest_event_accounts as (

    select
        visitor_id,
        account_id,
        row_number() over (
            partition by visitor_id order by period_start_at desc, last_event_at desc, account_id asc
        ) as recency_rank

    from events
    where account_id is not null

),

latest_nps_responses as (

    select
        visitor_id,
        response_score,
        row_number() over (partition by visitor_id order by responded_at desc, poll_event_id desc) as recency_rank

    from poll_responses
    where response_score is not null and {{ pendo_is_nps_poll_type('poll_type') }}

),

final as (

    select
        all_visitor_ids.visitor_id,
        coalesce(visitors.account_id, latest_event_accounts.account_id) as account_id,
        visitors.email,
        visitors.language,
        visitors.last_browser_name,
        visitors.last_operating_system,
        coalesce(event_accounts.accounts, 0) as accounts,
        coalesce(lifetime_activity.active_days, 0) as active_days,
        coalesce(lifetime_activity.total_events, 0) as total_events,
        coalesce(lifetime_activity.total_minutes, 0) as total_minutes,
        latest_nps_responses.response_score as latest_nps_score,
        {{ pendo_is_anonymous_visitor('all_visitor_ids.visitor_id') }} as is_anonymous_visitor,
        coalesce(visitors.is_do_not_process, false) as is_do_not_process,
        visitors.visitor_id is not null as has_metadata,
        all_visitor_ids.is_listed_by_pendo,
        lifetime_activity.first_active_date,
        lifetime_activity.last_active_date,
        visitors.first_visit_at,
        visitors.last_visit_at,
        visitors.last_updated_at

    from all_visitor_ids
    left join visitors
        on all_visitor_ids.visitor_id = visitors.visitor_id
    left join lifetime_activity
        on all_visitor_ids.visitor_id = lifetime_activity.visitor_id
    left join event_accounts
        on all_visitor_ids.visitor_id = event_accounts.visitor_id
    left join latest_event_accounts
        on
            all_visitor_ids.visitor_id = latest_event_accounts.visitor_id
            and latest_event_accounts.recency_rank = 1
    left join latest_nps_responses
        on
            all_visitor_ids.visitor_id = latest_nps_responses.visitor_id
            and latest_nps_responses.recency_rank = 1

)

select * from final
