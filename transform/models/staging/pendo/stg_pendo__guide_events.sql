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
        destination_step_id,
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
        {{ pendo_is_anonymous_visitor('visitor_id') }} as is_anonymous_visitor,

        ---------- load
        _dlt_load_id as dlt_load_id,

        ---------- dates and timestamps
        {{ pendo_local_date('guide_timestamp') }} as activity_date,
        {{ pendo_epoch_ms_to_timestamp('guide_timestamp') }} as occurred_at,
        {{ pendo_epoch_ms_to_timestamp('browser_time') }} as browser_time_at

    from source

)

select * from renamed
