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

control_group_visitors as (

    select distinct
        guide_id,
        visitor_id

    from guide_events
    where event_type = 'guideNotSeen'

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

{# A step is in order when it was seen, and (after step 1) not before the previous step was first seen. #}
steps_in_order as (

    select
        *,
        case
            when
                first_seen_at is not null
                and is_listed_by_pendo
                and (
                    step_number = 1
                    or first_seen_at >= lag(first_seen_at) over (
                        partition by guide_id, visitor_id, is_listed_by_pendo order by step_number
                    )
                )
                then 1
            else 0
        end as is_step_in_order

    from all_steps_per_visitor

),

{# Reached on the closed funnel: this step and every step before it are in order. #}
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
        min(is_step_in_order) over (
            partition by guide_id, visitor_id, is_listed_by_pendo
            order by step_number rows between unbounded preceding and current row
        ) = 1 as is_reached

    from steps_in_order

)

select * from closed_funnel
