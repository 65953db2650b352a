"""Cases 1-4 of the fault-injection suite, on the real pipeline: 429 storms, 5xx gateway pages, connections dropped
mid-body, hangs past the client timeout and size caps. Every run ends equal to the clean reference run, or fails with
the one line a user should read and nothing partial committed.

(tests/extract/test_extract_faults.py checks the same faults on the `events` table alone against the truth; here
every resource runs, with random faults, and the whole raw layer is compared.)
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from extract.resources.registry import EVENT_TABLES
from tests.extract.support import first_sim_day, local_midnight, truth_rows
from tests.faults.support import DAYS, WORLD, RequestLog, differences, last_line

FAST_RETRIES = {"RUNTIME__REQUEST_BACKOFF_FACTOR": "0.02", "RUNTIME__REQUEST_MAX_RETRY_DELAY": "0.5"}


def _assert_equal_to_reference(target, reference) -> None:
    assert differences(target.digest(), reference.raw) == {}
    assert all(target.unique_keys().values()), target.unique_keys()


def _retries(run) -> int:
    return sum(table["retries"] for table in run.summary["tables"].values())


def _attempts_of(log: RequestLog, source: str) -> list[dict]:
    return [entry for entry in log.entries if entry["source"] == source]


def test_a_429_storm_with_retry_after_waits_as_long_as_the_header_says(simulator, extractor, reference):
    simulator.set_faults(retry_after_seconds=1, scripts=[{"target": "events", "steps": [429, 429, 429, "ok"]}])
    # dlt caps a Retry-After at request_max_retry_delay, like any wait: keep the cap above the header here
    target = extractor(
        RUNTIME__REQUEST_MAX_ATTEMPTS="5", RUNTIME__REQUEST_BACKOFF_FACTOR="0.02", RUNTIME__REQUEST_MAX_RETRY_DELAY="5"
    )
    with RequestLog(simulator) as log:
        run = target.run()
    assert run.ok, run.describe()
    first_events = _attempts_of(log, "events")[:4]
    assert [entry["status"] for entry in first_events] == [429, 429, 429, 200]
    gaps = log.gaps([entry["n"] for entry in first_events])
    # Retry-After: 1 s, where the backoff alone would wait 0.02-0.08 s
    assert all(0.95 <= gap < 3 for gap in gaps), gaps
    assert run.stat("events", "retries") == 3
    _assert_equal_to_reference(target, reference)


def test_a_429_storm_without_retry_after_backs_off_and_completes(simulator, extractor, reference):
    simulator.set_faults(error_429_rate=0.3)
    target = extractor(RUNTIME__REQUEST_MAX_ATTEMPTS="12", **FAST_RETRIES)
    with RequestLog(simulator) as log:
        run = target.run()
    assert run.ok, run.describe()
    refused = simulator.state()["counters"]["faults"]["429"]
    assert refused >= 5
    assert _retries(run) == refused  # every 429 cost exactly one more attempt, nothing was given up
    assert all(entry["status"] in (200, 429) for entry in log.entries)
    _assert_equal_to_reference(target, reference)


def test_transient_5xx_gateway_pages_are_retried_and_the_run_completes(simulator, extractor, reference):
    # 504 Gateway Timeout is Pendo saying a query is too slow: it splits the window instead (the next test)
    simulator.set_faults(error_5xx_rate=0.25, error_5xx_statuses=[500, 502, 503])
    target = extractor(RUNTIME__REQUEST_MAX_ATTEMPTS="12", **FAST_RETRIES)
    run = target.run()
    assert run.ok, run.describe()
    counters = simulator.state()["counters"]
    assert counters["faults"]["5xx"] >= 5 and {"500", "502", "503"} & set(counters["by_status"])
    assert _retries(run) == counters["faults"]["5xx"]
    _assert_equal_to_reference(target, reference)


def test_a_persistent_5xx_names_resource_and_window_after_the_configured_retries(simulator, extractor, reference):
    attempts, backoff = 4, 0.2
    third_day = first_sim_day(DAYS) + timedelta(days=2)
    # events: windows one and two answer, the third gets gateway pages for good
    simulator.set_faults(scripts=[{"target": "events", "steps": ["ok", "ok", *[502] * 20]}])
    target = extractor(
        RUNTIME__REQUEST_MAX_ATTEMPTS=str(attempts),
        RUNTIME__REQUEST_BACKOFF_FACTOR=str(backoff),
        RUNTIME__REQUEST_MAX_RETRY_DELAY="5",
        SOURCES__PENDO__ROWS_PER_LOAD="1",  # every window commits its own load
    )
    with RequestLog(simulator) as log:
        run = target.run("--resources", "events")
    line = last_line(run)
    window = f"{third_day} 00:00 → {third_day + timedelta(days=1)} 00:00 (America/New_York)"
    assert line.startswith(f"extract failed: events, window {window}: "), line
    assert "502 Bad Gateway" in line and "<" not in line
    failing = [entry for entry in _attempts_of(log, "events") if entry["status"] == 502]
    assert len(failing) == attempts  # RUNTIME__REQUEST_MAX_ATTEMPTS
    gaps = log.gaps([entry["n"] for entry in failing])
    assert [round(gap, 1) >= backoff * 2**i - 0.05 for i, gap in enumerate(gaps)] == [True] * (attempts - 1), gaps

    # Nothing partial: the two windows before are loaded whole, with their cursor; nothing of the third.
    cutoff = local_midnight(third_day)
    assert target.cursor("events") == cutoff
    columns = ", ".join(f'"{f.column}"' for f in EVENT_TABLES["events"].fields)
    loaded = Counter(target.query(f"select {columns} from pendo_raw.events"))
    expected = Counter(reference.extractor.query(f"select {columns} from pendo_raw.events where day < {cutoff}"))
    assert loaded == expected and loaded

    simulator.admin("reset", {})
    rerun = target.run("--resources", "events")
    assert rerun.ok, rerun.describe()
    assert target.digest()["events"] == reference.raw["events"]


def test_connections_dropped_mid_body_are_read_again_from_where_they_stopped(simulator, extractor, reference):
    simulator.set_faults(drop_rate=0.3, drop_after_bytes=2500)
    target = extractor(SOURCES__PENDO__PAGE_SIZE="40", RUNTIME__REQUEST_MAX_ATTEMPTS="10", **FAST_RETRIES)
    run = target.run()
    assert run.ok, run.describe()
    assert simulator.state()["counters"]["faults"]["drop"] >= 5
    _assert_equal_to_reference(target, reference)
    # no half page loaded and no row read twice: every table handed over exactly the reference's rows
    rows = {name: table["rows"] for name, table in run.summary["tables"].items()}
    reference_rows = {name: table["rows"] for name, table in reference.run.summary["tables"].items()}
    assert rows == reference_rows


def test_hangs_past_the_timeout_and_size_caps_split_windows_and_lose_nothing(simulator, extractor, reference):
    start, until = local_midnight(first_sim_day(DAYS)), local_midnight(first_sim_day(1))
    per_day = {
        table.source: max(Counter(row["day"] for row in truth_rows(WORLD, table.source, start, until - 1)).values())
        for table in EVENT_TABLES.values()
        if table.aggregated
    }
    # The largest day of the aggregated sources fits, and so do the entities (88 visitors); two days do not, and the
    # busiest days of guide events are cut into hour slices.
    cap = max(*per_day.values(), len(truth_rows(WORLD, "visitors")))
    simulator.set_faults(
        max_rows=cap,
        hang_seconds=3,
        scripts=[{"target": "guideEvents", "steps": ["ok", "hang"]}, {"target": "pageEvents", "steps": ["hang"]}],
    )
    target = extractor(SOURCES__PENDO__WINDOW="2d", RUNTIME__REQUEST_TIMEOUT="1")
    run = target.run()
    assert run.ok, run.describe()
    assert simulator.state()["counters"]["faults"]["cap"] >= 1
    assert run.stat("guide_events", "splits") >= 1 and run.stat("page_events", "splits") >= 1
    assert run.stat("events", "splits") >= 2  # two-day windows over the cap
    _assert_equal_to_reference(target, reference)
