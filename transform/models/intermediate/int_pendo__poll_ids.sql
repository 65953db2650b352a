{#
    Every poll_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct poll_id from {{ ref('stg_pendo__guide_polls') }}

),

poll_events as (

    select poll_id from {{ ref('stg_pendo__poll_events') }}

),

all_ids as (

    select poll_id from listed
    union
    select poll_id from poll_events

),

final as (

    select
        all_ids.poll_id,
        listed.poll_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.poll_id = listed.poll_id
    where all_ids.poll_id is not null

)

select * from final
