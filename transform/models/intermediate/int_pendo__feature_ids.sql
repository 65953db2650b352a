{#
    Every feature_id the entity source lists or any event uses, flagged: events outlive what Pendo lists (deleted
    definitions, visitors and accounts the entity sources leave out), and no fact row may lose its dimension row.
#}
with

listed as (

    select distinct feature_id from {{ ref('stg_pendo__features') }}

),

feature_events as (

    select feature_id from {{ ref('stg_pendo__feature_events') }}

),

all_ids as (

    select feature_id from listed
    union
    select feature_id from feature_events

),

final as (

    select
        all_ids.feature_id,
        listed.feature_id is not null as is_listed_by_pendo

    from all_ids
    left join listed
        on all_ids.feature_id = listed.feature_id
    where all_ids.feature_id is not null

)

select * from final
