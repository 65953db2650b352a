with

snapshot as (

    select * from {{ ref('snap_pendo__guides') }}

),

final as (

    select
        guide_id,
        app_id,
        guide_name,
        guide_state,
        launch_method,
        is_multi_step,
        published_at,
        reset_at,
        {{ pendo_history_version_columns(['guide_id']) }}

    from snapshot

)

select * from final
