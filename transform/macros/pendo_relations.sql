{#- Whether the model's own table ({{ this }}) has the column: a table built before the column existed lacks it. -#}
{% macro pendo_this_has_column(column_name) -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(column_name | lower in columns) }}
{%- endmacro %}
