{# Feature adoption: one row per visitor and feature the visitor ever used. #}
with

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}

),

final as (

    select
        visitor_id,
        feature_id,
        cast(sum(num_events) as bigint) as total_clicks,
        cast(sum(num_minutes) as bigint) as total_minutes,
        count(distinct activity_date) as active_days,
        min(activity_date) as first_used_date,
        max(activity_date) as last_used_date,
        min(first_event_at) as first_used_at,
        max(last_event_at) as last_used_at

    from feature_events
    group by 1, 2

)

select * from final
