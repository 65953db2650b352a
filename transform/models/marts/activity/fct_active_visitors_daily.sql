with

calendar_days as (

    select * from {{ ref('int_pendo__calendar_days') }}

),

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}
    {% if not var('pendo_include_anonymous_visitors') %}
        where not is_anonymous_visitor
    {% endif %}

),

events as (

    select * from {{ ref('stg_pendo__events') }}
    where account_id is not null

),

data_bounds as (

    select min(calendar_date) as first_date
    from calendar_days

),

first_active_dates as (

    select * from {{ ref('int_pendo__visitor_first_active_dates') }}

),

daily_visitors as (

    select
        visitor_days.activity_date,
        count(*) as active_visitors,
        count(case when not visitor_days.is_anonymous_visitor then 1 end) as active_identified_visitors,
        count(case when visitor_days.activity_date = first_active_dates.first_active_date then 1 end) as new_visitors,
        cast(sum(visitor_days.total_events) as bigint) as total_events,
        cast(sum(visitor_days.total_minutes) as bigint) as total_minutes

    from visitor_days
    inner join first_active_dates
        on visitor_days.visitor_id = first_active_dates.visitor_id
    group by 1

),

daily_accounts as (

    select
        activity_date,
        count(distinct account_id) as active_accounts

    from events
    {% if not var('pendo_include_anonymous_visitors') %}
        where not is_anonymous_visitor
    {% endif %}
    group by 1

),

{# Distinct visitors over the trailing 7 and 28 days ending on each day (the day included). #}
trailing_visitors as (

    select
        calendar_days.calendar_date as activity_date,
        count(
            distinct case
                when visitor_days.activity_date > {{ pendo_add_days('calendar_days.calendar_date', -7) }}
                    then visitor_days.visitor_id
            end
        ) as weekly_active_visitors,
        count(distinct visitor_days.visitor_id) as monthly_active_visitors

    from calendar_days
    inner join visitor_days
        on
            calendar_days.calendar_date >= visitor_days.activity_date
            and {{ pendo_add_days('calendar_days.calendar_date', -28) }} < visitor_days.activity_date
    group by 1

),

final as (

    select
        calendar_days.calendar_date as activity_date,
        coalesce(daily_visitors.active_visitors, 0) as active_visitors,
        coalesce(daily_visitors.active_identified_visitors, 0) as active_identified_visitors,
        coalesce(daily_accounts.active_accounts, 0) as active_accounts,
        coalesce(daily_visitors.new_visitors, 0) as new_visitors,
        coalesce(daily_visitors.active_visitors, 0) - coalesce(daily_visitors.new_visitors, 0) as returning_visitors,
        coalesce(trailing_visitors.weekly_active_visitors, 0) as weekly_active_visitors,
        coalesce(trailing_visitors.monthly_active_visitors, 0) as monthly_active_visitors,
        {{ pendo_ratio('coalesce(daily_visitors.active_visitors, 0)', 'trailing_visitors.monthly_active_visitors') }}
            as stickiness,
        {{ pendo_ratio('trailing_visitors.weekly_active_visitors', 'trailing_visitors.monthly_active_visitors') }}
            as weekly_stickiness,
        coalesce(daily_visitors.total_events, 0) as total_events,
        coalesce(daily_visitors.total_minutes, 0) as total_minutes,
        calendar_days.calendar_date >= {{ pendo_add_days('data_bounds.first_date', 6) }} as is_wau_complete,
        calendar_days.calendar_date >= {{ pendo_add_days('data_bounds.first_date', 27) }} as is_mau_complete

    from calendar_days
    cross join data_bounds
    left join daily_visitors
        on calendar_days.calendar_date = daily_visitors.activity_date
    left join daily_accounts
        on calendar_days.calendar_date = daily_accounts.activity_date
    left join trailing_visitors
        on calendar_days.calendar_date = trailing_visitors.activity_date

)

select * from final
