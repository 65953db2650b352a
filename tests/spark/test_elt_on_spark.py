"""`DESTINATION=lake make elt`: dlt writes `pendo_raw` as parquet files into a local lake, dbt builds every model
with a local Spark (dbt-spark, `session`), and the marts equal those of the DuckDB path on the same world.

One simulator serves both paths, with late-arriving records, and the extractor's clock pinned:

1. `make elt` on the lake and on DuckDB: the marts must be equal;
2. `make elt` on the lake again, with no new data: every window re-read by the lookback is unchanged, nothing is
   appended, and no mart changes;
3. the simulator's clock moves past the late records' arrival, and `make elt` runs on both paths: the lookback
   re-reads windows that now hold more rows, dlt appends them whole to the parquet files (it cannot merge into them),
   so the lake holds their earlier rows twice. The raw views must count each key once (its latest load), the marts
   must equal DuckDB's (where dlt merged), and the incremental marts must overwrite exactly the partitions of the
   re-loaded days (the metastore and warehouse persist between dbt invocations in SPARK_DIR).

Spark's marts are read straight from the parquet files of its warehouse (DuckDB reads them, hive partitions
included), not through Spark: no second JVM. The figures docs/warehouses.md quotes (rows per mart, dbt build times)
are printed, never asserted.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

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
# The extractor's clock is the simulator's: each run re-reads the lookback window of real data.
SETTINGS = {
    "SOURCES__PENDO__START_DATE": "2026-02-01",
    "PENDO_TIMEZONE": SCENARIO.timezone,
    "EXTRACT_NOW": FIXED_NOW,
}
# A share of the records arrives up to LATE_MAX_DAYS late (within the extractor's 10-day lookback): hidden at first,
# they fill windows already loaded once the simulator's clock has moved past their arrival.
LATE_ROWS = ("--late-rows", "0.1", "--late-max-days", "4")
LATE_MAX_DAYS = 4
# Floats (rates, averages) may differ between engines in the last bits of a double: compared to 9 decimal places.
FLOAT_DECIMALS = 9
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # how Spark names the partition of a null value
# The dlt load a row was built from: when each path loaded (two pipelines, two runs each), not what it loaded.
LOAD_COLUMNS = {"source_load_id"}
# Each incremental mart and the columns Spark partitions it by (its overwrite unit).
INCREMENTAL_MARTS = {
    "fct_visitor_daily_activity": ("activity_date",),
    "fct_account_daily_activity": ("activity_date",),
    "fct_guide_events": ("guide_id", "activity_date"),
    "fct_poll_responses": ("guide_id", "activity_date"),
}
# The raw event tables each incremental mart is rebuilt from.
MART_SOURCES = {
    "fct_visitor_daily_activity": ("events", "page_events", "feature_events"),
    "fct_account_daily_activity": ("events", "page_events", "feature_events"),
    "fct_guide_events": ("guide_events",),
    "fct_poll_responses": ("poll_events",),
}
# The lake's tables with a key (`meta.lake_key` in _pendo__sources.yml) whose windows the lookback re-reads.
EVENT_TABLES = ("events", "page_events", "feature_events", "track_events", "guide_events", "poll_events")
LAKE_KEYS = {table: "row_key" for table in EVENT_TABLES} | {"visitors": "visitor_id", "accounts": "account_id"}
# Replaced by every run (dlt's `replace` empties the table's folder first), on the lake as elsewhere.
REPLACED_TABLES = ("visitor_metadata_schema", "account_metadata_schema")

Marts = dict[str, list[tuple[Any, ...]]]


Partitions = dict[str, dict[tuple[str, ...], frozenset[str]]]  # mart -> partition values -> its file names


@dataclass(frozen=True)
class Runs:
    lake: EltWorkspace
    duckdb: EltWorkspace
    first_on_duckdb: Path  # a copy of the DuckDB path's published marts after the first run
    first: Marts  # Spark's marts after the first run
    second: Marts  # after the second run, which found no new data
    third: Marts  # after the third, which re-loaded the windows the late records changed
    first_log: str  # dbt's log of the first lake run
    second_log: str  # of the first two
    third_log: str  # of all three
    lake_first: set[Path]  # the lake's raw parquet files after the first run
    lake_second: set[Path]  # after the second
    loaded_before_third: str  # the newest load id in the lake before the third run
    before_third: Partitions  # the incremental marts' partition files before the third run
    after_third: Partitions  # and after it


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


def _partitions(workspace: EltWorkspace) -> Partitions:
    """The parquet files of each partition of the incremental marts on Spark: dynamic partition overwrite replaces
    the files of the partitions a run writes and leaves the others' files alone."""
    warehouse = workspace.root / "spark" / "warehouse" / "marts.db"
    found: Partitions = {}
    for table, columns in INCREMENTAL_MARTS.items():
        found[table] = {}
        for file in (warehouse / table).rglob("*.parquet"):
            folders = file.relative_to(warehouse / table).parts[:-1]
            values = dict(folder.split("=", 1) for folder in folders)
            values = {column: unquote(value) for column, value in values.items()}  # Spark escapes `"` as %22
            key = tuple(values[column] for column in columns)
            found[table][key] = found[table].get(key, frozenset()) | {file.name}
    return found


