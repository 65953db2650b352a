{# Feature x day, for the days a feature was used: accounts first-time vs returning, and per-visitor averages. #}
with

feature_events as (

    select * from {{ ref('stg_pendo__feature_events') }}

),

{# An account's first day on this feature in the loaded data: counted once, as an account, never per visitor. #}
account_first_days as (

    select
        feature_id,
        account_id,
        min(activity_date) as first_activity_date

    from feature_events
    where account_id is not null
    group by 1, 2

),

feature_days as (

    select
        feature_events.feature_id,
        feature_events.activity_date,
        cast(sum(feature_events.num_events) as bigint) as feature_clicks,
        cast(sum(feature_events.num_minutes) as bigint) as total_minutes,
        count(distinct feature_events.visitor_id) as visitors,
        count(distinct feature_events.account_id) as accounts,
        count(
            distinct case
                when feature_events.activity_date = account_first_days.first_activity_date
                    then feature_events.account_id
            end
        ) as first_time_accounts

    from feature_events
    left join account_first_days
        on
            feature_events.feature_id = account_first_days.feature_id
            and feature_events.account_id = account_first_days.account_id
    group by 1, 2

),

final as (

    select
        feature_id,
        activity_date,
        visitors,
        accounts,
        first_time_accounts,
        accounts - first_time_accounts as returning_accounts,
        feature_clicks,
        total_minutes,
        {{ pendo_ratio('feature_clicks', 'visitors') }} as avg_feature_clicks_per_visitor,
        {{ pendo_ratio('total_minutes', 'visitors') }} as avg_minutes_per_visitor

    from feature_days

)

select * from final
