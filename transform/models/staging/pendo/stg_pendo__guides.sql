with

source as (

    select * from {{ source('pendo', 'guides') }}

),

renamed as (

    select
        ---------- ids
        id as guide_id,
        app_id,

        ---------- strings
        name as guide_name,
        state as guide_state,
        launch_method,

        ---------- booleans
        is_multi_step,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('created_at') }} as created_at,
        {{ pendo_epoch_ms_to_timestamp('last_updated_at') }} as last_updated_at,
        -- Draft and staged guides carry 0 for "never": null, not 1970-01-01.
        {{ pendo_epoch_ms_to_timestamp('nullif(published_at, 0)') }} as published_at,
        {{ pendo_epoch_ms_to_timestamp('nullif(reset_at, 0)') }} as reset_at,

        ---------- dlt lineage
        _dlt_id as dlt_row_id

    from source

)

select * from renamed
