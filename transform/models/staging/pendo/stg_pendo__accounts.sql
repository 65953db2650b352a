with

source as (

    select * from {{ source('pendo', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        account_id,

        ---------- strings
        metadata__agent__name as account_name,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__firstvisit') }} as first_visit_at,
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__lastvisit') }} as last_visit_at,
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__lastupdated') }} as last_updated_at

    from source

)

select * from renamed
