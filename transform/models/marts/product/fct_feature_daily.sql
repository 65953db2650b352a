{# Feature x day, for the days a feature was used. #}
with

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}

),

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}
    {% if not var('pendo_include_anonymous_visitors') %}
        where not is_anonymous_visitor
    {% endif %}

),

first_uses as (

    select
        feature_id,
        visitor_id,
        min(activity_date) as first_use_date

    from feature_events
    group by 1, 2

),

daily_active_visitors as (

    select
        activity_date,
        count(*) as active_visitors

    from visitor_days
    group by 1

),

feature_days as (

    select
        feature_events.feature_id,
        feature_events.activity_date,
        cast(sum(feature_events.num_events) as bigint) as clicks,
        cast(sum(feature_events.num_minutes) as bigint) as total_minutes,
        count(distinct feature_events.visitor_id) as visitors,
        {% if var('pendo_include_anonymous_visitors') %}
            count(distinct feature_events.visitor_id) as counted_visitors,
        {% else %}
            count(distinct case when not feature_events.is_anonymous_visitor then feature_events.visitor_id end)
                as counted_visitors,
        {% endif %}
        count(distinct feature_events.account_id) as accounts,
        count(
            distinct case
                when feature_events.activity_date = first_uses.first_use_date then feature_events.visitor_id
            end
        ) as new_visitors

    from feature_events
    inner join first_uses
        on
            feature_events.feature_id = first_uses.feature_id
            and feature_events.visitor_id = first_uses.visitor_id
    group by 1, 2

),

final as (

    select
        feature_days.feature_id,
        feature_days.activity_date,
        feature_days.clicks,
        feature_days.total_minutes,
        feature_days.visitors,
        feature_days.new_visitors,
        feature_days.visitors - feature_days.new_visitors as returning_visitors,
        feature_days.accounts,
        {{ pendo_ratio('feature_days.counted_visitors', 'daily_active_visitors.active_visitors') }}
            as share_of_active_visitors

    from feature_days
    left join daily_active_visitors
        on feature_days.activity_date = daily_active_visitors.activity_date

)

select * from final
