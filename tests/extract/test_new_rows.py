"""Event rows newer than everything in their table are appended, any other merged (extract/load/new_rows.py): a first
load and a new day are appended, a day read again with changes is merged, and the tables are the same either way."""

from __future__ import annotations

from datetime import timedelta

from extract.load.new_rows import bucket_column
from extract.resources.registry import EVENT_RESOURCES
from tests.extract.support import SIM_NOW, Admin, first_sim_day, sim_args
from tests.helpers import FIXED_NOW

DAYS = 5
EVENTS = "events,page_events,guide_events"
SETTINGS = {"SOURCES__PENDO__START_DATE": first_sim_day(DAYS).isoformat(), "SOURCES__PENDO__LOOKBACK": "2d"}


def _at(days_before: int) -> str:
    return (SIM_NOW - timedelta(days=days_before)).isoformat()


def test_the_bucket_column_of_every_event_table_exists():
    for name in EVENT_RESOURCES:
        assert bucket_column(name, "day") in ("day", "guide_timestamp")
        assert bucket_column(name, "hour") in ("hour", "guide_timestamp")


def test_new_days_are_appended_and_a_changed_day_is_merged_to_the_same_tables(start_simulator, extractor):
    simulator = start_simulator(*sim_args(days=DAYS, visitors=50, accounts=15), "--late-rows", "0.3")
    target = extractor(simulator, **SETTINGS)

    first = target.run("--resources", EVENTS, EXTRACT_NOW=_at(2))
    assert first.ok, first.describe()
    assert first.summary is not None and first.summary["appended"] == sorted(EVENTS.split(","))

    Admin(simulator.url).advance_clock(minutes=3 * 24 * 60)  # late rows arrive inside the lookback
    second = target.run("--resources", EVENTS, EXTRACT_NOW=FIXED_NOW)
    assert second.ok, second.describe()
    assert second.summary is not None
    assert "events" not in second.summary["appended"]  # its lookback changed: merged with the new days

    reference = extractor(simulator, name="reference", **SETTINGS)  # one run, merged or appended, same world
    clean = reference.run("--resources", EVENTS, EXTRACT_NOW=FIXED_NOW)
    assert clean.ok, clean.describe()
    assert target.snapshot() == reference.snapshot()
    for table in EVENTS.split(","):
        (total, distinct) = target.query(f"select count(*), count(distinct row_key) from pendo_raw.{table}")[0]
        assert total == distinct > 0, table


def test_a_new_day_after_an_unchanged_lookback_is_appended(start_simulator, extractor):
    simulator = start_simulator(*sim_args(days=DAYS, visitors=50, accounts=15))
    target = extractor(simulator, **SETTINGS)
    first = target.run("--resources", EVENTS, EXTRACT_NOW=_at(1))
    assert first.ok, first.describe()
    second = target.run("--resources", EVENTS, EXTRACT_NOW=FIXED_NOW)
    assert second.ok, second.describe()
    assert second.summary is not None and second.summary["appended"] == sorted(EVENTS.split(","))
    assert second.stat("events", "unchanged") == second.windows("events") - 1  # the lookback came back unchanged
    reference = extractor(simulator, name="reference", **SETTINGS)
    assert reference.run("--resources", EVENTS, EXTRACT_NOW=FIXED_NOW).ok
    assert target.snapshot() == reference.snapshot()
