with

events as (

    select * from {{ ref('stg_pendo__events') }}

),

counted_events as (

    select * from events
    {% if not var('pendo_include_anonymous_visitors') %}
        where not is_anonymous_visitor
    {% endif %}

),

daily_visitors as (

    select
        activity_date,
        count(distinct visitor_id) as active_visitors

    from counted_events
    group by 1

),

{# The spine runs over the days the data covers, never to current_date, so the same data gives the same table. #}
date_bounds as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_date

    from events

),

date_spine as (

    select cast(spine.generated_day as date) as activity_date
    from date_bounds
    cross join
        generate_series(
            cast(date_bounds.first_date as timestamp),
            cast(date_bounds.last_date as timestamp),
            interval '1 day'
        ) as spine (generated_day)

),

final as (

    select
        date_spine.activity_date,
        coalesce(daily_visitors.active_visitors, 0) as active_visitors

    from date_spine
    left join daily_visitors
        on date_spine.activity_date = daily_visitors.activity_date

)

select * from final
