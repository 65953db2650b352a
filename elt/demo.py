"""`python -m elt demo` (`make demo`): start the Pendo simulator, run the ELT against it into its own database,
then show the marts.

The demo keeps its own pipeline state (`.demo/dlt`) and its own database file, so it never mixes with a real load.
"""

from __future__ import annotations

import argparse
import os
import secrets
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
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            total = connection.execute(f'select count(*) from marts."{table}"').fetchall()[0][0]
            print(f"\nmarts.{table} ({total} rows)")
            connection.sql(f'select * from marts."{table}" order by all limit 5').show()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elt demo", description=__doc__)
    parser.add_argument("--duckdb-path", type=Path, default=REPO_ROOT / "demo.duckdb")
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".demo" / "dlt", help="dlt state of the demo")
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
    show_marts(duckdb_path)
    print(f"\nDemo data: {duckdb_path} (schemas pendo_raw, staging, marts)")
    print(f"Marts for BI tools and the dashboard: {marts_path}")
    print(f"Browse it read-only: duckdb -readonly {duckdb_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
