{#
    Every guide step `guides` lists, in order, and every step a guide event uses that it no longer lists (a step
    removed from its guide). Removed steps have no number and no place in the closed funnel, but their events still
    count as seen, advanced and dismissed.
#}
with

listed_steps as (

    select * from {{ ref('int_pendo__guide_steps_ordered') }}

),

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

removed_steps as (

    select
        guide_events.guide_step_id,
        min(guide_events.guide_id) as guide_id

    from guide_events
    left join listed_steps
        on guide_events.guide_step_id = listed_steps.guide_step_id
    where
        guide_events.guide_step_id is not null
        and guide_events.guide_id is not null
        and listed_steps.guide_step_id is null
    group by 1

),

final as (

    select
        guide_step_id,
        guide_id,
        step_name,
        step_type,
        advance_method,
        step_number,
        step_rank,
        guide_step_count,
        is_first_step,
        is_last_step,
        true as is_listed_by_pendo

    from listed_steps

    union all

    select
        guide_step_id,
        guide_id,
        cast(null as {{ dbt.type_string() }}) as step_name,
        cast(null as {{ dbt.type_string() }}) as step_type,
        cast(null as {{ dbt.type_string() }}) as advance_method,
        cast(null as bigint) as step_number,
        cast(null as bigint) as step_rank,
        cast(null as bigint) as guide_step_count,
        false as is_first_step,
        false as is_last_step,
        false as is_listed_by_pendo

    from removed_steps

)

select * from final