def _lake_rows(workspace: EltWorkspace, table: str, sql: str) -> list[tuple[Any, ...]]:
    """`sql` over `rows`, every row dlt appended to the lake's table (all its parquet files)."""
    folder = workspace.root / "lake" / "pendo_raw" / table
    with duckdb.connect() as connection:
        connection.execute(
            f"create view rows as select * from read_parquet('{folder}/*.parquet', union_by_name = true)"
        )
        return connection.execute(sql).fetchall()


def _lake_files(workspace: EltWorkspace) -> set[Path]:
    """The parquet files of the raw tables dlt appends to (not dlt's own `_dlt_*` tables, nor the replaced ones)."""
    raw = workspace.root / "lake" / "pendo_raw"
    return {
        file
        for file in raw.glob("*/*.parquet")
        if not file.parent.name.startswith("_dlt") and file.parent.name not in REPLACED_TABLES
    }


def _changed_keys(workspace: EltWorkspace, table: str, key: str) -> list[tuple[Any, ...]]:
    """The keys of the lake's table whose rows differ between loads (dlt's own columns aside)."""
    data = "select columns(c -> not starts_with(c, '_dlt')) from rows"
    return _lake_rows(
        workspace, table, f"select {key} from ({data}) as data group by {key} having count(distinct data) > 1"
    )


def _newest_lake_load(workspace: EltWorkspace) -> str:
    """The newest `_dlt_load_id` in the raw tables of the lake."""
    newest = ""
    with duckdb.connect() as connection:
        for file in _lake_files(workspace):
            names = {row[0] for row in connection.execute(f"describe select * from read_parquet('{file}')").fetchall()}
            if "_dlt_load_id" in names:
                ((load,),) = connection.execute(f"select max(_dlt_load_id) from read_parquet('{file}')").fetchall()
                newest = max(newest, load or "")
    return newest


