{{
    config(
        materialized='incremental',
        incremental_strategy=pendo_incremental_strategy(),
        unique_key='activity_date',
        partition_by=pendo_incremental_partitions(['activity_date']),
        on_schema_change='append_new_columns',
    )
}}

{#
    Incremental: each run rebuilds the whole days that hold rows loaded since its last run (macros/pendo_incremental.sql;
    unique_key activity_date replaces every row of a rebuilt day, so a visitor-day can also disappear when Pendo
    re-aggregates).
#}
{%- set load_sources = [ref('stg_pendo__events'), ref('stg_pendo__page_events'), ref('stg_pendo__feature_events')] -%}

with

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}
    {% if is_incremental() %}
        where activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
    {% endif %}

),

page_events as (

    select * from {{ ref('stg_pendo__page_events') }}
    {% if is_incremental() %}
        where activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
    {% endif %}

),

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}
    {% if is_incremental() %}
        where activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
    {% endif %}

),

visitor_page_days as (

    select
        visitor_id,
        activity_date,
        count(distinct page_id) as pages_viewed,
        cast(sum(num_events) as bigint) as page_views

    from page_events
    group by 1, 2

),

visitor_feature_days as (

    select
        visitor_id,
        activity_date,
        count(distinct feature_id) as features_used,
        cast(sum(num_events) as bigint) as feature_clicks

    from feature_events
    group by 1, 2

),

day_load_ids as (

    {{ pendo_load_ids_by_day(load_sources) }}

),

final as (

    select
        visitor_days.visitor_id,
        visitor_days.activity_date,
        visitor_days.is_anonymous_visitor,
        visitor_days.total_events,
        visitor_days.total_minutes,
        coalesce(visitor_page_days.pages_viewed, 0) as pages_viewed,
        coalesce(visitor_page_days.page_views, 0) as page_views,
        coalesce(visitor_feature_days.features_used, 0) as features_used,
        coalesce(visitor_feature_days.feature_clicks, 0) as feature_clicks,
        visitor_days.accounts,
        visitor_days.first_event_at,
        visitor_days.last_event_at,
        day_load_ids.source_load_id

    from visitor_days
    left join visitor_page_days
        on
            visitor_days.visitor_id = visitor_page_days.visitor_id
            and visitor_days.activity_date = visitor_page_days.activity_date
    left join visitor_feature_days
        on
            visitor_days.visitor_id = visitor_feature_days.visitor_id
            and visitor_days.activity_date = visitor_feature_days.activity_date

    left join day_load_ids
        on visitor_days.activity_date = day_load_ids.activity_date
)

select * from final
