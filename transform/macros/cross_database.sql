{#
    The project's adapter-specific SQL, each behind adapter.dispatch: a `default__` implementation (Postgres and
    any adapter that follows the SQL standard here), and a `duckdb__` or `spark__` one where DuckDB or Spark differs.
    Another adapter adds its own `<adapter>__` macro; no model changes. (Spark's versions of dbt's own macros, its
    incremental strategy and its raw tables over the lake are in spark_lake.sql.) (sqlfluff lints models with the DuckDB implementations; .sqlfluff.)
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


{#- The calendar date of a UTC timestamp in the subscription time zone (var `pendo_timezone`). -#}
{% macro pendo_local_date_of_timestamp(timestamp_column) -%}
    {{ return(adapter.dispatch('pendo_local_date_of_timestamp', 'pendo')(timestamp_column)) }}
{%- endmacro %}

{% macro default__pendo_local_date_of_timestamp(timestamp_column) -%}
    cast((({{ timestamp_column }}) at time zone 'UTC') at time zone '{{ var("pendo_timezone") }}' as date)
{%- endmacro %}

{% macro spark__pendo_local_date_of_timestamp(timestamp_column) -%}
    to_date(from_utc_timestamp({{ timestamp_column }}, '{{ var("pendo_timezone") }}'))
{%- endmacro %}


{#- `n` days after a date, as a date (`n` may be negative or an expression). -#}
{% macro pendo_add_days(date_column, n) -%}
    {{ return(adapter.dispatch('pendo_add_days', 'pendo')(date_column, n)) }}
{%- endmacro %}

{% macro default__pendo_add_days(date_column, n) -%}
    cast({{ dbt.dateadd('day', n, date_column) }} as date)
{%- endmacro %}

{#- Spark's dbt.dateadd raises on a null date (the max of an empty table); date_add gives null. -#}
{% macro spark__pendo_add_days(date_column, n) -%}
    date_add(cast({{ date_column }} as date), {{ n }})
{%- endmacro %}


{#- Spark (dbt-spark). The session time zone is UTC (profiles.yml), so Spark's `timestamp` holds UTC wall times. -#}
{% macro spark__pendo_epoch_ms_to_timestamp(column) -%}
    timestamp_millis(cast({{ column }} as bigint))
{%- endmacro %}

{% macro spark__pendo_to_integer_or_null(column) -%}
    case when trim({{ column }}) rlike '^-?[0-9]{1,9}$' then cast(trim({{ column }}) as integer) end
{%- endmacro %}

{#- Spark's table functions cannot see the columns of the other side of a join: a lateral subquery can. -#}
{% macro spark__pendo_date_spine(start_date, end_date) -%}
    lateral (select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)))
{%- endmacro %}


{#- The double-precision float type: `double precision` in standard SQL, `double` on Spark. -#}
{% macro pendo_type_double() -%}
    {{ return(adapter.dispatch('pendo_type_double', 'pendo')()) }}
{%- endmacro %}

{% macro default__pendo_type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__pendo_type_double() -%}
    double
{%- endmacro %}
