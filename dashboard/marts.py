"""Where the dashboard reads the marts, and read-only queries that hold the file only while they run.

DuckDB allows one writer process, and an open reader blocks it. So the dashboard
prefers the published copy of the marts (`make publish`: `MARTS_DUCKDB_PATH`, default `<db stem>_marts.duckdb` beside
`DUCKDB_PATH`), which no load ever writes in place. Without one it reads `DUCKDB_PATH` itself, read-only. Either way a
connection lives for one query only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from elt.publish import default_marts_path  # the one definition of the published copy's name

MARTS_SCHEMA = "marts"
DEFAULT_DUCKDB_PATH = "pendo.duckdb"


class MartsUnavailable(Exception):
    """A foreseeable reason there is nothing to show, worded for the person looking at the dashboard."""


@dataclass(frozen=True)
class MartsSource:
    """The file the dashboard reads, and whether it is the published copy (which never blocks a load)."""

    path: Path
    published: bool

    def describe(self) -> str:
        kind = "published copy of the marts" if self.published else "warehouse file, opened read-only per query"
        try:
            written = datetime.fromtimestamp(self.path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        except OSError:
            return f"{self.path} ({kind})"
        return f"{self.path} ({kind}, written {written})"


def warehouse_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The database dlt and dbt write: `DUCKDB_PATH`, as the Makefile and the extractor resolve it."""
    return Path(environ.get("DUCKDB_PATH") or DEFAULT_DUCKDB_PATH).expanduser().resolve()


def published_path(warehouse: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The published copy: `MARTS_DUCKDB_PATH`, or `pendo.duckdb` → `pendo_marts.duckdb` in the same directory."""
    configured = environ.get("MARTS_DUCKDB_PATH")
    return Path(configured).expanduser().resolve() if configured else default_marts_path(warehouse)


def fill_command(warehouse: Path) -> str:
    """The command that fills this database: the demo's own file is filled by `make demo`, any other by `make elt`."""
    return "make demo" if warehouse.stem == "demo" else "make elt"


def how_to_fill(warehouse: Path) -> str:
    if fill_command(warehouse) == "make demo":
        return "Run `make demo` to build the demo data, then reload this page."
    return (
        "Run `make elt` to load your Pendo data (or `make demo`, then `make dashboard DEMO=1`, for sample data), "
        "then reload this page."
    )


def query(path: Path, sql: str, parameters: Sequence[Any] = ()) -> pa.Table:
    """Run one read-only query on its own connection, closed before returning, so no load ever waits on us."""
    try:
        # no extension is ever downloaded or loaded at run time (a foreign file would otherwise trigger one)
        config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        with duckdb.connect(str(path), read_only=True, config=config) as connection:
            return connection.execute(sql, list(parameters)).to_arrow_table()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise MartsUnavailable(
                f"{path} is being written by a load right now; reload this page when it finishes. "
                "`make publish` (the last step of `make elt`) writes a copy of the marts that a load never locks."
            ) from error
        raise MartsUnavailable(f"Cannot open {path}: {str(error).splitlines()[0]}") from error


@dataclass(frozen=True)
class Marts:
    """The marts the dashboard can read: the source file and each mart's columns, or the reason there are none."""

    warehouse: Path
    source: MartsSource | None = None
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    problem: str | None = None

    @property
    def ready(self) -> bool:
        return self.source is not None and self.problem is None

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and set(columns) <= self.columns[table]

    def missing(self, table: str, *columns: str) -> str | None:
        """None when `marts.<table>` has every column, else a sentence saying what is not built yet."""
        if table not in self.columns:
            return f"`{MARTS_SCHEMA}.{table}` is not built yet, so this panel has nothing to show."
        absent = sorted(set(columns) - self.columns[table])
        if absent:
            listed = ", ".join(f"`{name}`" for name in absent)
            return f"`{MARTS_SCHEMA}.{table}` has no column {listed} yet, so this panel has nothing to show."
        return None

    @property
    def newer_data(self) -> str | None:
        """When the database was written after the published copy: a sentence saying how to refresh the copy."""
        if self.source is None or not self.source.published:
            return None
        try:
            written, published = self.warehouse.stat().st_mtime, self.source.path.stat().st_mtime
        except OSError:
            return None
        if written <= published:
            return None
        at = datetime.fromtimestamp(written).strftime("%Y-%m-%d %H:%M")
        return f"{self.warehouse} was written after this copy (at {at}); `make publish` brings the copy up to date."

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> pa.Table:
        if self.source is None:
            raise MartsUnavailable(self.problem or "No marts to read.")
        return query(self.source.path, sql, parameters)


def _mart_columns(path: Path) -> dict[str, frozenset[str]]:
    rows = query(
        path,
        "select table_name, column_name from information_schema.columns where table_schema = ? "
        "order by table_name, ordinal_position",
        [MARTS_SCHEMA],
    ).to_pylist()
    columns: dict[str, set[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], set()).add(row["column_name"])
    return {table: frozenset(names) for table, names in columns.items()}


def open_marts(environ: Mapping[str, str] = os.environ) -> Marts:
    """Find the marts to read: the published copy when it exists and opens, else the warehouse file."""
    warehouse = warehouse_path(environ)
    candidates = [MartsSource(published_path(warehouse, environ), published=True), MartsSource(warehouse, False)]
    problems: list[str] = []
    for source in candidates:
        if not source.path.exists():
            continue
        try:
            columns = _mart_columns(source.path)
        except MartsUnavailable as error:
            problems.append(str(error))
            continue
        if not columns:
            problems.append(f"{source.path} has no `{MARTS_SCHEMA}` tables yet. {how_to_fill(warehouse)}")
            continue
        return Marts(warehouse, source, columns)
    if not problems:
        problems.append(f"No data yet: {warehouse} does not exist. {how_to_fill(warehouse)}")
    return Marts(warehouse, problem=problems[0])
