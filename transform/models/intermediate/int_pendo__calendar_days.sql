{#
    Every day from the first to the last day with activity in the `events` data. Bounded by the data, never by
    current_date, so the same raw rows always give the same spine.
#}
with

events as (

    select * from {{ ref('stg_pendo__events') }}

),

date_bounds as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_date

    from events

),

date_spine as (

    select cast(spine.calendar_day as date) as calendar_date
    from date_bounds
    cross join {{ pendo_date_spine('date_bounds.first_date', 'date_bounds.last_date') }} as spine (calendar_day)

),

final as (

    select
        date_spine.calendar_date,
        {{ pendo_week_start('date_spine.calendar_date') }} as week_start_date,
        date_spine.calendar_date = date_bounds.last_date as is_last_date

    from date_spine
    cross join date_bounds

)

select * from final
