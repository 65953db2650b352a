with

snapshot as (

    select * from {{ ref('snap_pendo__features') }}

),

final as (

    select
        feature_id,
        app_id,
        page_id,
        feature_name,
        product_area,
        {{ pendo_history_version_columns(['feature_id']) }}

    from snapshot

)

select * from final
