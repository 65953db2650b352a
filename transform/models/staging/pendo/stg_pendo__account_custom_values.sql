with

source as (

    select * from {{ source('pendo', 'accounts') }}

),

{# One row per account and custom field: the raw table's metadata__custom__* columns, put back to Pendo's shape. #}
renamed as (

    {{ pendo_custom_metadata_values(source('pendo', 'accounts'), 'account_id', 'source') }}

)

select * from renamed
