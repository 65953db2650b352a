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

lifetime_activity as (

    select
        account_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        count(*) as active_days,
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

final as (

    select
        all_account_ids.account_id,
        accounts.account_name,
        coalesce(lifetime_visitors.active_visitors, 0) as active_visitors,
        coalesce(associated_visitors.associated_visitors, 0) as associated_visitors,
        coalesce(lifetime_activity.active_days, 0) as active_days,
        coalesce(lifetime_activity.total_events, 0) as total_events,
        coalesce(lifetime_activity.total_minutes, 0) as total_minutes,
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

)

select * from final
