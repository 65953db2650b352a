"""The panels' reads against marts files with known rows: the right columns, order, labels and empty-panel notes."""

from __future__ import annotations

import pytest

from dashboard import charts, queries
from dashboard.marts import open_marts
from dashboard.views import default_guide, guide_options
from tests.dashboard.sample_marts import SKELETON_MARTS, write_marts


@pytest.fixture
def marts(tmp_path):
    return open_marts({"DUCKDB_PATH": str(write_marts(tmp_path / "pendo.duckdb"))})


@pytest.fixture
def skeleton_marts(tmp_path):
    return open_marts({"DUCKDB_PATH": str(write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS))})


def test_activity_reads_every_measure_in_day_order(marts):
    panel = queries.activity(marts)

    assert panel.note is None
    rows = panel.rows.to_pylist()
    assert [row["activity_date"].isoformat() for row in rows] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert rows[1]["weekly_active_visitors"] == 6
    assert rows[1]["stickiness"] == 0.5
    assert {"active_accounts", "new_visitors", "returning_visitors", "monthly_active_visitors"} <= set(rows[0])
    assert [row["is_mau_complete"] for row in rows] == [False, False, False]


def test_days_with_an_incomplete_mau_window_are_drawn_apart(marts):
    rows = queries.activity(marts).rows
    trend = charts.trend_lines(rows, queries.ACTIVITY_TRENDS, title="t", y_title="v")

    layered = charts.with_incomplete_days(trend, rows, "is_mau_complete", note="incomplete").to_dict()
    band = layered["layer"][0]
    assert band["mark"]["type"] == "rect"
    assert band["data"]["values"] == [{"start": "2026-03-02", "end": "2026-03-04", "note": "incomplete"}]
    # Complete days, or marts built before the flags, draw the plain chart.
    assert charts.with_incomplete_days(trend, rows, "is_wau_complete_missing", note="x") is trend


def test_guides_are_listed_by_entries_with_names_and_ids_for_blank_names(marts):
    rows = queries.guides(marts).rows.to_pylist()

    assert [(row["guide_id"], row["guide_name"]) for row in rows] == [
        ("guide-a", "Welcome tour"),
        ('guide-"b"', 'Say "hi"'),
        ("guide-c", "guide-c"),
    ]


def test_the_longest_guide_is_shown_first(marts):
    guide_list = queries.guides(marts)
    options = guide_options(guide_list)

    assert default_guide(guide_list, options) == "Welcome tour"
    assert options["Welcome tour"] == "guide-a"


def test_a_guides_funnel_comes_in_step_order(marts):
    rows = queries.guide_funnel(marts, "guide-a").rows.to_pylist()

    assert [row["step_number"] for row in rows] == [1, 2, 3]
    assert [row["visitors_reached"] for row in rows] == [10, 7, 5]
    assert [row["visitors_dropped_off"] for row in rows] == [3, 2, 1]
    assert rows[1]["step_conversion_rate"] == pytest.approx(5 / 7)


def test_a_guide_id_with_quotes_is_a_parameter_not_sql(marts):
    assert queries.guide_funnel(marts, 'guide-"b"').rows.to_pylist()[0]["visitors_reached"] == 6
    assert queries.guide_funnel(marts, "x' or '1'='1").empty


def test_outcomes_count_visitors_per_outcome(marts):
    rows = queries.guide_outcomes(marts, "guide-a").rows.to_pylist()

    assert rows == [
        {"outcome": "completed", "visitors": 4},
        {"outcome": "dismissed", "visitors": 2},
        {"outcome": "in_progress", "visitors": 1},
        {"outcome": "snoozed", "visitors": 1},
    ]


def test_top_pages_rank_by_views_over_the_whole_range(marts):
    rows = queries.top_items(marts, queries.PAGES).rows.to_pylist()

    assert rows == [
        {"item_id": "page-2", "item_name": "Reports", "usage": 30, "visitors": 2},
        {"item_id": "page-1", "item_name": "Dashboard", "usage": 15, "visitors": 4},
        {"item_id": "page-3", "item_name": "page-3", "usage": 1, "visitors": 1},
    ]
    assert queries.top_items(marts, queries.FEATURES, limit=1).rows.to_pylist()[0]["item_name"] == "Export CSV"


def test_a_trend_fills_quiet_days_with_zero_before_averaging(marts):
    rows = queries.item_trend(marts, queries.PAGES, ["page-1"], window_days=2).rows.to_pylist()

    # page-1 had 3 and 2 visitors on Mar 2 and 3 and no row on Mar 4 (the range ends there, through page-3).
    assert [(row["activity_date"].isoformat(), row["visitors"]) for row in rows] == [
        ("2026-03-02", 3.0),
        ("2026-03-03", 2.5),
        ("2026-03-04", 1.0),
    ]


def test_nps_per_period_with_the_poll_question(marts):
    weekly = queries.nps(marts, "week").rows.to_pylist()
    monthly = queries.nps(marts, "month").rows.to_pylist()

    assert [(row["period_start_date"].isoformat(), row["nps"]) for row in weekly] == [
        ("2026-02-23", -100.0),
        ("2026-03-02", 25.0),
    ]
    assert weekly[0]["poll_name"] == "How likely are you to recommend us?"
    assert [row["scored_visitors"] for row in monthly] == [4]


def test_a_partial_dbt_project_leaves_notes_not_errors(skeleton_marts):
    activity = queries.activity(skeleton_marts)
    assert activity.rows.column_names == ["activity_date", "active_visitors"]
    assert "`weekly_active_visitors`" in activity.note

    guides = queries.guides(skeleton_marts)
    assert guides.rows.to_pylist() == [{"guide_id": "guide-a", "guide_name": "guide-a"}]
    assert "dim_guides" in guides.note

    funnel = queries.guide_funnel(skeleton_marts, "guide-a")
    assert funnel.rows.column_names == ["step_number", "visitors_seen"]
    assert "`visitors_reached` is built" in funnel.note

    for panel in (
        queries.guide_outcomes(skeleton_marts, "guide-a"),
        queries.top_items(skeleton_marts, queries.PAGES),
        queries.item_trend(skeleton_marts, queries.FEATURES, ["feature-1"]),
        queries.nps(skeleton_marts, "week"),
    ):
        assert panel.empty
        assert "is not built yet" in panel.note
