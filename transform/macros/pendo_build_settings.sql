{#-
    The time zone the incremental marts were built in, kept in `intermediate.pendo_build_settings` (one row). Their
    days are local days of that zone, so a run in another zone would mix two kinds of day: `on-run-start` refuses it
    in one line, unless the run is a full refresh; `on-run-end` records the zone of a run that (re)built every
    incremental model, or of the first run.
-#}

{% macro pendo_build_settings_relation() -%}
    {{ return(adapter.get_relation(database=target.database, schema='intermediate', identifier='pendo_build_settings')) }}
{%- endmacro %}


{% macro pendo_refuse_changed_timezone() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set relation = pendo_build_settings_relation() -%}
        {%- if relation is not none -%}
            {%- set built = run_query('select timezone from ' ~ relation).columns[0].values() -%}
            {%- if built and built[0] != var('pendo_timezone') -%}
                {{ exceptions.raise_compiler_error(
                    "the subscription time zone changed from " ~ built[0] ~ " to " ~ var('pendo_timezone')
                    ~ " since the incremental marts were built; rebuild them once in the new zone: "
                    ~ "python -m elt dbt build --full-refresh"
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro pendo_record_build_settings(results) -%}
    {%- if execute -%}
        {%- set relation = pendo_build_settings_relation() -%}
        {%- set incremental = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
                {%- do incremental.append(node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set rebuilt = [] -%}
        {%- for result in results -%}
            {%- if result.node.unique_id in incremental and result.status == 'success' -%}
                {%- do rebuilt.append(result.node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if relation is none or (flags.FULL_REFRESH and rebuilt | length == incremental | length) -%}
            {#- one statement per query: Spark runs no more -#}
            {%- do run_query('create schema if not exists ' ~ adapter.quote('intermediate')) -%}
            {%- do run_query('drop table if exists ' ~ adapter.quote('intermediate') ~ '.pendo_build_settings') -%}
            {%- do run_query(
                'create table ' ~ adapter.quote('intermediate') ~ '.pendo_build_settings as select '
                ~ "cast('" ~ var('pendo_timezone') ~ "' as " ~ dbt.type_string() ~ ') as timezone'
            ) -%}
            {#- dbt runs this hook outside its own transactions: on Postgres the statements need their own commit -#}
            {%- do run_query('commit') if target.type == 'postgres' -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
