with

source as (

    select * from {{ source('pendo', 'track_types') }}

),

renamed as (

    select
        ---------- ids
        id as track_type_id,
        app_id,

        ---------- strings
        name as track_type_name,
        track_type_name as track_event_name,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('created_at') }} as created_at,
        {{ pendo_epoch_ms_to_timestamp('last_updated_at') }} as last_updated_at

    from source

)

select * from renamed
