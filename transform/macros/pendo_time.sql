{# Pendo speaks epoch milliseconds. These macros give the UTC instant and the local date in the subscription zone. #}

{% macro pendo_epoch_ms_to_timestamp(column) -%}
    to_timestamp({{ column }} / 1000.0)
{%- endmacro %}

{% macro pendo_local_date(column) -%}
    cast(({{ pendo_epoch_ms_to_timestamp(column) }} at time zone '{{ var("pendo_timezone") }}') as date)
{%- endmacro %}
