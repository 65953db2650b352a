with

snapshot as (

    select * from {{ ref('snap_pendo__pages') }}

),

final as (

    select
        page_id,
        app_id,
        page_name,
        product_area,
        {{ pendo_history_version_columns(['page_id']) }}

    from snapshot

)

select * from final
