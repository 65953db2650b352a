{# Guide x account, for the accounts whose visitors saw the guide. #}
with

guide_events as (

    select * from {{ ref('stg_pendo__guide_events') }}

),

guide_accounts as (

    select
        guide_id,
        account_id,
        count(distinct visitor_id) as visitors_seen,
        count(distinct activity_date) as days_seen,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at

    from guide_events
    where event_type = 'guideSeen' and account_id is not null
    group by 1, 2

),

final as (

    select * from guide_accounts

)

select * from final
