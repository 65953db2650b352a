with

source as (

    select * from {{ source('pendo', 'pages') }}

),

renamed as (

    select
        ---------- ids
        id as page_id,
        app_id,

        ---------- strings
        name as page_name,
        group__name as product_area,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('created_at') }} as created_at,
        {{ pendo_epoch_ms_to_timestamp('last_updated_at') }} as last_updated_at,

        ---------- dlt lineage
        _dlt_id as dlt_row_id

    from source

)

select * from renamed
