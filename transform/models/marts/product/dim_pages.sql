with

pages as (

    select * from {{ ref('stg_pendo__pages') }}

),

page_rules as (

    select * from {{ ref('stg_pendo__page_rules') }}

),

page_events as (

    select * from {{ ref('stg_pendo__page_events') }}

),

all_page_ids as (

    select * from {{ ref('int_pendo__page_ids') }}

),

rules_per_page as (

    select
        pages.page_id,
        {{ dbt.listagg('page_rules.url_rule', "', '", 'order by page_rules.rule_number') }} as url_rules

    from pages
    inner join page_rules
        on pages.dlt_row_id = page_rules.page_dlt_row_id
    group by 1

),

lifetime_usage as (

    select
        page_id,
        cast(sum(num_events) as bigint) as page_views,
        cast(sum(num_minutes) as bigint) as total_minutes,
        count(distinct visitor_id) as visitors,
        count(distinct account_id) as accounts,
        min(activity_date) as first_viewed_date,
        max(activity_date) as last_viewed_date

    from page_events
    group by 1

),

final as (

    select
        all_page_ids.page_id,
        pages.app_id,
        pages.page_name,
        pages.product_area,
        rules_per_page.url_rules,
        coalesce(lifetime_usage.page_views, 0) as page_views,
        coalesce(lifetime_usage.total_minutes, 0) as total_minutes,
        coalesce(lifetime_usage.visitors, 0) as visitors,
        coalesce(lifetime_usage.accounts, 0) as accounts,
        pages.page_id is not null as has_definition,
        all_page_ids.is_listed_by_pendo,
        lifetime_usage.first_viewed_date,
        lifetime_usage.last_viewed_date,
        pages.created_at,
        pages.last_updated_at

    from all_page_ids
    left join pages
        on all_page_ids.page_id = pages.page_id
    left join rules_per_page
        on all_page_ids.page_id = rules_per_page.page_id
    left join lifetime_usage
        on all_page_ids.page_id = lifetime_usage.page_id

)

select * from final
