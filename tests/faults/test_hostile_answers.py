"""Hostile and broken hosts, through a real misbehaving proxy in front of the simulator (tests/faults/hostile.py):
redirects to another host, plain http, answers that are not what Pendo sends, answers that trickle or balloon,
credentials in the URL, malformed rows and values, rows sent twice. Every case ends equal to the clean reference
run, or in one line naming what went wrong, with the cursor where it was and nothing of the bad window loaded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.extract.support import first_sim_day, local_midnight
from tests.faults.hostile import Body, Proxy, Redirect, Transform, Trickle, every, first_of
from tests.faults.support import DAYS, differences, key_leaks, last_line

FAST_RETRIES = {"RUNTIME__REQUEST_BACKOFF_FACTOR": "0.02", "RUNTIME__REQUEST_MAX_RETRY_DELAY": "0.2"}
THIRD_DAY = first_sim_day(DAYS) + timedelta(days=2)
THIRD_WINDOW = f"{THIRD_DAY} 00:00 → {THIRD_DAY + timedelta(days=1)} 00:00 (America/New_York)"


def _equal_to_reference(target, reference) -> None:
    assert differences(target.digest(), reference.raw) == {}
    assert all(target.unique_keys().values()), target.unique_keys()


def _from_third_window(change):
    """Events: the first two windows answer normally, every request from the third on gets `change`."""

    def hook(seen):
        if seen.source == "events" and seen.number >= 3:
            return Transform(change)
        return None

    return hook


def _assert_stopped_at_third_window(target, reference, run, *, attempts: int) -> str:
    """The run failed in one line naming events and the third window; the first two windows are loaded with their
    cursor, nothing of the third; the bad answer was asked for `attempts` times."""
    line = last_line(run)
    assert line.startswith(f"extract failed: events, window {THIRD_WINDOW}: "), line
    cutoff = local_midnight(THIRD_DAY)
    assert target.cursor("events") == cutoff  # the cursor did not move past the bad window
    loaded = target.query("select count(*), max(day) from pendo_raw.events")[0]
    expected = reference.extractor.query(f"select count(*), max(day) from pendo_raw.events where day < {cutoff}")[0]
    assert loaded == expected and loaded[0] > 0
    return line


# 1. redirects and plain http


@pytest.mark.parametrize(
    ("status", "source", "resource"),
    [(307, "events", "events"), (302, None, "visitor_metadata_schema")],
    ids=["307-on-the-aggregation-POST", "302-on-a-GET"],
)
def test_a_redirect_to_another_host_is_not_followed_and_the_key_stays_home(
    simulator, proxy, proxied, status, source, resource
):
    foreign = Proxy(simulator.url, host="127.0.0.2")  # another host, which would answer with real data
    try:

        def hook(seen):
            is_target = seen.source == source if source else seen.path.startswith("/api/v1/metadata/schema/")
            return Redirect(status, foreign.url + seen.path) if is_target else None

        proxy.hook = hook
        target = proxied(**FAST_RETRIES)
        run = target.run("--resources", resource)
        line = last_line(run)
        assert foreign.seen == []  # nothing reached the other host: not the key, not a request
        assert f"with a {status} redirect to {foreign.netloc}" in line, line
        assert "redirects are never followed" in line
        assert key_leaks(simulator.key, target.root, texts=(run.result.stdout, run.result.stderr)) == []
    finally:
        foreign.close()


@pytest.mark.parametrize("url", ["http://app.pendo.io", "http://10.1.2.3:8080", "http://pendo.internal.example"])
def test_plain_http_to_a_host_other_than_loopback_is_refused_before_any_request(extractor, url):
    target = extractor(SOURCES__PENDO__BASE_URL=url)
    run = target.run(SOURCES__PENDO__BASE_URL=url)
    line = last_line(run)
    assert line == (
        f"extract failed: invalid sources.pendo.base_url '{url}': plain http would send the integration key "
        "unencrypted; use https (http is accepted only for 127.0.0.1, localhost and [::1])"
    )
    assert not target.duckdb_path.exists()


# 2. a 200 whose results is not a list is not "no rows"


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"startTime": 1, "results": None}, "results is null, not a list"),
        ({"results": {"rows": []}}, "results is an object, not a list"),
        ({"results": "no rows"}, "results is a string, not a list"),
        ({"startTime": 1}, "the answer has no results list"),
    ],
    ids=["null", "object", "string", "missing"],
)
def test_an_answer_without_a_results_list_is_retried_then_fails_and_the_cursor_stays(
    proxy, proxied, reference, answer, what
):
    proxy.hook = _from_third_window(lambda _: answer)
    target = proxied(RUNTIME__REQUEST_MAX_ATTEMPTS="3", SOURCES__PENDO__ROWS_PER_LOAD="1", **FAST_RETRIES)
    run = target.run("--resources", "events")
    line = _assert_stopped_at_third_window(target, reference, run, attempts=3)
    assert line.endswith(f"sent a malformed answer: {what} (after 3 attempts)"), line
    assert len(proxy.requests_for("events")) == 2 + 3  # retried like a 5xx: request_max_attempts for the window

    proxy.hook = lambda seen: None
    rerun = target.run("--resources", "events")  # the next run reads that window again
    assert rerun.ok, rerun.describe()
    assert target.digest()["events"] == reference.raw["events"]


def test_visitors_without_a_results_list_fail_in_one_line_instead_of_loading_nothing(proxy, proxied):
    proxy.hook = every("visitors", lambda seen: Transform(lambda _: {"results": None}))
    target = proxied(RUNTIME__REQUEST_MAX_ATTEMPTS="2", **FAST_RETRIES)
    run = target.run("--resources", "visitors")
    line = last_line(run)
    assert line.startswith("extract failed: visitors: "), line
    assert line.endswith("sent a malformed answer: results is null, not a list (after 2 attempts)"), line


def test_one_malformed_answer_is_retried_and_the_run_completes(proxy, proxied, reference):
    proxy.hook = first_of("events", lambda seen: Transform(lambda _: {"results": None}))
    target = proxied(**FAST_RETRIES)
    run = target.run()
    assert run.ok, run.describe()
    assert run.stat("events", "retries") >= 1
    _equal_to_reference(target, reference)


# 3. a deadline for the whole answer


def test_an_answer_trickling_in_past_the_deadline_splits_the_window_and_loses_nothing(proxy, proxied, reference):
    # 1 byte every 0.2 s never leaves the connection idle for the 2 s read timeout; the whole answer would take
    # minutes. The first events request trickles; its halves answer normally.
    body = json.dumps({"startTime": 1, "results": []}).encode() * 40
    proxy.hook = first_of("events", lambda seen: Trickle(body, every_s=0.2, max_seconds=90))
    target = proxied(RUNTIME__REQUEST_TIMEOUT="2", SOURCES__PENDO__ANSWER_DEADLINE="3", **FAST_RETRIES)
    run = target.run("--resources", "events", timeout=80)
    assert run.ok, run.describe()
    assert run.stat("events", "splits") >= 1
    assert "the answer took longer than sources.pendo.answer_deadline (3 s)" in run.result.stderr
    assert target.digest()["events"] == reference.raw["events"]


# 4. caps on an answer and on one row / value


def _with_huge_value(size: int):
    def change(answer):
        answer["results"][0]["visitorId"] = "x" * size
        return answer

    return change


def test_a_huge_value_from_a_small_gzip_body_splits_the_window_and_is_never_stored(proxy, proxied, reference):
    huge = 20 << 20  # a 20 MB value (over the default max_row_bytes of 16 MiB) in a body of ~20 KB gzip

    def answer(seen):
        rows = [{"visitorId": "x" * huge, "appId": 1, "day": 0, "numEvents": 1}]
        return Body(json.dumps({"startTime": 1, "results": rows}).encode(), gzip=True)

    proxy.hook = first_of("events", answer)
    target = proxied(**FAST_RETRIES)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert "a row is larger than sources.pendo.max_row_bytes (16,777,216)" in run.result.stderr
    assert run.stat("events", "splits") >= 1
    assert target.query("select max(length(visitor_id)) from pendo_raw.events")[0][0] < 1000
    assert target.digest()["events"] == reference.raw["events"]


def test_answers_over_max_answer_bytes_split_down_to_an_hour_then_fail_in_one_line(proxied):
    target = proxied(SOURCES__PENDO__MAX_ANSWER_BYTES="300", **FAST_RETRIES)
    run = target.run("--resources", "events")
    line = last_line(run)
    assert line.startswith("extract failed: events: Pendo cannot answer the window "), line
    assert "even at one hour (the answer is larger than sources.pendo.max_answer_bytes (300))" in line
    assert target.cursor("events") is None if target.duckdb_path.exists() and target.tables() else True


# 5. credentials in base_url


def test_credentials_in_base_url_are_never_printed_or_stored(simulator, proxy, extractor):
    password = "s3cr3t-proxy-pass"
    url = proxy.url.replace("http://", f"http://pendo-user:{password}@")
    target = extractor(SOURCES__PENDO__BASE_URL=url)
    run = target.run(SOURCES__PENDO__BASE_URL=url)
    line = last_line(run)
    assert password not in run.result.stdout + run.result.stderr
    assert f"http://***@{proxy.netloc}" in line, line
    assert key_leaks(password, target.root) == []  # no trace, state, log or database holds it
    assert proxy.seen == []


# 6 and 7. malformed rows and values


def _first_row(change):
    def apply(answer):
        if answer["results"]:
            change(answer["results"])
        return answer

    return apply


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda rows: rows.__setitem__(0, 5), "a row is a number, not an object"),
        (lambda rows: rows.__setitem__(0, [rows[0]]), "a row is a list, not an object"),
        (lambda rows: rows[0].__setitem__("visitorId", ["v1", "v2"]), "events.visitorId: Pendo sent ['v1', 'v2']"),
        (lambda rows: rows[0].__setitem__("accountId", {"id": 1}), "events.accountId: Pendo sent {'id': 1}"),
        (
            lambda rows: rows[0].__setitem__("numEvents", 2**70),
            "numEvents is 1.1805916207174113e+21, not a 64-bit integer",
        ),
        (lambda rows: rows[0].__setitem__("numMinutes", 1.5), "numMinutes is 1.5, not a whole number"),
        (lambda rows: rows[0].__setitem__("numEvents", -3), "events.numEvents: Pendo sent -3, a count below zero"),
    ],
    ids=["row-number", "row-list", "id-list", "id-object", "int-beyond-64-bits", "float-in-int", "negative-count"],
)
def test_a_malformed_row_or_value_ends_in_one_line_and_loads_nothing_of_its_window(
    proxy, proxied, reference, change, what
):
    proxy.hook = _from_third_window(_first_row(change))
    target = proxied(RUNTIME__REQUEST_MAX_ATTEMPTS="2", SOURCES__PENDO__ROWS_PER_LOAD="1", **FAST_RETRIES)
    run = target.run("--resources", "events")
    line = _assert_stopped_at_third_window(target, reference, run, attempts=2)
    assert what in line, line
    assert line.endswith("(after 2 attempts)"), line


def test_an_entity_id_that_is_an_object_ends_in_one_line(proxy, proxied):
    proxy.hook = every("visitors", lambda seen: Transform(_first_row(lambda rows: rows[0].update(visitorId={"a": 1}))))
    target = proxied(RUNTIME__REQUEST_MAX_ATTEMPTS="2", **FAST_RETRIES)
    run = target.run("--resources", "visitors")
    line = last_line(run)
    assert line.startswith("extract failed: visitors: "), line
    assert "visitorId is a dict, not an id (after 2 attempts)" in line, line


# 8. a row sent twice, not next to itself


@pytest.mark.parametrize("source", ["events", "visitors"])
def test_a_row_repeated_further_down_an_answer_lands_once(proxy, proxied, reference, source):
    def repeat(answer):
        rows = answer["results"]
        if len(rows) >= 3:
            rows.append(dict(rows[0]))  # the first row again, at the end: not a neighbour of itself
        return answer

    proxy.hook = every(source, lambda seen: Transform(repeat))
    target = proxied(**FAST_RETRIES)
    resource = source
    run = target.run("--resources", resource)
    assert run.ok, run.describe()
    assert all(target.unique_keys().values()), target.unique_keys()
    assert target.digest()[resource] == reference.raw[resource]
