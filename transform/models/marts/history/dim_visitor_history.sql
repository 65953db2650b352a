with

snapshot as (

    select * from {{ ref('snap_pendo__visitors') }}

),

final as (

    select
        visitor_id,
        account_id,
        email,
        language,
        is_do_not_process,
        {{ pendo_history_version_columns(['visitor_id']) }}

    from snapshot

)

select * from final
