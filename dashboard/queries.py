"""The rows behind each dashboard panel, read from the marts, or the reason a panel has nothing to show yet.

Each function names the marts and columns it reads. When one is not built (an older or partial dbt project), the panel
says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from dashboard.marts import Marts

ACTIVITY = "fct_active_visitors_daily"
GUIDES = "dim_guides"
FUNNEL = "fct_guide_step_funnel"
PROGRESS = "fct_guide_visitor_progress"
NPS = "fct_poll_nps_periods"
POLLS = "dim_polls"

# Activity trends drawn as lines, then the other per-day measures the panel uses: column -> label.
ACTIVITY_TRENDS = {
    "active_visitors": "Daily active visitors",
    "weekly_active_visitors": "Weekly active (WAU)",
    "monthly_active_visitors": "Monthly active (MAU)",
}
ACTIVITY_EXTRAS = ("active_accounts", "stickiness", "new_visitors", "returning_visitors")
# Days whose WAU / MAU window reaches before the data (their counts are kept, and drawn apart).
ACTIVITY_FLAGS = ("is_wau_complete", "is_mau_complete")

# Closed-funnel counts per step (metric definitions 7, 8 and 11): column -> label.
FUNNEL_MEASURES = {
    "visitors_reached": "Reached",
    "visitors_advanced": "Advanced",
    "visitors_dismissed": "Dismissed",
    "visitors_dropped_off": "Dropped off",
}
FUNNEL_RATES = ("step_conversion_rate", "cumulative_conversion_rate")
GUIDE_SUMMARY = ("step_count", "visitors_entered", "visitors_completed", "completion_rate")
NPS_PERIODS = ("week", "month", "quarter")


@dataclass(frozen=True)
class ProductArea:
    """Pages or features: the daily fact, the dimension with names, and the usage measure that ranks them."""

    title: str
    daily: str
    dimension: str
    key: str
    name: str
    usage: str
    usage_label: str


PAGES = ProductArea("Pages", "fct_page_daily", "dim_pages", "page_id", "page_name", "page_views", "Page views")
FEATURES = ProductArea(
    "Features", "fct_feature_daily", "dim_features", "feature_id", "feature_name", "clicks", "Clicks"
)


@dataclass(frozen=True)
class Panel:
    """A panel's rows, and a note for the reader: why there are no rows, or what is not built yet."""

    rows: pa.Table | None = None
    note: str | None = None

    @property
    def empty(self) -> bool:
        return self.rows is None or self.rows.num_rows == 0


def _present(marts: Marts, table: str, columns: list[str]) -> list[str]:
    return [column for column in columns if marts.has(table, column)]


def _not_yet(marts: Marts, table: str, wanted: list[str]) -> str | None:
    absent = [column for column in wanted if not marts.has(table, column)]
    if not absent:
        return None
    listed = ", ".join(f"`{column}`" for column in absent)
    return f"Not built yet in `marts.{table}`: {listed}."


def activity(marts: Marts) -> Panel:
    """Per day: active visitors, and (when built) accounts, WAU, MAU, stickiness, new and returning visitors."""
    if missing := marts.missing(ACTIVITY, "activity_date", "active_visitors"):
        return Panel(note=missing)
    wanted = [*ACTIVITY_TRENDS, *ACTIVITY_EXTRAS]
    columns = _present(marts, ACTIVITY, [*wanted, *ACTIVITY_FLAGS])
    rows = marts.query(f"select activity_date, {', '.join(columns)} from marts.{ACTIVITY} order by activity_date")
    return Panel(rows, _not_yet(marts, ACTIVITY, wanted))


def guides(marts: Marts) -> Panel:
    """Every guide with a name to pick it by (its id while `dim_guides` is missing), and its reach when built."""
    if marts.has(GUIDES, "guide_id", "guide_name"):
        summary = _present(marts, GUIDES, list(GUIDE_SUMMARY))
        rows = marts.query(
            f"select guide_id, coalesce(nullif(guide_name, ''), guide_id) as guide_name"
            f"{''.join(', ' + column for column in summary)} from marts.{GUIDES} "
            f"order by {'visitors_entered desc, ' if 'visitors_entered' in summary else ''}lower(guide_name), guide_id"
        )
        return Panel(rows)
    if missing := marts.missing(FUNNEL, "guide_id"):
        return Panel(note=missing)
    rows = marts.query(f"select distinct guide_id, guide_id as guide_name from marts.{FUNNEL} order by guide_id")
    return Panel(rows, f"Guide names appear once `marts.{GUIDES}` is built; until then guides go by id.")


