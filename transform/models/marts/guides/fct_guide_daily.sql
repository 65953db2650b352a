{#
    Guide x day, for the days with any event of the guide. One column per guide event type of Pendo's fixed list
    (never pivoted from the data), so the columns are the same for every subscription.
#}
with

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

{# The control group is left out of every count but its own, as in the other guide marts. #}
control_group_visitors as (

    select distinct
        guide_id,
        visitor_id

    from {{ ref('int_pendo__guide_step_visitors') }}
    where is_control_group

),

events_with_control_group as (

    select
        guide_events.*,
        control_group_visitors.visitor_id is not null as is_control_group

    from guide_events
    left join control_group_visitors
        on
            guide_events.guide_id = control_group_visitors.guide_id
            and guide_events.visitor_id = control_group_visitors.visitor_id

),

visitor_progress as (

    select * from {{ ref('fct_guide_visitor_progress') }}

),

daily_events as (

    select
        guide_id,
        activity_date,
        count(*) as guide_events,
        count(distinct case when event_type = 'guideSeen' and not is_control_group then visitor_id end)
            as visitors_seen,
        count(distinct case when event_type = 'guideAdvanced' and not is_control_group then visitor_id end)
            as visitors_advanced,
        count(distinct case when event_type = 'guideDismissed' and not is_control_group then visitor_id end)
            as visitors_dismissed,
        count(distinct case when event_type = 'guideSnoozed' and not is_control_group then visitor_id end)
            as visitors_snoozed,
        count(distinct case when event_type = 'guideActivity' and not is_control_group then visitor_id end)
            as visitors_with_activity,
        count(distinct case when event_type = 'guideTimeout' and not is_control_group then visitor_id end)
            as visitors_timed_out,
        count(distinct case when event_type = 'guideNotSeen' and is_control_group then visitor_id end)
            as visitors_in_control_group,
        count(distinct case when event_type = 'guideSeen' and not is_control_group then account_id end)
            as accounts_seen

    from events_with_control_group
    group by 1, 2

),

daily_first_seen as (

    select
        guide_id,
        first_seen_date as activity_date,
        count(*) as visitors_first_seen

    from visitor_progress
    group by 1, 2

),

daily_entries as (

    select
        guide_id,
        entered_date as activity_date,
        count(*) as visitors_entered

    from visitor_progress
    where is_entered
    group by 1, 2

),

daily_completions as (

    select
        guide_id,
        completed_date as activity_date,
        count(*) as visitors_completed

    from visitor_progress
    where is_completed
    group by 1, 2

),

final as (

    select
        daily_events.guide_id,
        daily_events.activity_date,
        daily_events.guide_events,
        daily_events.visitors_seen,
        daily_events.visitors_advanced,
        daily_events.visitors_dismissed,
        daily_events.visitors_snoozed,
        daily_events.visitors_with_activity,
        daily_events.visitors_timed_out,
        daily_events.visitors_in_control_group,
        daily_events.accounts_seen,
        coalesce(daily_first_seen.visitors_first_seen, 0) as visitors_first_seen,
        coalesce(daily_entries.visitors_entered, 0) as visitors_entered,
        coalesce(daily_completions.visitors_completed, 0) as visitors_completed

    from daily_events
    left join daily_first_seen
        on
            daily_events.guide_id = daily_first_seen.guide_id
            and daily_events.activity_date = daily_first_seen.activity_date
    left join daily_entries
        on
            daily_events.guide_id = daily_entries.guide_id
            and daily_events.activity_date = daily_entries.activity_date
    left join daily_completions
        on
            daily_events.guide_id = daily_completions.guide_id
            and daily_events.activity_date = daily_completions.activity_date

)

select * from final
