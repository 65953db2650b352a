{#
    Every account_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct account_id from {{ ref('stg_pendo__accounts') }}

),

events as (

    select account_id from {{ ref('stg_pendo__events') }}

),

all_ids as (

    select account_id from listed
    union
    select account_id from events

),

final as (

    select
        all_ids.account_id,
        listed.account_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.account_id = listed.account_id
    where all_ids.account_id is not null

)

select * from final
