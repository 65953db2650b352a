{#
    Every page_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select page_id from {{ ref('stg_pendo__pages') }}

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
        exists (select 1 from listed where listed.page_id = all_ids.page_id) as is_listed_by_pendo

    from all_ids
    where all_ids.page_id is not null

)

select * from final
