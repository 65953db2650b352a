with

source as (

    select * from {{ source('pendo', 'poll_events') }}

),

renamed as (

    select
        ---------- ids
        row_key as poll_event_id,
        poll_id,
        guide_id,
        guide_step_id,
        visitor_id,
        nullif(account_id, '') as account_id,
        app_id,

        ---------- strings
        type as event_type,
        cast(poll_response as {{ dbt.type_string() }}) as poll_response,
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
