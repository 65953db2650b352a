with

guide_steps as (

    select * from {{ ref('int_pendo__guide_steps_with_orphans') }}

),

guides as (

    select * from {{ ref('stg_pendo__guides') }}

),

final as (

    select
        guide_steps.guide_step_id,
        guide_steps.guide_id,
        guides.guide_name,
        guide_steps.step_name,
        guide_steps.step_type,
        guide_steps.advance_method,
        guide_steps.step_number,
        guide_steps.step_rank,
        guide_steps.guide_step_count,
        guide_steps.is_first_step,
        guide_steps.is_last_step,
        guide_steps.is_listed_by_pendo

    from guide_steps
    left join guides
        on guide_steps.guide_id = guides.guide_id

)

select * from final
