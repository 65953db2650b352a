{{
    config(
        materialized='incremental',
        incremental_strategy=pendo_incremental_strategy(),
        unique_key='guide_event_id',
        partition_by=pendo_incremental_partitions(['guide_id', 'activity_date']),
        on_schema_change='append_new_columns',
    )
}}

{#
    Incremental: each run rebuilds the events loaded since its last run (macros/pendo_incremental.sql), plus every
    event of a guide whose definition changed since its rows were written: a newer `last_updated_at`, or a name,
    step number or first/last step that differs from what the rows hold (Pendo does not always bump the version on
    an edit), so the guide and step attributes never go stale.
    (On Spark, whole guide × day partitions: see pendo_loaded_since_last_run.)
#}
with

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

guides as (

    select * from {{ ref('stg_pendo__guides') }}

),

guide_steps as (

    select * from {{ ref('int_pendo__guide_steps_ordered') }}

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

        select guides.guide_id
        from guides
        left join built_guide_versions
            on guides.guide_id = built_guide_versions.guide_id
        where
            built_guide_versions.guide_id is null
            or guides.last_updated_at > built_guide_versions.built_guide_last_updated_at
            or (guides.last_updated_at is not null and built_guide_versions.built_guide_last_updated_at is null)

        union

        select built.guide_id
        from {{ this }} as built
        left join guides
            on built.guide_id = guides.guide_id
        left join guide_steps
            on
                built.guide_id = guide_steps.guide_id
                and built.guide_step_id = guide_steps.guide_step_id
        where
            built.guide_name is distinct from guides.guide_name
            or built.step_name is distinct from guide_steps.step_name
            or built.step_number is distinct from guide_steps.step_number
            or built.is_last_step is distinct from coalesce(guide_steps.is_last_step, false)

    ),
{% endif %}

events_to_build as (

    select * from guide_events
    {% if is_incremental() %}
        where
            {{ pendo_loaded_since_last_run('guide_events', ['guide_id', 'activity_date']) }}
            or guide_id in (select guides_changed_since_built.guide_id from guides_changed_since_built)
    {% endif %}

),

final as (

    select
        events_to_build.guide_event_id,
        events_to_build.guide_id,
        events_to_build.guide_step_id,
        events_to_build.destination_step_id,
        events_to_build.visitor_id,
        events_to_build.account_id,
        events_to_build.app_id,
        events_to_build.event_type,
        guides.guide_name,
        guide_steps.step_name,
        events_to_build.guide_seen_reason,
        events_to_build.url,
        events_to_build.server_name,
        events_to_build.remote_ip,
        events_to_build.user_agent,
        events_to_build.language,
        events_to_build.country,
        events_to_build.region,
        guide_steps.step_number,
        events_to_build.latitude,
        events_to_build.longitude,
        events_to_build.load_time,
        events_to_build.is_anonymous_visitor,
        coalesce(guide_steps.is_first_step, false) as is_first_step,
        coalesce(guide_steps.is_last_step, false) as is_last_step,
        events_to_build.activity_date,
        events_to_build.occurred_at,
        guides.last_updated_at as guide_last_updated_at,
        events_to_build.dlt_load_id as source_load_id

    from events_to_build
    left join guides
        on events_to_build.guide_id = guides.guide_id
    left join guide_steps
        on
            events_to_build.guide_id = guide_steps.guide_id
            and events_to_build.guide_step_id = guide_steps.guide_step_id

)

select * from final
