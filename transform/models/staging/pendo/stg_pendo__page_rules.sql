with

source as (

    select * from {{ source('pendo', 'pages__rules') }}

),

renamed as (

    select
        ---------- ids
        _dlt_id as page_rule_id,
        _dlt_parent_id as page_dlt_row_id,

        ---------- strings
        rule as url_rule,
        designer_hint,
        parsed_rule as url_regex,

        ---------- numerics
        _dlt_list_idx + 1 as rule_number

    from source

)

select * from renamed
