with

guide_steps as (

    select * from {{ ref('stg_pendo__guide_steps') }}

),

ordered as (

    select
        guide_step_id,
        guide_id,
        step_name,
        step_type,
        advance_method,
        step_number,
        step_rank,
        count(*) over (partition by guide_id) as guide_step_count,
        step_number = 1 as is_first_step,
        step_number = count(*) over (partition by guide_id) as is_last_step

    from guide_steps

)

select * from ordered
