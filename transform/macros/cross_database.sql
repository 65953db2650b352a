{#
    The project's only adapter-specific SQL, each behind adapter.dispatch: a `default__` implementation (Postgres and
    any adapter that follows the SQL standard here) and a `duckdb__` one where DuckDB differs. Another adapter adds
    its own `<adapter>__` macro; no model changes. (sqlfluff lints models with the DuckDB implementations; .sqlfluff.)
#}

{#- A Pendo epoch-millisecond value as a UTC timestamp (naive `timestamp`, like every `*_at` column), exact to the ms. -#}
{% macro pendo_epoch_ms_to_timestamp(column) -%}
    {{ return(adapter.dispatch('pendo_epoch_ms_to_timestamp', 'pendo')(column)) }}
{%- endmacro %}

{% macro default__pendo_epoch_ms_to_timestamp(column) -%}
    (to_timestamp({{ column }} / 1000.0) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__pendo_epoch_ms_to_timestamp(column) -%}
    epoch_ms(cast({{ column }} as bigint))
{%- endmacro %}


{#- A string holding a whole number (e.g. an NPS poll response "9") as an integer; null for anything else. -#}
{% macro pendo_to_integer_or_null(column) -%}
    {{ return(adapter.dispatch('pendo_to_integer_or_null', 'pendo')(column)) }}
{%- endmacro %}

{% macro default__pendo_to_integer_or_null(column) -%}
    case when trim({{ column }}) ~ '^-?[0-9]{1,9}$' then cast(trim({{ column }}) as integer) end
{%- endmacro %}

{% macro duckdb__pendo_to_integer_or_null(column) -%}
    case when regexp_full_match(trim({{ column }}), '-?[0-9]{1,9}') then cast(trim({{ column }}) as integer) end
{%- endmacro %}


{#-
    One row per calendar day from start_date to end_date (both included), in a column named by the caller's alias:
    `cross join {{ pendo_date_spine('bounds.first_date', 'bounds.last_date') }} as spine (calendar_day)`.
    The bounds come from the data, never from current_date, so the same raw data always gives the same rows.
-#}
{% macro pendo_date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('pendo_date_spine', 'pendo')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__pendo_date_spine(start_date, end_date) -%}
    generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 day')
{%- endmacro %}
