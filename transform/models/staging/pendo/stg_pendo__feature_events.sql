with

source as (

    select * from {{ source('pendo', 'feature_events') }}

),

renamed as (

    select
        ---------- ids
        row_key as feature_event_row_id,
        visitor_id,
        nullif(account_id, '') as account_id,
        app_id,
        feature_id,

        ---------- strings
        server as server_name,
        remote_ip,
        user_agent,
        cast(parameters as {{ dbt.type_string() }}) as url_parameters,

        ---------- numerics
        num_events,
        num_minutes,

        ---------- booleans
        {{ pendo_is_anonymous_visitor('visitor_id') }} as is_anonymous_visitor,

        ---------- load
        _dlt_load_id as dlt_load_id,

        ---------- dates and timestamps
        {{ pendo_local_date('day') }} as activity_date,
        {{ pendo_epoch_ms_to_timestamp('day') }} as period_start_at,
        {{ pendo_epoch_ms_to_timestamp('hour') }} as hour_start_at,
        {{ pendo_epoch_ms_to_timestamp('first_time') }} as first_event_at,
        {{ pendo_epoch_ms_to_timestamp('last_time') }} as last_event_at

    from source

)

select * from renamed
