"""`python -m elt.publish` on small hand-made warehouses: what it copies, how it replaces the copy, how it refuses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.helpers import PYTHON, query, run
from tests.publish.holder import HeldOpen, as_json

THINGS = "select count(*), min(label), max(label) from marts.dim_things"


def _warehouse(path: Path, version: int) -> None:
    """A warehouse like dbt leaves it: marts with comments (persist_docs) beside schemas BI tools must not see."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute("create schema if not exists staging")
        connection.execute("drop table if exists marts.dim_things")
        connection.execute(
            f"create table marts.dim_things as select range as thing_id, 'build {version}' as label "
            f"from range({version * 3})"
        )
        connection.execute(f"comment on table marts.dim_things is 'One row per thing (build {version}).'")
        connection.execute("comment on column marts.dim_things.thing_id is 'The thing''s key.'")
        connection.execute("create or replace table marts.fct_thing_days as select 1 as thing_id, current_date as d")
        connection.execute("create or replace view staging.stg_things as select 1 as thing_id")
        connection.execute("create or replace table staging.scratch as select 1 as thing_id")


def _publish(source: Path, target: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {name: value for name, value in os.environ.items() if name not in ("DESTINATION", "MARTS_DUCKDB_PATH")}
    command = [PYTHON, "-m", "elt.publish", "--duckdb-path", str(source), "--marts-path", str(target)]
    return run(command, inherited | env)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "pendo.duckdb"
    _warehouse(path, version=1)
    return path


def test_every_mart_is_copied_with_its_comments_and_nothing_else(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "pendo_marts.duckdb"
    published = _publish(warehouse, target)
    assert published.returncode == 0, published.stderr
    assert f"Published 2 marts to {target}" in published.stdout
    assert query(target, "select schema_name, table_name from duckdb_tables() order by 2") == [
        ("marts", "dim_things"),
        ("marts", "fct_thing_days"),
    ]
    assert query(target, "select count(*) from duckdb_views() where not internal") == [(0,)]
    assert query(target, THINGS) == query(warehouse, THINGS)
    assert query(target, "select comment from duckdb_tables() where table_name = 'dim_things'") == [
        ("One row per thing (build 1).",)
    ]
    assert query(
        target, "select column_name, comment from duckdb_columns() where table_name = 'dim_things' order by 1"
    ) == [("label", None), ("thing_id", "The thing's key.")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pendo.duckdb", "pendo_marts.duckdb"]  # no leftovers


def test_the_copy_is_in_a_storage_format_every_duckdb_1x_reads(warehouse: Path, tmp_path: Path) -> None:
    """BI tools bundle their own DuckDB, often older than ours; files of format v1.2+ fail in DuckDB 1.0/1.1."""
    target = tmp_path / "marts.duckdb"
    assert _publish(warehouse, target).returncode == 0
    assert query(target, "select tags['storage_version'] from duckdb_databases() where database_name = 'marts'") == [
        ("v1.0.0+",)
    ]


def test_a_reader_of_the_old_copy_keeps_it_and_reopening_shows_the_new_one(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "pendo_marts.duckdb"
    assert _publish(warehouse, target).returncode == 0
    with HeldOpen(target, THINGS) as reader:
        _warehouse(warehouse, version=2)
        republished = _publish(warehouse, target)
        assert republished.returncode == 0, republished.stderr
        assert reader.ask_again() == reader.first_answer == [[3, "build 1", "build 1"]]
        assert reader.close() == 0
    assert as_json(query(target, THINGS)) == [[6, "build 2", "build 2"]]


def test_a_write_ahead_log_left_beside_the_old_copy_is_not_replayed_onto_the_new_one(
    warehouse: Path, tmp_path: Path
) -> None:
    """Someone opened the copy read-write and died: DuckDB would replay that WAL onto whatever file has the name."""
    target = tmp_path / "pendo_marts.duckdb"
    assert _publish(warehouse, target).returncode == 0
    writer = (
        "import duckdb, os, sys\n"
        "connection = duckdb.connect(sys.argv[1])\n"
        "connection.execute(\"set checkpoint_threshold = '1GB'\")\n"
        "connection.execute('create table marts.scribbles as select 42 as x')\n"
        "connection.execute(\"insert into marts.dim_things values (99, 'scribbled')\")\n"
        "os._exit(0)  # dies before any checkpoint\n"
    )
    subprocess.run([PYTHON, "-c", writer, str(target)], check=True)
    assert Path(f"{target}.wal").exists()
    _warehouse(warehouse, version=2)
    assert _publish(warehouse, target).returncode == 0
    assert not Path(f"{target}.wal").exists()
    assert as_json(query(target, THINGS)) == [[6, "build 2", "build 2"]]
    assert query(target, "select table_name from duckdb_tables() order by 1") == [("dim_things",), ("fct_thing_days",)]


def test_a_process_holding_the_copy_read_write_stops_publishing(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "pendo_marts.duckdb"
    assert _publish(warehouse, target).returncode == 0
    _warehouse(warehouse, version=2)
    with HeldOpen(target, THINGS, read_write=True) as careless_tool:
        refused = _publish(warehouse, target)
        assert careless_tool.ask_again() == [[3, "build 1", "build 1"]]
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"publish: {target} is open read-write in another process (PID {careless_tool.pid}, ")
    assert line.endswith("); BI tools must open it read-only")
    assert as_json(query(target, THINGS)) == [[3, "build 1", "build 1"]]  # the old copy, untouched
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pendo.duckdb", "pendo_marts.duckdb"]


def test_a_warehouse_without_marts_is_one_line_and_no_copy(tmp_path: Path) -> None:
    source = tmp_path / "pendo.duckdb"
    duckdb.connect(str(source)).close()
    refused = _publish(source, tmp_path / "pendo_marts.duckdb")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"publish: {source} has no tables in schema marts; run `make transform`"
    assert [path.name for path in tmp_path.iterdir()] == ["pendo.duckdb"]


def test_a_missing_warehouse_is_one_line(tmp_path: Path) -> None:
    refused = _publish(tmp_path / "nowhere.duckdb", tmp_path / "marts.duckdb")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"publish: {tmp_path / 'nowhere.duckdb'} does not exist; run `make elt` (or `make demo`) first"
    )


def test_on_postgres_there_is_nothing_to_publish(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "pendo_marts.duckdb"
    skipped = _publish(warehouse, target, DESTINATION="postgres")
    assert skipped.returncode == 0
    assert "nothing to do on Postgres" in skipped.stdout
    assert not target.exists()
