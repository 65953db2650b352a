{{
    config(
        materialized='incremental',
        incremental_strategy=pendo_incremental_strategy(),
        unique_key='poll_event_id',
        partition_by=pendo_incremental_partitions(['guide_id', 'activity_date']),
        on_schema_change='append_new_columns',
    )
}}

{#
    Incremental like fct_guide_events: the responses loaded since its last run, plus every response of a guide whose
    definition (and so its polls' questions and types) changed since its rows were written.
    (On Spark, whole guide × day partitions: see pendo_loaded_since_last_run.)
#}
with

poll_events as (

    select * from {{ ref('stg_pendo__poll_events') }}

),

polls as (

    select * from {{ ref('int_pendo__guide_polls_joined_to_guides') }}

),

{% if is_incremental() %}
    built_guide_versions as (

        select
            guide_id,
            max(guide_last_updated_at) as built_guide_last_updated_at

        from {{ this }}
        group by 1

    ),

    guides_changed_since_built as (

        select distinct polls.guide_id
        from polls
        left join built_guide_versions
            on polls.guide_id = built_guide_versions.guide_id
        where
            built_guide_versions.guide_id is null
            or polls.guide_last_updated_at > built_guide_versions.built_guide_last_updated_at
            or (polls.guide_last_updated_at is not null and built_guide_versions.built_guide_last_updated_at is null)

    ),
{% endif %}

responses_to_build as (

    select * from poll_events
    {% if is_incremental() %}
        where
            {{ pendo_loaded_since_last_run('poll_events', ['guide_id', 'activity_date']) }}
            or guide_id in (select guides_changed_since_built.guide_id from guides_changed_since_built)
    {% endif %}

),

scored as (

    select
        responses_to_build.*,
        polls.poll_question,
        polls.poll_type,
        polls.guide_last_updated_at,
        case
            when {{ pendo_is_nps_poll_type('polls.poll_type') }}
                then {{ pendo_to_integer_or_null('responses_to_build.poll_response') }}
        end as parsed_score

    from responses_to_build
    left join polls
        on responses_to_build.poll_id = polls.poll_id

),

final as (

    select
        poll_event_id,
        poll_id,
        guide_id,
        guide_step_id,
        visitor_id,
        account_id,
        app_id,
        poll_type,
        poll_question,
        poll_response as response_text,
        case when parsed_score between 0 and 10 then parsed_score end as response_score,
        case
            when parsed_score between 9 and 10 then 'promoter'
            when parsed_score between 7 and 8 then 'passive'
            when parsed_score between 0 and 6 then 'detractor'
        end as nps_category,
        is_anonymous_visitor,
        activity_date,
        occurred_at as responded_at,
        guide_last_updated_at,
        dlt_load_id as source_load_id

    from scored

)

select * from final
