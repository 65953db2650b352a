"""How `make demo` ends: a short summary of what it loaded, then the commands that open it, on a real DuckDB file.

The full run of `make demo` is the same ELT as `make elt`, which tests/e2e covers; here the ending is checked against
a small warehouse whose counts are known, and the printed read-only command is run as a user would paste it.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import duckdb

from elt.demo import next_steps, summary
from tests.helpers import PYTHON

DAYS = [(date(2026, 3, d), d, d + 10, d + 20) for d in range(1, 6)]  # activity_date, active, wau, mau


def _warehouse(path: Path) -> None:
    """A warehouse like the demo leaves it: raw tables with dlt's bookkeeping, staging views, mart tables."""
    with duckdb.connect(str(path)) as connection:
        for schema in ("pendo_raw", "staging", "marts"):
            connection.execute(f"create schema {schema}")
        connection.execute("create table pendo_raw.events as select range as id from range(7)")
        connection.execute("create table pendo_raw.visitors as select range as id from range(3)")
        connection.execute("create table pendo_raw._dlt_loads as select range as id from range(100)")
        connection.execute("create view staging.stg_pendo__events as select * from pendo_raw.events")
        connection.execute(
            "create table marts.fct_active_visitors_daily (activity_date date, active_visitors bigint,"
            " weekly_active_visitors bigint, monthly_active_visitors bigint)"
        )
        connection.executemany("insert into marts.fct_active_visitors_daily values (?, ?, ?, ?)", DAYS)


def test_summary_counts_tables_rows_and_the_last_day(tmp_path):
    database = tmp_path / "demo.duckdb"
    _warehouse(database)

    lines = summary(database)

    assert lines == [
        "  pendo_raw: 2 tables, 10 rows",  # dlt's own _dlt_* tables are not the user's data
        "  staging:   1 views",
        f"  marts:     1 tables, {len(DAYS)} rows",
        "  last day 2026-03-05: 5 active visitors, WAU 15, MAU 25",
    ]


def test_next_steps_name_the_dashboard_the_docs_and_a_read_only_command_that_works(tmp_path):
    database = tmp_path / "demo.duckdb"
    marts = tmp_path / "demo_marts.duckdb"
    _warehouse(marts)

    lines = next_steps(database, marts, duckdb_cli=None)
    text = "\n".join(lines)

    assert "make dashboard DEMO=1" in text
    assert f"make docs DUCKDB_PATH={database}" in text
    assert "duckdb -readonly" not in text  # no CLI installed: only the command that works here
    python_line = next(line.strip() for line in lines if line.strip().startswith(str(PYTHON)))
    opened = subprocess.run(python_line, shell=True, capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr
    assert "2026-03-05" in opened.stdout  # the last day's row, read from the marts copy

    with_cli = "\n".join(next_steps(database, marts, duckdb_cli="/usr/bin/duckdb"))
    assert f"duckdb -readonly {marts}" in with_cli
