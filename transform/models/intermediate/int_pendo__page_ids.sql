{#
    Every page_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct page_id from {{ ref('stg_pendo__pages') }}

),

page_events as (

    select page_id from {{ ref('stg_pendo__page_events') }}

),

all_ids as (

    select page_id from listed
    union
    select page_id from page_events

),

final as (

    select
        all_ids.page_id,
        listed.page_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.page_id = listed.page_id
    where all_ids.page_id is not null

)

select * from final
