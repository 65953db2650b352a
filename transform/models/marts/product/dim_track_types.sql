with

track_types as (

    select * from {{ ref('stg_pendo__track_types') }}

),

track_events as (

    select * from {{ ref('stg_pendo__track_events') }}

),

all_track_type_ids as (

    select * from {{ ref('int_pendo__track_type_ids') }}

),

lifetime_usage as (

    select
        track_type_id,
        cast(sum(num_events) as bigint) as track_events,
        count(distinct visitor_id) as visitors,
        count(distinct account_id) as accounts,
        min(activity_date) as first_sent_date,
        max(activity_date) as last_sent_date

    from track_events
    group by 1

),

final as (

    select
        all_track_type_ids.track_type_id,
        track_types.app_id,
        track_types.track_type_name,
        track_types.track_event_name,
        coalesce(lifetime_usage.track_events, 0) as track_events,
        coalesce(lifetime_usage.visitors, 0) as visitors,
        coalesce(lifetime_usage.accounts, 0) as accounts,
        track_types.track_type_id is not null as has_definition,
        all_track_type_ids.is_listed_by_pendo,
        lifetime_usage.first_sent_date,
        lifetime_usage.last_sent_date,
        track_types.created_at,
        track_types.last_updated_at

    from all_track_type_ids
    left join track_types
        on all_track_type_ids.track_type_id = track_types.track_type_id
    left join lifetime_usage
        on all_track_type_ids.track_type_id = lifetime_usage.track_type_id

)

select * from final
