"""Helpers for the dbt project's tests: run dbt on a database file and read every mart."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tests.helpers import DBT, run

RAW_SCHEMA = "pendo_raw"


@dataclass(frozen=True)
class DbtWorkspace:
    """A database file and the dbt logs and artifacts of the runs on it, all under one temporary directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "pendo.duckdb"

    @property
    def target_path(self) -> Path:
        return self.root / "dbt-target"

    def env(self, **extra: str) -> dict[str, str]:
        return os.environ | {
            "DUCKDB_PATH": str(self.database),
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra,
        }

    def dbt(self, command: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`dbt <command> [args]` (command may be two words: "docs generate") on this workspace's database."""
        return run(
            [DBT, "--no-use-colors", *command.split(), "--project-dir", "transform", "--profiles-dir", ".", *args],
            self.env(**env),
        )


def mart_tables(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def mart_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every mart, in a stable order: two builds are equal when these are equal."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            table: connection.execute(f'select * from marts."{table}" order by all').fetchall()
            for table in mart_tables(database)
        }
