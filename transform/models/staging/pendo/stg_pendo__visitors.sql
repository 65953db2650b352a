with

source as (

    select * from {{ source('pendo', 'visitors') }}

),

renamed as (

    select
        ---------- ids
        visitor_id,
        nullif(metadata__auto__accountid, '') as account_id,

        ---------- strings
        metadata__agent__email as email,
        metadata__agent__language as language,
        metadata__auto__lastbrowsername as last_browser_name,
        metadata__auto__lastoperatingsystem as last_operating_system,

        ---------- booleans
        {{ pendo_is_anonymous_visitor('visitor_id') }} as is_anonymous_visitor,
        coalesce(metadata__pendo__donotprocess, false) as is_do_not_process,

        ---------- timestamps
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__firstvisit') }} as first_visit_at,
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__lastvisit') }} as last_visit_at,
        {{ pendo_epoch_ms_to_timestamp('metadata__auto__lastupdated') }} as last_updated_at

    from source

)

select * from renamed
