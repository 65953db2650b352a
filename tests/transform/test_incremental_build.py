"""An incremental `dbt run` after new data gives the same marts, row for row, as a full refresh on the same data.

The raw tables start as an earlier load would have left them: the last three days not loaded yet, an older day
before Pendo's late data arrived (lower counts, guide events missing), and one guide at an older version (another
name). Then the raw tables become the full extraction, as the next `make extract` would merge them (the rows it
re-read carry its newer load id), and the incremental run must catch up: new days, the revised day, the guide's new
name on old events. A backfill of days far older than the extractor's lookback is caught up the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.transform.conftest import RUN_WITH_SNAPSHOTS
from tests.transform.warehouse import RAW_SCHEMA, DbtWorkspace, mart_rows

pytestmark = pytest.mark.slow

AGGREGATED_TABLES = ("events", "page_events", "feature_events", "track_events")
SINGLE_EVENT_TABLES = ("guide_events", "poll_events")
INCREMENTAL_MODELS = (
    "fct_visitor_daily_activity",
    "fct_account_daily_activity",
    "fct_guide_events",
    "fct_poll_responses",
)
OLD_NAME_SUFFIX = " (before the edit)"
EARLIER_LOAD_ID = "1000000000.000001"  # dlt load ids are Unix times as text: this one is older than any real load


def event_days(database: Path) -> list[int]:
    """The `day` buckets (epoch ms) of the raw `events` table, oldest first."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return [
            day for (day,) in connection.execute(f"select distinct day from {RAW_SCHEMA}.events order by 1").fetchall()
        ]


def rewind_days(database: Path, halved: list[int], missing_from: int | None = None) -> None:
    """Rewrite the raw tables as an earlier load left them: every row loaded by that earlier load, the `halved` days
    with lower counts and without their guide and poll events (Pendo's late data), the days from `missing_from` on
    not loaded yet."""
    with duckdb.connect(str(database)) as connection:
        for table in (*AGGREGATED_TABLES, *SINGLE_EVENT_TABLES):
            connection.execute(f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ?", [EARLIER_LOAD_ID])
        for day in halved:
            for table in AGGREGATED_TABLES:
                connection.execute(
                    f"update {RAW_SCHEMA}.{table} set num_events = (num_events + 1) // 2, "
                    "num_minutes = (num_minutes + 1) // 2 where day = ?",
                    [day],
                )
            for table in SINGLE_EVENT_TABLES:
                connection.execute(
                    f"delete from {RAW_SCHEMA}.{table} where guide_timestamp between ? and ? + 86400000 - 1",
                    [day, day],
                )
        if missing_from is not None:
            for table in AGGREGATED_TABLES:
                connection.execute(f"delete from {RAW_SCHEMA}.{table} where day >= ?", [missing_from])
            for table in SINGLE_EVENT_TABLES:
                connection.execute(f"delete from {RAW_SCHEMA}.{table} where guide_timestamp >= ?", [missing_from])


def rewind_to_an_earlier_load(database: Path) -> str:
    """Rewrite the raw tables to what an earlier load held; returns the id of the guide at an older version.

    The earlier load had not seen the last three days, and saw a day five days before its newest one with lower
    counts and without its guide and poll events (Pendo's late data, which the next load re-reads in its lookback).
    """
    days = event_days(database)
    assert len(days) >= 12, "the test needs a few days of data"
    rewind_days(database, halved=[days[-9]], missing_from=days[-3])
    with duckdb.connect(str(database)) as connection:
        (edited_guide,) = connection.execute(
            f"select guide_id from {RAW_SCHEMA}.guide_events group by 1 order by count(*) desc, 1 limit 1"
        ).fetchall()[0]
        # An edit Pendo did not version: the guide and its steps had other names, with the same last_updated_at.
        connection.execute(
            f"update {RAW_SCHEMA}.guides set name = name || ? where id = ?", [OLD_NAME_SUFFIX, edited_guide]
        )
        connection.execute(
            f"update {RAW_SCHEMA}.guides__steps set name = coalesce(name, '') || ? where guide_id = ?",
            [OLD_NAME_SUFFIX, edited_guide],
        )
    return edited_guide


def merge_the_next_load(database: Path, full_extraction: Path, reread_from: int) -> None:
    """Replace every raw table with the full extraction's, as the next extractor run would after its merges: rows of
    the days from `reread_from` on carry the full extraction's (newer) load id, older rows the earlier load's."""
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"attach '{full_extraction}' as full_extraction (read_only)")
        tables = connection.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'full_extraction' and table_schema = ? and not starts_with(table_name, '_dlt')",
            [RAW_SCHEMA],
        ).fetchall()
        for (table,) in tables:
            connection.execute(f'delete from {RAW_SCHEMA}."{table}"')
            connection.execute(
                f'insert into {RAW_SCHEMA}."{table}" select * from full_extraction.{RAW_SCHEMA}."{table}"'
            )
        for table in AGGREGATED_TABLES:
            connection.execute(
                f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ? where day < ?", [EARLIER_LOAD_ID, reread_from]
            )
        for table in SINGLE_EVENT_TABLES:
            connection.execute(
                f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ? where guide_timestamp < ?",
                [EARLIER_LOAD_ID, reread_from],
            )
        connection.execute("detach full_extraction")


