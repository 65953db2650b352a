with

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}

),

versions as (

    select * from {{ ref('int_pendo__visitor_custom_value_versions') }}

),

{# Each active day gets, per field, the version in effect at the day's end (metric_attribute_of_the_day). #}
values_of_the_day as (

    select
        visitor_days.visitor_id,
        visitor_days.activity_date,
        versions.field_name,
        versions.field_value,
        versions.version_number

    from visitor_days
    inner join versions
        on
            visitor_days.visitor_id = versions.visitor_id
            and {{ pendo_history_covers('versions', 'visitor_days.activity_date') }}

),

final as (

    select * from values_of_the_day

)

select * from final
