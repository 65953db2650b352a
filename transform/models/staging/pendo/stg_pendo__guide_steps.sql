with

source as (

    select * from {{ source('pendo', 'guides__steps') }}

),

renamed as (

    select
        ---------- ids
        id as guide_step_id,
        guide_id,

        ---------- strings
        name as step_name,
        type as step_type,
        advance_method,

        ---------- numerics
        -- Pendo returns steps in display order; dlt keeps that order in _dlt_list_idx (0-based).
        _dlt_list_idx + 1 as step_number,
        rank as step_rank,

        ---------- dlt lineage
        _dlt_parent_id as guide_dlt_row_id

    from source

)

select * from renamed
