"""Determinism (same seed and window, same bytes) and consistency of every source with the others."""

from __future__ import annotations

import pytest
import requests

from pendo_simulator.world import World
from tests.simulator.conftest import ALL_APPS, SMALL, Api, events_source, source

WHOLE = {"first": "date(2026, 3, 1)", "last": "now()"}  # SMALL's whole history, today included
PIPELINES = [
    [events_source(period="hourRange", first="now()", count=-72)],
    [events_source("pageEvents")],
    [events_source("featureEvents")],
    [events_source("trackEvents")],
    [events_source("guideEvents")],
    [events_source("pollEvents")],
    [source("visitors")],
    [source("accounts")],
    [source("guides", {"appId": ALL_APPS})],
    [source("events", {"appId": ALL_APPS}, period="dayRange", **WHOLE), {"sort": ["-numEvents"]}, {"limit": 50}],
]


def _bodies(api: Api) -> list[bytes]:
    bodies = []
    for pipeline in PIPELINES:
        response = api.aggregate(pipeline)
        assert response.status_code == 200
        bodies.append(response.content)
    bodies.append(api.get("/api/v1/guide", params={"expand": "*"}).content)
    return bodies


def test_same_seed_and_window_give_byte_identical_bodies(api, serve):
    first = _bodies(api)
    assert _bodies(api) == first  # the same server, asked again
    fresh = serve(World(SMALL))  # a new world from the same config: nothing cached is shared
    assert _bodies(fresh) == first


def test_a_child_process_serves_the_same_bytes(api, start_simulator):
    flags = ["--seed", "11", "--visitors", "120", "--accounts", "40", "--days", "14", "--guides", "5"]
    simulator = start_simulator(*flags, "--now", "2026-03-15T12:00:00Z", key="test-key-1234")
    child = Api(simulator.url)
    assert _bodies(child) == _bodies(api)


def test_another_seed_gives_other_data(api, serve):
    other = serve(World(SMALL.__class__(**{**SMALL.__dict__, "seed": 12})))
    assert _bodies(other)[0] != _bodies(api)[0]


@pytest.fixture(scope="module")
def everything(small_server, small_world):
    api = Api(small_server.url)
    return {
        "events": api.rows([events_source(**WHOLE)]),
        "events_hourly": api.rows([events_source(period="hourRange", first=small_world.start_ms, last="now()")]),
        "pageEvents": api.rows([events_source("pageEvents", **WHOLE)]),
        "featureEvents": api.rows([events_source("featureEvents", **WHOLE)]),
        "trackEvents": api.rows([events_source("trackEvents", **WHOLE)]),
        "guideEvents": api.rows([events_source("guideEvents", **WHOLE)]),
        "pollEvents": api.rows([events_source("pollEvents", **WHOLE)]),
        "visitors": api.rows([source("visitors")]),
        "accounts": api.rows([source("accounts")]),
        "pages": api.rows([source("pages", {"appId": ALL_APPS})]),
        "features": api.rows([source("features", {"appId": ALL_APPS})]),
        "trackTypes": api.rows([source("trackTypes", {"appId": ALL_APPS})]),
        "guides": api.rows([source("guides", {"appId": ALL_APPS})]),
    }


