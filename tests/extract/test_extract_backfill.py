"""A backfill of every resource lands exactly the simulator's records; a rerun re-reads only the lookback and
changes nothing; a `--start/--end` backfill reloads days without moving the cursor.

One simulator and one database serve the whole module: the first run is the backfill the other tests inspect.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from extract.resources.registry import EVENT_TABLES
from tests.extract.support import Extractor, canonical, first_sim_day, local_midnight, sim_args, truth_rows

WORLD = sim_args()
START = local_midnight(first_sim_day(10))
# now (12:00Z) - horizon (8 h) = 00:00 New York on the last day: the backfill ends at that day's midnight.
UNTIL = local_midnight(first_sim_day(1))
SOURCES = {table.name: table.source for table in EVENT_TABLES.values()}
DST_DAY = local_midnight(date(2026, 3, 8))  # spring forward in New York: 23 hours long


@pytest.fixture(scope="module")
def loaded(module_simulators, tmp_path_factory) -> Extractor:
    simulator = module_simulators(*WORLD)
    # Small pages, so every resource pages by keyset through hostile ids.
    extractor = Extractor(
        tmp_path_factory.mktemp("backfill"), simulator.url, simulator.key, {"SOURCES__PENDO__PAGE_SIZE": "25"}
    )
    run = extractor.run()
    assert run.ok, run.describe()
    assert all(run.windows(name) == 9 for name in EVENT_TABLES), run.summary
    return extractor


def _db_rows(extractor: Extractor, table: str) -> list[tuple[Any, ...]]:
    spec = EVENT_TABLES[table]
    columns = ", ".join(f'"{f.column}"' for f in spec.fields)
    return [tuple(canonical(v) for v in row) for row in extractor.query(f"select {columns} from pendo_raw.{table}")]


def _truth_rows(table: str) -> list[tuple[Any, ...]]:
    spec = EVENT_TABLES[table]
    rows = truth_rows(WORLD, SOURCES[table], START, UNTIL - 1)
    return [tuple(canonical(row.get(f.source)) for f in spec.fields) for row in rows]


@pytest.mark.parametrize("table", list(EVENT_TABLES))
def test_every_event_table_holds_exactly_the_simulators_rows(loaded, table):
    expected = _truth_rows(table)
    actual = _db_rows(loaded, table)
    assert expected, "the simulated world should have rows for every source"
    assert Counter(actual) == Counter(expected)
    (total, distinct) = loaded.query(f"select count(*), count(distinct row_key) from pendo_raw.{table}")[0]
    assert total == distinct == len(expected)


@pytest.mark.parametrize("table", ["events", "page_events", "feature_events", "track_events"])
def test_row_counts_and_sums_per_day_equal_the_truth(loaded, table):
    expected: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in truth_rows(WORLD, SOURCES[table], START, UNTIL - 1):
        day = expected[row["day"]]
        day[0] += 1
        day[1] += row["numEvents"]
        day[2] += row["numMinutes"]
    actual = {
        day: [count, events, minutes]
        for day, count, events, minutes in loaded.query(
            f"select day, count(*), sum(num_events), sum(num_minutes) from pendo_raw.{table} group by day"
        )
    }
    assert actual == dict(expected)
    assert DST_DAY in actual  # the 23-hour day is a day like any other


def test_the_events_totals_per_day_equal_the_simulators_metrics(loaded):
    daily = {row["activity_date"]: (row["events"], row["minutes"]) for row in _truth_metrics()["daily"]}
    actual = loaded.query(
        "select strftime(timezone('America/New_York', to_timestamp(day / 1000)), '%Y-%m-%d'), "
        "sum(num_events), sum(num_minutes) from pendo_raw.events group by 1"
    )
    assert {day: (events, minutes) for day, events, minutes in actual} == {
        day: totals for day, totals in daily.items() if day in {d for d, _, _ in actual}
    }
    assert len(actual) == 9


def _truth_metrics() -> dict[str, Any]:
    from tests.helpers import truth

    return truth(*WORLD)


def test_day_buckets_are_local_midnights_including_the_dst_day(loaded):
    days = sorted(day for (day,) in loaded.query("select distinct day from pendo_raw.events"))
    assert days[0] == START and days[-1] < UNTIL
    assert DST_DAY in days and days[days.index(DST_DAY) + 1] - DST_DAY == 23 * 3_600_000
    assert loaded.query("select count(*) from pendo_raw.events where hour is not null") == [(0,)]


def test_both_apps_are_extracted_in_one_query_per_window(loaded):
    apps = {app for (app,) in loaded.query("select distinct app_id from pendo_raw.events")}
    assert apps == {-323232, 5668600916475904}


def test_hostile_ids_arrive_intact(loaded):
    visitor_ids = {v for (v,) in loaded.query("select distinct visitor_id from pendo_raw.events")}
    account_ids = {a for (a,) in loaded.query("select account_id from pendo_raw.accounts")}
    assert any('"' in v and "\\" in v for v in visitor_ids)
    assert any("\n" in v for v in visitor_ids) and any(not v.isascii() for v in visitor_ids)
    assert 'O\'Reilly "Quoted" Ltd' in account_ids and "back\\slash\\corp" in account_ids


def test_entities_equal_the_simulators(loaded):
    visitors = {row["visitorId"]: row["metadata"] for row in truth_rows(WORLD, "visitors")}
    db_visitors = {
        visitor_id: (first, last, updated, account, email)
        for visitor_id, first, last, updated, account, email in loaded.query(
            "select visitor_id, metadata__auto__firstvisit, metadata__auto__lastvisit, metadata__auto__lastupdated, "
            "metadata__auto__accountid, metadata__agent__email from pendo_raw.visitors"
        )
    }
    assert db_visitors == {
        visitor_id: (
            m["auto"]["firstvisit"],
            m["auto"]["lastvisit"],
            m["auto"]["lastupdated"],
            m["auto"]["accountid"],
            m["agent"].get("email"),
        )
        for visitor_id, m in visitors.items()
    }
    accounts = {row["accountId"]: row["metadata"]["custom"]["planlevel"] for row in truth_rows(WORLD, "accounts")}
    assert dict(loaded.query("select account_id, metadata__custom__planlevel from pendo_raw.accounts")) == accounts
    for table, source in (("pages", "pages"), ("features", "features"), ("track_types", "trackTypes")):
        expected = {(row["id"], row["appId"], row["name"]) for row in truth_rows(WORLD, source)}
        assert set(loaded.query(f"select id, app_id, name from pendo_raw.{table}")) == expected, table


def test_guide_steps_and_polls_keep_their_order(loaded):
    guides = truth_rows(WORLD, "guides")
    steps = loaded.query(
        "select g.id, s.id, s._dlt_list_idx from pendo_raw.guides g "
        "join pendo_raw.guides__steps s on s._dlt_parent_id = g._dlt_id"
    )
    assert sorted(steps) == sorted(
        (guide["id"], step["id"], index) for guide in guides for index, step in enumerate(guide["steps"])
    )
    polls = loaded.query("select id, attributes__type from pendo_raw.guides__polls")
    assert sorted(polls) == sorted(
        (poll["id"], poll["attributes"]["type"]) for guide in guides for poll in guide["polls"]
    )


def test_metadata_schemas_hold_one_row_per_field(loaded):
    for kind in ("visitor", "account"):
        document = requests.get(
            f"{loaded.url}/api/v1/metadata/schema/{kind}",
            headers={"x-pendo-integration-key": loaded.key},
            timeout=10,
        ).json()
        expected = {
            (group, name, field["Type"]) for group, fields in document.items() for name, field in fields.items()
        }
        actual = set(loaded.query(f"select group_name, field_name, type from pendo_raw.{kind}_metadata_schema"))
        assert actual == expected


def test_contract_columns_exist_with_their_types_even_when_always_null(loaded):
    types = {
        (table, column): kind
        for table, column, kind in loaded.query(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'pendo_raw'"
        )
    }
    expected = {
        ("events", "row_key"): "VARCHAR",
        ("events", "hour"): "BIGINT",
        ("events", "parameters"): "JSON",
        ("events", "_dlt_load_id"): "VARCHAR",
        ("page_events", "page_id"): "VARCHAR",
        ("track_events", "properties"): "JSON",
        ("guide_events", "account_ids"): "JSON",
        ("guide_events", "latitude"): "DOUBLE",
        ("guide_events", "destination_step_id"): "VARCHAR",
        ("guide_events", "poll_id"): "VARCHAR",
        ("poll_events", "poll_response"): "VARCHAR",
        ("visitors", "metadata__auto__firstvisit"): "BIGINT",
        ("visitors", "metadata__pendo__donotprocess"): "BOOLEAN",
        ("accounts", "metadata__agent__name"): "VARCHAR",
        ("guides", "published_at"): "BIGINT",
        ("guides__steps", "poll_ids"): "JSON",
        ("guides__polls", "attributes__type"): "VARCHAR",
        ("visitor_metadata_schema", "is_per_app"): "BOOLEAN",
    }
    assert {key: types.get(key) for key in expected} == expected


def test_a_second_run_rereads_only_the_lookback_and_changes_nothing(loaded):
    before = loaded.snapshot()
    cursors = {table: loaded.cursor(table) for table in EVENT_TABLES}
    run = loaded.run()
    assert run.ok, run.describe()
    assert {table: run.windows(table) for table in EVENT_TABLES} == dict.fromkeys(EVENT_TABLES, 2)  # lookback 2d
    assert loaded.snapshot() == before
    assert {table: loaded.cursor(table) for table in EVENT_TABLES} == cursors == dict.fromkeys(EVENT_TABLES, UNTIL)


def test_a_backfill_reloads_its_days_without_moving_the_cursor(loaded):
    before = loaded.snapshot()
    start = first_sim_day(10) + timedelta(days=2)
    run = loaded.run("--start", start.isoformat(), "--end", (start + timedelta(days=2)).isoformat())
    assert run.ok, run.describe()
    assert set(run.summary["tables"]) == set(EVENT_TABLES)  # entities are not part of a backfill
    assert all(run.windows(table) == 3 for table in EVENT_TABLES)
    assert run.summary["mode"] == "backfill"
    assert loaded.snapshot() == before
    assert {table: loaded.cursor(table) for table in EVENT_TABLES} == dict.fromkeys(EVENT_TABLES, UNTIL)


def test_switching_the_period_of_a_loaded_dataset_is_refused_in_one_line(loaded):
    before = loaded.snapshot()
    run = loaded.run(SOURCES__PENDO__PERIOD="hour", SOURCES__PENDO__WINDOW="6h")
    assert run.result.returncode == 1 and "Traceback" not in run.result.stderr
    (line,) = run.result.stderr.strip().splitlines()
    assert "sources.pendo.period is hour but events was loaded with period = day" in line
    assert loaded.snapshot() == before
