with

snapshot as (

    select * from {{ ref('snap_pendo__accounts') }}

),

final as (

    select
        account_id,
        account_name,
        {{ pendo_history_version_columns(['account_id']) }}

    from snapshot

)

select * from final
