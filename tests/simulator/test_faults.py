"""Every fault and realism knob, set through the admin endpoint (and the CLI flags through a real process)."""

from __future__ import annotations

import http.client
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests

from pendo_simulator import truth
from pendo_simulator.world import World, WorldConfig
from tests.simulator.conftest import ALL_APPS, KEY, events_source, source

BIG_WINDOW = events_source(first="now()", count=-14)
# A weekday afternoon, so visits are running at `now` and around the ingest-lag cutoff.
BUSY = WorldConfig(seed=21, visitors=300, accounts=30, days=12, guides=4, now=datetime(2026, 3, 11, 19, 50, tzinfo=UTC))


@pytest.fixture(scope="module")
def busy_world() -> World:
    return World(BUSY)


def statuses(api, n: int, pipeline=None) -> list[int]:
    return [api.aggregate(pipeline or [source("pages")]).status_code for _ in range(n)]


def test_429_with_and_without_retry_after(api):
    api.faults(error_429_rate=1)
    response = api.aggregate([source("pages")])
    assert response.status_code == 429
    assert response.reason == "Too Many Requests"
    assert "Retry-After" not in response.headers
    assert response.content == b""
    api.faults(retry_after_seconds=7, error_429_body="slow down")
    response = api.get("/api/v1/page")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.text == "slow down"
    api.faults(error_429_rate=0)
    assert api.aggregate([source("pages")]).status_code == 200


def test_persistent_5xx_with_html_bodies(api):
    api.faults(error_5xx_rate=1)
    seen = set()
    for _ in range(30):
        response = api.aggregate([source("pages")])
        seen.add(response.status_code)
        assert response.headers["Content-Type"] == "text/html"
        assert response.text.startswith("<html>") and str(response.status_code) in response.text
    assert seen == {500, 502, 503, 504}
    api.faults(error_5xx_statuses=[502])
    assert set(statuses(api, 5)) == {502}


def test_transient_faults_are_reproducible_from_the_seed(api, serve, small_world):
    knobs = {"error_5xx_rate": 0.3, "error_429_rate": 0.2}
    api.faults(**knobs)
    first = statuses(api, 40)
    assert {200, 429} <= set(first) and set(first) - {200, 429}
    api.admin("reset", {})
    api.faults(**knobs)
    assert statuses(api, 40) == first
    other_seed = serve(World(WorldConfig(seed=99, visitors=20, accounts=5, days=2, now=small_world.config.now)))
    other_seed.faults(**knobs)
    assert statuses(other_seed, 40) != first


