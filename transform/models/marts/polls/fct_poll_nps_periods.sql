{#
    NPS per poll and period (week from Monday, calendar month, quarter) of the subscription time zone. Each visitor's
    latest numeric response to the poll within the period counts once (metric_nps).
#}
with

poll_responses as (

    select * from {{ ref('fct_poll_responses') }}
    where {{ pendo_is_nps_poll_type('poll_type') }} and response_score is not null

),

{% set periods = ['week', 'month', 'quarter'] %}
responses_by_period as (

    {% for period in periods %}
        select
            poll_id,
            guide_id,
            visitor_id,
            nps_category,
            responded_at,
            poll_event_id,
            '{{ period }}' as period_type,
            {{ pendo_period_start(period, 'activity_date') }} as period_start_date

        from poll_responses
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

latest_responses as (

    select
        *,
        row_number() over (
            partition by poll_id, period_type, period_start_date, visitor_id
            order by responded_at desc, poll_event_id desc
        ) as recency_rank

    from responses_by_period

),

period_counts as (

    select
        poll_id,
        guide_id,
        period_type,
        period_start_date,
        count(*) as scored_visitors,
        count(case when nps_category = 'promoter' then 1 end) as promoters,
        count(case when nps_category = 'passive' then 1 end) as passives,
        count(case when nps_category = 'detractor' then 1 end) as detractors

    from latest_responses
    where recency_rank = 1
    group by 1, 2, 3, 4

),

final as (

    select
        poll_id,
        guide_id,
        period_type,
        period_start_date,
        scored_visitors,
        promoters,
        passives,
        detractors,
        100 * {{ pendo_ratio('promoters - detractors', 'scored_visitors') }} as nps

    from period_counts

)

select * from final
