with

source as (

    select * from {{ source('pendo', 'guide_events') }}

),

renamed as (

    select
        ---------- ids
        row_key as guide_event_id,
        guide_id,
        guide_step_id,
        visitor_id,
        nullif(account_id, '') as account_id,
        app_id,

        ---------- strings
        type as event_type,
        guide_seen_reason,
        url,
        server_name,
        remote_ip,
        user_agent,
        language,
        country,
        region,

        ---------- numerics
        latitude,
        longitude,
        load_time,

        ---------- booleans
        left(visitor_id, 9) = '_PENDO_T_' as is_anonymous_visitor,

        ---------- dates and timestamps
        {{ pendo_local_date('guide_timestamp') }} as activity_date,
        {{ pendo_epoch_ms_to_timestamp('guide_timestamp') }} as occurred_at,
        guide_timestamp as occurred_at_ms

    from source

)

select * from renamed
