{#
    Step order comes from the order Pendo lists a guide's steps in (dlt's _dlt_list_idx); each step's `rank` orders
    them too. If the two ever disagree, the funnels' step numbers need a look: warn, do not stop the pipeline.
#}
{{ config(severity='warn') }}

with

guide_steps as (

    select * from {{ ref('stg_pendo__guide_steps') }}

),

ranked as (

    select
        guide_id,
        guide_step_id,
        step_number,
        step_rank,
        row_number() over (partition by guide_id order by step_rank, step_number) as number_by_rank

    from guide_steps

)

select * from ranked
where step_number != number_by_rank