def test_added_latency(api):
    api.faults(latency_ms=300)
    started = time.monotonic()
    assert api.aggregate([source("pages")]).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_hang_outlasts_the_client_timeout(api):
    api.faults(hang_rate=1, hang_seconds=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.aggregate([source("pages")], timeout=0.5)
    api.faults(hang_rate=0)
    assert api.aggregate([source("pages")], timeout=5).status_code == 200
    assert api.admin("faults")["counters"]["faults"]["hang"] == 1


def _raw_aggregation(api, pipeline) -> tuple[int, bytes, Exception | None]:
    """Read a response with http.client, keeping the bytes that arrived before any error."""
    parts = urlsplit(api.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = json.dumps({"request": {"pipeline": pipeline}})
    connection.request("POST", "/api/v1/aggregation", body, {"x-pendo-integration-key": KEY})
    response = connection.getresponse()
    received = b""
    error = None
    try:
        while chunk := response.read1(65536):
            received += chunk
    except (http.client.IncompleteRead, ConnectionError) as exc:
        received += getattr(exc, "partial", b"")
        error = exc
    connection.close()
    return response.status, received, error


def test_a_dropped_connection_truncates_the_body(api):
    complete = _raw_aggregation(api, [BIG_WINDOW])
    assert complete[0] == 200 and complete[2] is None
    json.loads(complete[1])
    api.faults(drop_rate=1, drop_after_bytes=100_000)
    status, received, error = _raw_aggregation(api, [BIG_WINDOW])
    assert status == 200 and error is not None
    assert 0 < len(received) < len(complete[1])
    assert complete[1].startswith(received)
    with pytest.raises(json.JSONDecodeError):
        json.loads(received)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.aggregate([BIG_WINDOW]).json()
    # a small body is cut too (never delivered whole), and so is a GET list
    api.faults(drop_after_bytes=10**9)
    status, received, error = _raw_aggregation(api, [source("pages"), {"limit": 1}])
    assert error is not None and not received.endswith(b"]}")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        api.get("/api/v1/page").json()
    assert api.admin("faults")["counters"]["faults"]["drop"] == 4


def test_the_size_cap(api):
    total = api.rows([BIG_WINDOW, {"count": None}])[0]["count"]
    api.faults(max_rows=total - 1)
    response = api.aggregate([BIG_WINDOW, {"limit": 5}])  # the cap counts what the window scans, not what returns
    assert response.status_code == 500
    assert response.text.startswith("Query exceeded memory limit")
    one_day = api.aggregate([events_source(first="now()", count=-1)])
    assert one_day.status_code == 200  # a smaller window fits
    api.faults(size_cap_status=400)
    assert api.aggregate([BIG_WINDOW]).status_code == 400
    api.faults(max_rows=total)
    assert api.aggregate([BIG_WINDOW]).status_code == 200
    assert api.admin("faults")["counters"]["faults"]["cap"] == 2


def test_a_key_revoked_while_running(api):
    api.faults(revoke_key_after=2)
    assert statuses(api, 4) == [200, 200, 403, 403]
    refused = api.get("/api/v1/token/verify")
    assert refused.status_code == 403 and refused.content == b""
    api.admin("reset", {})
    api.faults(key_revoked=True)
    assert statuses(api, 1) == [403]
    api.faults(key_revoked=False)
    assert statuses(api, 1) == [200]


def test_rate_limit_per_second(api):
    api.faults(max_requests_per_second=2)
    assert 429 in statuses(api, 6)


def test_scripted_sequences(api):
    api.faults(scripts=[{"target": "events", "steps": [503, 503, "ok"]}, {"target": "/api/v1/page", "steps": [429]}])
    assert statuses(api, 2) == [200, 200]  # pages: not targeted
    events = [BIG_WINDOW]
    assert statuses(api, 4, events) == [503, 503, 200, 200]  # fail twice, then succeed
    assert [api.get("/api/v1/page").status_code for _ in range(2)] == [429, 200]
    api.faults(scripts=[{"steps": ["cap", 403, 400, "hang", "ok"]}], hang_seconds=5)
    assert statuses(api, 3) == [500, 403, 400]
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.aggregate([source("pages")], timeout=0.5)
    assert statuses(api, 2) == [200, 200]
    counters = api.admin("faults")["counters"]
    assert counters["faults"]["script"] == 9
    assert counters["by_source"]["events"] == 4


def test_counters_and_log(api):
    api.aggregate([BIG_WINDOW])
    api.aggregate([source("pages")], key="nope")
    api.get("/api/v1/guide")
    api.post(b"{not json")
    state = api.admin("faults")
    counters = state["counters"]
    assert counters["requests"] == 4
    assert counters["by_path"] == {"/api/v1/aggregation": 3, "/api/v1/guide": 1}
    assert counters["by_source"] == {"events": 1, "pages": 1}
    assert counters["by_status"] == {"200": 2, "403": 1, "400": 1}
    log = state["log"]
    assert [(e["n"], e["status"], e["source"]) for e in log] == [
        (1, 200, "events"),
        (2, 403, "pages"),
        (3, 200, None),
        (4, 400, None),
    ]
    start, end = log[0]["window"]
    assert end - start >= 14 * 23 * 3_600_000
    assert state["clock"]["now_ms"] == state["clock"]["world_now_ms"]


@pytest.mark.parametrize(
    "knobs",
    [
        {"no_such_knob": 1},
        {"error_429_rate": 2},
        {"error_429_rate": "0.5"},
        {"error_5xx_statuses": [404]},
        {"latency_ms": -1},
        {"max_rows": 1.5},
        {"key_revoked": "yes"},
        {"scripts": [{"target": "events", "steps": ["explode"]}]},
        {"scripts": {"target": "events"}},
    ],
)
def test_bad_knobs_are_refused(api, knobs):
    response = requests.post(f"{api.url}/_simulator/faults", json=knobs, timeout=10)
    assert response.status_code == 400
    assert len(response.text) < 200


def test_reset_restores_the_startup_knobs(serve, small_world):
    api = serve(small_world, knobs={"error_429_rate": 1.0})
    assert statuses(api, 1) == [429]
    api.faults(error_429_rate=0)
    assert statuses(api, 1) == [200]
    state = api.admin("reset", {})
    assert state["knobs"]["error_429_rate"] == 1.0 and state["counters"]["requests"] == 0
    assert statuses(api, 1) == [429]


def _key(row) -> tuple:
    return (*(row[k] for k in ("hour", "appId", "visitorId", "remoteIp", "pageId")), str(row["parameters"]))


def test_ingest_lag_hides_the_newest_hours_and_the_cut_hour_grows(serve, busy_world):
    api = serve(busy_world)
    now = busy_world.now_ms
    window = events_source(period="hourRange", first=now - 6 * 3_600_000, last=now)  # through the current hour
    final = api.rows([window])
    api.faults(ingest_lag_minutes=100)
    cutoff = busy_world.now_ms - 100 * 60_000
    lagged = api.rows([window])
    assert lagged and all(row["lastTime"] < cutoff for row in lagged)
    assert max(row["hour"] for row in final) > max(row["hour"] for row in lagged)
    api.admin("clock", {"advance_minutes": 40})
    later = api.rows([window])
    api.admin("clock", {"advance_minutes": 60})
    assert api.rows([window]) == final  # once the lag has passed, the view is the final state
    later_by_key = {_key(row): row for row in later}
    grew = 0
    for row in lagged:
        now_row = later_by_key[_key(row)]  # nothing disappears
        assert now_row["numEvents"] >= row["numEvents"] and now_row["lastTime"] >= row["lastTime"]
        grew += now_row["numEvents"] > row["numEvents"]
    assert grew > 0  # the hour that straddled the cutoff was partial, and grew on a later call
    assert len(later) > len(lagged)


def test_late_rows_appear_in_past_buckets_on_a_later_call(serve, busy_world):
    api = serve(busy_world)
    start, now = busy_world.start_ms, busy_world.now_ms  # fixed bounds: now() moves with the clock
    events = events_source(first=start, last=now)
    guides = events_source("guideEvents", first=start, last=now)
    final_events, final_guides = api.rows([events]), api.rows([guides])
    api.faults(late_rows=0.3)
    early_events, early_guides = api.rows([events]), api.rows([guides])
    assert len(early_guides) < len(final_guides)
    assert sum(r["numEvents"] for r in early_events) < sum(r["numEvents"] for r in final_events)
    api.admin("clock", {"advance_minutes": 2 * 24 * 60})
    middle_guides = api.rows([guides])
    assert len(early_guides) < len(middle_guides) < len(final_guides)
    two_days_ago = busy_world.now_ms - 2 * 86_400_000
    newly = [r for r in middle_guides if r not in early_guides]
    assert any(r["guideTimestamp"] < two_days_ago for r in newly)  # retroactive: into buckets days old
    api.admin("clock", {"advance_minutes": 8 * 24 * 60})
    assert api.rows([events]) == final_events  # past the late horizon: the final state
    assert api.rows([guides]) == final_guides
    expected = truth.source_rows(busy_world, "events", {"period": "dayRange", "first": start, "last": now})
    assert final_events == expected["results"]


def test_the_clock_endpoint(api, small_world):
    clock = api.admin("clock")
    assert clock == {"now_ms": small_world.now_ms, "world_now_ms": small_world.now_ms, "offset_ms": 0}
    assert api.admin("clock", {"advance_ms": 5000})["now_ms"] == small_world.now_ms + 5000
    assert api.admin("clock", {"now_ms": small_world.now_ms + 7})["offset_ms"] == 7
    assert requests.post(f"{api.url}/_simulator/clock", json={"advance_days": 1}, timeout=10).status_code == 400
    # now() follows the server clock
    api.admin("clock", {"advance_minutes": 24 * 60})
    response = api.aggregate([events_source(first="now()", count=-1)])
    assert response.json()["startTime"] == small_world.day_starts[-1]


def test_fault_flags_of_the_cli(start_simulator):
    simulator = start_simulator(
        "--seed", "3", "--visitors", "20", "--days", "3", "--now", "2026-03-15T12:00:00Z",
        "--error-429-rate", "1", "--retry-after-seconds", "3",
        "--script", "pages=502,ok", "--ingest-lag-minutes", "30", "--error-5xx-statuses", "502,504",
    )  # fmt: skip
    url, key = simulator.url, simulator.key
    body = {"request": {"pipeline": [source("pages")]}}

    def post():
        return requests.post(f"{url}/api/v1/aggregation", json=body, headers={"x-pendo-integration-key": key})

    first, second, third = post(), post(), post()
    assert first.status_code == 502 and first.text.startswith("<html>")
    assert second.status_code == 200  # "ok": no fault, not even a random one
    assert third.status_code == 429 and third.headers["Retry-After"] == "3"  # script done: random faults again
    knobs = requests.get(f"{url}/_simulator/faults", timeout=10).json()["knobs"]
    assert knobs["ingest_lag_minutes"] == 30 and knobs["error_5xx_statuses"] == [502, 504]
    assert knobs["scripts"] == [{"target": "pages", "steps": [502, "ok"]}]


def test_bad_knob_flags_exit_2_with_one_line(start_simulator):
    for flags, message in (
        (["--error-429-rate", "3"], "pendo_simulator: error_429_rate must be a number from 0 to 1"),
        (["--script", "events=boom"], "pendo_simulator: script step 'boom' is not ok, hang, drop, cap"),
    ):
        with pytest.raises(RuntimeError, match="did not start") as error:
            start_simulator(*flags)
        assert message in str(error.value) and len(str(error.value).splitlines()) == 1


def test_the_process_helpers_reach_the_admin_endpoint(start_simulator):
    simulator = start_simulator("--visitors", "10", "--days", "2", "--now", "2026-03-15T12:00:00Z")
    assert simulator.set_faults(error_429_rate=1)["knobs"]["error_429_rate"] == 1
    verify = requests.get(f"{simulator.url}/api/v1/token/verify", headers={"x-pendo-integration-key": simulator.key})
    assert verify.status_code == 429
    assert simulator.state()["counters"]["faults"] == {"429": 1}
    assert simulator.admin("reset", {})["knobs"]["error_429_rate"] == 0


def test_knobs_apply_to_every_source(api):
    api.faults(scripts=[{"target": "guideEvents", "steps": [504]}])
    assert api.aggregate([events_source("guideEvents")]).status_code == 504
    assert api.aggregate([events_source("guideEvents", params={"appId": ALL_APPS})]).status_code == 200
