{# Page x day, for the days a page was viewed: accounts first-time vs returning, and per-visitor averages. #}
with

page_events as (

    select * from {{ ref('stg_pendo__page_events') }}

),

{# An account's first day on this page in the loaded data: counted once, as an account, never per visitor. #}
account_first_days as (

    select
        page_id,
        account_id,
        min(activity_date) as first_activity_date

    from page_events
    where account_id is not null
    group by 1, 2

),

page_days as (

    select
        page_events.page_id,
        page_events.activity_date,
        cast(sum(page_events.num_events) as bigint) as page_views,
        cast(sum(page_events.num_minutes) as bigint) as total_minutes,
        count(distinct page_events.visitor_id) as visitors,
        count(distinct page_events.account_id) as accounts,
        count(
            distinct case
                when page_events.activity_date = account_first_days.first_activity_date
                    then page_events.account_id
            end
        ) as first_time_accounts

    from page_events
    left join account_first_days
        on
            page_events.page_id = account_first_days.page_id
            and page_events.account_id = account_first_days.account_id
    group by 1, 2

),

final as (

    select
        page_id,
        activity_date,
        visitors,
        accounts,
        first_time_accounts,
        accounts - first_time_accounts as returning_accounts,
        page_views,
        total_minutes,
        {{ pendo_ratio('page_views', 'visitors') }} as avg_page_views_per_visitor,
        {{ pendo_ratio('total_minutes', 'visitors') }} as avg_minutes_per_visitor

    from page_days

)

select * from final
