{{
    config(
        materialized='incremental',
        incremental_strategy=pendo_incremental_strategy(),
        unique_key='activity_date',
        partition_by=pendo_incremental_partitions(['activity_date']),
        on_schema_change='append_new_columns',
    )
}}

{# Incremental like fct_visitor_daily_activity: each run rebuilds the whole days loaded since its last run. #}
{%- set load_sources = [ref('stg_pendo__events'), ref('stg_pendo__page_events'), ref('stg_pendo__feature_events')] -%}

with

account_days as (

    select * from {{ ref('int_pendo__account_days') }}
    {% if is_incremental() %}
        where activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
    {% endif %}

),

page_events as (

    select * from {{ ref('stg_pendo__page_events') }}
    where
        account_id is not null
        {% if is_incremental() %}
            and activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
        {% endif %}

),

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}
    where
        account_id is not null
        {% if is_incremental() %}
            and activity_date in ({{ pendo_days_loaded_since_last_run(load_sources) }})
        {% endif %}

),

account_page_days as (

    select
        account_id,
        activity_date,
        count(distinct page_id) as pages_viewed,
        cast(sum(num_events) as bigint) as page_views

    from page_events
    group by 1, 2

),

account_feature_days as (

    select
        account_id,
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
        account_days.account_id,
        account_days.activity_date,
        account_days.active_visitors,
        account_days.total_events,
        account_days.total_minutes,
        coalesce(account_page_days.pages_viewed, 0) as pages_viewed,
        coalesce(account_page_days.page_views, 0) as page_views,
        coalesce(account_feature_days.features_used, 0) as features_used,
        coalesce(account_feature_days.feature_clicks, 0) as feature_clicks,
        day_load_ids.source_load_id

    from account_days
    left join account_page_days
        on
            account_days.account_id = account_page_days.account_id
            and account_days.activity_date = account_page_days.activity_date
    left join account_feature_days
        on
            account_days.account_id = account_feature_days.account_id
            and account_days.activity_date = account_feature_days.activity_date

    left join day_load_ids
        on account_days.activity_date = day_load_ids.activity_date
)

select * from final
