{#-
    Each active visitor's first active date, by the var `pendo_new_visitor_rule` (doc metric_new_returning_visitor):
    `first_visit` (default) takes Pendo's first visit when it is known and earlier than the data, `first_in_data` the
    first active day in the loaded data.
-#}
{%- set rule = pendo_new_visitor_rule() -%}

with

visitor_days as (

    select * from {{ ref('int_pendo__visitor_days') }}

),

visitors as (

    select * from {{ ref('stg_pendo__visitors') }}

),

first_days_in_data as (

    select
        visitor_id,
        min(activity_date) as first_date_in_data

    from visitor_days
    group by 1

),

first_visits as (

    select
        first_days_in_data.visitor_id,
        first_days_in_data.first_date_in_data,
        {{ pendo_local_date_of_timestamp('visitors.first_visit_at') }} as first_visit_date

    from first_days_in_data
    left join visitors
        on first_days_in_data.visitor_id = visitors.visitor_id

),

final as (

    select
        visitor_id,
        first_date_in_data,
        first_visit_date,
        {% if rule == 'first_visit' %}
            case
                when first_visit_date < first_date_in_data then first_visit_date
                else first_date_in_data
            end
        {% else %}
            first_date_in_data
        {% endif %} as first_active_date

    from first_visits

)

select * from final
