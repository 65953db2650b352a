with

snapshot as (

    select * from {{ ref('snap_pendo__guide_steps') }}

),

final as (

    select
        guide_step_id,
        guide_id,
        step_name,
        step_type,
        advance_method,
        step_number,
        {{ pendo_history_version_columns(['guide_step_id']) }}

    from snapshot

)

select * from final
