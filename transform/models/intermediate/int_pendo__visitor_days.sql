with

events as (

    select * from {{ ref('stg_pendo__events') }}

),

visitor_days as (

    select
        visitor_id,
        activity_date,
        is_anonymous_visitor,
        cast(sum(num_events) as bigint) as total_events,
        cast(sum(num_minutes) as bigint) as total_minutes,
        count(distinct account_id) as accounts,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at

    from events
    group by 1, 2, 3

)

select * from visitor_days