def test_every_reference_resolves(everything):
    visitors = {v["visitorId"]: v for v in everything["visitors"]}
    accounts = {a["accountId"] for a in everything["accounts"]}
    pages = {p["id"]: p for p in everything["pages"]}
    features = {f["id"]: f for f in everything["features"]}
    track_types = {t["id"]: t for t in everything["trackTypes"]}
    guides = {g["id"]: g for g in everything["guides"]}
    assert all(v["metadata"]["auto"]["accountid"] in accounts | {""} for v in visitors.values())
    for name in ("events", "events_hourly", "pageEvents", "featureEvents", "trackEvents", "guideEvents", "pollEvents"):
        rows = everything[name]
        assert rows, name
        for row in rows:
            visitor = visitors[row["visitorId"]]
            assert row["accountId"] == visitor["metadata"]["auto"]["accountid"]
            assert row["accountId"] == "" or row["accountId"] in accounts
    for row in everything["events"]:
        assert row["pageId"] is None or pages[row["pageId"]]["appId"] == row["appId"]
    for row in everything["pageEvents"]:
        assert pages[row["pageId"]]["appId"] == row["appId"]
    for row in everything["featureEvents"]:
        feature = features[row["featureId"]]
        assert feature["appId"] == row["appId"] and pages[feature["pageId"]]["appId"] == row["appId"]
    for row in everything["trackEvents"]:
        assert track_types[row["trackTypeId"]]["appId"] == row["appId"]
    for row in everything["guideEvents"]:
        guide = guides[row["guideId"]]
        assert row["guideStepId"] in {s["id"] for s in guide["steps"]}
        assert row["appId"] == guide["appId"] and row["guideTimestamp"] == row["browserTime"]
    for row in everything["pollEvents"]:
        guide = guides[row["guideId"]]
        step = next(s for s in guide["steps"] if s["id"] == row["guideStepId"])
        assert row["pollId"] in {p["id"] for p in guide["polls"]} and row["pollId"] in step["pollIds"]


def test_aggregates_agree_across_grains_and_sources(everything):
    def total(rows, field):
        return sum(r[field] for r in rows)

    daily, hourly = everything["events"], everything["events_hourly"]
    assert total(daily, "numEvents") == total(hourly, "numEvents")
    assert total(daily, "numMinutes") == total(hourly, "numMinutes")
    paged = [r for r in daily if r["pageId"] is not None]
    assert sorted(map(repr, paged)) == sorted(map(repr, everything["pageEvents"]))
    for row in hourly:
        assert 1 <= row["numMinutes"] <= 60 and row["numEvents"] >= 1
        assert row["hour"] <= row["firstTime"] <= row["lastTime"] < row["hour"] + 3_600_000
        assert row["day"] <= row["hour"]
    keys = [
        (r["day"], r["appId"], r["visitorId"], r["accountId"], r["server"], r["remoteIp"], r["userAgent"],
         r["pageId"], repr(r["parameters"]))
        for r in daily
    ]  # fmt: skip
    assert len(keys) == len(set(keys))  # one row per bucket and dimensions


def test_visitor_metadata_agrees_with_their_events(everything, small_world):
    spans: dict[str, list[int]] = {}
    for row in everything["events"]:
        span = spans.setdefault(row["visitorId"], [row["firstTime"], row["lastTime"]])
        span[0], span[1] = min(span[0], row["firstTime"]), max(span[1], row["lastTime"])
    for visitor in everything["visitors"]:
        auto = visitor["metadata"]["auto"]
        assert auto["firstvisit"] <= auto["lastvisit"] <= auto["lastupdated"] <= small_world.now_ms
        if visitor["visitorId"] in spans:
            first, last = spans[visitor["visitorId"]]
            assert auto["firstvisit"] <= first and auto["lastvisit"] == last
        if visitor["metadata"].get("pendo", {}).get("donotprocess"):
            assert visitor["visitorId"] not in spans  # Pendo collects nothing from them
    for account in everything["accounts"]:
        auto = account["metadata"]["auto"]
        assert auto["firstvisit"] <= auto["lastvisit"] <= auto["lastupdated"]
    for name in ("pages", "features", "trackTypes", "guides"):
        assert all(o["lastUpdatedAt"] >= o["createdAt"] for o in everything[name])


def test_get_routes_and_sources_agree(api, everything):
    assert (
        requests.get(
            f"{api.url}/api/v1/feature",
            params={"expand": "*"},
            headers={"x-pendo-integration-key": api.key},
            timeout=10,
        ).json()
        == everything["features"]
    )
