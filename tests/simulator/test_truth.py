"""`truth` against the API: every metric recomputed here, independently, from the rows the server returns."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from pendo_simulator import truth
from tests.helpers import PYTHON, REPO_ROOT
from tests.simulator.conftest import ALL_APPS, Api, events_source, source

WORLD_FLAGS = ["--seed", "11", "--visitors", "120", "--accounts", "40", "--days", "14", "--guides", "5"]
NOW_FLAG = ["--now", "2026-03-15T12:00:00Z"]


def run_truth(*flags: str) -> dict:
    result = subprocess.run(
        [PYTHON, "-m", "pendo_simulator", "truth", *WORLD_FLAGS, *NOW_FLAG, *flags],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def expected(small_world) -> dict:
    return truth.compute(small_world)


@pytest.fixture(scope="module")
def api_rows(small_server, small_world) -> dict:
    api = Api(small_server.url)
    whole = {"first": small_world.start_ms, "last": "now()"}
    return {
        "events": api.rows([events_source(**whole)]),
        "guideEvents": api.rows([events_source("guideEvents", **whole)]),
        "pollEvents": api.rows([events_source("pollEvents", **whole)]),
        "guides": api.rows([source("guides", {"appId": ALL_APPS})]),
    }


def test_the_cli_prints_the_documented_format(expected):
    printed = run_truth()
    assert printed == json.loads(json.dumps(expected))
    assert set(printed) == {
        *("params", "daily", "guide_steps", "guides", "guide_visitors", "guide_daily", "polls", "retention"),
        "retention_first_in_data",
        *("pages", "features", "visitors", "accounts"),
        *("page_days", "feature_days", "account_engagement", "guide_accounts", "attribute_changes"),
    }
    assert set(printed["daily"][0]) == {
        "activity_date", "active_visitors", "active_identified_visitors", "active_accounts", "events", "minutes",
        "wau", "mau", "wau_identified", "mau_identified", "stickiness", "stickiness_identified", "new_visitors",
        "returning_visitors", "new_identified_visitors", "returning_identified_visitors", "wau_complete",
        "mau_complete", "new_visitors_first_in_data", "returning_visitors_first_in_data",
        "new_identified_visitors_first_in_data", "returning_identified_visitors_first_in_data",
    }  # fmt: skip
    assert {"guide_id", "guide_step_id", "step_number", "visitors_seen", "visitors_advanced", "visitors_dismissed",
            "visitors_reached"} <= set(printed["guide_steps"][0])  # fmt: skip
    assert len(printed["daily"]) == 14


def test_truth_rows_are_what_the_api_returns(api, small_world):
    printed = run_truth("--source", "pageEvents", "--first", "date(2026, 3, 9)", "--last", "1773288000000")
    rows = printed["rows"]
    assert rows["source"] == "pageEvents" and rows["count"] == len(rows["results"]) > 0
    served = api.aggregate([source("pageEvents", {"appId": ALL_APPS}, period="dayRange", first="date(2026, 3, 9)",
                                   last="1773288000000")])  # fmt: skip
    assert served.json() == {"startTime": rows["startTime"], "results": rows["results"]}
    hourly = run_truth("--source", "guideEvents", "--period", "hourRange", "--first", "now()", "--count", "-30")
    served = api.rows([source("guideEvents", {"appId": ALL_APPS}, period="hourRange", first="now()", count=-30)])
    assert hourly["rows"]["results"] == served
    default_app = run_truth("--source", "pages", "--app-id", "-323232")["rows"]["results"]
    assert default_app == api.rows([source("pages")])


def test_truth_cli_errors_are_one_line():
    result = subprocess.run(
        [PYTHON, "-m", "pendo_simulator", "truth", "--source", "events", "--first", "now()"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "needs --first and one of --last or --count" in result.stderr
    assert "Traceback" not in result.stderr


def test_daily_activity_from_the_api(expected, api_rows, small_world):
    """METRICS 1-5: active visitors (anonymous in and out), accounts, events, minutes, wau/mau, new/returning."""
    per_day: dict[int, dict] = defaultdict(lambda: {"visitors": set(), "accounts": set(), "events": 0, "minutes": 0})
    for row in api_rows["events"]:
        day = per_day[row["day"]]
        day["visitors"].add(row["visitorId"])
        if row["accountId"]:
            day["accounts"].add(row["accountId"])
        day["events"] += row["numEvents"]
        day["minutes"] += row["numMinutes"]
    tz = small_world.clock.tz
    seen: set[str] = set()
    history: list[set[str]] = []
    for index, truth_day in enumerate(expected["daily"]):
        day_ms = small_world.day_starts[index]
        assert datetime.fromtimestamp(day_ms / 1000, tz).date().isoformat() == truth_day["activity_date"]
        day = per_day.get(day_ms, {"visitors": set(), "accounts": set(), "events": 0, "minutes": 0})
        visitors = day["visitors"]
        identified = {v for v in visitors if not v.startswith("_PENDO_T_")}
        history.append(visitors)
        mau = set().union(*history[-28:])
        assert truth_day["active_visitors"] == len(visitors)
        assert truth_day["active_identified_visitors"] == len(identified)
        assert truth_day["active_accounts"] == len(day["accounts"])
        assert truth_day["events"] == day["events"] and truth_day["minutes"] == day["minutes"]
        assert truth_day["wau"] == len(set().union(*history[-7:]))
        assert truth_day["mau"] == len(mau)
        assert truth_day["stickiness"] == (len(visitors) / len(mau) if mau else None)
        assert truth_day["new_visitors_first_in_data"] == len(visitors - seen)
        assert truth_day["returning_visitors_first_in_data"] == len(visitors & seen)
        # By Pendo's first visit, a visitor who came before the data is never new.
        assert truth_day["new_visitors"] <= truth_day["new_visitors_first_in_data"]
        assert truth_day["wau_complete"] == (index >= 6) and truth_day["mau_complete"] == (index >= 27)
        seen |= visitors
    assert sum(d["active_visitors"] for d in expected["daily"]) > 100
    assert sum(d["new_visitors"] for d in expected["daily"]) < sum(
        d["new_visitors_first_in_data"] for d in expected["daily"]
    )


def _funnel_from_rows(guide_rows: list[dict], guides: list[dict]) -> tuple[dict, dict]:
    """METRICS 6-10 re-implemented over API rows: (per step counts, per guide completions)."""
    by_guide: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in guide_rows:
        by_guide[row["guideId"]][row["visitorId"]].append(row)
    steps_out, guides_out = {}, {}
    for guide in guides:
        step_number = {s["id"]: n for n, s in enumerate(guide["steps"], start=1)}
        last = len(guide["steps"])
        counts = defaultdict(lambda: defaultdict(set))
        reached = defaultdict(int)
        completed = {"seen": 0, "advanced": 0}
        for visitor, rows in by_guide[guide["id"]].items():
            if any(r["type"] == "guideNotSeen" and r["guideTimestamp"] >= guide["resetAt"] for r in rows):
                continue  # control group since the last reset
            first_seen: dict[int, int] = {}
            for r in rows:
                counts[r["type"]][step_number[r["guideStepId"]]].add(visitor)
                if r["type"] == "guideSeen":
                    n = step_number[r["guideStepId"]]
                    first_seen[n] = min(first_seen.get(n, r["guideTimestamp"]), r["guideTimestamp"])
            # Steps seen in list order from step 1; a step never seen (a branch skipped it) does not stop the path.
            path: list[int] = []
            for k in range(1, last + 1) if 1 in first_seen else ():
                if k in first_seen:
                    if path and first_seen[k] < first_seen[path[-1]]:
                        break
                    path.append(k)
            for k in path:
                reached[k] += 1
            dismissed = min((r["guideTimestamp"] for r in rows if r["type"] == "guideDismissed"), default=None)
            if last in path:
                advanced = [
                    r["guideTimestamp"]
                    for r in rows
                    if r["type"] == "guideAdvanced"
                    and step_number[r["guideStepId"]] == last
                    and r["guideTimestamp"] >= first_seen[last]
                ]
                for rule, at in (("seen", first_seen[last]), ("advanced", min(advanced, default=None))):
                    completed[rule] += at is not None and (dismissed is None or at <= dismissed)
        for step in guide["steps"]:
            n = step_number[step["id"]]
            steps_out[step["id"]] = (
                len(counts["guideSeen"][n]), len(counts["guideAdvanced"][n]), len(counts["guideDismissed"][n]),
                reached[n],
            )  # fmt: skip
        guides_out[guide["id"]] = (completed["seen"], completed["advanced"])
    return steps_out, guides_out


def test_guide_funnels_from_the_api(expected, api_rows):
    steps, guides = _funnel_from_rows(api_rows["guideEvents"], api_rows["guides"])
    assert {
        s["guide_step_id"]: (s["visitors_seen"], s["visitors_advanced"], s["visitors_dismissed"], s["visitors_reached"])
        for s in expected["guide_steps"]
    } == steps
    assert {g["guide_id"]: (g["completed_last_step_seen"], g["completed_last_step_advanced"]) for g in
            expected["guides"]} == guides  # fmt: skip
    for guide in expected["guides"]:
        reached = [s["visitors_reached"] for s in expected["guide_steps"] if s["guide_id"] == guide["guide_id"]]
        if not guide["branching"]:
            assert reached == sorted(reached, reverse=True)  # a linear closed funnel never grows
        outcomes = guide["outcomes_last_step_seen"]
        assert sum(outcomes.values()) == guide["visitors_seen"]
        assert outcomes["completed"] == guide["completed_last_step_seen"]
        assert guide["outcomes_last_step_advanced"]["completed"] == guide["completed_last_step_advanced"]
    per_visitor = [v for v in expected["guide_visitors"] if v["outcome"] == "completed"]
    assert per_visitor and all(v["time_to_complete_ms"] >= 0 for v in per_visitor)


def test_nps_from_the_api(expected, api_rows):
    """METRICS 12: each visitor's latest numeric response per NPS poll counts once."""
    kinds = {p["id"]: p["attributes"]["type"] for g in api_rows["guides"] for p in g["polls"]}
    latest: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in api_rows["pollEvents"]:
        if kinds[row["pollId"]] == "NPSRating" and row["pollResponse"].isdigit():
            previous = latest[row["pollId"]].get(row["visitorId"])
            if previous is None or row["browserTime"] >= previous[0]:
                latest[row["pollId"]][row["visitorId"]] = (row["browserTime"], int(row["pollResponse"]))
    nps_polls = [p for p in expected["polls"] if p["poll_type"] == "NPSRating"]
    assert nps_polls
    for poll in nps_polls:
        scores = [score for _, score in latest[poll["poll_id"]].values()]
        promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
        assert poll["responses"] == len(scores) > 0
        assert (poll["promoters"], poll["detractors"]) == (promoters, detractors)
        assert poll["nps"] == pytest.approx(100 * (promoters - detractors) / len(scores))
    free_text = [p for p in expected["polls"] if p["poll_type"] == "FreeForm"]
    assert free_text and all(p["response_events"] > 0 for p in free_text)


