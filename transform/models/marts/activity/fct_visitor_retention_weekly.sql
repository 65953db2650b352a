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

data_bounds as (

    select
        min(calendar_date) as first_date,
        max(calendar_date) as last_date

    from calendar_days

),

data_weeks as (

    select distinct week_start_date
    from calendar_days

),

visitor_weeks as (

    select distinct
        visitor_id,
        {{ pendo_week_start('activity_date') }} as activity_week_start_date

    from visitor_days

),

first_active_dates as (

    select * from {{ ref('int_pendo__visitor_first_active_dates') }}

),

{# Visitors active in the data (after the anonymous rule), in the week of their first active day. #}
visitor_cohorts as (

    select
        first_active_dates.visitor_id,
        {{ pendo_week_start('first_active_dates.first_active_date') }} as cohort_week_start_date

    from first_active_dates
    where first_active_dates.visitor_id in (select visitor_weeks.visitor_id from visitor_weeks)

),

cohort_sizes as (

    select
        cohort_week_start_date,
        count(*) as cohort_visitors

    from visitor_cohorts
    group by 1

),

retained_by_week as (

    select
        visitor_cohorts.cohort_week_start_date,
        visitor_weeks.activity_week_start_date,
        count(*) as retained_visitors

    from visitor_weeks
    inner join visitor_cohorts
        on visitor_weeks.visitor_id = visitor_cohorts.visitor_id
    group by 1, 2

),

{#
    Every week of data from the cohort's own week on, so weeks nobody came back still get a row; a cohort that starts
    before the data has no rows for its weeks before the data.
#}
cohort_weeks as (

    select
        cohort_sizes.cohort_week_start_date,
        data_weeks.week_start_date as activity_week_start_date,
        cohort_sizes.cohort_visitors

    from cohort_sizes
    inner join data_weeks
        on cohort_sizes.cohort_week_start_date <= data_weeks.week_start_date

),

final as (

    select
        cohort_weeks.cohort_week_start_date,
        cast(
            {{ dbt.datediff(
                'cohort_weeks.cohort_week_start_date', 'cohort_weeks.activity_week_start_date', 'day'
            ) }} / 7 as integer
        ) as weeks_since_first_active,
        cohort_weeks.activity_week_start_date,
        cohort_weeks.cohort_visitors,
        coalesce(retained_by_week.retained_visitors, 0) as retained_visitors,
        {{ pendo_ratio('coalesce(retained_by_week.retained_visitors, 0)', 'cohort_weeks.cohort_visitors') }}
            as retention_rate,
        (
            cohort_weeks.activity_week_start_date >= data_bounds.first_date
            and {{ pendo_add_days('cohort_weeks.activity_week_start_date', 6) }} <= data_bounds.last_date
        ) as is_complete,
        cohort_weeks.cohort_week_start_date <= data_bounds.first_date as is_left_censored

    from cohort_weeks
    cross join data_bounds
    left join retained_by_week
        on
            cohort_weeks.cohort_week_start_date = retained_by_week.cohort_week_start_date
            and cohort_weeks.activity_week_start_date = retained_by_week.activity_week_start_date

)

select * from final