def _elt_pair(lake: tuple[EltWorkspace, dict[str, str]], twin: tuple[EltWorkspace, dict[str, str]]) -> None:
    """`make elt` on both paths at once (they read the same simulator state)."""
    running = lake[0].start_make("elt", env=lake[1])
    on_duckdb = finish(twin[0].start_make("elt", env=twin[1]), timeout=1800)
    on_lake = finish(running, timeout=1800)
    assert on_duckdb.returncode == 0, output(on_duckdb)
    assert on_lake.returncode == 0, output(on_lake)
    assert " ERROR=0 " in on_lake.stdout, output(on_lake)  # every dbt test and contract passed on Spark


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("spark-elt")
    on_lake, on_duckdb = EltWorkspace(root / "lake"), EltWorkspace(root / "duckdb")
    seconds: dict[str, float] = {}
    with SimulatorProcess(secrets.token_hex(16), (*SCENARIO.simulator_args, *LATE_ROWS), python=PYTHON) as simulator:
        lake = (on_lake, on_lake.env(simulator, DESTINATION="lake", **SETTINGS))
        twin = (on_duckdb, on_duckdb.env(simulator, **SETTINGS))
        started = time.monotonic()
        _elt_pair(lake, twin)
        seconds |= {"spark, first": _build_seconds(on_lake), "duckdb, first": _build_seconds(on_duckdb)}
        first_on_duckdb = root / "duckdb-first-marts.duckdb"
        shutil.copy(on_duckdb.marts_path, first_on_duckdb)
        first_log = _dbt_log(on_lake)
        on_duckdb_marts = _mart_columns(on_duckdb.marts_path)
        assert _spark_mart_names(on_lake) == set(on_duckdb_marts) - _history_mart_names()
        columns = {
            table: [name for name in names if name not in LOAD_COLUMNS]
            for table, names in on_duckdb_marts.items()
            if table in _spark_mart_names(on_lake)
        }
        first, lake_first = _spark_marts(on_lake, columns), _lake_files(on_lake)

        again = finish(on_lake.start_make("elt", env=lake[1]), timeout=1800)
        assert again.returncode == 0, output(again)
        assert " ERROR=0 " in again.stdout, output(again)
        seconds["spark, nothing new"] = _build_seconds(on_lake)
        second, second_log, before_third = _spark_marts(on_lake, columns), _dbt_log(on_lake), _partitions(on_lake)
        lake_second, loaded_before_third = _lake_files(on_lake), _newest_lake_load(on_lake)

        simulator.admin("clock", {"advance_minutes": (LATE_MAX_DAYS * 24 + 1) * 60})  # every late record arrived
        _elt_pair(lake, twin)
        seconds |= {"spark, late rows": _build_seconds(on_lake), "duckdb, late rows": _build_seconds(on_duckdb)}
    third = _spark_marts(on_lake, columns)
    print(f"\nthree make elt on the lake and Spark, two on DuckDB: {time.monotonic() - started:.0f} s in all")
    print("dbt build (run_results.json elapsed_time): " + ", ".join(f"{run} {s:.1f} s" for run, s in seconds.items()))
    for table in sorted(third):
        print(f"  marts.{table}: {len(first[table])} rows after the first run, {len(third[table])} after the third")
    for table, key in LAKE_KEYS.items():
        ((rows, keys),) = _lake_rows(on_lake, table, f"select count(*), count(distinct {key}) from rows")
        changed = len(_changed_keys(on_lake, table, key))
        print(f"  lake pendo_raw.{table}: {rows} rows, {keys} keys, {changed} keys whose rows differ between loads")
    yield Runs(
        on_lake,
        on_duckdb,
        first_on_duckdb,
        first,
        second,
        third,
        first_log,
        second_log,
        _dbt_log(on_lake),
        lake_first,
        lake_second,
        loaded_before_third,
        before_third,
        _partitions(on_lake),
    )


def _duckdb_marts(published: Path, tables: set[str]) -> Marts:
    marts: Marts = {}
    for table in tables:
        names = [name for name in _mart_columns(published)[table] if name not in LOAD_COLUMNS]
        select = ", ".join(f'"{name}"' for name in names)
        marts[table] = _comparable(query(published, f'select {select} from marts."{table}"'))
    return marts


def test_dlt_writes_pendo_raw_as_parquet_into_the_lake_and_nothing_into_duckdb(runs: Runs) -> None:
    raw = runs.lake.root / "lake" / "pendo_raw"
    for table in ("events", "guide_events", "visitors", "pages__rules", "guides__steps"):
        assert list((raw / table).glob("*.parquet")), f"no parquet file for pendo_raw.{table}"
    assert not runs.lake.duckdb_path.exists(), "nothing was written to DuckDB"


def test_every_mart_holds_the_rows_the_same_world_gives_on_duckdb(runs: Runs) -> None:
    on_duckdb = _duckdb_marts(runs.first_on_duckdb, set(runs.first))
    for table, spark_rows in runs.first.items():
        assert spark_rows == on_duckdb[table], f"marts.{table} differs on Spark"
    assert len(runs.first) >= 20
    assert sum(len(rows) for rows in runs.first.values()) > 1000


