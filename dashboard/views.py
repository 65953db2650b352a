"""The dashboard's panels as marimo outputs: a panel's charts and tables, or a plain sentence saying why it is empty.

app.py wires these to the page (reload button, guide and period pickers); keeping them here keeps each panel one
testable function. Every view counts the charts it drew, so the page can say when all of them are on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import marimo as mo

from dashboard import charts, queries
from dashboard.marts import Marts, MartsUnavailable, how_to_fill

MUTED = {"color": "#6c757d", "font-size": "0.85rem"}


@dataclass(frozen=True)
class View:
    """One panel's output and how many charts it holds."""

    output: Any
    charts: int = 0


def _note(text: str | None) -> Any:
    return mo.md(text).style(MUTED) if text else mo.md("")


def _empty(text: str) -> View:
    return View(mo.callout(mo.md(text), kind="neutral"))


def _reading(build: Callable[[], View]) -> View:
    """Build a view; a file that cannot be read right now (a load holds it) becomes a warning, not a traceback."""
    try:
        return build()
    except MartsUnavailable as error:
        return View(mo.callout(mo.md(str(error)), kind="warn"))


def header(marts: Marts, reload: Any) -> Any:
    where = f"Reading {marts.source.describe()}." if marts.source else ""
    if newer := marts.newer_data:
        where += f" {newer}"
    return mo.vstack(
        [
            mo.hstack([mo.md("# Pendo product analytics"), reload], align="center"),
            mo.md(where).style(MUTED),
        ]
    )


def nothing_to_show(marts: Marts) -> Any:
    return mo.callout(mo.md(f"**Nothing to show yet.** {marts.problem}"), kind="warn")


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def _stat(value: str, label: str, caption: str) -> Any:
    return mo.stat(value, label=label, caption=caption, bordered=True)


def _latest_stats(rows: Any) -> Any:
    """The last day of data at a glance: visitors, accounts, WAU, MAU and stickiness."""
    last = rows.slice(rows.num_rows - 1).to_pylist()[0]
    day = f"on {last['activity_date']:%b %d}"
    labels = {
        "active_visitors": "Active visitors",
        "active_accounts": "Active accounts",
        "weekly_active_visitors": "WAU",
        "monthly_active_visitors": "MAU",
    }
    stats = [_stat(f"{last[column]:,}", label, day) for column, label in labels.items() if last.get(column) is not None]
    if last.get("stickiness") is not None:
        caption = "DAU ÷ MAU" if last.get("is_mau_complete") is not False else "DAU ÷ MAU, window incomplete"
        stats.append(_stat(f"{last['stickiness']:.0%}", "Stickiness", caption))
    return mo.hstack(stats, justify="start", gap=1, wrap=True)


MAU_INCOMPLETE = "The 28 days before this day start before the data: MAU and stickiness count a shorter window."


def activity(marts: Marts) -> View:
    def build() -> View:
        panel = queries.activity(marts)
        if panel.empty:
            return _empty(panel.note or f"No days of activity yet. {how_to_fill(marts.warehouse)}")
        rows = panel.rows
        first, last = rows.column("activity_date")[0].as_py(), rows.column("activity_date")[-1].as_py()
        trend = charts.trend_lines(
            rows, queries.ACTIVITY_TRENDS, title="Active visitors per day, week and month", y_title="Visitors"
        )
        trend = charts.with_incomplete_days(trend, rows, "is_mau_complete", note=MAU_INCOMPLETE)
        side = []
        if "stickiness" in rows.column_names:
            stickiness = charts.ratio_line(rows, "stickiness", title="Stickiness (DAU ÷ MAU)", label="Stickiness")
            side.append(charts.with_incomplete_days(stickiness, rows, "is_mau_complete", note=MAU_INCOMPLETE))
        if {"new_visitors", "returning_visitors"} <= set(rows.column_names):
            side.append(
                charts.stacked_bars(
                    rows,
                    {"new_visitors": "New", "returning_visitors": "Returning"},
                    title="New and returning visitors",
                    y_title="Visitors",
                )
            )
        days = (last - first).days + 1
        span = f"{first:%b %d, %Y} to {last:%b %d, %Y} ({days} days, in the subscription's time zone)."
        if days < 28 * 2 and "monthly_active_visitors" in rows.column_names:
            span += " WAU and MAU look back 7 and 28 days, so they climb over the first weeks of data."
        if charts.incomplete_days(rows, "is_mau_complete"):
            span += " Grey: days whose 28-day window starts before the data (MAU and stickiness incomplete)."
        parts = [mo.md(span).style(MUTED), _latest_stats(rows), trend]
        if side:
            parts.append(mo.hstack(side, widths="equal", gap=2))
        parts.append(_note(panel.note))
        return View(mo.vstack(parts, gap=1), charts=1 + len(side))

    view = _reading(build)
    return View(mo.vstack([mo.md("## Activity"), view.output]), view.charts)


def guide_options(guide_list: queries.Panel) -> dict[str, str]:
    """Dropdown options, label -> guide id; two guides with one name are told apart by id."""
    options: dict[str, str] = {}
    for guide in [] if guide_list.empty else guide_list.rows.to_pylist():
        label = guide["guide_name"]
        if label in options:
            label = f"{label} ({guide['guide_id']})"
        options[label] = guide["guide_id"]
    return options


