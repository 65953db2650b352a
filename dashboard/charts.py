"""Altair charts for the dashboard panels. marimo renders them with the Vega it serves itself: no CDN, no internet.

Each function takes the rows of one panel (a pyarrow table, see `dashboard.queries`) and returns a chart; data goes in
as plain records so the charts need neither pandas nor numpy.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import altair as alt
import pyarrow as pa

WIDTH = "container"
HEIGHT = 260
PALETTE = ["#3b5bdb", "#12b886", "#f59f00", "#e8590c", "#7048e8", "#1098ad", "#d6336c", "#495057"]
OUTCOME_COLORS = {
    "completed": "#2b8a3e",
    "in progress": "#1c7ed6",
    "snoozed": "#f59f00",
    "dismissed": "#c92a2a",
}


def _records(rows: pa.Table, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates become ISO strings, decimals (DuckDB's `sum` of integers) become numbers."""
    selected = rows.select(columns) if columns else rows
    records = selected.to_pylist()
    for record in records:
        for key, value in record.items():
            if isinstance(value, datetime | date):
                record[key] = value.isoformat()
            elif isinstance(value, Decimal):
                record[key] = int(value) if value == value.to_integral_value() else float(value)
    return records


def _long(rows: pa.Table, key: str, series: dict[str, str]) -> list[dict[str, Any]]:
    """Wide rows (one column per measure) as long records: key, measure label, value, in the order of `series`."""
    long: list[dict[str, Any]] = []
    for record in _records(rows):
        for order, (column, label) in enumerate(series.items()):
            if column in record:
                long.append({key: record[key], "measure": label, "order": order, "value": record[column]})
    return long


def _headroom(data: list[dict[str, Any]], value: str) -> float:
    """An axis end a little past the longest bar, so the number printed after it stays inside the chart."""
    return max((record[value] or 0 for record in data), default=0) * 1.15 or 1


def trend_lines(rows: pa.Table, series: dict[str, str], *, title: str, y_title: str) -> alt.Chart:
    """One line per measure over `activity_date` (e.g. daily active visitors, WAU and MAU)."""
    present = {column: label for column, label in series.items() if column in rows.column_names}
    data = _long(rows, "activity_date", present)
    return (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2.5)
        .encode(
            x=alt.X("activity_date:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0)),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=list(present.values()),
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("activity_date:T", title="Day", format="%a %b %d, %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Visitors", format=","),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def incomplete_days(rows: pa.Table, flag: str) -> list[str]:
    """The days (ISO dates) whose `flag` column is false: e.g. the first 27 days of data, where MAU's window reaches
    before the data."""
    if flag not in rows.column_names:
        return []
    return [record["activity_date"] for record in _records(rows, ["activity_date", flag]) if record[flag] is False]


def with_incomplete_days(chart: alt.Chart, rows: pa.Table, flag: str, *, note: str) -> alt.Chart | alt.LayerChart:
    """`chart` over a grey band on the days whose `flag` is false, the band's tooltip saying why (`note`)."""
    days = incomplete_days(rows, flag)
    if not days:
        return chart
    band = (
        alt.Chart(alt.Data(values=[{"start": days[0], "end": days[-1], "note": note}]))
        .mark_rect(color="#adb5bd", opacity=0.25)
        .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("note:N", title="Incomplete")])
    )
    return alt.layer(band, chart)


