with

source as (

    select * from {{ source('pendo', 'visitor_metadata_schema') }}

),

renamed as (

    select
        ---------- ids
        group_name as metadata_group,
        field_name,

        ---------- strings
        type as field_type,
        display_name,

        ---------- booleans
        is_hidden,
        is_deleted,
        is_calculated,
        is_per_app

    from source

)

select * from renamed
