"""The simulated product behaves like a real one: every realism item of `pendo_simulator/world.py`, checked on the
served rows."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

import pytest

from pendo_simulator.vocabulary import HOSTILE_ACCOUNT_IDS, HOSTILE_GUIDE_IDS, HOSTILE_VISITOR_IDS
from tests.simulator.conftest import ALL_APPS, Api, events_source, source


@pytest.fixture(scope="module")
def served(long_server, long_world) -> dict:
    """140 days of a small subscription: long enough for weekday patterns, churn and new visitors."""
    api = Api(long_server.url)
    whole = {"first": long_world.start_ms, "last": "now()"}
    return {
        "events": api.rows([events_source(**whole)]),
        "visitors": api.rows([source("visitors")]),
        "guideEvents": api.rows([events_source("guideEvents", **whole)]),
    }


def test_weekday_seasonality(served, long_world):
    per_day = Counter()
    for row in served["events"]:
        per_day[row["day"]] += row["numEvents"]
    weekday, weekend = [], []
    for day_ms in long_world.day_starts:
        local = datetime.fromtimestamp(day_ms / 1000, long_world.clock.tz)
        (weekend if local.weekday() >= 5 else weekday).append(per_day[day_ms])
    assert statistics.mean(weekday) > 2 * statistics.mean(weekend)


def test_heavy_tailed_usage_and_new_and_churning_visitors(served, long_world):
    events = Counter()
    active_days = defaultdict(set)
    for row in served["events"]:
        events[row["visitorId"]] += row["numEvents"]
        active_days[row["visitorId"]].add(row["day"])
    totals = sorted(events.values())
    assert totals[-1] > 5 * statistics.median(totals)  # a few heavy users
    first_day, last_day = long_world.day_starts[0], long_world.day_starts[-1]
    firsts = {v: min(d) for v, d in active_days.items()}
    lasts = {v: max(d) for v, d in active_days.items()}
    assert sum(1 for d in firsts.values() if d > first_day + 30 * 86_400_000) >= 2  # new during the period
    assert sum(1 for d in lasts.values() if d < last_day - 30 * 86_400_000) >= 2  # gone well before the end


def test_anonymous_visitors_and_events_without_an_account(api, small_world):
    rows = api.rows([events_source(first="now()", count=-14)])
    assert any(r["visitorId"].startswith("_PENDO_T_") and r["accountId"] == "" for r in rows)
    assert any(not r["visitorId"].startswith("_PENDO_T_") and r["accountId"] == "" for r in rows)
    assert {r["appId"] for r in rows} == set(small_world.app_ids) and len(small_world.app_ids) == 2


def test_custom_metadata_do_not_process_and_hostile_ids(api):
    visitors = api.rows([source("visitors")])
    accounts = api.rows([source("accounts")])
    guides = api.rows([source("guides", {"appId": ALL_APPS})])
    assert any(v["metadata"].get("pendo", {}).get("donotprocess") for v in visitors)
    assert all("role" in v["metadata"]["custom"] for v in visitors if not v["visitorId"].startswith("_PENDO_T_"))
    assert all("planlevel" in a["metadata"]["custom"] for a in accounts)
    assert any(key.startswith("auto_") for v in visitors for key in v["metadata"])  # per-app metadata
    visitor_ids = {v["visitorId"] for v in visitors}
    assert set(HOSTILE_VISITOR_IDS) <= visitor_ids
    assert set(HOSTILE_ACCOUNT_IDS[:6]) <= {a["accountId"] for a in accounts}
    assert set(HOSTILE_GUIDE_IDS[:1]) <= {g["id"] for g in guides}
    assert max(len(i) for i in visitor_ids) > 300
    assert any(not i.isascii() for i in visitor_ids) and any("\n" in i for i in visitor_ids)


def test_guides_drop_off_get_dismissed_snoozed_and_have_a_control_group(served, api):
    types = Counter(r["type"] for r in served["guideEvents"])
    small_types = Counter(r["type"] for r in api.rows([events_source("guideEvents", first="now()", count=-14)]))
    types.update(small_types)
    for kind in ("guideSeen", "guideAdvanced", "guideDismissed", "guideSnoozed", "guideNotSeen", "guideActivity",
                 "guideTimeout", "guideSnoozeCanceled"):  # fmt: skip
        assert types[kind] > 0, kind
    guides = api.rows([source("guides", {"appId": ALL_APPS})])
    rows = api.rows([events_source("guideEvents", first="now()", count=-14)])
    for guide in guides:
        if len(guide["steps"]) < 3:
            continue
        seen = [len({r["visitorId"] for r in rows if r["type"] == "guideSeen" and r["guideStepId"] == s["id"]})
                for s in guide["steps"]]  # fmt: skip
        assert seen[0] > seen[-1]  # steps really drop off


def test_nps_and_free_text_polls(api):
    rows = api.rows([events_source("pollEvents", first="now()", count=-14)])
    numeric = [r for r in rows if r["pollResponse"].isdigit()]
    text = [r for r in rows if not r["pollResponse"].isdigit()]
    assert numeric and text
    assert {int(r["pollResponse"]) for r in numeric} <= set(range(11))
    assert len({int(r["pollResponse"]) for r in numeric}) >= 6
