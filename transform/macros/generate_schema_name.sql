{#
    Use the custom schema name as is (`marts`, not `main_marts`): one database file per environment already
    separates environments, and BI tools should find `marts.fct_*` under the same name everywhere.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
