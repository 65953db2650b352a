"""`make dashboard` on the demo data, opened in headless Chromium: every chart drawn, guides named, nothing fetched
from outside 127.0.0.1, and a screenshot kept as the test's artifact."""

from __future__ import annotations

import duckdb
import pytest

from tests.dashboard.browser import DEEP_TEXT, Browser
from tests.dashboard.conftest import free_port, make_env

# Counts the charts Vega has drawn (marimo renders outputs inside shadow roots) and reads the page's own count of the
# charts it holds, which the last cell writes only after every panel has run.
CHART_STATE = f"""(() => {{
  const roots = [document];
  let drawn = 0, marker = null;
  while (roots.length) {{
    const root = roots.pop();
    for (const element of root.querySelectorAll('*')) {{ if (element.shadowRoot) roots.push(element.shadowRoot); }}
    drawn += root.querySelectorAll('.vega-embed canvas, .vega-embed svg.marks').length;
    marker = marker || root.querySelector('#dashboard-charts');
  }}
  return {{drawn, expected: marker ? Number(marker.dataset.charts) : null, text: {DEEP_TEXT}}};
}})()"""
ALL_CHARTS_DRAWN = f"""(() => {{
  const state = {CHART_STATE};
  return state.expected !== null && state.drawn >= state.expected;
}})()"""


def guide_labels(marts_path) -> list[str]:
    """The names the guide panel must show: from `dim_guides` when built, else the guide ids."""
    with duckdb.connect(str(marts_path), read_only=True) as connection:
        columns = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'dim_guides'"
            ).fetchall()
        }
        if "guide_name" in columns:
            sql = "select coalesce(nullif(guide_name, ''), guide_id) from marts.dim_guides"
        else:
            sql = "select distinct guide_id from marts.fct_guide_step_funnel"
        return sorted(label for (label,) in connection.execute(sql).fetchall())


@pytest.mark.slow
def test_dashboard_draws_the_demo_marts_offline(demo_data, chromium, serve, tmp_path):
    assert demo_data.marts_path.exists(), "the demo publishes its marts; the dashboard should read that copy"
    labels = guide_labels(demo_data.marts_path)
    assert labels, "the demo data has guides"
    port = free_port()
    command = ["make", "--no-print-directory", "dashboard", f"PORT={port}", "HEADLESS=1"]
    command.append(f"DUCKDB_PATH={demo_data.duckdb_path}")

    with serve(command, port, make_env()), Browser(chromium, tmp_path / "chromium-profile", height=1000) as browser:
        browser.open(f"http://127.0.0.1:{port}/")
        try:
            browser.wait_for(ALL_CHARTS_DRAWN, timeout=60)
        finally:
            screenshot = browser.screenshot(tmp_path / "dashboard.png")
            print(f"\ndashboard screenshot: {screenshot}")
            state = browser.evaluate(CHART_STATE)
            print(f"charts drawn: {state['drawn']} of {state['expected']}")

        assert state["expected"] >= 2, "at least the activity trend and the selected guide's funnel"
        assert state["drawn"] == state["expected"]
        text = state["text"]
        assert "Pendo product analytics" in text
        assert f"Reading {demo_data.marts_path} (published copy" in text
        missing = [label for label in labels if label not in text]
        assert not missing, f"guides not named on the page: {missing}"
        assert "Traceback" not in text
        # The demo builds every mart the dashboard reads: each panel must find the columns it binds to.
        assert "not built yet" not in text.lower()
        outside = [
            url
            for url in browser.requested_urls
            if not url.startswith((f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:", "blob:"))
        ]
        assert not outside, f"the page fetched from outside 127.0.0.1: {outside}"
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 20_000
