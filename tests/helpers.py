"""Shared helpers for tests that run the real pipeline: the simulator, the extractor and dbt, as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DBT = str(Path(sys.executable).with_name("dbt"))
FIXED_NOW = "2026-03-15T12:00:00Z"  # a fixed clock (a week after the 2026 US spring-forward) keeps runs reproducible


@dataclass
class Workspace:
    """An isolated place for one pipeline run: its own database file and its own dlt state."""

    root: Path

    @property
    def duckdb_path(self) -> Path:
        return self.root / "pendo.duckdb"

    def env(self, simulator_url: str, key: str, **extra: str) -> dict[str, str]:
        return os.environ | {
            "DUCKDB_PATH": str(self.duckdb_path),
            "DLT_DATA_DIR": str(self.root / "dlt"),
            "SOURCES__PENDO__BASE_URL": simulator_url,
            "SOURCES__PENDO__INTEGRATION_KEY": key,
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_TARGET_PATH": str(self.root / "dbt-target"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra,
        }


def run(command: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def extract(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([PYTHON, "-m", "extract", *args], env)


def dbt_build(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([DBT, "--no-use-colors", "build", "--project-dir", "transform", "--profiles-dir", ".", *args], env)


def truth(*simulator_args: str) -> dict[str, Any]:
    result = subprocess.run(
        [PYTHON, "-m", "pendo_simulator", "truth", *simulator_args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read with a connection opened after the writers are done, and closed at once (DuckDB's file lock)."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()
