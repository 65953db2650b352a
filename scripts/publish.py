"""`make publish`: copy the marts into a separate read-only DuckDB file for BI tools, replacing it atomically.

DuckDB allows one writer, and any open reader blocks it: a BI tool holding the warehouse file would break the next
`make elt`. So BI tools read a published copy instead. It is written under a temporary name and renamed over the old
copy in one step: a reader that has the old copy open keeps reading it (the rename does not touch its open file),
and sees the new data when it reconnects. The warehouse file is only read, and only for the seconds the copy takes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"


def default_marts_path(duckdb_path: Path) -> Path:
    """`pendo.duckdb` publishes to `pendo_marts.duckdb` beside it."""
    return duckdb_path.with_name(f"{duckdb_path.stem}_marts.duckdb")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(source: Path, target: Path) -> list[str]:
    """Copy every table of schema `marts` (with its table and column comments) from `source` to `target`."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(temporary)) as connection:
            connection.execute(f"attach {_literal(str(source))} as warehouse (read_only)")
            tables = [
                name
                for (name,) in connection.execute(
                    "select table_name from duckdb_tables() where database_name = 'warehouse' "
                    "and schema_name = ? order by 1",
                    [MARTS_SCHEMA],
                ).fetchall()
            ]
            if not tables:
                raise SystemExit(f"publish: {source} has no tables in schema {MARTS_SCHEMA}; run `make transform`")
            connection.execute(f"create schema {MARTS_SCHEMA}")
            for table in tables:
                qualified = f"{MARTS_SCHEMA}.{_quote(table)}"
                connection.execute(f"create table {qualified} as select * from warehouse.{qualified}")
                _copy_comments(connection, table)
            connection.execute("detach warehouse")
            connection.execute("checkpoint")
        os.replace(temporary, target)  # atomic: readers see the old copy or the new one, never a partial file
    finally:
        temporary.unlink(missing_ok=True)
    return tables


def _copy_comments(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """dbt writes model and column descriptions as comments (persist_docs); keep them for SQL browsers."""
    qualified = f"{MARTS_SCHEMA}.{_quote(table)}"
    (comment,) = connection.execute(
        "select comment from duckdb_tables() where database_name = 'warehouse' and schema_name = ? and table_name = ?",
        [MARTS_SCHEMA, table],
    ).fetchone()
    if comment:
        connection.execute(f"comment on table {qualified} is {_literal(comment)}")
    for column, column_comment in connection.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'warehouse' and schema_name = ? "
        "and table_name = ? and comment is not null",
        [MARTS_SCHEMA, table],
    ).fetchall():
        connection.execute(f"comment on column {qualified}.{_quote(column)} is {_literal(column_comment)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb-path", type=Path, default=Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")))
    parser.add_argument("--marts-path", type=Path, default=None, help="default: MARTS_DUCKDB_PATH or <db>_marts.duckdb")
    args = parser.parse_args()
    source = args.duckdb_path.expanduser().resolve()
    target = (args.marts_path or Path(os.environ.get("MARTS_DUCKDB_PATH") or default_marts_path(source))).resolve()
    if not source.exists():
        print(f"publish: {source} does not exist; run `make elt` (or `make demo`) first", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        tables = publish(source, target)
    except duckdb.IOException as error:
        print(f"publish: cannot read {source}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"Published {len(tables)} marts to {target} in {time.monotonic() - started:.1f}s (open it read-only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
