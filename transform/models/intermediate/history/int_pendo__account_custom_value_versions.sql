with

snapshot as (

    select * from {{ ref('snap_pendo__account_custom_values') }}

),

versions as (

    select
        account_id,
        field_name,
        field_value,
        {{ pendo_history_version_columns(['account_id', 'field_name']) }}

    from snapshot

)

select * from versions
