"""Helpers for the extraction tests: a hermetic extractor run, the simulator's admin API, and the truth to compare to.

Every run gets its own database, dlt state and dlt project directory (holding a copy of the committed
`.dlt/config.toml` and no secrets.toml), and every `[sources.pendo]` / `[runtime]` setting the tests rely on comes
from the environment, so a developer's own `.dlt/secrets.toml` or exported variables never leak in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import requests

from tests.helpers import FIXED_NOW, PYTHON, REPO_ROOT, truth

TIMEZONE = "America/New_York"
SIM_NOW = datetime.fromisoformat(FIXED_NOW.replace("Z", "+00:00"))
_LEAKY_PREFIXES = ("SOURCES__", "RUNTIME__", "NORMALIZE__", "LOAD__", "EXTRACT__", "DESTINATION__")
_LEAKY_NAMES = ("EXTRACT_NOW", "PENDO_TIMEZONE", "PIPELINE_NAME", "DLT_PROJECT_DIR", "DUCKDB_PATH", "DLT_DATA_DIR")


def sim_args(*extra: str, seed: int = 11, days: int = 10, visitors: int = 80, accounts: int = 25) -> tuple[str, ...]:
    """World flags shared by `serve` and `truth` (small scales keep the suite fast)."""
    return (
        "--seed",
        str(seed),
        "--days",
        str(days),
        "--visitors",
        str(visitors),
        "--accounts",
        str(accounts),
        "--now",
        FIXED_NOW,
        *extra,
    )


def local_midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TIMEZONE)).timestamp() * 1000)


def first_sim_day(days: int) -> date:
    return SIM_NOW.astimezone(ZoneInfo(TIMEZONE)).date() - timedelta(days=days - 1)


@dataclass
class Run:
    result: subprocess.CompletedProcess[str]
    summary: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.result.returncode == 0

    def windows(self, table: str) -> int:
        assert self.summary is not None
        return self.summary["tables"][table]["windows"]

    def stat(self, table: str, name: str) -> int:
        assert self.summary is not None
        return self.summary["tables"][table][name]

    def describe(self) -> str:
        out, err = self.result.stdout[-3000:], self.result.stderr[-3000:]
        return f"exit {self.result.returncode}\nstdout:\n{out}\nstderr:\n{err}"


@dataclass
class Extractor:
    """`python -m extract` against one simulator, with its own database, state and settings."""

    root: Path
    url: str
    key: str
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        project = self.root / "project" / ".dlt"
        project.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / ".dlt" / "config.toml", project / "config.toml")

    @property
    def duckdb_path(self) -> Path:
        return self.root / "pendo.duckdb"

    @property
    def data_dir(self) -> Path:
        return self.root / "dlt"

    def env(self, **overrides: str) -> dict[str, str]:
        base = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(_LEAKY_PREFIXES) and name not in _LEAKY_NAMES
        }
        settings = {
            "SOURCES__PENDO__BASE_URL": self.url,
            "SOURCES__PENDO__INTEGRATION_KEY": self.key,
            "SOURCES__PENDO__TIMEZONE": TIMEZONE,
            "SOURCES__PENDO__START_DATE": first_sim_day(10).isoformat(),
            "SOURCES__PENDO__PERIOD": "day",
            "SOURCES__PENDO__WINDOW": "1d",
            "SOURCES__PENDO__LOOKBACK": "2d",
            "SOURCES__PENDO__HORIZON": "8h",
            "SOURCES__PENDO__PAGE_SIZE": "50000",
            "SOURCES__PENDO__APP_IDS": "*",
            "SOURCES__PENDO__INCLUDE_ANONYMOUS": "true",
            "RUNTIME__REQUEST_MAX_ATTEMPTS": "3",
            "RUNTIME__REQUEST_BACKOFF_FACTOR": "0.05",
            "RUNTIME__REQUEST_MAX_RETRY_DELAY": "2",
            "RUNTIME__REQUEST_TIMEOUT": "30",
            "EXTRACT_NOW": FIXED_NOW,
        }
        env = base | settings | self.settings | overrides
        env |= {
            "DUCKDB_PATH": str(self.duckdb_path),
            "DLT_DATA_DIR": str(self.data_dir),
            "DLT_PROJECT_DIR": str(self.root / "project"),
        }
        return {name: value for name, value in env.items() if value is not None}

    def run(self, *args: str, timeout: float = 300, **overrides: str) -> Run:
        summary_path = self.root / "summary.json"
        summary_path.unlink(missing_ok=True)
        result = subprocess.run(
            [PYTHON, "-m", "extract", "--summary-json", str(summary_path), *args],
            cwd=REPO_ROOT,
            env=self.env(**overrides),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
        return Run(result, summary)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def tables(self) -> set[str]:
        rows = self.query("select table_name from information_schema.tables where table_schema = 'pendo_raw'")
        return {name for (name,) in rows if not name.startswith("_dlt")}

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every raw table's rows without dlt's own columns, sorted: what "identical in content" compares."""
        snapshot = {}
        for table in sorted(self.tables()):
            columns = [
                name
                for (name,) in self.query(
                    "select column_name from information_schema.columns "
                    f"where table_schema = 'pendo_raw' and table_name = '{table}' order by column_name"
                )
                if not name.startswith("_dlt")
            ]
            select = ", ".join(f'"{name}"' for name in columns)
            snapshot[table] = self.query(f'select {select} from pendo_raw."{table}" order by all')
        return snapshot

    def cursor(self, table: str) -> int | None:
        """The regular runs' cursor of an event table, from the pipeline state dlt committed with the data."""
        (state_text,) = self.query("select state from pendo_raw._dlt_pipeline_state order by version desc limit 1")[0]
        state = _decode_state(state_text)
        return state["sources"]["pendo"]["resources"].get(table, {}).get("cursor")


def _decode_state(text: str) -> dict[str, Any]:
    from dlt.common.versioned_state import decompress_state

    return decompress_state(text)


class Admin:
    """The simulator's admin endpoints (`/_simulator/…`)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def faults(self, **knobs: Any) -> dict[str, Any]:
        response = requests.post(f"{self.url}/_simulator/faults", json=knobs, timeout=10)
        response.raise_for_status()
        return response.json()

    def snapshot(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/_simulator/faults", timeout=10)
        response.raise_for_status()
        return response.json()

    def advance_clock(self, minutes: float) -> None:
        requests.post(f"{self.url}/_simulator/clock", json={"advance_minutes": minutes}, timeout=10).raise_for_status()

    def requests_made(self) -> int:
        return self.snapshot()["counters"]["requests"]


def truth_rows(
    world: tuple[str, ...], source: str, first: int | None = None, last: int | None = None, **kw: str
) -> list:
    """The rows `source` returns in the final state (for event sources: the buckets from `first` to `last`)."""
    args = [*world, "--source", source]
    if first is not None:
        args += ["--period", kw.get("period", "dayRange"), "--first", str(first), "--last", str(last)]
    for app_id in kw.get("app_ids", "").split(","):
        if app_id:
            args += ["--app-id", app_id]
    return truth(*args)["rows"]["results"]


def canonical(value: Any) -> Any:
    """JSON values as DuckDB returns them (text) or as the simulator sends them (objects), made comparable."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value
