{#
    Guide x step x visitor: when the visitor first saw, advanced, dismissed and snoozed each step, and whether they
    reached it on the closed funnel. Every visitor with an event on a guide gets a row for every step of the guide, so
    that the closed path can be followed step by step. Control-group visitors are kept and flagged; marts leave them out.
    Steps removed from their guide (not listed by Pendo) keep their events' times but are never reached: the closed
    funnel runs over the listed steps only.
#}
with

guide_steps as (

    select * from {{ ref('int_pendo__guide_steps_with_orphans') }}

),

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

guides as (

    select * from {{ ref('stg_pendo__guides') }}

),

{# A guideNotSeen puts the visitor in the control group until the guide is reset (doc metric_guide_control_group). #}
control_group_visitors as (

    select distinct
        guide_events.guide_id,
        guide_events.visitor_id

    from guide_events
    left join guides
        on guide_events.guide_id = guides.guide_id
    where
        guide_events.event_type = 'guideNotSeen'
        and (guides.reset_at is null or guide_events.occurred_at >= guides.reset_at)

),

step_events as (

    select
        guide_events.guide_id,
        guide_events.guide_step_id,
        guide_events.visitor_id,
        guide_events.event_type,
        guide_events.occurred_at,
        min(case when guide_events.event_type = 'guideSeen' then guide_events.occurred_at end) over (
            partition by guide_events.guide_id, guide_events.guide_step_id, guide_events.visitor_id
        ) as first_seen_on_step_at

    from guide_events
    inner join guide_steps
        on
            guide_events.guide_id = guide_steps.guide_id
            and guide_events.guide_step_id = guide_steps.guide_step_id

),

step_visitor_times as (

    select
        guide_id,
        guide_step_id,
        visitor_id,
        min(first_seen_on_step_at) as first_seen_at,
        count(case when event_type = 'guideSeen' then 1 end) as seen_events,
        min(case when event_type = 'guideAdvanced' then occurred_at end) as first_advanced_at,
        min(
            case when event_type = 'guideAdvanced' and occurred_at >= first_seen_on_step_at then occurred_at end
        ) as first_advanced_after_seen_at,
        min(case when event_type = 'guideDismissed' then occurred_at end) as first_dismissed_at,
        min(case when event_type = 'guideSnoozed' then occurred_at end) as first_snoozed_at

    from step_events
    group by 1, 2, 3

),

guide_visitors as (

    select distinct
        guide_id,
        visitor_id

    from step_visitor_times

),

all_steps_per_visitor as (

    select
        guide_visitors.guide_id,
        guide_steps.guide_step_id,
        guide_steps.step_number,
        guide_steps.is_last_step,
        guide_steps.is_listed_by_pendo,
        guide_visitors.visitor_id,
        control_group_visitors.visitor_id is not null as is_control_group,
        step_visitor_times.first_seen_at,
        coalesce(step_visitor_times.seen_events, 0) as seen_events,
        step_visitor_times.first_advanced_at,
        step_visitor_times.first_advanced_after_seen_at,
        step_visitor_times.first_dismissed_at,
        step_visitor_times.first_snoozed_at

    from guide_visitors
    inner join guide_steps
        on guide_visitors.guide_id = guide_steps.guide_id
    left join step_visitor_times
        on
            guide_visitors.guide_id = step_visitor_times.guide_id
            and guide_visitors.visitor_id = step_visitor_times.visitor_id
            and guide_steps.guide_step_id = step_visitor_times.guide_step_id
    left join control_group_visitors
        on
            guide_visitors.guide_id = control_group_visitors.guide_id
            and guide_visitors.visitor_id = control_group_visitors.visitor_id

),

{#
    Whether a step keeps the closed path open (doc metric_step_reached): step 1 only when seen; a later step when it
    was not seen (a branch skipped it) or first seen not before any earlier step. Removed steps are never on it.
#}
steps_in_order as (

    select
        *,
        case
            when not is_listed_by_pendo then 0
            when step_number = 1 and first_seen_at is null then 0
            when first_seen_at is null or step_number = 1 then 1
            when
                first_seen_at >= coalesce(
                    max(first_seen_at) over (
                        partition by guide_id, visitor_id, is_listed_by_pendo
                        order by step_number rows between unbounded preceding and 1 preceding
                    ),
                    first_seen_at
                )
                then 1
            else 0
        end as is_step_in_order

    from all_steps_per_visitor

),

{# Reached on the closed funnel: seen, with this step and every step before it keeping the path open. #}
closed_funnel as (

    select
        guide_id,
        guide_step_id,
        step_number,
        is_last_step,
        is_listed_by_pendo,
        visitor_id,
        is_control_group,
        first_seen_at,
        seen_events,
        first_advanced_at,
        first_advanced_after_seen_at,
        first_dismissed_at,
        first_snoozed_at,
        first_seen_at is not null
        and min(is_step_in_order) over (
            partition by guide_id, visitor_id, is_listed_by_pendo
            order by step_number rows between unbounded preceding and current row
        ) = 1 as is_reached

    from steps_in_order

)

select * from closed_funnel
