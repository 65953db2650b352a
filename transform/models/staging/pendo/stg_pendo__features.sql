with

source as (

    select * from {{ source('pendo', 'features') }}

),

renamed as (

    select
        ---------- ids
        id as feature_id,
        app_id,
        page_id,

        ---------- strings
        name as feature_name,
        group__name as product_area,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('created_at') }} as created_at,
        {{ pendo_epoch_ms_to_timestamp('last_updated_at') }} as last_updated_at

    from source

)

select * from renamed
