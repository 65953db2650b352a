{#
    Along `order_by` within each `partition_by` group, `column_name` never rises (a closed funnel only loses people).
    Fails on every row whose value is greater than the previous row's.
#}
{% test not_increasing(model, column_name, partition_by, order_by) %}

with

ordered as (

    select
        {{ column_name }} as current_value,
        lag({{ column_name }}) over (partition by {{ partition_by }} order by {{ order_by }}) as previous_value

    from {{ model }}

)

select * from ordered
where current_value > previous_value

{% endtest %}
