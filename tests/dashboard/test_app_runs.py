"""The marimo app run in-process (no server, no browser) on full, partial and missing marts: it never fails."""

from __future__ import annotations

import html

import pytest

from tests.dashboard.sample_marts import SKELETON_MARTS, write_marts


def run_app(monkeypatch, database):
    """Run every cell of dashboard/app.py against `database`; returns the cell outputs and the defined names."""
    monkeypatch.setenv("DUCKDB_PATH", str(database))
    monkeypatch.delenv("MARTS_DUCKDB_PATH", raising=False)
    from dashboard.app import app

    outputs, definitions = app.run()
    return [_readable(getattr(output, "text", "") or "") for output in outputs], definitions


def _readable(markup: str) -> str:
    """Callouts carry their content as escaped, JSON-encoded HTML in an attribute: undo both to read it."""
    return html.unescape(markup).replace("\\u003c", "<").replace("\\u003e", ">")


def test_full_marts_draw_every_panel(monkeypatch, tmp_path):
    _, definitions = run_app(monkeypatch, write_marts(tmp_path / "pendo.duckdb"))

    counts = {name: definitions[name].charts for name in ("activity", "guide_view", "pages", "features", "nps")}
    # trend + stickiness + new/returning; funnel + outcomes; top + trend for pages and features; NPS.
    assert counts == {"activity": 3, "guide_view": 2, "pages": 2, "features": 2, "nps": 1}


def test_the_skeletons_two_marts_draw_and_the_rest_say_what_is_missing(monkeypatch, tmp_path):
    texts, definitions = run_app(monkeypatch, write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS))

    assert definitions["activity"].charts == 1
    assert definitions["guide_view"].charts == 1
    assert definitions["pages"].charts == definitions["features"].charts == definitions["nps"].charts == 0
    page = "\n".join(texts)
    for mart in ("fct_page_daily", "fct_feature_daily", "fct_poll_nps_periods", "fct_guide_visitor_progress"):
        assert f"marts.{mart}</code> is not built yet" in page


@pytest.mark.parametrize(("database", "command"), [("demo.duckdb", "make demo"), ("pendo.duckdb", "make elt")])
def test_no_data_says_which_command_fills_it(monkeypatch, tmp_path, database, command):
    texts, definitions = run_app(monkeypatch, tmp_path / database)

    page = "\n".join(texts)
    assert "Nothing to show yet" in page
    assert f"<code>{command}</code>" in page
    assert "activity" not in definitions
