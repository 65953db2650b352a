with

guide_polls as (

    select * from {{ ref('stg_pendo__guide_polls') }}

),

guides as (

    select * from {{ ref('stg_pendo__guides') }}

),

polls_with_guide as (

    select
        guide_polls.poll_id,
        guides.guide_id,
        guide_polls.poll_question,
        guide_polls.poll_type,
        guide_polls.poll_number,
        guides.last_updated_at as guide_last_updated_at

    from guide_polls
    inner join guides
        on guide_polls.guide_dlt_row_id = guides.dlt_row_id

)

select * from polls_with_guide
