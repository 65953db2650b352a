{#
    Every guide_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct guide_id from {{ ref('stg_pendo__guides') }}

),

guide_events as (

    select guide_id from {{ ref('stg_pendo__guide_events') }}

),

poll_events as (

    select guide_id from {{ ref('stg_pendo__poll_events') }}

),

all_ids as (

    select guide_id from listed
    union
    select guide_id from guide_events
    union
    select guide_id from poll_events

),

final as (

    select
        all_ids.guide_id,
        listed.guide_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.guide_id = listed.guide_id
    where all_ids.guide_id is not null

)

select * from final
