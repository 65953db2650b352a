{#
    Every visitor_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct visitor_id from {{ ref('stg_pendo__visitors') }}

),

events as (

    select visitor_id from {{ ref('stg_pendo__events') }}

),

guide_events as (

    select visitor_id from {{ ref('stg_pendo__guide_events') }}

),

poll_events as (

    select visitor_id from {{ ref('stg_pendo__poll_events') }}

),

all_ids as (

    select visitor_id from listed
    union
    select visitor_id from events
    union
    select visitor_id from guide_events
    union
    select visitor_id from poll_events

),

final as (

    select
        all_ids.visitor_id,
        listed.visitor_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.visitor_id = listed.visitor_id
    where all_ids.visitor_id is not null

)

select * from final
