with

snapshot as (

    select * from {{ ref('snap_pendo__visitor_custom_values') }}

),

versions as (

    select
        visitor_id,
        field_name,
        field_value,
        {{ pendo_history_version_columns(['visitor_id', 'field_name']) }}

    from snapshot

)

select * from versions
