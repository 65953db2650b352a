"""Incremental behaviour against the simulator: late rows inside the lookback, the anonymous-visitor and app
switches, loads committed part by part, hourly buckets over a DST day, and keyset paging with tiny pages."""

from __future__ import annotations

import subprocess
from collections import Counter
from datetime import date

from extract.resources.registry import EVENT_TABLES
from tests.extract.support import Admin, canonical, first_sim_day, local_midnight, sim_args, truth_rows
from tests.helpers import PYTHON, REPO_ROOT

DAYS = 5
WORLD = sim_args(days=DAYS, visitors=50, accounts=15)
START = local_midnight(first_sim_day(DAYS))
UNTIL = local_midnight(first_sim_day(1))
FROM_FIRST_DAY = {"SOURCES__PENDO__START_DATE": first_sim_day(DAYS).isoformat()}
SECOND_APP = 5668600916475904


def _natural(extractor, table: str) -> Counter:
    spec = EVENT_TABLES[table]
    columns = ", ".join(f'"{f.column}"' for f in spec.fields)
    return Counter(
        tuple(canonical(v) for v in row) for row in extractor.query(f"select {columns} from pendo_raw.{table}")
    )


def _truth(table: str, world=WORLD, start=START, **kw: str) -> Counter:
    spec = EVENT_TABLES[table]
    rows = truth_rows(world, spec.source, start, UNTIL - 1, **kw)
    return Counter(tuple(canonical(row.get(f.source)) for f in spec.fields) for row in rows)


def _no_duplicates(extractor, table: str) -> bool:
    (total, distinct) = extractor.query(f"select count(*), count(distinct row_key) from pendo_raw.{table}")[0]
    return total == distinct


