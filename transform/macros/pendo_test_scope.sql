{#-
    Which rows the data tests of an incremental mart check. On a regular incremental run (var `pendo_test_scope:
    rebuilt`, the default) they check the rows this run rebuilt: those whose `source_load_id` is newer than the
    newest load the mart had processed before the run (or null, which the tests must see). Everything else checks
    every row: a full refresh, a first build, a test of a mart this run did not rebuild (`dbt test` alone, `dbt
    retry`), Spark, and `--vars '{pendo_test_scope: all}'`. docs/dbt-performance.md says why and what it costs.

    How: before an incremental mart rebuilds, its pre-hook records the newest load it holds, with this run's
    invocation id, in `intermediate.pendo_test_scope` (one row per mart, created by `on-run-start`). Every generic
    test of the marts carries the placeholder `__pendo_rebuilt_rows__` as its `where` (dbt_project.yml); dbt reads
    each tested model through `get_where_subquery`, which replaces the placeholder when the test runs, as dbt's
    documentation of `where` describes, with the predicate below, or drops the filter.
-#}

{% macro pendo_test_scope_relation() -%}
    {{ return(adapter.get_relation(database=target.database, schema='intermediate', identifier='pendo_test_scope')) }}
{%- endmacro %}


{#- Whether the tests of this run check only the rebuilt rows; raises on an unknown value of the var. -#}
{% macro pendo_tests_rebuilt_rows_only() -%}
    {%- set scope = var('pendo_test_scope', 'rebuilt') -%}
    {%- if scope not in ('rebuilt', 'all') -%}
        {{ exceptions.raise_compiler_error(
            "unknown pendo_test_scope '" ~ scope ~ "': use rebuilt (the rows an incremental run rebuilt) or all"
        ) }}
    {%- endif -%}
    {{ return(scope == 'rebuilt' and not flags.FULL_REFRESH) }}
{%- endmacro %}


{#- on-run-start: the table the marts' pre-hooks write (nothing on Spark, whose tests check every row). -#}
{% macro pendo_create_test_scope_table() -%}
    {{ return(adapter.dispatch('pendo_create_test_scope_table', 'pendo')()) }}
{%- endmacro %}

{% macro default__pendo_create_test_scope_table() -%}
    {%- if execute and pendo_test_scope_relation() is none -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote('intermediate')) -%}
        {%- do run_query(
            'create table if not exists ' ~ adapter.quote('intermediate') ~ '.pendo_test_scope ('
            ~ 'model_name ' ~ dbt.type_string() ~ ', invocation_id ' ~ dbt.type_string()
            ~ ', processed_load_id ' ~ dbt.type_string() ~ ')'
        ) -%}
        {#- dbt runs this hook outside its own transactions: on Postgres the statements need their own commit -#}
        {%- do run_query('commit') if target.type == 'postgres' -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__pendo_create_test_scope_table() -%}
{%- endmacro %}


{#-
    Pre-hook of every mart: on a regular incremental run of an incremental mart, records the newest load it holds
    before it rebuilds (pendo_processed_load_id, macros/pendo_incremental.sql). Runs in the model's own transaction.
-#}
{% macro pendo_remember_processed_load_id() -%}
    {{ return(adapter.dispatch('pendo_remember_processed_load_id', 'pendo')()) }}
{%- endmacro %}

{% macro default__pendo_remember_processed_load_id() -%}
    {%- if execute and is_incremental() and pendo_tests_rebuilt_rows_only() -%}
        {%- set scope = pendo_test_scope_relation() -%}
        {%- if scope is not none -%}
            {%- do run_query("delete from " ~ scope ~ " where model_name = '" ~ this.identifier ~ "'") -%}
            {%- do run_query(
                "insert into " ~ scope ~ " (model_name, invocation_id, processed_load_id) select '"
                ~ this.identifier ~ "', '" ~ invocation_id ~ "', " ~ pendo_processed_load_id()
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__pendo_remember_processed_load_id() -%}
{%- endmacro %}


{#-
    The predicate that keeps the rows of `relation` its incremental run rebuilt in this invocation, or '' (no
    filter) when the test must check every row (see the top of this file).
-#}
{% macro pendo_rebuilt_rows(relation) -%}
    {{ return(adapter.dispatch('pendo_rebuilt_rows', 'pendo')(relation)) }}
{%- endmacro %}

{% macro default__pendo_rebuilt_rows(relation) -%}
    {%- if not execute or not pendo_tests_rebuilt_rows_only() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set incremental = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and (node.alias or node.name) | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
            {%- do incremental.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set scope = pendo_test_scope_relation() if incremental else none -%}
    {%- if scope is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set processed = run_query(
        "select processed_load_id from " ~ scope ~ " where model_name = '" ~ relation.identifier
        ~ "' and invocation_id = '" ~ invocation_id ~ "'"
    ).columns[0].values() -%}
    {%- if not processed -%}
        {{ return('') }}
    {%- endif -%}
    {{ return("(source_load_id is null or source_load_id > '" ~ processed[0] ~ "')") }}
{%- endmacro %}

{% macro spark__pendo_rebuilt_rows(relation) -%}
    {{ return('') }}
{%- endmacro %}


{#-
    dbt's own get_where_subquery (every generic test reads its model through it), with `__pendo_rebuilt_rows__` in
    the `where` config replaced by pendo_rebuilt_rows; a `where` left empty reads the model unfiltered.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') or '' -%}
    {%- if '__pendo_rebuilt_rows__' in where -%}
        {%- set predicate = pendo_rebuilt_rows(relation) -%}
        {%- if where | trim == '__pendo_rebuilt_rows__' -%}
            {%- set where = predicate -%}
        {%- else -%}
            {%- set where = where | replace('__pendo_rebuilt_rows__', predicate or '1 = 1') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
