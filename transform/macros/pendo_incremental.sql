{#-
    The rows an incremental run rebuilds: those on or after `pendo_lookback_days` before the newest day already in
    the table (all rows when the table is empty). The extractor re-reads the same trailing window from Pendo (late
    rows, re-aggregated buckets), so every row that can have changed since the last run passes this filter.
-#}
{% macro pendo_in_lookback_window(date_column, table_date_column='activity_date') -%}
    {{ date_column }} >= coalesce(
        (select {{ pendo_add_days('max(' ~ table_date_column ~ ')', -1 * var('pendo_lookback_days') | int) }} from {{ this }}),
        cast('1900-01-01' as date)
    )
{%- endmacro %}
