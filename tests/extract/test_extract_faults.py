"""Pendo's failures, served by the simulator's fault knobs: windows that are too large or too slow are split,
transient errors are retried, and what cannot be fixed ends the run with one line."""

from __future__ import annotations

from collections import Counter

from extract.resources.registry import EVENT_TABLES
from tests.extract.support import Admin, canonical, first_sim_day, local_midnight, sim_args, truth_rows

DAYS = 6
WORLD = sim_args(days=DAYS, visitors=60)
START = local_midnight(first_sim_day(DAYS))
UNTIL = local_midnight(first_sim_day(1))
FROM_FIRST_DAY = {"SOURCES__PENDO__START_DATE": first_sim_day(DAYS).isoformat()}
EVENTS = EVENT_TABLES["events"]


def _events_in_db(extractor) -> Counter:
    columns = ", ".join(f'"{f.column}"' for f in EVENTS.fields)
    return Counter(
        tuple(canonical(v) for v in row) for row in extractor.query(f"select {columns} from pendo_raw.events")
    )


def _events_truth(period: str = "dayRange") -> Counter:
    rows = truth_rows(WORLD, "events", START, UNTIL - 1, period=period)
    return Counter(tuple(canonical(row.get(f.source)) for f in EVENTS.fields) for row in rows)


def _rows_per_bucket(period: str) -> Counter:
    field = "day" if period == "dayRange" else "hour"
    return Counter(row[field] for row in truth_rows(WORLD, "events", START, UNTIL - 1, period=period))


def _assert_no_duplicate_keys(extractor, table: str = "events") -> None:
    (total, distinct) = extractor.query(f"select count(*), count(distinct row_key) from pendo_raw.{table}")[0]
    assert total == distinct


def _one_line(run) -> str:
    lines = run.result.stderr.strip().splitlines()
    assert run.result.returncode == 1, run.describe()
    assert "Traceback" not in run.result.stderr
    return lines[-1]


def test_a_size_cap_splits_multi_day_windows_down_to_days(start_simulator, extractor):
    per_day = _rows_per_bucket("dayRange")
    simulator = start_simulator(*WORLD, "--max-rows", str(max(per_day.values())))
    target = extractor(simulator, SOURCES__PENDO__WINDOW="4d", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") == 3  # 4 days -> 2 + 2 -> 1 + 1 + 1 + 1; the last window is 1 day
    assert _events_in_db(target) == _events_truth()
    assert Admin(simulator.url).snapshot()["counters"]["faults"]["cap"] >= 2


def test_a_size_cap_splits_hour_windows_down_to_the_hours_that_fit(start_simulator, extractor):
    per_hour = _rows_per_bucket("hourRange")
    simulator = start_simulator(*WORLD, "--max-rows", str(max(per_hour.values())))
    target = extractor(simulator, SOURCES__PENDO__PERIOD="hour", SOURCES__PENDO__WINDOW="1d", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") >= 5
    assert _events_in_db(target) == _events_truth("hourRange")
    _assert_no_duplicate_keys(target)


def test_a_window_still_too_large_at_one_hour_ends_the_run_naming_resource_and_window(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--max-rows", "0")
    target = extractor(simulator, **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    line = _one_line(run)
    assert line.startswith("extract failed: events: ")
    assert "even at one hour" in line and "Query exceeded memory limit" in line
    assert f"{first_sim_day(DAYS).isoformat()} " in line and "America/New_York" in line


def test_a_client_timeout_splits_the_day_into_slices_told_apart_by_last_time(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--script", "events=hang", "--hang-seconds", "3")
    target = extractor(simulator, RUNTIME__REQUEST_TIMEOUT="1", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") == 1
    assert _events_in_db(target) == _events_truth()
    _assert_no_duplicate_keys(target)


def test_429_5xx_and_dropped_connections_are_retried_without_losing_or_doubling_rows(start_simulator, extractor):
    simulator = start_simulator(
        *WORLD,
        "--script",
        "events=503,502,ok",
        "--script",
        "guideEvents=429,ok",
        "--retry-after-seconds",
        "1",
        "--script",
        "pageEvents=drop,ok",
        "--script",
        "visitors=ok,drop,ok",
        "--drop-after-bytes",
        "3000",
    )
    target = extractor(simulator, SOURCES__PENDO__PAGE_SIZE="20", **FROM_FIRST_DAY)
    run = target.run("--resources", "events,guide_events,page_events,visitors")
    assert run.ok, run.describe()
    assert run.stat("events", "retries") == 2
    assert run.stat("guide_events", "retries") == 1
    assert run.stat("page_events", "retries") == 1
    assert run.stat("visitors", "retries") == 1
    assert run.stat("page_events", "splits") == 0
    visitors = {row["visitorId"] for row in truth_rows(WORLD, "visitors")}
    assert {v for (v,) in target.query("select visitor_id from pendo_raw.visitors")} == visitors
    assert run.stat("visitors", "rows") == len(visitors)  # resumed after the rows it had, none read twice
    assert _events_in_db(target) == _events_truth()
    for table in ("events", "guide_events", "page_events"):
        _assert_no_duplicate_keys(target, table)
    expected_pages = len(truth_rows(WORLD, "pageEvents", START, UNTIL - 1))
    assert target.query("select count(*) from pendo_raw.page_events") == [(expected_pages,)]
    faults = Admin(simulator.url).snapshot()["counters"]["faults"]
    assert faults["drop"] == 2 and faults["429"] == 1 and faults["5xx"] == 2


def test_a_persistent_server_error_ends_the_run_in_one_line_after_the_retries(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--error-5xx-rate", "1", "--error-5xx-statuses", "502")
    run = extractor(simulator, **FROM_FIRST_DAY).run("--resources", "events")
    line = _one_line(run)
    assert "502" in line and "after every retry" in line and "<html" not in line
    assert Admin(simulator.url).requests_made() == 3  # RUNTIME__REQUEST_MAX_ATTEMPTS in the tests


def test_a_key_revoked_during_the_run_ends_it_in_one_line(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--revoke-key-after", "4")
    target = extractor(simulator, **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    line = _one_line(run)
    host = simulator.url.removeprefix("http://")
    assert line == (
        f"extract failed: Pendo refused the integration key (403) at {host}: the key is invalid or revoked, or it "
        "belongs to another region's host (set sources.pendo.region or base_url)"
    )
    assert simulator.key not in run.result.stdout + run.result.stderr


def test_a_408_reading_of_the_size_cap_also_splits(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--script", "events=cap", "--size-cap-status", "408")
    target = extractor(simulator, **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") == 1 and run.stat("events", "retries") == 0
    assert _events_in_db(target) == _events_truth()


def test_a_timeout_after_some_pages_resumes_both_halves_where_the_window_stopped(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--script", "events=ok,ok,hang", "--hang-seconds", "3")
    target = extractor(simulator, RUNTIME__REQUEST_TIMEOUT="1", SOURCES__PENDO__PAGE_SIZE="15", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") == 1
    expected = _events_truth()
    assert _events_in_db(target) == expected
    assert run.stat("events", "rows") == sum(expected.values())  # no row was read twice
    _assert_no_duplicate_keys(target)


def test_a_response_cut_off_mid_body_is_asked_for_again_from_where_it_stopped(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--script", "events=ok,drop", "--drop-after-bytes", "6000")
    target = extractor(simulator, SOURCES__PENDO__PAGE_SIZE="30", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "retries") == 1 and run.stat("events", "splits") == 0
    expected = _events_truth()
    assert _events_in_db(target) == expected
    assert run.stat("events", "rows") == sum(expected.values())
    _assert_no_duplicate_keys(target)
