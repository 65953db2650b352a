with

guide_steps as (

    select * from {{ ref('int_pendo__guide_steps_with_orphans') }}

),

step_visitors as (

    select * from {{ ref('int_pendo__guide_step_visitors') }}
    where not is_control_group

),

visitor_progress as (

    select * from {{ ref('fct_guide_visitor_progress') }}

),

{# Each visitor's furthest step reached, to count who went on from a step by any path. #}
step_visitors_with_furthest as (

    select
        *,
        max(case when is_reached then step_number end) over (partition by guide_id, visitor_id)
            as furthest_step_reached

    from step_visitors

),

step_counts as (

    select
        guide_step_id,
        count(case when first_seen_at is not null then 1 end) as visitors_seen,
        count(case when first_advanced_at is not null then 1 end) as visitors_advanced,
        count(case when first_dismissed_at is not null then 1 end) as visitors_dismissed,
        count(case when first_snoozed_at is not null then 1 end) as visitors_snoozed,
        count(case when is_reached then 1 end) as visitors_reached,
        count(case when is_reached and furthest_step_reached > step_number then 1 end) as visitors_reached_later_step

    from step_visitors_with_furthest
    group by 1

),

guide_completions as (

    select
        guide_id,
        count(case when is_completed then 1 end) as visitors_completed

    from visitor_progress
    group by 1

),

steps_with_counts as (

    select
        guide_steps.guide_id,
        guide_steps.guide_step_id,
        guide_steps.step_number,
        guide_steps.is_last_step,
        guide_steps.is_listed_by_pendo,
        coalesce(step_counts.visitors_seen, 0) as visitors_seen,
        coalesce(step_counts.visitors_advanced, 0) as visitors_advanced,
        coalesce(step_counts.visitors_dismissed, 0) as visitors_dismissed,
        coalesce(step_counts.visitors_snoozed, 0) as visitors_snoozed,
        coalesce(step_counts.visitors_reached, 0) as visitors_reached,
        coalesce(step_counts.visitors_reached_later_step, 0) as visitors_reached_later_step,
        coalesce(guide_completions.visitors_completed, 0) as guide_visitors_completed

    from guide_steps
    left join step_counts
        on guide_steps.guide_step_id = step_counts.guide_step_id
    left join guide_completions
        on guide_steps.guide_id = guide_completions.guide_id

),

{#
    Drop-off at step n is reached(n) minus those who reached a later step (by any path), and reached(n) - completed
    at the guide's last step. A step removed from its guide is off the closed funnel: no drop-off or conversion.
#}
next_steps as (

    select
        guide_id,
        guide_step_id,
        step_number,
        is_last_step,
        is_listed_by_pendo,
        visitors_seen,
        visitors_advanced,
        visitors_dismissed,
        visitors_snoozed,
        visitors_reached,
        guide_visitors_completed,
        case
            when is_listed_by_pendo and not is_last_step then visitors_reached_later_step
        end as visitors_reached_later_step,
        max(case when step_number = 1 then visitors_reached end) over (partition by guide_id) as visitors_entered

    from steps_with_counts

),

drop_offs as (

    select
        *,
        case
            when is_listed_by_pendo
                then visitors_reached - coalesce(visitors_reached_later_step, guide_visitors_completed)
        end as visitors_dropped_off

    from next_steps

),

final as (

    select
        guide_id,
        guide_step_id,
        step_number,
        is_last_step,
        is_listed_by_pendo,
        visitors_seen,
        visitors_advanced,
        visitors_dismissed,
        visitors_snoozed,
        visitors_reached,
        visitors_reached_later_step,
        visitors_dropped_off,
        {{ pendo_ratio('visitors_reached_later_step', 'visitors_reached') }} as step_conversion_rate,
        case
            when is_listed_by_pendo then {{ pendo_ratio('visitors_reached', 'visitors_entered') }}
        end as cumulative_conversion_rate,
        {{ pendo_ratio('visitors_dropped_off', 'visitors_reached') }} as drop_off_rate

    from drop_offs

)

select * from final
