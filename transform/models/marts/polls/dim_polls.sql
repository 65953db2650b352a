with

polls as (

    select * from {{ ref('int_pendo__guide_polls_joined_to_guides') }}

),

poll_responses as (

    select * from {{ ref('fct_poll_responses') }}

),

all_poll_ids as (

    select * from {{ ref('int_pendo__poll_ids') }}

),

response_guides as (

    select
        poll_id,
        min(guide_id) as guide_id

    from poll_responses
    group by 1

),

latest_scores as (

    select
        poll_id,
        visitor_id,
        nps_category,
        row_number() over (
            partition by poll_id, visitor_id order by responded_at desc, poll_event_id desc
        ) as recency_rank

    from poll_responses
    where response_score is not null

),

lifetime_nps as (

    select
        poll_id,
        count(*) as scored_visitors,
        count(case when nps_category = 'promoter' then 1 end) as promoters,
        count(case when nps_category = 'passive' then 1 end) as passives,
        count(case when nps_category = 'detractor' then 1 end) as detractors

    from latest_scores
    where recency_rank = 1
    group by 1

),

response_counts as (

    select
        poll_id,
        count(*) as responses,
        count(distinct visitor_id) as respondents,
        min(activity_date) as first_response_date,
        max(activity_date) as last_response_date

    from poll_responses
    group by 1

),

final as (

    select
        all_poll_ids.poll_id,
        coalesce(polls.guide_id, response_guides.guide_id) as guide_id,
        polls.poll_question,
        polls.poll_type,
        polls.poll_number,
        all_poll_ids.is_listed_by_pendo,
        coalesce(response_counts.responses, 0) as responses,
        coalesce(response_counts.respondents, 0) as respondents,
        coalesce(lifetime_nps.scored_visitors, 0) as scored_visitors,
        coalesce(lifetime_nps.promoters, 0) as promoters,
        coalesce(lifetime_nps.passives, 0) as passives,
        coalesce(lifetime_nps.detractors, 0) as detractors,
        100 * {{ pendo_ratio('lifetime_nps.promoters - lifetime_nps.detractors', 'lifetime_nps.scored_visitors') }}
            as lifetime_nps,
        response_counts.first_response_date,
        response_counts.last_response_date

    from all_poll_ids
    left join polls
        on all_poll_ids.poll_id = polls.poll_id
    left join response_guides
        on all_poll_ids.poll_id = response_guides.poll_id
    left join lifetime_nps
        on all_poll_ids.poll_id = lifetime_nps.poll_id
    left join response_counts
        on all_poll_ids.poll_id = response_counts.poll_id

)

select * from final