def test_weekly_retention_cells(expected, small_world):
    """METRICS 13: Monday cohorts; a cell is complete only when its whole week is inside the data."""
    active_days = [date.fromisoformat(d["activity_date"]) for d in expected["daily"] if d["active_visitors"]]
    active = len({v.visitor_id for v in small_world.visitors if small_world.visitor_span(v.index)})
    for name in ("retention", "retention_first_in_data"):
        cells = expected[name]
        assert cells and all(c["retained_visitors"] <= c["cohort_visitors"] for c in cells)
        for cell in cells:
            week = date.fromisoformat(cell["cohort_week"]) + timedelta(weeks=cell["week_number"])
            assert week.weekday() == 0
            assert cell["complete"] == (active_days[0] <= week and week + timedelta(days=6) <= active_days[-1])
            assert cell["left_censored"] == (date.fromisoformat(cell["cohort_week"]) <= active_days[0])
        cohorts = {c["cohort_week"]: c["cohort_visitors"] for c in cells}
        assert sum(cohorts.values()) == active
    in_data = expected["retention_first_in_data"]
    assert all(c["retained_visitors"] == c["cohort_visitors"] for c in in_data if c["week_number"] == 0)
    # By first visit, visitors who came before the data make cohorts that start before it.
    assert min(c["cohort_week"] for c in expected["retention"]) < min(c["cohort_week"] for c in in_data)
