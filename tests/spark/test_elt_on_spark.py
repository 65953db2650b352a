"""`DESTINATION=lake make elt`: dlt writes `pendo_raw` as parquet files into a local lake, dbt builds every model
with a local Spark (dbt-spark, `session`), and the marts equal those of the DuckDB path on the same world.

One simulator serves both runs. `make elt` on the lake runs twice with the extractor's clock pinned: the second run
re-reads the lookback window, which dlt appends to the parquet files (it cannot merge into them), so the lake then
holds every re-read row twice; the marts must not change, and the incremental marts must be built incrementally (the
metastore and warehouse persist between dbt invocations in SPARK_DIR). Spark's marts are read straight from the
parquet files of its warehouse (DuckDB reads them, hive partitions included), not through Spark: no second JVM.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pendo_simulator.process import SimulatorProcess
from tests.e2e.test_marts_truth import Scenario
from tests.helpers import FIXED_NOW, PYTHON, REPO_ROOT, query
from tests.publish.elt import EltWorkspace, finish, output

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_available")]

# `make elt` passes no dbt vars: the rules are the project's defaults.
SCENARIO = Scenario(
    seed=7,
    timezone="America/New_York",
    completion_rule="last_step_advanced",
    new_visitor_rule="first_visit",
    visitors=80,
    days=14,
)
# The extractor's clock is the simulator's: the second run re-reads the lookback window of real data.
SETTINGS = {
    "SOURCES__PENDO__START_DATE": "2026-02-01",
    "PENDO_TIMEZONE": SCENARIO.timezone,
    "EXTRACT_NOW": FIXED_NOW,
}
# Floats (rates, averages) may differ between engines in the last bits of a double: compared to 9 decimal places.
FLOAT_DECIMALS = 9
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # how Spark names the partition of a null value
# The dlt load a row was built from: when each path loaded (two pipelines, two runs each), not what it loaded.
LOAD_COLUMNS = {"source_load_id"}
INCREMENTAL_MARTS = (
    "fct_visitor_daily_activity",
    "fct_account_daily_activity",
    "fct_guide_events",
    "fct_poll_responses",
)

Marts = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Runs:
    lake: EltWorkspace
    duckdb: EltWorkspace
    first: Marts  # Spark's marts after the first run
    second: Marts  # after the second run, which found no new data
    first_log: str  # dbt's log of the first lake run
    second_log: str  # of the second


def _comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in one order, every value in one form: floats rounded, dates and timestamps (and the string values of
    hive partition columns) as ISO text, Spark's null partition as None. Spark's parquet timestamps are instants
    (DuckDB reads them with a time zone): as UTC wall times, like the naive UTC timestamps of the DuckDB path."""

    def value(item: Any) -> Any:
        if isinstance(item, float | Decimal):
            return round(float(item), FLOAT_DECIMALS)
        if isinstance(item, datetime):
            if item.tzinfo is not None:
                item = item.astimezone(UTC).replace(tzinfo=None)
            return item.isoformat(sep=" ")
        if isinstance(item, date):
            return item.isoformat()
        if item == HIVE_NULL:
            return None
        return item

    normalised = [tuple(value(item) for item in row) for row in rows]
    return sorted(normalised, key=lambda row: tuple((item is None, str(item)) for item in row))


