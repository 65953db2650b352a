{# Page x day, for the days a page was viewed. #}
with

page_events as (

    select * from {{ ref('stg_pendo__page_events') }}

),

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}
    {% if not var('pendo_include_anonymous_visitors') %}
        where not is_anonymous_visitor
    {% endif %}

),

first_views as (

    select
        page_id,
        visitor_id,
        min(activity_date) as first_view_date

    from page_events
    group by 1, 2

),

daily_active_visitors as (

    select
        activity_date,
        count(*) as active_visitors

    from visitor_days
    group by 1

),

page_days as (

    select
        page_events.page_id,
        page_events.activity_date,
        cast(sum(page_events.num_events) as bigint) as page_views,
        cast(sum(page_events.num_minutes) as bigint) as total_minutes,
        count(distinct page_events.visitor_id) as visitors,
        {% if var('pendo_include_anonymous_visitors') %}
            count(distinct page_events.visitor_id) as counted_visitors,
        {% else %}
            count(distinct case when not page_events.is_anonymous_visitor then page_events.visitor_id end)
                as counted_visitors,
        {% endif %}
        count(distinct page_events.account_id) as accounts,
        count(
            distinct case when page_events.activity_date = first_views.first_view_date then page_events.visitor_id end
        ) as new_visitors

    from page_events
    inner join first_views
        on
            page_events.page_id = first_views.page_id
            and page_events.visitor_id = first_views.visitor_id
    group by 1, 2

),

final as (

    select
        page_days.page_id,
        page_days.activity_date,
        page_days.page_views,
        page_days.total_minutes,
        page_days.visitors,
        page_days.new_visitors,
        page_days.visitors - page_days.new_visitors as returning_visitors,
        page_days.accounts,
        {{ pendo_ratio('page_days.counted_visitors', 'daily_active_visitors.active_visitors') }}
            as share_of_active_visitors

    from page_days
    left join daily_active_visitors
        on page_days.activity_date = daily_active_visitors.activity_date

)

select * from final