def compiled_code(workspace: DbtWorkspace, model: str) -> str:
    results = json.loads((workspace.target_path / "run_results.json").read_text())["results"]
    return next(result["compiled_code"] for result in results if result["unique_id"] == f"model.pendo.{model}")


def test_incremental_run_after_new_data_equals_a_full_refresh(
    dbt_workspace: Callable[[], DbtWorkspace], raw_database: Path
) -> None:
    workspace = dbt_workspace()
    reread_from = event_days(workspace.database)[-10]  # the next load re-reads its lookback, the revised day included
    edited_guide = rewind_to_an_earlier_load(workspace.database)
    first = workspace.dbt(*RUN_WITH_SNAPSHOTS)
    assert first.returncode == 0, first.stdout[-5000:]
    before = mart_rows(workspace.database)

    merge_the_next_load(workspace.database, raw_database, reread_from)
    incremental = workspace.dbt(*RUN_WITH_SNAPSHOTS)
    assert incremental.returncode == 0, incremental.stdout[-5000:]
    for model in INCREMENTAL_MODELS:  # the runs really took the incremental path, reading back their own table
        assert f"marts.{model}" in compiled_code(workspace, model).replace('"', ""), model
    after_incremental = mart_rows(workspace.database)

    full_refresh = workspace.dbt(*RUN_WITH_SNAPSHOTS, "--full-refresh")
    assert full_refresh.returncode == 0, full_refresh.stdout[-5000:]
    after_full_refresh = mart_rows(workspace.database)

    assert list(after_incremental) == list(after_full_refresh)
    for table, rows in after_full_refresh.items():
        assert after_incremental[table] == rows, f"marts.{table} differs after the incremental run"
    # The new load did change the incremental marts (new days, re-aggregated counts, the edited guide's new name).
    for model in INCREMENTAL_MODELS:
        assert before[model] != after_full_refresh[model], model
    with duckdb.connect(str(workspace.database), read_only=True) as connection:
        stale_names = connection.execute(
            "select count(*) from marts.fct_guide_events "
            "where guide_id = ? and (guide_name like ? or step_name like ?)",
            [edited_guide, f"%{OLD_NAME_SUFFIX}", f"%{OLD_NAME_SUFFIX}"],
        ).fetchall()[0][0]
    assert stale_names == 0


def test_a_backfill_of_old_days_rebuilds_exactly_them(
    dbt_workspace: Callable[[], DbtWorkspace], raw_database: Path
) -> None:
    """`make backfill` re-reads days far older than the lookback; the next incremental run rebuilds those days (and
    nothing else changes), so every incremental mart equals a full refresh without anyone asking for one."""
    workspace = dbt_workspace()
    days = event_days(workspace.database)
    old_days = days[1:3]  # more than ten days before the newest day
    assert days[-1] - old_days[-1] > 10 * 86_400_000
    rewind_days(workspace.database, halved=old_days)
    first = workspace.dbt("run")
    assert first.returncode == 0, first.stdout[-5000:]
    before = mart_rows(workspace.database)

    merge_the_next_load(workspace.database, raw_database, reread_from=days[-1] + 86_400_000)
    with duckdb.connect(str(workspace.database)) as connection:  # the backfill's load: only the old days
        for table in AGGREGATED_TABLES:
            connection.execute(
                f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ? where day between ? and ?",
                ["9999999999.000001", old_days[0], old_days[-1]],
            )
        for table in SINGLE_EVENT_TABLES:
            connection.execute(
                f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ? where guide_timestamp between ? and ?",
                ["9999999999.000001", old_days[0], old_days[-1] + 86_400_000 - 1],
            )
    incremental = workspace.dbt("run")
    assert incremental.returncode == 0, incremental.stdout[-5000:]
    after_incremental = mart_rows(workspace.database)
    full_refresh = workspace.dbt("run", "--full-refresh")
    assert full_refresh.returncode == 0, full_refresh.stdout[-5000:]
    after_full_refresh = mart_rows(workspace.database)

    for table, rows in after_full_refresh.items():
        assert after_incremental[table] == rows, f"marts.{table} differs after the backfill's incremental run"
    for model in INCREMENTAL_MODELS:  # the backfill did change them
        assert before[model] != after_full_refresh[model], model
    # A run after no new load rebuilds nothing: the incremental marts stay as they are, row for row.
    again = workspace.dbt("run", "--select", *INCREMENTAL_MODELS)
    assert again.returncode == 0, again.stdout[-5000:]
    assert {model: mart_rows(workspace.database)[model] for model in INCREMENTAL_MODELS} == {
        model: after_full_refresh[model] for model in INCREMENTAL_MODELS
    }
