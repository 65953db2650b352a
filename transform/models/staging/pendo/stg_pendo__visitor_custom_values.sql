with

source as (

    select * from {{ source('pendo', 'visitors') }}

),

{# One row per visitor and custom field: the raw table's metadata__custom__* columns, put back to Pendo's shape. #}
renamed as (

    {{ pendo_custom_metadata_values(source('pendo', 'visitors'), 'visitor_id', 'source') }}

)

select * from renamed