def guide_funnel(marts: Marts, guide_id: str) -> Panel:
    """One guide's steps in order: reached, advanced, dismissed and dropped off, with conversion rates."""
    if missing := marts.missing(FUNNEL, "guide_id", "step_number"):
        return Panel(note=missing)
    wanted = [*FUNNEL_MEASURES, *FUNNEL_RATES]
    measures = _present(marts, FUNNEL, wanted)
    note = _not_yet(marts, FUNNEL, wanted)
    if "visitors_reached" not in measures and marts.has(FUNNEL, "visitors_seen"):
        measures.insert(0, "visitors_seen")
        note = f"{note} Showing `visitors_seen` (open count) until `visitors_reached` is built."
    if not measures:
        return Panel(note=note)
    rows = marts.query(
        f"select step_number, {', '.join(measures)} from marts.{FUNNEL} where guide_id = ? order by step_number",
        [guide_id],
    )
    return Panel(rows, note)


def guide_outcomes(marts: Marts, guide_id: str) -> Panel:
    """How the guide's visitors (control group excluded) ended: completed, dismissed, snoozed or in progress."""
    if missing := marts.missing(PROGRESS, "guide_id", "visitor_id", "outcome"):
        return Panel(note=missing)
    rows = marts.query(
        f"select outcome, count(distinct visitor_id) as visitors from marts.{PROGRESS} where guide_id = ? "
        "group by outcome order by visitors desc, outcome",
        [guide_id],
    )
    return Panel(rows)


def top_items(marts: Marts, area: ProductArea, limit: int = 10) -> Panel:
    """The most used pages (or features) over the whole data range: usage and distinct visitors, by name."""
    if missing := marts.missing(area.daily, area.key, area.usage, "visitors", "activity_date"):
        return Panel(note=missing)
    named = marts.has(area.dimension, area.key, area.name)
    label = f"coalesce(nullif(names.{area.name}, ''), daily.{area.key})" if named else f"daily.{area.key}"
    join = f"left join marts.{area.dimension} as names on daily.{area.key} = names.{area.key}" if named else ""
    # Distinct visitors over the whole range come from the dimension: a sum of daily visitors would count visitor-days.
    visitors = ", max(names.visitors) as visitors" if named and marts.has(area.dimension, "visitors") else ""
    rows = marts.query(
        f"select daily.{area.key} as item_id, {label} as item_name, "
        f"cast(sum(daily.{area.usage}) as bigint) as usage{visitors} "
        f"from marts.{area.daily} as daily {join} "
        "group by all order by usage desc, item_name limit ?",
        [limit],
    )
    note = None if named else f"Names appear once `marts.{area.dimension}` is built; until then they go by id."
    return Panel(rows, note)


def item_trend(marts: Marts, area: ProductArea, item_ids: list[str], window_days: int = 7) -> Panel:
    """Distinct visitors per day for the given pages (or features), averaged over a trailing window of days.

    Days without a row are days with no visitor: every item gets every day of the data range (zero-filled) before
    averaging, so a quiet day pulls the average down instead of vanishing.
    """
    if missing := marts.missing(area.daily, area.key, "visitors", "activity_date"):
        return Panel(note=missing)
    if not item_ids:
        return Panel(note=f"No {area.title.lower()} used yet.")
    placeholders = ", ".join("?" for _ in item_ids)
    rows = marts.query(
        f"""
        with bounds as (
            select min(activity_date) as first_date, max(activity_date) as last_date from marts.{area.daily}
        ),
        days as (
            select cast(day as date) as activity_date
            from bounds, range(bounds.first_date, bounds.last_date + interval 1 day, interval 1 day) as spine (day)
        ),
        items as (select unnest([{placeholders}]) as item_id),
        daily as (
            select {area.key} as item_id, activity_date, sum(visitors) as visitors from marts.{area.daily}
            where {area.key} in ({placeholders}) group by all
        )
        select
            items.item_id,
            days.activity_date,
            avg(coalesce(daily.visitors, 0)) over (
                partition by items.item_id order by days.activity_date
                rows between {window_days - 1} preceding and current row
            ) as visitors
        from items
        cross join days
        left join daily on items.item_id = daily.item_id and days.activity_date = daily.activity_date
        order by days.activity_date, items.item_id
        """,
        [*item_ids, *item_ids],
    )
    return Panel(rows)


def nps(marts: Marts, period: str) -> Panel:
    """NPS per NPS poll and period (`week`, `month` or `quarter`), with the counts behind it."""
    counts = ("scored_visitors", "promoters", "passives", "detractors")
    if missing := marts.missing(NPS, "poll_id", "period_type", "period_start_date", "nps", *counts):
        return Panel(note=missing)
    named = marts.has(POLLS, "poll_id", "poll_question")
    label = "coalesce(nullif(polls.poll_question, ''), periods.poll_id)" if named else "periods.poll_id"
    join = f"left join marts.{POLLS} as polls on periods.poll_id = polls.poll_id" if named else ""
    rows = marts.query(
        f"select periods.poll_id, {label} as poll_name, periods.period_start_date, periods.nps, "
        f"{', '.join('periods.' + column for column in counts)} "
        f"from marts.{NPS} as periods {join} where periods.period_type = ? "
        "order by periods.period_start_date, poll_name",
        [period],
    )
    return Panel(rows)
