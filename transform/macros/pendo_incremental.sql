{#-
    What an incremental run rebuilds: the days (or events) of raw rows loaded after the newest load the model has
    already processed. Every mart row records, in `source_load_id`, the newest dlt load id of the raw rows it is built
    from (a function of the raw data, so an incremental build equals a full refresh), and the newest of those is the
    newest load the model has processed; a raw row whose `_dlt_load_id` (staging: `dlt_load_id`) is newer came from
    a later load: a new day, a
    re-read day of the lookback, a late row or a backfill of old days alike. A run after no load rebuilds nothing,
    and a table without the column yet (or empty) is rebuilt whole. dlt's load ids are Unix times with a fixed number
    of digits, so they compare as text.
-#}

{#- The newest load id the model has processed; '' when none, or when its table predates the column. -#}
{% macro pendo_processed_load_id() -%}
    {%- if pendo_this_has_column('source_load_id') -%}
        (select coalesce(max(source_load_id), '') from {{ this }})
    {%- else -%}
        ''
    {%- endif -%}
{%- endmacro %}


{#- Per day, the newest load id among the rows of the given staging models: the `source_load_id` of a daily mart. -#}
{% macro pendo_load_ids_by_day(models, date_column='activity_date') -%}
    select
        {{ date_column }},
        max(dlt_load_id) as source_load_id
    from (
        {%- for model in models %}
            select
                {{ date_column }},
                dlt_load_id
            from {{ model }}
            {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as loaded_rows
    group by 1
{%- endmacro %}


{#- The days that hold a row of any of the given staging models loaded after the model's last run. -#}
{% macro pendo_days_loaded_since_last_run(models, date_column='activity_date') -%}
    {%- for model in models %}
        select {{ date_column }} from {{ model }}
        where dlt_load_id > {{ pendo_processed_load_id() }}
        {%- if not loop.last %} union{% endif %}
    {%- endfor %}
{%- endmacro %}


{#-
    The rows of `relation` (a staging model or its import CTE) an incremental run of a per-event mart rebuilds: those
    loaded after the model's last run. On Spark the mart is overwritten by partitions (macros/spark_lake.sql), so a
    rebuilt partition must come whole: there it is every row of each partition (`partition_columns`) that holds a row
    loaded since, the same rows again for those loaded since and their unchanged neighbours.
-#}
{% macro pendo_loaded_since_last_run(relation, partition_columns) -%}
    {{ return(adapter.dispatch('pendo_loaded_since_last_run', 'pendo')(relation, partition_columns)) }}
{%- endmacro %}

{% macro default__pendo_loaded_since_last_run(relation, partition_columns) -%}
    dlt_load_id > {{ pendo_processed_load_id() }}
{%- endmacro %}

{% macro spark__pendo_loaded_since_last_run(relation, partition_columns) -%}
    {%- set keys = [] -%}
    {%- for column in partition_columns -%}
        {%- do keys.append("coalesce(cast(" ~ column ~ " as string), '')") -%}
    {%- endfor -%}
    ({{ keys | join(', ') }}) in (
        select {{ keys | join(', ') }} from {{ relation }}
        where dlt_load_id > {{ pendo_processed_load_id() }}
    )
{%- endmacro %}
