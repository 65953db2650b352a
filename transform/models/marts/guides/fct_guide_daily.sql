{#
    Guide x day, for the days with any event of the guide. One column per guide event type of Pendo's fixed list
    (never pivoted from the data), so the columns are the same for every subscription.
#}
with

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

visitor_progress as (

    select * from {{ ref('fct_guide_visitor_progress') }}

),

daily_events as (

    select
        guide_id,
        activity_date,
        count(*) as guide_events,
        count(distinct case when event_type = 'guideSeen' then visitor_id end) as visitors_seen,
        count(distinct case when event_type = 'guideAdvanced' then visitor_id end) as visitors_advanced,
        count(distinct case when event_type = 'guideDismissed' then visitor_id end) as visitors_dismissed,
        count(distinct case when event_type = 'guideSnoozed' then visitor_id end) as visitors_snoozed,
        count(distinct case when event_type = 'guideActivity' then visitor_id end) as visitors_with_activity,
        count(distinct case when event_type = 'guideTimeout' then visitor_id end) as visitors_timed_out,
        count(distinct case when event_type = 'guideNotSeen' then visitor_id end) as visitors_in_control_group,
        count(distinct case when event_type = 'guideSeen' then account_id end) as accounts_seen

    from guide_events
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
