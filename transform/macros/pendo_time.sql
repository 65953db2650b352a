{#
    Pendo speaks epoch milliseconds and buckets days at local midnight of the subscription time zone. These macros
    give calendar dates in that zone (the adapter-specific parts are in cross_database.sql).
#}

{#- The calendar date of an epoch-millisecond instant in the subscription time zone: how Pendo buckets days. -#}
{% macro pendo_local_date(column) -%}
    {{ pendo_local_date_of_timestamp(pendo_epoch_ms_to_timestamp(column)) }}
{%- endmacro %}


{#- The Monday that starts the week of a date (ISO weeks, as in the retention and NPS marts). -#}
{% macro pendo_week_start(date_column) -%}
    {{ pendo_period_start('week', date_column) }}
{%- endmacro %}


{#- The first day of the week (Monday), month or quarter that contains a date. -#}
{% macro pendo_period_start(period, date_column) -%}
    cast({{ dbt.date_trunc(period, 'cast(' ~ date_column ~ ' as timestamp)') }} as date)
{%- endmacro %}