def _spark_mart_names(workspace: EltWorkspace) -> set[str]:
    """The marts dbt built on Spark: those its manifest holds (the attribute history is disabled there)."""
    manifest = json.loads((workspace.dbt_target_path / "manifest.json").read_text())
    return {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def _history_mart_names() -> set[str]:
    """The attribute-history marts: built from dbt snapshots, which need a MERGE that Spark lacks without Delta."""
    return {path.stem for path in (REPO_ROOT / "transform" / "models" / "marts" / "history").glob("*.sql")}


def _mart_columns(published: Path) -> dict[str, list[str]]:
    """Every mart of the DuckDB path and its columns, from its published copy."""
    found = query(
        published,
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' order by table_name, "
        "column_index",
    )
    columns: dict[str, list[str]] = {}
    for table, column in found:
        columns.setdefault(table, []).append(column)
    return columns


def _spark_marts(workspace: EltWorkspace, columns: dict[str, list[str]]) -> Marts:
    """Each mart's rows from the parquet files of Spark's warehouse, columns in the DuckDB path's order."""
    warehouse = workspace.root / "spark" / "warehouse" / "marts.db"
    marts: Marts = {}
    with duckdb.connect() as connection:
        for table, names in columns.items():
            folder = warehouse / table
            assert folder.is_dir(), f"Spark built no marts.{table}"
            if not any(folder.rglob("*.parquet")):
                marts[table] = []
                continue
            select = ", ".join(f'"{name}"' for name in names)
            marts[table] = _comparable(
                connection.execute(
                    f"select {select} from read_parquet('{folder}/**/*.parquet', hive_partitioning = true, "
                    "hive_types_autocast = false, union_by_name = true)"
                ).fetchall()
            )
    return marts


def _dbt_log(workspace: EltWorkspace) -> str:
    return (workspace.root / "dbt-logs" / "dbt.log").read_text(errors="replace")


def _build_seconds(workspace: EltWorkspace) -> float:
    return float(json.loads((workspace.dbt_target_path / "run_results.json").read_text())["elapsed_time"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("spark-elt")
    on_lake, on_duckdb = EltWorkspace(root / "lake"), EltWorkspace(root / "duckdb")
    with SimulatorProcess(secrets.token_hex(16), SCENARIO.simulator_args, python=PYTHON) as simulator:
        lake_env = on_lake.env(simulator, DESTINATION="lake", **SETTINGS)
        started = time.monotonic()
        running = on_lake.start_make("elt", env=lake_env)
        twin = finish(on_duckdb.start_make("elt", env=on_duckdb.env(simulator, **SETTINGS)), timeout=1800)
        loaded = finish(running, timeout=1800)
        assert twin.returncode == 0, output(twin)
        assert loaded.returncode == 0, output(loaded)
        first_log = _dbt_log(on_lake)
        on_duckdb_marts = _mart_columns(on_duckdb.marts_path)
        assert _spark_mart_names(on_lake) == set(on_duckdb_marts) - _history_mart_names()
        columns = {
            table: [name for name in names if name not in LOAD_COLUMNS]
            for table, names in on_duckdb_marts.items()
            if table in _spark_mart_names(on_lake)
        }
        first = _spark_marts(on_lake, columns)
        spark_seconds = _build_seconds(on_lake)
        again = finish(on_lake.start_make("elt", env=lake_env), timeout=1800)
        assert again.returncode == 0, output(again)
    second_seconds, duckdb_seconds = _build_seconds(on_lake), _build_seconds(on_duckdb)
    print(
        f"\nmake elt on the lake and Spark: {time.monotonic() - started:.0f} s in all; dbt build on Spark "
        f"{spark_seconds:.1f} s (second run {second_seconds:.1f} s), on DuckDB {duckdb_seconds:.1f} s"
    )
    for table, rows in sorted(first.items()):
        print(f"  marts.{table}: {len(rows)} rows")
    for result in (loaded, again):
        assert " ERROR=0 " in result.stdout, output(result)  # every dbt test and contract passed on Spark
    yield Runs(on_lake, on_duckdb, first, _spark_marts(on_lake, columns), first_log, _dbt_log(on_lake))


def test_dlt_writes_pendo_raw_as_parquet_into_the_lake_and_nothing_into_duckdb(runs: Runs) -> None:
    raw = runs.lake.root / "lake" / "pendo_raw"
    for table in ("events", "guide_events", "visitors", "pages__rules", "guides__steps"):
        assert list((raw / table).glob("*.parquet")), f"no parquet file for pendo_raw.{table}"
    assert not runs.lake.duckdb_path.exists(), "nothing was written to DuckDB"


def test_every_mart_holds_the_rows_the_same_world_gives_on_duckdb(runs: Runs) -> None:
    published = runs.duckdb.marts_path
    for table, spark_rows in runs.first.items():
        names = [name for name in _mart_columns(published)[table] if name not in LOAD_COLUMNS]
        select = ", ".join(f'"{name}"' for name in names)
        on_duckdb = _comparable(query(published, f'select {select} from marts."{table}"'))
        assert spark_rows == on_duckdb, f"marts.{table} differs on Spark"
    assert len(runs.first) >= 20
    assert sum(len(rows) for rows in runs.first.values()) > 1000


def test_the_lake_holds_the_rows_read_twice_and_the_marts_count_them_once(runs: Runs) -> None:
    events = runs.lake.root / "lake" / "pendo_raw" / "events"
    ((rows, keys),) = query(
        runs.duckdb.duckdb_path, f"select count(*), count(distinct row_key) from read_parquet('{events}/*.parquet')"
    )
    # The second run re-reads the lookback, finds every window unchanged (content hash) and appends nothing: the lake
    # holds each row once. A changed window is appended whole; the raw views keep each key's latest load.
    assert rows == keys, "the second run appended an unchanged lookback window again"
    ((merged,),) = query(runs.duckdb.duckdb_path, "select count(*) from pendo_raw.events")
    assert keys == merged  # the same rows as DuckDB's merged table, once each
    assert runs.second == runs.first, "a second run with no new data changed a mart"


def test_the_second_run_builds_the_incremental_marts_incrementally(runs: Runs) -> None:
    second_run = runs.second_log[len(runs.first_log) :]
    for table in INCREMENTAL_MARTS:
        assert f"insert overwrite table marts.{table}" not in runs.first_log
        assert f"insert overwrite table marts.{table}" in second_run, f"marts.{table} was rebuilt whole"
