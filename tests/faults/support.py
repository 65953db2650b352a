"""Helpers of the fault-injection suite: one small simulated world, content digests of whole schemas, the simulator's
request log with the times the test saw each request arrive, and a scan for the integration key.

Every case compares against one clean run of the same world (the `reference` fixture): the raw tables by content
(per table: its columns, its row count and an order-independent sum of row hashes over every column but dlt's
random ids, so a lost or a doubled row changes it), and, where the case says so, the marts after `dbt build`.
"""

from __future__ import annotations

import gzip
import itertools
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import requests

from pendo_simulator.process import SimulatorProcess
from tests.extract.support import Extractor, Run, first_sim_day
from tests.helpers import DBT, FIXED_NOW, REPO_ROOT

DAYS = 5
# 90 visitors, 42 accounts and 11 guides hold every hostile visitor, account and guide id of the simulator.
WORLD = (
    "--seed", "7", "--days", str(DAYS), "--visitors", "90", "--accounts", "42", "--guides", "11", "--now", FIXED_NOW,
)  # fmt: skip
START_DATE = first_sim_day(DAYS).isoformat()
WINDOWS = DAYS - 1  # the last (current) day is behind the 8 h horizon
# dlt's ids differ on every load; everything else, `_dlt_list_idx` (a step's order) included, is content.
RANDOM_DLT_COLUMNS = frozenset({"_dlt_id", "_dlt_load_id", "_dlt_parent_id", "_dlt_root_id"})
# Columns that carry those load ids or the instant of a dbt build into the marts: the incremental marts' newest source
# load, and the history marts' and snapshots' version times.
BUILD_TIME_COLUMNS = frozenset(
    {"source_load_id", "valid_from", "valid_to", "dbt_valid_from", "dbt_valid_to", "dbt_updated_at", "dbt_scd_id"}
)
Digest = dict[str, tuple[tuple[str, ...], int, int]]


def settings(**overrides: str) -> dict[str, str]:
    """The extractor settings of the suite: the world's first day, small backoffs so retries stay quick."""
    return {"SOURCES__PENDO__START_DATE": START_DATE, **overrides}


@dataclass
class FaultExtractor(Extractor):
    """An `Extractor` (own database, dlt state and project dir) that can also digest what it loaded; `database` is
    the file name of its DuckDB database in its root."""

    database: str = "pendo.duckdb"

    @property
    def duckdb_path(self) -> Path:
        return self.root / self.database

    def digest(self, schema: str = "pendo_raw") -> Digest:
        return digest(self.duckdb_path, schema)

    def unique_keys(self) -> dict[str, bool]:
        """Whether every raw table's merge key is unique (a doubled row would break it)."""
        keys = {"visitors": "visitor_id", "accounts": "account_id"}
        result = {}
        for table in sorted(self.tables()):
            if "__" in table or table.endswith("metadata_schema"):
                continue
            key = keys.get(table, "row_key" if table.endswith("events") else "id")
            (total, distinct) = self.query(f'select count(*), count(distinct "{key}") from pendo_raw."{table}"')[0]
            result[table] = total == distinct
        return result

    def dbt_build(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.env() | {
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_TARGET_PATH": str(self.root / "dbt-target"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DESTINATION": "duckdb",
            "DBT_TARGET": "duckdb",
        }
        command = [DBT, "--no-use-colors", "build", "--project-dir", "transform", "--profiles-dir", ".", *args]
        return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)


def clone(target: FaultExtractor, source: FaultExtractor) -> None:
    """Give `target` a copy of `source`'s database and local pipeline state: a loaded pipeline, in agreement."""
    target.root.mkdir(parents=True, exist_ok=True)
    shutil.copy(source.duckdb_path, target.duckdb_path)
    shutil.copytree(source.data_dir, target.data_dir)


