"""On a regular incremental run, the data tests of an incremental mart check the rows that run rebuilt; the full
check (`dbt test`, `--vars '{pendo_test_scope: all}'`, a full refresh) checks every row.

A broken row in a day the run does not rebuild is left to the full check, which catches it; a broken row in a day
the run rebuilds is caught by the run itself (transform/macros/pendo_test_scope.sql).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.transform.conftest import RUN_WITH_SNAPSHOTS
from tests.transform.test_incremental_build import AGGREGATED_TABLES, EARLIER_LOAD_ID, SINGLE_EVENT_TABLES, event_days
from tests.transform.warehouse import RAW_SCHEMA, DbtWorkspace

pytestmark = pytest.mark.slow

MART = "fct_visitor_daily_activity"
PRIMARY_KEY_TEST = f"test.pendo.primary_key_{MART}_visitor_id__activity_date"
CHECK_EVERY_ROW = ("--vars", "{pendo_test_scope: all}")


def load_again(database: Path, day: int, load_id: str) -> None:
    """As the next extraction re-reading `day`: its rows of the daily tables carry the new load id."""
    with duckdb.connect(str(database)) as connection:
        for table in AGGREGATED_TABLES:
            connection.execute(f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ? where day = ?", [load_id, day])


def primary_key_result(workspace: DbtWorkspace) -> dict[str, object]:
    results = json.loads((workspace.target_path / "run_results.json").read_text())["results"]
    return next(result for result in results if result["unique_id"].startswith(PRIMARY_KEY_TEST))


def test_a_regular_run_tests_the_days_it_rebuilt_and_the_full_check_every_day(
    dbt_workspace: Callable[[], DbtWorkspace],
) -> None:
    workspace = dbt_workspace()
    days = event_days(workspace.database)
    with duckdb.connect(str(workspace.database)) as connection:  # every row came with one earlier load
        for table in (*AGGREGATED_TABLES, *SINGLE_EVENT_TABLES):
            connection.execute(f"update {RAW_SCHEMA}.{table} set _dlt_load_id = ?", [EARLIER_LOAD_ID])
    first = workspace.dbt(*RUN_WITH_SNAPSHOTS)
    assert first.returncode == 0, first.stdout[-5000:]

    # A broken row in the oldest day, which the next run does not rebuild: a visitor-day twice.
    with duckdb.connect(str(workspace.database)) as connection:
        connection.execute(
            f"insert into marts.{MART} select * from marts.{MART} "
            f"where activity_date = (select min(activity_date) from marts.{MART}) order by visitor_id limit 1"
        )
    load_again(workspace.database, days[-1], "2000000000.000001")
    regular = workspace.dbt("build", "--select", MART)
    assert regular.returncode == 0, regular.stdout[-5000:]
    tested = primary_key_result(workspace)
    assert tested["status"] == "pass"
    assert "source_load_id > '1000000000.000001'" in str(tested["compiled_code"])  # it read the rebuilt rows only

    # The full check reads every row and finds the duplicate.
    for full_check in (("test", "--select", MART), ("build", "--select", MART, *CHECK_EVERY_ROW)):
        checked = workspace.dbt(*full_check)
        assert checked.returncode != 0, full_check
        result = primary_key_result(workspace)
        assert (result["status"], result["failures"]) == ("fail", 1), full_check
        assert "source_load_id" not in str(result["compiled_code"]), full_check

    # A broken row in the day the next run rebuilds (a raw row without its visitor) fails that run's own tests; the
    # old day's duplicate is still not read (one failing key: the null one).
    with duckdb.connect(str(workspace.database)) as connection:
        connection.execute(
            f"update {RAW_SCHEMA}.events set visitor_id = null "
            f"where row_key = (select min(row_key) from {RAW_SCHEMA}.events where day = ?)",
            [days[-2]],
        )
    load_again(workspace.database, days[-2], "2000000000.000002")
    caught = workspace.dbt("build", "--select", MART)
    assert caught.returncode != 0, caught.stdout[-5000:]
    result = primary_key_result(workspace)
    assert (result["status"], result["failures"]) == ("fail", 1)
    assert "source_load_id > '2000000000.000001'" in str(result["compiled_code"])
    with duckdb.connect(str(workspace.database), read_only=True) as connection:
        (null_keys,) = connection.execute(f"select count(*) from marts.{MART} where visitor_id is null").fetchone()
    assert null_keys == 1
