with

guide_steps as (

    select * from {{ ref('stg_pendo__guide_steps') }}

),

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

step_visitors_seen as (

    select
        guide_step_id,
        count(distinct visitor_id) as visitors_seen

    from guide_events
    where event_type = 'guideSeen'
    group by 1

),

final as (

    select
        guide_steps.guide_id,
        guide_steps.guide_step_id,
        guide_steps.step_number,
        coalesce(step_visitors_seen.visitors_seen, 0) as visitors_seen

    from guide_steps
    left join step_visitors_seen
        on guide_steps.guide_step_id = step_visitors_seen.guide_step_id

)

select * from final
