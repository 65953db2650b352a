with

versions as (

    select * from {{ ref('int_pendo__account_custom_value_versions') }}

),

final as (

    select
        account_id,
        field_name,
        field_value,
        version_number,
        valid_from,
        valid_to,
        is_current,
        effective_from_date,
        effective_to_date

    from versions

)

select * from final
