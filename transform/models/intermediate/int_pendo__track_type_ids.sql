{#
    Every track_type_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct track_type_id from {{ ref('stg_pendo__track_types') }}

),

track_events as (

    select track_type_id from {{ ref('stg_pendo__track_events') }}

),

all_ids as (

    select track_type_id from listed
    union
    select track_type_id from track_events

),

final as (

    select
        all_ids.track_type_id,
        listed.track_type_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.track_type_id = listed.track_type_id
    where all_ids.track_type_id is not null

)

select * from final
