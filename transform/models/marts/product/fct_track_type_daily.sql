{# Track type x day, for the days the product's code sent the track event. #}
with

track_events as (

    select * from {{ ref('stg_pendo__track_events') }}

),

final as (

    select
        track_type_id,
        activity_date,
        cast(sum(num_events) as bigint) as track_events,
        count(distinct visitor_id) as visitors,
        count(distinct account_id) as accounts

    from track_events
    group by 1, 2

)

select * from final
