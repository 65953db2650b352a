with

features as (

    select * from {{ ref('stg_pendo__features') }}

),

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}

),

all_feature_ids as (

    select * from {{ ref('int_pendo__feature_ids') }}

),

lifetime_usage as (

    select
        feature_id,
        cast(sum(num_events) as bigint) as clicks,
        cast(sum(num_minutes) as bigint) as total_minutes,
        count(distinct visitor_id) as visitors,
        count(distinct account_id) as accounts,
        min(activity_date) as first_used_date,
        max(activity_date) as last_used_date

    from feature_events
    group by 1

),

final as (

    select
        all_feature_ids.feature_id,
        features.app_id,
        features.page_id,
        features.feature_name,
        features.product_area,
        coalesce(lifetime_usage.clicks, 0) as clicks,
        coalesce(lifetime_usage.total_minutes, 0) as total_minutes,
        coalesce(lifetime_usage.visitors, 0) as visitors,
        coalesce(lifetime_usage.accounts, 0) as accounts,
        features.feature_id is not null as has_definition,
        all_feature_ids.is_listed_by_pendo,
        lifetime_usage.first_used_date,
        lifetime_usage.last_used_date,
        features.created_at,
        features.last_updated_at

    from all_feature_ids
    left join features
        on all_feature_ids.feature_id = features.feature_id
    left join lifetime_usage
        on all_feature_ids.feature_id = lifetime_usage.feature_id

)

select * from final
