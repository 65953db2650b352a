with

account_days as (

    select * from {{ ref('int_pendo__account_days') }}

),

versions as (

    select * from {{ ref('int_pendo__account_custom_value_versions') }}

),

{# Each active day gets, per field, the version in effect at the day's end (metric_attribute_of_the_day). #}
values_of_the_day as (

    select
        account_days.account_id,
        account_days.activity_date,
        versions.field_name,
        versions.field_value,
        versions.version_number

    from account_days
    inner join versions
        on
            account_days.account_id = versions.account_id
            and {{ pendo_history_covers('versions', 'account_days.activity_date') }}

),

final as (

    select * from values_of_the_day

)

select * from final
