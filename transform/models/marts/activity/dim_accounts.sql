with

accounts as (

    select * from {{ ref('stg_pendo__accounts') }}

),

visitors as (

    select * from {{ ref('stg_pendo__visitors') }}

),

events as (

    select * from {{ ref('stg_pendo__events') }}

),

account_days as (

    select * from {{ ref('int_pendo__account_days') }}

),

all_account_ids as (

    select * from {{ ref('int_pendo__account_ids') }}

),

poll_responses as (

    select * from {{ ref('fct_poll_responses') }}

),

lifetime_activity as (

    select
        account_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(*) as active_days,
        count(distinct {{ pendo_period_start('month', 'activity_date') }}) as active_months,
        cast(sum(total_events) as bigint) as total_events,
        cast(sum(total_minutes) as bigint) as total_minutes

    from account_days
    group by 1

),

{# Distinct visitors over the account's whole history: a visitor active on many days counts once. #}
lifetime_visitors as (

    select
        account_id,
        count(distinct visitor_id) as active_visitors

    from events
    where account_id is not null
    group by 1

),

associated_visitors as (

    select
        account_id,
        count(*) as associated_visitors

    from visitors
    where account_id is not null
    group by 1

),

{# Each visitor's latest NPS score given while in the account (metric_account_nps_range). #}
latest_nps_responses as (

    select
        account_id,
        visitor_id,
        response_score,
        row_number() over (
            partition by account_id, visitor_id order by responded_at desc, poll_event_id desc
        ) as recency_rank

    from poll_responses
    where response_score is not null and {{ pendo_is_nps_poll_type('poll_type') }} and account_id is not null

),

account_nps as (

    select
        account_id,
        count(*) as nps_respondents,
        min(response_score) as min_nps_score,
        max(response_score) as max_nps_score,
        avg(cast(response_score as {{ pendo_type_double() }})) as avg_nps_score

    from latest_nps_responses
    where recency_rank = 1
    group by 1

),

final as (

    select
        all_account_ids.account_id,
        accounts.account_name,
        coalesce(lifetime_visitors.active_visitors, 0) as active_visitors,
        coalesce(associated_visitors.associated_visitors, 0) as associated_visitors,
        coalesce(lifetime_activity.active_days, 0) as active_days,
        coalesce(lifetime_activity.active_months, 0) as active_months,
        coalesce(lifetime_activity.total_events, 0) as total_events,
        coalesce(lifetime_activity.total_minutes, 0) as total_minutes,
        coalesce(account_nps.nps_respondents, 0) as nps_respondents,
        account_nps.min_nps_score,
        account_nps.max_nps_score,
        account_nps.avg_nps_score,
        accounts.account_id is not null as has_metadata,
        all_account_ids.is_listed_by_pendo,
        lifetime_activity.first_active_date,
        lifetime_activity.last_active_date,
        accounts.first_visit_at,
        accounts.last_visit_at,
        accounts.last_updated_at

    from all_account_ids
    left join accounts
        on all_account_ids.account_id = accounts.account_id
    left join lifetime_activity
        on all_account_ids.account_id = lifetime_activity.account_id
    left join lifetime_visitors
        on all_account_ids.account_id = lifetime_visitors.account_id
    left join associated_visitors
        on all_account_ids.account_id = associated_visitors.account_id
    left join account_nps
        on all_account_ids.account_id = account_nps.account_id

)

select * from final
