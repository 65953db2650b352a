{#
    Attribute history (dbt snapshots, `transform/snapshots/`). Pendo returns only the current attributes of visitors,
    accounts, guides, pages and features; each `dbt build` snapshots them, and a change shows up as a new version.
#}

{#-
    The instant a snapshot records, as a naive UTC timestamp like every `*_at` column. dbt's own default is the
    session's local time (DuckDB and Postgres cast `now()` to the session time zone); this override keeps snapshots in
    UTC. The var `pendo_snapshot_at` (an ISO timestamp, UTC) records another instant instead: for replaying old
    extracts in order, and for tests whose simulated clock is not the real one. Leave it unset in production.
-#}
{% macro snapshot_get_time() -%}
    {%- set snapshot_at = var('pendo_snapshot_at', none) -%}
    {%- if snapshot_at -%}
        cast('{{ snapshot_at }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast(current_timestamp at time zone 'UTC' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}


{#-
    One row per entity and custom metadata field with a value, read from `from_name` (the model's import CTE of
    `source_relation`): `<id_column>`, `field_name`, `field_value` (text).
    dlt flattens Pendo's `metadata.custom` group into one `metadata__custom__<field>` column per field, and the fields
    differ per subscription, so the columns are read from the raw table when dbt runs; none gives an empty result.
-#}
{% macro pendo_custom_metadata_values(source_relation, id_column, from_name) -%}
    {%- set prefix = 'metadata__custom__' -%}
    {%- set fields = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(source_relation) -%}
            {%- if column.name.lower().startswith(prefix) -%}
                {%- do fields.append(column.name.lower()) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for column in fields | sort %}
    select
        {{ id_column }},
        '{{ column[prefix | length:] }}' as field_name,
        cast({{ column }} as {{ dbt.type_string() }}) as field_value
    from {{ from_name }}
    where {{ column }} is not null
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as {{ id_column }},
        cast(null as {{ dbt.type_string() }}) as field_name,
        cast(null as {{ dbt.type_string() }}) as field_value
    where 1 = 0
    {%- endfor %}
{%- endmacro %}


{#-
    The version columns of a history mart, from a snapshot's dbt_valid_from / dbt_valid_to, per key:
    `version_number` (1 = the earliest version the pipeline saw), `valid_from`, `valid_to` (null while current),
    `is_current`, and the local days the version stands for (metric_attribute_of_the_day):
    `effective_from_date` (null for version 1: it also stands for every day before the pipeline first saw the key)
    and `effective_to_date` (exclusive; null while current). A day gets the version in effect at its end.
-#}
{% macro pendo_history_version_columns(key_columns) -%}
    {%- set partition = key_columns | join(', ') -%}
    row_number() over (partition by {{ partition }} order by dbt_valid_from) as version_number,
    dbt_valid_from as valid_from,
    dbt_valid_to as valid_to,
    dbt_valid_to is null as is_current,
    case
        when row_number() over (partition by {{ partition }} order by dbt_valid_from) > 1
            then {{ pendo_local_date_of_timestamp('dbt_valid_from') }}
    end as effective_from_date,
    {{ pendo_local_date_of_timestamp('dbt_valid_to') }} as effective_to_date
{%- endmacro %}


{#- Whether the local day `date_column` falls in a version's effective days (see pendo_history_version_columns). -#}
{% macro pendo_history_covers(versions, date_column) -%}
    ({{ versions }}.effective_from_date is null or {{ versions }}.effective_from_date <= {{ date_column }})
    and ({{ versions }}.effective_to_date is null or {{ date_column }} < {{ versions }}.effective_to_date)
{%- endmacro %}
