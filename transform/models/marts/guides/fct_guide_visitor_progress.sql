{%- set completion_rule = pendo_guide_completion_rule() -%}

with

step_visitors as (

    select * from {{ ref('int_pendo__guide_step_visitors') }}
    where not is_control_group

),

progress as (

    select
        guide_id,
        visitor_id,
        min(first_seen_at) as first_seen_at,
        max(case when step_number = 1 and is_reached then first_seen_at end) as entered_at,
        coalesce(max(case when is_reached then step_number end), 0) as furthest_step_reached,
        coalesce(max(case when first_seen_at is not null then step_number end), 0) as furthest_step_seen,
        max(case when is_last_step and is_reached then first_seen_at end) as last_step_first_seen_at,
        max(case when is_last_step and is_reached then first_advanced_after_seen_at end) as last_step_advanced_at,
        min(first_dismissed_at) as dismissed_at,
        min(first_snoozed_at) as snoozed_at

    from step_visitors
    group by 1, 2

),

first_dismissals as (

    select
        guide_id,
        visitor_id,
        step_number as dismissed_step_number,
        row_number() over (partition by guide_id, visitor_id order by first_dismissed_at, step_number) as dismissal_rank

    from step_visitors
    where first_dismissed_at is not null

),

{# The population of metric_guide_outcome: non-control visitors who saw any step of the guide. #}
rule_completions as (

    select
        progress.*,
        {% if completion_rule == 'last_step_advanced' %}
            progress.last_step_advanced_at as rule_completed_at
        {% else %}
            progress.last_step_first_seen_at as rule_completed_at
        {% endif %}

    from progress
    where progress.first_seen_at is not null

),

{# Outcome precedence (doc metric_guide_outcome): a dismissal before the completion makes the visitor dismissed. #}
completions as (

    select
        *,
        case
            when dismissed_at is null or rule_completed_at <= dismissed_at then rule_completed_at
        end as completed_at

    from rule_completions

),

final as (

    select
        completions.guide_id,
        completions.visitor_id,
        case
            when completions.completed_at is not null then 'completed'
            when completions.dismissed_at is not null then 'dismissed'
            when completions.snoozed_at is not null then 'snoozed'
            else 'in_progress'
        end as outcome,
        completions.furthest_step_reached,
        completions.furthest_step_seen,
        first_dismissals.dismissed_step_number,
        cast(
            {{ dbt.datediff('completions.entered_at', 'completions.completed_at', 'millisecond') }}
            as {{ pendo_type_double() }}
        ) / 1000 as seconds_to_complete,
        {{ pendo_is_anonymous_visitor('completions.visitor_id') }} as is_anonymous_visitor,
        completions.entered_at is not null as is_entered,
        completions.completed_at is not null as is_completed,
        completions.dismissed_at is not null as is_dismissed,
        completions.snoozed_at is not null as is_snoozed,
        {{ pendo_local_date_of_timestamp('completions.first_seen_at') }} as first_seen_date,
        {{ pendo_local_date_of_timestamp('completions.entered_at') }} as entered_date,
        {{ pendo_local_date_of_timestamp('completions.completed_at') }} as completed_date,
        completions.first_seen_at,
        completions.entered_at,
        completions.completed_at,
        completions.dismissed_at,
        completions.snoozed_at

    from completions
    left join first_dismissals
        on
            completions.guide_id = first_dismissals.guide_id
            and completions.visitor_id = first_dismissals.visitor_id
            and first_dismissals.dismissal_rank = 1

)

select * from final