def default_guide(guide_list: queries.Panel, options: dict[str, str]) -> str | None:
    """The guide shown first: the one with the most steps (the longest funnel), then the most visitors entered."""
    if guide_list.empty:
        return None
    labels = list(options)
    if "step_count" not in guide_list.rows.column_names:
        return labels[0]
    steps = guide_list.rows.column("step_count").to_pylist()
    most = max(count or 0 for count in steps)
    return next(label for label, count in zip(labels, steps, strict=True) if (count or 0) == most)


def _guides_table(guide_list: queries.Panel) -> Any:
    headers = {
        "guide_name": "Guide",
        "step_count": "Steps",
        "visitors_entered": "Entered",
        "visitors_completed": "Completed",
        "completion_rate": "Completion rate",
    }
    columns = [column for column in headers if column in guide_list.rows.column_names]
    records = [{headers[column]: row[column] for column in columns} for row in guide_list.rows.to_pylist()]
    return mo.ui.table(
        records,
        selection=None,
        show_column_summaries=False,
        show_download=False,
        show_search=False,
        show_data_types=False,
        format_mapping={"Completion rate": _percent},
        label="All guides",
    )


def guides(marts: Marts, guide_list: queries.Panel, picker: Any) -> View:
    def build() -> View:
        if guide_list.empty:
            return _empty(guide_list.note or "No guides in the marts yet.")
        guide_id = picker.value
        funnel = queries.guide_funnel(marts, guide_id)
        outcomes = queries.guide_outcomes(marts, guide_id)
        drawn = 0
        if funnel.empty:
            funnel_view = _empty(funnel.note or "This guide has no steps in the marts.").output
        else:
            measures = {"visitors_seen": "Seen (open count)", **queries.FUNNEL_MEASURES}
            funnel_view = charts.funnel_bars(funnel.rows, measures, title=f"Step funnel: {picker.selected_key}")
            drawn += 1
        if outcomes.empty:
            outcome_view = _empty(outcomes.note or "No visitor has seen this guide yet.").output
        else:
            outcome_view = charts.outcome_bars(outcomes.rows, title="How its visitors ended")
            drawn += 1
        parts = [picker, mo.hstack([funnel_view, outcome_view], widths=[2, 1], gap=2)]
        if not funnel.empty:
            parts.append(_funnel_table(funnel.rows))
        parts += [_note(funnel.note), _guides_table(guide_list), _note(guide_list.note)]
        return View(mo.vstack(parts, gap=1), charts=drawn)

    view = _reading(build)
    return View(mo.vstack([mo.md("## Guides"), view.output]), view.charts)


def _funnel_table(rows: Any) -> Any:
    headers = {
        "step_number": "Step",
        "visitors_seen": "Seen",
        "visitors_reached": "Reached",
        "visitors_advanced": "Advanced",
        "visitors_dismissed": "Dismissed",
        "visitors_dropped_off": "Dropped off",
        "step_conversion_rate": "Step conversion",
        "cumulative_conversion_rate": "Cumulative conversion",
    }
    columns = [column for column in headers if column in rows.column_names]
    records = [{headers[column]: row[column] for column in columns} for row in rows.to_pylist()]
    return mo.ui.table(
        records,
        selection=None,
        show_column_summaries=False,
        show_download=False,
        show_search=False,
        show_data_types=False,
        format_mapping={"Step conversion": _percent, "Cumulative conversion": _percent},
    )


def product(marts: Marts, area: queries.ProductArea, trend_size: int = 5) -> View:
    def build() -> View:
        top = queries.top_items(marts, area)
        if top.empty:
            return _empty(top.note or f"No {area.title.lower()} used yet.")
        names = dict(zip(top.rows.column("item_id").to_pylist(), top.rows.column("item_name").to_pylist(), strict=True))
        leaders = list(names)[:trend_size]
        trend = queries.item_trend(marts, area, leaders)
        ranked = charts.ranked_bars(
            top.rows, value="usage", value_title=area.usage_label, title=f"Top {area.title.lower()}"
        )
        if trend.empty:
            return View(mo.vstack([ranked, _note(trend.note or top.note)]), charts=1)
        lines = charts.item_lines(
            trend.rows,
            {item: names[item] for item in leaders},
            title=f"Visitors per day (7-day average), top {len(leaders)} {area.title.lower()}",
        )
        return View(mo.vstack([mo.hstack([ranked, lines], widths="equal", gap=2), _note(top.note)]), charts=2)

    view = _reading(build)
    return View(mo.vstack([mo.md(f"## {area.title}"), view.output]), view.charts)


def nps(marts: Marts, period_picker: Any) -> View:
    def build() -> View:
        period = period_picker.value
        panel = queries.nps(marts, period)
        if panel.empty:
            return View(mo.vstack([period_picker, _empty(panel.note or "No NPS responses yet.").output]))
        chart = charts.nps_lines(panel.rows, title=f"NPS by {period}", period=period)
        return View(mo.vstack([period_picker, chart, _note(panel.note)]), charts=1)

    view = _reading(build)
    return View(mo.vstack([mo.md("## NPS"), view.output]), view.charts)


def charts_ready(total: int) -> Any:
    """An invisible marker with the number of charts the page should show: a test waits for all of them."""
    return mo.Html(f'<div id="dashboard-charts" data-charts="{total}" hidden></div>')
