{#
    The Spark target reads `pendo_raw` from the lake (dlt's filesystem destination: one folder of parquet files per
    table, `<lake>/pendo_raw/<table>/`). Plain parquet cannot be merged into, so dlt appends: a window of the
    lookback whose rows changed, a backfilled window, or an entity table that changed is added whole once more
    (unchanged ones are skipped by the extractor), so keys repeat across loads. Before every dbt command
    (on-run-start), `pendo_register_lake_tables` makes that look like the merged tables of DuckDB and Postgres:

    - `pendo_lake.<table>`: an external table over the table's folder (every file, columns merged across files, so
      a column added by a later load is there; dropped and created again on every run, so Spark sees new files and
      new columns);
    - `pendo_raw.<table>`: a view keeping, for each key (`meta.lake_key` in _pendo__sources.yml), the rows of the
      latest load (`_dlt_load_id`), as a merge on that key would have; a child table (`meta.lake_parent`) keeps the
      rows whose parent row was kept.

    The sources and the staging models then read `pendo_raw.<table>` as on every other target: staging stays
    renames and casts. On other adapters the macro does nothing.
#}
{% macro pendo_register_lake_tables() -%}
    {{ return(adapter.dispatch('pendo_register_lake_tables', 'pendo')()) }}
{%- endmacro %}

{% macro default__pendo_register_lake_tables() -%}
{%- endmacro %}

{% macro spark__pendo_register_lake_tables() -%}
    {%- if execute -%}
        {%- set lake = env_var('PENDO_LAKE_URL', '') | trim -%}
        {%- if not lake -%}
            {{ exceptions.raise_compiler_error(
                "PENDO_LAKE_URL is not set: run dbt on Spark through `python -m elt dbt` (make transform), which "
                ~ "sets it to the lake dlt loads"
            ) }}
        {%- endif -%}
        {%- set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'pendo') | list -%}
        {%- set raw_schema = (tables | first).schema -%}
        {% do run_query('create database if not exists pendo_lake') %}
        {% do run_query('create database if not exists ' ~ raw_schema) %}
        {#- roots before their child tables: a child's view reads its parent's -#}
        {%- set roots = tables | rejectattr('meta.lake_parent') | list -%}
        {%- set children = tables | selectattr('meta.lake_parent') | list -%}
        {%- for table in roots + children -%}
            {{ pendo_register_lake_table(lake, raw_schema, table) }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro pendo_register_lake_table(lake, raw_schema, table) -%}
    {%- set files = 'pendo_lake.' ~ table.identifier -%}
    {%- set location = lake.rstrip('/') ~ '/' ~ raw_schema ~ '/' ~ table.identifier -%}
    {%- set meta = table.meta -%}
    {% do run_query('drop table if exists ' ~ files) %}
    {% do run_query(
        'create table ' ~ files ~ " using parquet options (mergeSchema 'true') location '" ~ location ~ "'"
    ) %}
    {%- if meta.get('lake_parent') -%}
        {%- set kept -%}
            select * from {{ files }}
            where _dlt_parent_id in (select _dlt_id from {{ raw_schema }}.{{ meta['lake_parent'] }})
        {%- endset -%}
    {%- elif meta.get('lake_key') -%}
        {%- set key = meta['lake_key'] | join(', ') -%}
        {%- set kept -%}
            select * from {{ files }}
            where ({{ key }}, _dlt_load_id) in (
                select {{ key }}, max(_dlt_load_id) from {{ files }} group by {{ key }}
            )
        {%- endset -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "source pendo." ~ table.name ~ " has neither meta.lake_key nor meta.lake_parent: the Spark target "
            ~ "cannot tell which of the lake's appended rows to keep"
        ) }}
    {%- endif -%}
    {% do run_query('create or replace view ' ~ raw_schema ~ '.' ~ table.identifier ~ ' as ' ~ kept) %}
{%- endmacro %}


{#-
    Incremental marts. DuckDB and Postgres replace the rebuilt rows with `delete+insert` on the model's unique key.
    Spark without Delta or Iceberg cannot delete rows from parquet; it overwrites whole partitions instead
    (`insert_overwrite`, dynamic partition overwrite), so there the marts are partitioned by the columns whose
    partitions a run rebuilds completely. Each model states those columns; only Spark uses them.
-#}
{% macro pendo_incremental_strategy() -%}
    {{ return(adapter.dispatch('pendo_incremental_strategy', 'pendo')()) }}
{%- endmacro %}

{% macro default__pendo_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__pendo_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro pendo_incremental_partitions(columns) -%}
    {{ return(adapter.dispatch('pendo_incremental_partitions', 'pendo')(columns)) }}
{%- endmacro %}

{% macro default__pendo_incremental_partitions(columns) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__pendo_incremental_partitions(columns) -%}
    {{ return(columns) }}
{%- endmacro %}


{#-
    dbt's own macros where dbt-spark's version does not fit (dbt_project.yml puts this project first in the `dbt`
    dispatch order; only `spark__` versions are defined here, so other adapters are unchanged).
-#}

{#- Contracts cast null to each column's declared type: the standard names the YAML uses, in Spark's words. -#}
{% macro spark__cast(field, type) -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    cast({{ field }} as {{ spark_types.get(type | trim | lower, type) }})
{%- endmacro %}

{#- dbt-spark's listagg ignores the order: sort (order key, value) pairs, then join the values. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set order_key = order_by_clause | trim | replace('order by ', '') | replace('ORDER BY ', '') -%}
        {%- set collected -%}
            transform(
                array_sort(collect_list(struct({{ order_key }} as order_key, {{ measure }} as measure))),
                pair -> pair.measure
            )
        {%- endset -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}

{#- dbt-spark's datediff raises on a null operand; days and milliseconds here give null instead, like elsewhere. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart == 'millisecond' -%}
        (unix_millis(cast({{ second_date }} as timestamp)) - unix_millis(cast({{ first_date }} as timestamp)))
    {%- else -%}
        {{ dbt_spark.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}
