with

source as (

    select * from {{ source('pendo', 'guides__polls') }}

),

renamed as (

    select
        ---------- ids
        id as poll_id,

        ---------- strings
        question as poll_question,
        attributes__type as poll_type,

        ---------- numerics
        -- Pendo returns a guide's polls in order; dlt keeps that order in _dlt_list_idx (0-based).
        _dlt_list_idx + 1 as poll_number,

        ---------- dlt lineage
        _dlt_parent_id as guide_dlt_row_id

    from source

)

select * from renamed
