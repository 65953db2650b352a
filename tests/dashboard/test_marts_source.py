"""Which file the dashboard reads, and that it reads it without ever holding it (real DuckDB files)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from dashboard.marts import MartsUnavailable, open_marts, published_path
from tests.dashboard.sample_marts import SKELETON_MARTS, write_marts


def test_the_published_copy_is_named_after_the_database(tmp_path):
    assert published_path(tmp_path / "pendo.duckdb", {}) == tmp_path / "pendo_marts.duckdb"
    assert published_path(tmp_path / "demo.duckdb", {}) == tmp_path / "demo_marts.duckdb"
    chosen = tmp_path / "elsewhere" / "bi.duckdb"
    assert published_path(tmp_path / "pendo.duckdb", {"MARTS_DUCKDB_PATH": str(chosen)}) == chosen


def test_the_published_copy_wins_over_the_warehouse(tmp_path):
    write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS)
    write_marts(tmp_path / "pendo_marts.duckdb")

    marts = open_marts({"DUCKDB_PATH": str(tmp_path / "pendo.duckdb")})

    assert marts.ready
    assert marts.source.path == tmp_path / "pendo_marts.duckdb"
    assert marts.source.published
    assert "published copy" in marts.source.describe()
    assert marts.has("fct_active_visitors_daily", "weekly_active_visitors")  # a column only the copy has


def test_a_copy_older_than_the_database_says_how_to_refresh_it(tmp_path):
    warehouse = write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS)
    copy = write_marts(tmp_path / "pendo_marts.duckdb")
    environ = {"DUCKDB_PATH": str(warehouse)}
    assert open_marts(environ).newer_data is None

    os.utime(warehouse, (copy.stat().st_mtime + 60, copy.stat().st_mtime + 60))  # a load wrote it after publishing

    assert "`make publish` brings the copy up to date" in open_marts(environ).newer_data


def test_marts_duckdb_path_points_at_the_copy(tmp_path):
    write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS)
    copy = write_marts(tmp_path / "bi.duckdb")

    marts = open_marts({"DUCKDB_PATH": str(tmp_path / "pendo.duckdb"), "MARTS_DUCKDB_PATH": str(copy)})

    assert marts.source.path == copy


def test_without_a_copy_the_warehouse_is_read(tmp_path):
    write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS)

    marts = open_marts({"DUCKDB_PATH": str(tmp_path / "pendo.duckdb")})

    assert marts.ready
    assert marts.source.path == tmp_path / "pendo.duckdb"
    assert not marts.source.published
    assert marts.columns["fct_guide_step_funnel"] == {"guide_id", "guide_step_id", "step_number", "visitors_seen"}


def test_a_copy_without_marts_falls_back_to_the_warehouse(tmp_path):
    write_marts(tmp_path / "pendo.duckdb", SKELETON_MARTS)
    duckdb.connect(str(tmp_path / "pendo_marts.duckdb")).close()  # an empty file

    marts = open_marts({"DUCKDB_PATH": str(tmp_path / "pendo.duckdb")})

    assert marts.source.path == tmp_path / "pendo.duckdb"


@pytest.mark.parametrize(("database", "command"), [("demo.duckdb", "make demo"), ("pendo.duckdb", "make elt")])
def test_no_data_names_the_command_that_fills_it(tmp_path, database, command):
    marts = open_marts({"DUCKDB_PATH": str(tmp_path / database)})

    assert not marts.ready
    assert str(tmp_path / database) in marts.problem
    assert f"`{command}`" in marts.problem
    assert not (tmp_path / database).exists(), "looking must not create the file"


def test_a_database_without_marts_names_the_command_that_fills_it(tmp_path):
    duckdb.connect(str(tmp_path / "pendo.duckdb")).close()

    marts = open_marts({"DUCKDB_PATH": str(tmp_path / "pendo.duckdb")})

    assert not marts.ready
    assert "no `marts` tables" in marts.problem
    assert "`make elt`" in marts.problem


def test_each_query_lets_go_of_the_file(tmp_path):
    """After a query returns, a writer (a load) can open the file at once: no connection is left holding it."""
    path = write_marts(tmp_path / "pendo.duckdb")
    marts = open_marts({"DUCKDB_PATH": str(path)})
    assert marts.query("select count(*) as days from marts.fct_active_visitors_daily").to_pylist() == [{"days": 3}]

    writer = subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r}).execute('create table t (x int)')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert writer.returncode == 0, writer.stderr


def test_a_file_locked_by_a_load_gives_a_sentence_not_a_traceback(tmp_path):
    path = write_marts(tmp_path / "pendo.duckdb")
    marts = open_marts({"DUCKDB_PATH": str(path)})
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"  # the writer holds the lock from here on
        with pytest.raises(MartsUnavailable, match="being written by a load right now"):
            marts.query("select 1")
        reopened = open_marts({"DUCKDB_PATH": str(path)})
        assert not reopened.ready
        assert "being written by a load" in reopened.problem
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
