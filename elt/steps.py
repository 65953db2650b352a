"""The command each step of the ELT runs, for `python -m elt` and the demo: one list of arguments per step.

Every step runs in a process of its own (as `make` ran them), with the Python of this virtual environment, from the
repository root: an extract's memory is returned before dbt starts, and each step's exit code is its own. (`python -m
elt run` forks its extract instead of starting this command, which would import dlt a second time: elt/run.py.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# dbt reads transform/ and the profiles.yml at the repository root; `--no-use-colors` keeps logs plain text.
DBT_PROJECT_ARGS = ("--project-dir", str(REPO_ROOT / "transform"), "--profiles-dir", str(REPO_ROOT))
# The output of profiles.yml that reads each destination, where its name is not the destination's (the Makefile's
# DBT_TARGET says the same).
DBT_TARGETS = {"lake": "spark"}
# What a scheduled `make elt` / `make transform` builds: every model, snapshot and data test, without dbt's unit
# tests, which check the SQL on fixed inputs rather than the data; they run in `make test` and in `python -m elt dbt
# build`, as dbt advises for production builds (docs/dbt-performance.md#unit-tests-stay-out-of-the-scheduled-run).
SCHEDULED_BUILD = ("build", "--exclude-resource-type", "unit_test")


def dbt_executable() -> str:
    """dbt of this virtual environment, else the first on PATH."""
    beside = Path(PYTHON).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def extract(resources: str | None = None) -> list[str]:
    return [PYTHON, "-m", "extract", *(["--resources", resources] if resources else [])]


def backfill(start: str, end: str, resources: str | None = None) -> list[str]:
    return [*extract(resources), "--start", start, "--end", end]


def dbt(*args: str) -> list[str]:
    """`python -m elt dbt ARGS…`: dbt with the destination's connection (see elt/dbt.py)."""
    return [PYTHON, "-m", "elt", "dbt", *args]


def transform() -> list[str]:
    return dbt(*SCHEDULED_BUILD)


def publish(*args: str) -> list[str]:
    return [PYTHON, "-m", "elt", "publish", *args]


def environment() -> dict[str, str]:
    """The process environment with the defaults the Makefile sets, for runs started without it: one absolute
    database file for dlt and dbt, Spark's metastore and warehouse beside it, dbt's logs and artifacts inside
    transform/."""
    env = dict(os.environ)
    env["DUCKDB_PATH"] = str(Path(env.get("DUCKDB_PATH") or "pendo.duckdb").expanduser().resolve())
    destination = (env.get("DESTINATION") or "duckdb").strip().lower()
    env.setdefault("DBT_TARGET", DBT_TARGETS.get(destination, destination))  # one setting picks dlt's and dbt's
    spark_dir = env.get("SPARK_DIR") or str(Path(env["DUCKDB_PATH"]).parent / "spark")
    env["SPARK_DIR"] = str(Path(spark_dir).expanduser().resolve())
    env.setdefault("DBT_LOG_PATH", str(REPO_ROOT / "transform" / "logs"))
    env.setdefault("DBT_TARGET_PATH", str(REPO_ROOT / "transform" / "target"))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env