def digest(path: Path, schema: str = "pendo_raw") -> Digest:
    """Per base table of `schema`: (columns, rows, sum of row hashes); dlt's own tables left out."""
    result: Digest = {}
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
            [schema],
        ).fetchall()
        for (table,) in tables:
            if table.startswith("_dlt"):
                continue
            columns = tuple(
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by column_name",
                    [schema, table],
                ).fetchall()
                if name not in RANDOM_DLT_COLUMNS | BUILD_TIME_COLUMNS
            )
            hashed = ", ".join(f'"{name}"' for name in columns)
            rows, total = connection.execute(
                f'select count(*), coalesce(sum(hash({hashed})::hugeint), 0) from {schema}."{table}"'
            ).fetchall()[0]
            result[table] = (columns, rows, int(total))
    return result


def differences(actual: Digest, expected: Digest) -> dict[str, str]:
    """What differs, table by table, readable in an assertion message."""
    found = {}
    for table in sorted(set(actual) | set(expected)):
        if table not in actual or table not in expected:
            found[table] = "missing" if table not in actual else "unexpected"
            continue
        (columns, rows, total), (want_columns, want_rows, want_total) = actual[table], expected[table]
        if columns != want_columns:
            found[table] = f"columns {sorted(set(columns) ^ set(want_columns))} differ"
        elif rows != want_rows:
            found[table] = f"{rows} rows instead of {want_rows}"
        elif total != want_total:
            found[table] = "same row count, different content"
    return found


def last_line(run: Run) -> str:
    """The line a user reads: the last line on stderr of a run that failed without a traceback."""
    assert run.result.returncode == 1, run.describe()
    assert "Traceback" not in run.result.stderr + run.result.stdout, run.describe()
    lines = run.result.stderr.strip().splitlines()
    assert lines, run.describe()
    assert not [line for line in lines if "|[ERROR]|" in line or "|[WARNING]|" in line], run.describe()  # no dlt log
    return lines[-1]


@dataclass
class RequestLog:
    """The simulator's request log, with the moment this test first saw each request (polled every few ms).

    The simulator's log has no timestamps; the gaps between the times seen here measure how long the client waited
    between attempts, to within one polling interval."""

    simulator: SimulatorProcess
    every_s: float = 0.01
    seen: dict[int, float] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RequestLog:
        self._thread = threading.Thread(target=self._poll, name="request-log", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)
        self.entries = self._log()

    def _log(self) -> list[dict[str, Any]]:
        return requests.get(f"{self.simulator.url}/_simulator/faults", timeout=10).json()["log"]

    def _poll(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            log = session.get(f"{self.simulator.url}/_simulator/faults", timeout=10).json()["log"]
            now = time.monotonic()
            for entry in log:
                self.seen.setdefault(entry["n"], now)
            self._stop.wait(self.every_s)

    def gaps(self, numbers: list[int]) -> list[float]:
        """Seconds between the arrivals of consecutive requests in `numbers`."""
        times = [self.seen[n] for n in numbers]
        return [later - earlier for earlier, later in itertools.pairwise(times)]


def key_leaks(key: str, *roots: Path, texts: tuple[str, ...] = ()) -> list[str]:
    """Everywhere the key shows up: in `texts` (outputs), in any file under `roots` (gzip'd load package files
    unpacked), and in any text value of any DuckDB file found there, the pipeline state table decoded."""
    needle = key.encode()
    leaks = [f"output {i}" for i, text in enumerate(texts) if key in text]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if path.suffix == ".gz":
                data += gzip.decompress(data)
            if needle in data:
                leaks.append(str(path))
            if path.suffix == ".duckdb":
                leaks += [f"{path}: {where}" for where in _database_leaks(path, key)]
    return leaks


def _database_leaks(path: Path, key: str) -> list[str]:
    from dlt.common.versioned_state import decompress_state

    leaks = []
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') or data_type like '%[]' or data_type like 'STRUCT%'"
        ).fetchall()
        for schema, table, column in columns:
            (count,) = connection.execute(
                f'select count(*) from "{schema}"."{table}" where contains("{column}"::varchar, ?)', [key]
            ).fetchall()[0]
            if count:
                leaks.append(f"{schema}.{table}.{column}")
        has_state = any((schema, table) == ("pendo_raw", "_dlt_pipeline_state") for schema, table, _ in columns)
        states = connection.execute("select state from pendo_raw._dlt_pipeline_state").fetchall() if has_state else []
    leaks += ["_dlt_pipeline_state (decoded)" for (state,) in states if key in str(decompress_state(state))]
    return leaks


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