def test_a_second_run_with_no_new_data_appends_nothing_and_changes_no_mart(runs: Runs) -> None:
    assert runs.second == runs.first, "a second run with no new data changed a mart"
    second_run = runs.second_log[len(runs.first_log) :]
    for table in INCREMENTAL_MARTS:
        assert f"insert overwrite table marts.{table}" not in runs.first_log
        assert f"insert overwrite table marts.{table}" in second_run, f"marts.{table} was rebuilt whole"
    # Every window the lookback re-read hashed as loaded (window_hashes.py): no file was added to the lake.
    assert runs.lake_second == runs.lake_first, "a run with no new data appended to the lake"


def test_re_loaded_windows_are_in_the_lake_twice_and_counted_once(runs: Runs) -> None:
    doubled = []
    for table in EVENT_TABLES:
        ((rows, keys, re_loaded),) = _lake_rows(
            runs.lake,
            table,
            "select count(*), count(distinct row_key), count(*) filter (_dlt_load_id > "
            f"'{runs.loaded_before_third}') from rows",
        )
        ((merged,),) = query(runs.duckdb.duckdb_path, f"select count(*) from pendo_raw.{table}")
        assert keys == merged, f"pendo_raw.{table}: the lake holds {keys} keys, DuckDB's merged table {merged} rows"
        if re_loaded:
            assert rows > keys, f"pendo_raw.{table} was re-loaded, yet holds no key twice"
            doubled.append(table)
    assert "events" in doubled, "the late records re-loaded no window of pendo_raw.events"
    # Some rows changed, not only were added (a visit re-aggregated): the marts equal DuckDB's (the next test) only
    # if the views keep the latest version of each, as a merge does.
    assert _changed_keys(runs.lake, "events", "row_key"), "no row of pendo_raw.events changed between loads"
    assert runs.third != runs.first, "the late records changed no mart"


def test_after_the_re_load_every_mart_equals_duckdb(runs: Runs) -> None:
    on_duckdb = _duckdb_marts(runs.duckdb.marts_path, set(runs.third))
    for table, spark_rows in runs.third.items():
        assert spark_rows == on_duckdb[table], f"marts.{table} differs on Spark after the re-load"


def test_the_incremental_marts_overwrite_exactly_the_re_loaded_partitions(runs: Runs) -> None:
    third_run = runs.third_log[len(runs.second_log) :]
    warehouse = runs.lake.root / "spark" / "warehouse" / "marts.db"
    for table, columns in INCREMENTAL_MARTS.items():
        assert f"insert overwrite table marts.{table}" in third_run, f"marts.{table} was rebuilt whole"
        before, after = runs.before_third[table], runs.after_third[table]
        rewritten = {key for key, files in after.items() if files != before.get(key)}
        select = ", ".join(f"cast({column} as varchar)" for column in columns)
        with duckdb.connect() as connection:
            re_loaded = {
                tuple(HIVE_NULL if value is None else value for value in row)
                for row in connection.execute(
                    f"select distinct {select} from read_parquet('{warehouse / table}/**/*.parquet', "
                    f"hive_partitioning = true, hive_types_autocast = false, union_by_name = true) "
                    f"where source_load_id > '{runs.loaded_before_third}'"
                ).fetchall()
            }
        # A mart whose raw tables got no row in the re-load (poll events, in this world) rewrites nothing.
        sources_re_loaded = any(
            _lake_rows(runs.lake, source, f"select 1 from rows where _dlt_load_id > '{runs.loaded_before_third}'")
            for source in MART_SOURCES[table]
        )
        assert bool(re_loaded) == sources_re_loaded, f"marts.{table}: partitions {sorted(re_loaded)}"
        assert rewritten == re_loaded, f"marts.{table}: rewrote {sorted(rewritten)}, re-loaded {sorted(re_loaded)}"
        assert set(before) - set(after) == set(), f"marts.{table} lost a partition"