def ratio_line(rows: pa.Table, column: str, *, title: str, label: str) -> alt.Chart:
    """A share (0..1) over `activity_date`, shown as a percentage (e.g. stickiness = DAU / MAU)."""
    data = _records(rows, ["activity_date", column])
    return (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_area(line={"color": PALETTE[4], "strokeWidth": 2}, color=PALETTE[4], opacity=0.18)
        .encode(
            x=alt.X("activity_date:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0)),
            y=alt.Y(f"{column}:Q", title=label, axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("activity_date:T", title="Day", format="%a %b %d, %Y"),
                alt.Tooltip(f"{column}:Q", title=label, format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT - 60)
    )


def stacked_bars(rows: pa.Table, series: dict[str, str], *, title: str, y_title: str) -> alt.Chart:
    """Measures stacked per day (e.g. new and returning visitors)."""
    data = _long(rows, "activity_date", series)
    return (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_bar()
        .encode(
            x=alt.X("activity_date:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0)),
            y=alt.Y("value:Q", title=y_title, stack="zero"),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=list(series.values()),
                scale=alt.Scale(range=[PALETTE[1], PALETTE[0]]),
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("activity_date:T", title="Day", format="%a %b %d, %Y"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Visitors", format=","),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT - 60)
    )


def funnel_bars(rows: pa.Table, measures: dict[str, str], *, title: str) -> alt.Chart:
    """Per guide step, side-by-side bars of each funnel measure (reached, advanced, dismissed, dropped off)."""
    present = {column: label for column, label in measures.items() if column in rows.column_names}
    data = _long(rows, "step_number", present)
    for record in data:
        record["step"] = f"Step {record['step_number']}"
    steps = [f"Step {number}" for number in rows.column("step_number").to_pylist()]
    return (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_bar(cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
        .encode(
            x=alt.X("step:N", title=None, sort=steps, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=list(present.values())),
            y=alt.Y("value:Q", title="Visitors"),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=list(present.values()),
                scale=alt.Scale(range=[PALETTE[0], PALETTE[1], PALETTE[3], "#adb5bd"]),
                legend=alt.Legend(orient="top", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("step:N", title="Step"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title="Visitors", format=","),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


def outcome_bars(rows: pa.Table, *, title: str) -> alt.Chart:
    """Visitors per guide outcome, one horizontal bar each, in the outcome's own colour."""
    data = _records(rows)
    for record in data:
        record["outcome"] = record["outcome"].replace("_", " ")  # in_progress reads as "in progress"
    outcomes = [record["outcome"] for record in data]
    colors = [OUTCOME_COLORS.get(outcome, PALETTE[-1]) for outcome in outcomes]
    bars = (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y("outcome:N", title=None, sort=outcomes),
            x=alt.X("visitors:Q", title="Visitors", scale=alt.Scale(domain=[0, _headroom(data, "visitors")])),
            color=alt.Color("outcome:N", scale=alt.Scale(domain=outcomes, range=colors), legend=None),
            tooltip=[alt.Tooltip("outcome:N", title="Outcome"), alt.Tooltip("visitors:Q", title="Visitors")],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("visitors:Q", format=","))
    return (bars + labels).properties(width=WIDTH, height=max(80, 34 * len(data)))


def ranked_bars(rows: pa.Table, *, value: str, value_title: str, title: str) -> alt.Chart:
    """Items ranked by a measure, as horizontal bars labelled with their names (e.g. the top pages by views)."""
    data = _records(rows)
    names = [record["item_name"] for record in data]
    tooltip = [alt.Tooltip("item_name:N", title="Name"), alt.Tooltip(f"{value}:Q", title=value_title, format=",")]
    if "visitors" in rows.column_names:
        tooltip.append(alt.Tooltip("visitors:Q", title="Distinct visitors", format=","))
    bars = (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_bar(color=PALETTE[0], cornerRadiusEnd=2)
        .encode(
            y=alt.Y("item_name:N", title=None, sort=names, axis=alt.Axis(labelLimit=220)),
            x=alt.X(f"{value}:Q", title=value_title, scale=alt.Scale(domain=[0, _headroom(data, value)])),
            tooltip=tooltip,
        )
    )
    labels = bars.mark_text(align="left", dx=4, color="#495057").encode(text=alt.Text(f"{value}:Q", format=","))
    return (bars + labels).properties(width=WIDTH, height=max(80, 24 * len(data)))


def item_lines(rows: pa.Table, names: dict[str, str], *, title: str) -> alt.Chart:
    """Distinct visitors per day, one line per item, named by `names` (item id -> name)."""
    data = _records(rows)
    for record in data:
        record["item_name"] = names.get(record["item_id"], record["item_id"])
    return (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("activity_date:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0)),
            y=alt.Y("visitors:Q", title="Visitors per day"),
            color=alt.Color(
                "item_name:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("activity_date:T", title="Day", format="%a %b %d, %Y"),
                alt.Tooltip("item_name:N", title="Name"),
                alt.Tooltip("visitors:Q", title="Visitors per day, 7-day average", format=".1f"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT - 40)
    )


def period_label(start: date, period: str) -> str:
    """How a period reads on an axis: the week of Oct 26, October 2026, Q4 2026."""
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if period == "month":
        return f"{start:%b %Y}"
    return f"{start:%b %d}"


def nps_lines(rows: pa.Table, *, title: str, period: str) -> alt.Chart:
    """NPS (-100 to 100) per poll over periods, with a zero line; the counts behind each point in its tooltip."""
    data = _records(rows)
    starts = sorted(set(rows.column("period_start_date").to_pylist()))
    for record in data:
        record["period"] = period_label(date.fromisoformat(record["period_start_date"]), period)
    base = alt.Chart(alt.Data(values=data), title=title)
    lines = base.mark_line(point=alt.OverlayMarkDef(size=40), strokeWidth=2.5).encode(
        x=alt.X(
            "period:O",
            title=f"{period.capitalize()} starting" if period == "week" else None,
            sort=[period_label(start, period) for start in starts],
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("nps:Q", title="NPS", scale=alt.Scale(domain=[-100, 100])),
        color=alt.Color(
            "poll_name:N",
            title=None,
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=480),
        ),
        tooltip=[
            alt.Tooltip("poll_name:N", title="Poll"),
            alt.Tooltip("period:O", title=period.capitalize()),
            alt.Tooltip("nps:Q", title="NPS", format=".0f"),
            alt.Tooltip("scored_visitors:Q", title="Scored visitors"),
            alt.Tooltip("promoters:Q", title="Promoters"),
            alt.Tooltip("passives:Q", title="Passives"),
            alt.Tooltip("detractors:Q", title="Detractors"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"nps": 0}])).mark_rule(color="#adb5bd", strokeDash=[4, 4]).encode(y="nps:Q")
    return (zero + lines).properties(width=WIDTH, height=HEIGHT)