def test_late_rows_inside_the_lookback_are_picked_up_without_duplicates(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--late-rows", "0.3", "--late-max-days", "2")
    target = extractor(simulator, SOURCES__PENDO__LOOKBACK="3d", **FROM_FIRST_DAY)
    tables = ("events", "page_events", "guide_events")
    first = target.run("--resources", ",".join(tables))
    assert first.ok, first.describe()
    missing = {table: sum((_truth(table) - _natural(target, table)).values()) for table in tables}
    assert all(count > 0 for count in missing.values()), missing  # late rows were not there yet

    Admin(simulator.url).advance_clock(minutes=3 * 24 * 60)  # every late record has arrived now
    second = target.run("--resources", ",".join(tables))
    assert second.ok, second.describe()
    assert {table: second.windows(table) for table in tables} == dict.fromkeys(tables, 3)
    for table in tables:
        assert _natural(target, table) == _truth(table), table
        assert _no_duplicates(target, table), table


def test_a_rerun_that_finds_nothing_changed_loads_no_window_again(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, SOURCES__PENDO__LOOKBACK="3d", **FROM_FIRST_DAY)
    tables = ("events", "guide_events")
    first = target.run("--resources", ",".join((*tables, "visitors")))
    assert first.ok, first.describe()
    before = {table: _natural(target, table) for table in tables}
    loads = {t: target.query(f"select distinct _dlt_load_id from pendo_raw.{t}") for t in (*tables, "visitors")}
    assert all(before.values()) and all(len(ids) == 1 for ids in loads.values())

    second = target.run("--resources", ",".join((*tables, "visitors")))
    assert second.ok, second.describe()
    assert second.windows("events") == 3 and second.stat("events", "unchanged") == 3
    assert second.windows("guide_events") > 0
    assert second.stat("guide_events", "unchanged") == second.windows("guide_events")
    assert second.stat("visitors", "unchanged") == 1 and second.stat("visitors", "rows") > 0
    for table, ids in loads.items():  # no row rewritten
        assert target.query(f"select distinct _dlt_load_id from pendo_raw.{table}") == ids, table
    assert {table: _natural(target, table) for table in tables} == before
    assert "not loaded again" in second.result.stdout


def test_anonymous_visitors_can_be_left_out_of_visitors_and_every_event_table(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, SOURCES__PENDO__INCLUDE_ANONYMOUS="false", **FROM_FIRST_DAY)
    run = target.run("--resources", "events,guide_events,visitors")
    assert run.ok, run.describe()
    for table in ("events", "guide_events", "visitors"):
        assert target.query(f"select count(*) from pendo_raw.{table} where starts_with(visitor_id, '_PENDO_T_')") == [
            (0,)
        ]
    identified = Counter({key: n for key, n in _truth("events").items() if not key[0].startswith("_PENDO_T_")})
    assert _natural(target, "events") == identified
    anonymous = [r for r in truth_rows(WORLD, "visitors") if r["visitorId"].startswith("_PENDO_T_")]
    assert anonymous  # the world has anonymous visitors to leave out
    assert target.query("select count(*) from pendo_raw.visitors") == [
        (len(truth_rows(WORLD, "visitors")) - len(anonymous),)
    ]


def test_configured_app_ids_limit_events_and_entities_to_those_apps(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, SOURCES__PENDO__APP_IDS=f"[{SECOND_APP}]", **FROM_FIRST_DAY)
    run = target.run("--resources", "events,pages")
    assert run.ok, run.describe()
    assert _natural(target, "events") == _truth("events", app_ids=str(SECOND_APP))
    assert {app for (app,) in target.query("select distinct app_id from pendo_raw.pages")} == {SECOND_APP}


def test_a_long_run_commits_load_by_load_and_ends_caught_up(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, SOURCES__PENDO__ROWS_PER_LOAD="40", **FROM_FIRST_DAY)
    run = target.run("--resources", "events,guide_events")
    assert run.ok, run.describe()
    assert run.summary["loads"] >= 3
    assert target.query("select count(*) from pendo_raw._dlt_loads") == [(run.summary["loads"],)]
    for table in ("events", "guide_events"):
        assert run.windows(table) == DAYS - 1
        assert _natural(target, table) == _truth(table)
        assert target.cursor(table) == UNTIL


def test_hourly_buckets_across_the_dst_day(start_simulator, extractor):
    world = sim_args(days=10, visitors=40, accounts=12)
    dst_day = date(2026, 3, 8)
    simulator = start_simulator(*world)
    target = extractor(simulator, SOURCES__PENDO__PERIOD="hour", SOURCES__PENDO__START_DATE=dst_day.isoformat())
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.windows("events") == 7  # 2026-03-08 .. 2026-03-14, the first one 23 hours long
    start = local_midnight(dst_day)
    assert _natural(target, "events") == _truth("events", world=world, start=start, period="hourRange")
    hours = {hour for (hour,) in target.query("select distinct hour from pendo_raw.events where hour is not null")}
    assert all((hour - start) % 3_600_000 == 0 for hour in hours)
    day_of = dict(target.query("select hour, day from pendo_raw.events"))
    assert {day_of[h] for h in hours if h < local_midnight(date(2026, 3, 9))} == {start}


def test_keyset_paging_with_tiny_pages_through_ties_and_hostile_ids(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, SOURCES__PENDO__PAGE_SIZE="1", **FROM_FIRST_DAY)
    run = target.run("--resources", "guide_events,visitors,accounts")
    assert run.ok, run.describe()
    assert _natural(target, "guide_events") == _truth("guide_events")
    visitors = {row["visitorId"] for row in truth_rows(WORLD, "visitors")}
    accounts = {row["accountId"] for row in truth_rows(WORLD, "accounts")}
    assert {v for (v,) in target.query("select visitor_id from pendo_raw.visitors")} == visitors
    assert {a for (a,) in target.query("select account_id from pendo_raw.accounts")} == accounts
    assert any('"' in a for a in accounts) and any("\\" in a for a in accounts)
    assert run.stat("visitors", "pages") >= len(visitors)
    # Every page after the first starts at the last row's key, inclusive: that row comes again and is dropped.
    assert run.stat("visitors", "repeated") >= run.stat("visitors", "pages") - 1
    assert run.stat("guide_events", "repeated") >= 1
    shared = Counter(
        t for (t,) in target.query("select guide_timestamp from pendo_raw.guide_events")
    )  # advancing a step and seeing the next one happen at the same millisecond
    assert max(shared.values()) >= 2


def test_a_run_killed_after_its_first_load_resumes_without_gaps_or_duplicates(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--latency-ms", "300")
    target = extractor(simulator, SOURCES__PENDO__ROWS_PER_LOAD="40", **FROM_FIRST_DAY)
    process = subprocess.Popen(
        [PYTHON, "-m", "extract", "--resources", "events,guide_events"],
        cwd=REPO_ROOT,
        env=target.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    committed = False
    for line in process.stderr:
        if "load 1 committed" in line:
            committed = True
            process.kill()
            break
    process.wait()
    assert committed
    assert target.cursor("events") is not None and target.cursor("events") < UNTIL  # stopped half-way

    run = target.run("--resources", "events,guide_events")
    assert run.ok, run.describe()
    for table in ("events", "guide_events"):
        assert _natural(target, table) == _truth(table), table
        assert _no_duplicates(target, table), table
        assert target.cursor(table) == UNTIL


def test_the_horizon_keeps_runs_behind_pendos_ingest_lag(start_simulator, extractor):
    simulator = start_simulator(*WORLD, "--ingest-lag-minutes", "360")  # Pendo shows events six hours late
    target = extractor(simulator, SOURCES__PENDO__PERIOD="hour", SOURCES__PENDO__HORIZON="8h", **FROM_FIRST_DAY)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    until = local_midnight(first_sim_day(1))  # 12:00Z - 8 h = 04:00Z = midnight in New York
    assert target.query("select max(hour) from pendo_raw.events") < [(until,)]
    assert _natural(target, "events") == _truth("events", period="hourRange")  # nothing partial was loaded
