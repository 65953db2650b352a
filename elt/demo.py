"""`python -m elt demo` (`make demo`): start the Pendo simulator, run the ELT against it into its own database, then
say where to look.

The demo keeps its own pipeline state (`.demo/dlt`) and its own database file, so it never mixes with a real load.
It ends with a short summary of what it loaded and the commands that open it, so that the last thing on the screen
is what to do next; `--show-marts` also prints the first rows of every mart.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from elt import steps
from elt.publish import default_marts_path
from pendo_simulator.process import SimulatorProcess

REPO_ROOT = steps.REPO_ROOT

DEMO_DAYS = 30
DEMO_SEED = 42


def run_step(name: str, command: list[str], env: dict[str, str]) -> None:
    print(f"--> {name}", flush=True)
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"demo: {name} failed (exit {result.returncode})")


def show_marts(path: Path) -> None:
    """The first rows of every mart (`--show-marts`)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            total = connection.execute(f'select count(*) from marts."{table}"').fetchall()[0][0]
            print(f"\nmarts.{table} ({total} rows)")
            connection.sql(f'select * from marts."{table}" order by all limit 5').show()


def summary(path: Path) -> list[str]:
    """A few lines on what the demo loaded: tables and rows per schema, and the last day's activity."""
    lines = []
    with duckdb.connect(str(path), read_only=True) as connection:
        for schema in ("pendo_raw", "staging", "marts"):
            kinds = connection.execute(
                "select table_name, table_type from information_schema.tables"
                " where table_schema = ? and not starts_with(table_name, '_dlt')",
                [schema],
            ).fetchall()
            tables = [name for name, kind in kinds if kind == "BASE TABLE"]
            views = len(kinds) - len(tables)
            rows = sum(connection.execute(f'select count(*) from {schema}."{t}"').fetchone()[0] for t in tables)
            parts = [f"{len(tables)} tables, {rows:,} rows"] if tables else []
            parts += [f"{views} views"] if views else []
            if parts:
                lines.append(f"  {schema + ':':<11}{', '.join(parts)}")
        last = connection.execute(
            "select activity_date, active_visitors, weekly_active_visitors, monthly_active_visitors"
            " from marts.fct_active_visitors_daily order by activity_date desc limit 1"
        ).fetchone()
    if last is not None:
        day, active, wau, mau = last
        lines.append(f"  last day {day}: {active:,} active visitors, WAU {wau:,}, MAU {mau:,}")
    return lines


def next_steps(duckdb_path: Path, marts_path: Path, duckdb_cli: str | None) -> list[str]:
    """The commands that open the demo data, the CLI line only when a DuckDB CLI is installed."""
    query = "select * from marts.fct_active_visitors_daily order by activity_date"
    python = f"{REPO_ROOT / '.venv' / 'bin' / 'python'}"
    lines = [
        "Where to go next:",
        "  make dashboard DEMO=1              the marts dashboard on http://127.0.0.1:2719",
        "  make show DEMO=1                   dlt's pipeline dashboard: loads, schema, state, raw rows",
        f"  make docs DUCKDB_PATH={duckdb_path}",
        "                                     the dbt docs, every model and column, on http://127.0.0.1:8080",
        "  Open the marts read-only (the copy no load ever writes to):",
    ]
    if duckdb_cli:
        lines.append(f'    duckdb -readonly {marts_path} "{query}"')
    lines.append(
        f"    {python} -c \"import duckdb; duckdb.connect('{marts_path}', read_only=True).sql('{query}').show()\""
    )
    lines.append("  More recipes (Python, BI tools): docs/reading-the-data.md")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elt demo", description=__doc__)
    parser.add_argument("--duckdb-path", type=Path, default=REPO_ROOT / "demo.duckdb")
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".demo" / "dlt", help="dlt state of the demo")
    parser.add_argument("--show-marts", action="store_true", help="also print the first rows of every mart")
    args = parser.parse_args(argv)
    duckdb_path = args.duckdb_path.resolve()
    python = str(REPO_ROOT / ".venv" / "bin" / "python")
    key = secrets.token_hex(16)  # a throwaway key for this run only; it is never written to disk
    start_date = (datetime.now(UTC) - timedelta(days=DEMO_DAYS)).date().isoformat()

    with SimulatorProcess(key, ["--seed", str(DEMO_SEED), "--days", str(DEMO_DAYS)], python=python) as simulator:
        print(f"Pendo simulator listening on {simulator.url}")
        env = os.environ | {
            "DUCKDB_PATH": str(duckdb_path),
            "DLT_DATA_DIR": str(args.state_dir.resolve()),
            "PIPELINE_NAME": "pendo_demo",
            "SOURCES__PENDO__BASE_URL": simulator.url,
            "SOURCES__PENDO__INTEGRATION_KEY": key,
            "SOURCES__PENDO__START_DATE": start_date,
        }
        run_step("extract (dlt)", steps.extract(), env)
        run_step("transform (dbt build)", steps.dbt("build", "--quiet"), env)
    print("Simulator stopped.")
    marts_path = default_marts_path(duckdb_path)
    run_step(
        "publish (read-only copy of the marts)",
        steps.publish("--duckdb-path", str(duckdb_path), "--marts-path", str(marts_path)),
        env,
    )
    if args.show_marts:
        show_marts(duckdb_path)
    print(f"\nDemo data: {duckdb_path} (schemas pendo_raw, staging, marts)")
    print("\n".join(summary(duckdb_path)))
    print(f"Marts for BI tools and the dashboard: {marts_path}")
    print()
    print("\n".join(next_steps(duckdb_path, marts_path, shutil.which("duckdb"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
