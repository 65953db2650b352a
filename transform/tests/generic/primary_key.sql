{#
    A (composite) primary key: every column of `key_columns` is not null, and no two rows share the same values.
    dbt_utils' unique_combination_of_columns cannot be installed here (no package hub), and this one also checks nulls.
#}
{% test primary_key(model, key_columns) %}

with

keyed_rows as (

    select
        {% for column in key_columns %}{{ column }}{{ ", " if not loop.last }}{% endfor %},
        count(*) as rows_with_key

    from {{ model }}
    group by {% for column in key_columns %}{{ loop.index }}{{ ", " if not loop.last }}{% endfor %}

),

violations as (

    select * from keyed_rows
    where
        rows_with_key > 1
        {% for column in key_columns %}
            or {{ column }} is null
        {% endfor %}

)

select * from violations

{% endtest %}
