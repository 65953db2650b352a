with

events as (

    select * from {{ ref('stg_pendo__events') }}

),

account_days as (

    select
        account_id,
        activity_date,
        count(distinct visitor_id) as active_visitors,
        cast(sum(num_events) as bigint) as total_events,
        cast(sum(num_minutes) as bigint) as total_minutes

    from events
    where account_id is not null
    group by 1, 2

)

select * from account_days
