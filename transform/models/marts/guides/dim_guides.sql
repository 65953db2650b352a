with

guides as (

    select * from {{ ref('stg_pendo__guides') }}

),

guide_steps as (

    select * from {{ ref('int_pendo__guide_steps_ordered') }}

),

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

visitor_progress as (

    select * from {{ ref('fct_guide_visitor_progress') }}

),

all_guide_ids as (

    select * from {{ ref('int_pendo__guide_ids') }}

),

step_counts as (

    select
        guide_id,
        count(*) as step_count

    from guide_steps
    group by 1

),

event_summary as (

    select
        guide_id,
        count(*) as guide_events,
        min(activity_date) as first_event_date,
        max(activity_date) as last_event_date

    from guide_events
    group by 1

),

{# The control group since the guide's last reset (doc metric_guide_control_group). #}
control_groups as (

    select
        guide_id,
        count(distinct visitor_id) as visitors_in_control_group

    from {{ ref('int_pendo__guide_step_visitors') }}
    where is_control_group
    group by 1

),

outcomes as (

    select
        guide_id,
        count(*) as visitors_seen,
        count(case when is_entered then 1 end) as visitors_entered,
        count(case when is_completed then 1 end) as visitors_completed,
        count(case when outcome = 'dismissed' then 1 end) as visitors_dismissed,
        count(case when outcome = 'snoozed' then 1 end) as visitors_snoozed,
        count(case when outcome = 'in_progress' then 1 end) as visitors_in_progress

    from visitor_progress
    group by 1

),

final as (

    select
        all_guide_ids.guide_id,
        guides.app_id,
        guides.guide_name,
        guides.guide_state,
        guides.launch_method,
        coalesce(step_counts.step_count, 0) as step_count,
        coalesce(event_summary.guide_events, 0) as guide_events,
        coalesce(outcomes.visitors_seen, 0) as visitors_seen,
        coalesce(outcomes.visitors_entered, 0) as visitors_entered,
        coalesce(outcomes.visitors_completed, 0) as visitors_completed,
        coalesce(outcomes.visitors_dismissed, 0) as visitors_dismissed,
        coalesce(outcomes.visitors_snoozed, 0) as visitors_snoozed,
        coalesce(outcomes.visitors_in_progress, 0) as visitors_in_progress,
        coalesce(control_groups.visitors_in_control_group, 0) as visitors_in_control_group,
        {{ pendo_ratio('outcomes.visitors_completed', 'outcomes.visitors_entered') }} as completion_rate,
        guides.is_multi_step,
        guides.guide_id is not null as has_definition,
        all_guide_ids.is_listed_by_pendo,
        event_summary.first_event_date,
        event_summary.last_event_date,
        guides.created_at,
        guides.last_updated_at,
        guides.published_at

    from all_guide_ids
    left join guides
        on all_guide_ids.guide_id = guides.guide_id
    left join step_counts
        on all_guide_ids.guide_id = step_counts.guide_id
    left join event_summary
        on all_guide_ids.guide_id = event_summary.guide_id
    left join outcomes
        on all_guide_ids.guide_id = outcomes.guide_id
    left join control_groups
        on all_guide_ids.guide_id = control_groups.guide_id

)

select * from final
