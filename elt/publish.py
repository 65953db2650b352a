"""`make publish`: copy the marts into a separate read-only DuckDB file for BI tools, replacing it atomically.

DuckDB allows one writer, and any open reader blocks it: a BI tool holding the warehouse file would break the next
`make elt`. So BI tools read a published copy instead, and the writers (dlt, dbt) never touch it:

- The copy is written under a temporary name beside the target, checkpointed and closed, then renamed over the old
  copy (`os.replace`, one atomic step on POSIX). A reader that has the old copy open keeps reading the old file (the
  rename does not touch its open file) and sees the new data when it reconnects. A reader opening the path gets the
  old copy or the new one, never a partial file.
- A write-ahead log beside the target (`<target>.wal`) can only come from someone who opened the copy read-write; it
  belongs to the old file and DuckDB would replay it onto the new one, so it is removed first. If a process still
  holds the copy read-write, publishing stops with an error rather than let that process keep writing a WAL.
- The copy uses DuckDB's storage format v1.0.0, which every DuckDB 1.x reads: BI tools bundle their own DuckDB
  (Metabase's driver, duckdb-engine, Evidence, DBeaver's JDBC driver) and may be older than ours.
- The warehouse file is attached read-only, and only for the seconds the copy takes.
- A publish killed half-way leaves its temporary copy (`.<target>.<pid>.tmp` and its WAL); the next publish removes
  those of processes that are gone.
- DuckDB never downloads or loads an extension here, and a warehouse path that is not a DuckDB file stops in one
  line; so does a target folder that cannot be written.
- The copy is written readable by its owner only (0600), like the warehouse; BI tools running as another user need
  it opened up on purpose (`chmod g+r`, or MARTS_DUCKDB_PATH in a shared folder with a default ACL).

On Postgres there is nothing to publish: readers and writers coexist, so BI tools connect to schema `marts` directly;
on the lake they read schema `marts` through Spark.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
NO_EXTENSION_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# The oldest storage format DuckDB 1.5 can write that keeps everything the marts use; DuckDB 1.0 and later read it.
STORAGE_VERSION = "v1.0.0"


class PublishError(Exception):
    """A foreseeable reason not to publish; the message is one line."""


def default_marts_path(duckdb_path: Path) -> Path:
    """`pendo.duckdb` publishes to `pendo_marts.duckdb` beside it."""
    return duckdb_path.with_name(f"{duckdb_path.stem}_marts.duckdb")


def wal_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.wal")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(source: Path, target: Path) -> list[str]:
    """Copy every table of schema `marts` (with its table and column comments) from `source` to `target`."""
    remove_stale_copies(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(temporary)
    try:
        tables = _write_copy(source, temporary)
        _ensure_no_writer(target)
        wal_path(target).unlink(missing_ok=True)  # a WAL of the old file would be replayed onto the new one
        os.replace(temporary, target)  # atomic: readers see the old copy or the new one, never a partial file
    finally:
        _remove(temporary)
    return tables


def remove_stale_copies(target: Path) -> list[Path]:
    """Delete the temporary copies (and their WALs) that killed publishes left beside `target`; returns them.
    A copy whose process still runs is another publish at work and stays."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.tmp(\.wal)?$")
    removed = []
    for path in target.parent.glob(f".{glob_escape(target.name)}.*.tmp*"):
        match = pattern.match(path.name)
        if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_copy(source: Path, temporary: Path) -> list[str]:
    with duckdb.connect(config=NO_EXTENSION_DOWNLOADS) as connection:
        connection.execute(f"attach {_literal(str(source))} as warehouse (read_only)")
        connection.execute(f"attach {_literal(str(temporary))} as published (storage_version '{STORAGE_VERSION}')")
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where database_name = 'warehouse' "
                "and schema_name = ? order by 1",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise PublishError(f"{source} has no tables in schema {MARTS_SCHEMA}; run `make transform`")
        connection.execute(f"create schema published.{MARTS_SCHEMA}")
        for table in tables:
            qualified = f"{MARTS_SCHEMA}.{_quote(table)}"
            connection.execute(f"create table published.{qualified} as select * from warehouse.{qualified}")
            _copy_comments(connection, table)
        connection.execute("detach warehouse")
        connection.execute("checkpoint published")
        connection.execute("detach published")
    if wal_path(temporary).exists():
        raise PublishError(f"the copy {temporary} was not fully checkpointed")
    return tables


def _copy_comments(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """dbt writes model and column descriptions as comments (persist_docs); keep them for SQL browsers."""
    qualified = f"published.{MARTS_SCHEMA}.{_quote(table)}"
    for (comment,) in connection.execute(
        "select comment from duckdb_tables() where database_name = 'warehouse' and schema_name = ? and table_name = ? "
        "and comment is not null",
        [MARTS_SCHEMA, table],
    ).fetchall():
        connection.execute(f"comment on table {qualified} is {_literal(comment)}")
    for column, column_comment in connection.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'warehouse' and schema_name = ? "
        "and table_name = ? and comment is not null",
        [MARTS_SCHEMA, table],
    ).fetchall():
        connection.execute(f"comment on column {qualified}.{_quote(column)} is {_literal(column_comment)}")


def _ensure_no_writer(target: Path) -> None:
    """Read-only opens share the file; one fails only while another process holds it read-write."""
    if not target.exists():
        return
    try:
        duckdb.connect(str(target), read_only=True, config=NO_EXTENSION_DOWNLOADS).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise PublishError(
            f"{target} is open read-write in another process ({_lock_holder(str(error))}); "
            "BI tools must open it read-only"
        ) from None


def _lock_holder(message: str) -> str:
    """DuckDB's lock error names the holder: "Conflicting lock is held in /usr/bin/python3 (PID 123). See also …"."""
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    return f"PID {holder[2]}, {holder[1]}" if holder else "see `lsof`"


def _remove(database: Path) -> None:
    database.unlink(missing_ok=True)
    wal_path(database).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elt publish", description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb-path", type=Path, default=Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")))
    parser.add_argument("--marts-path", type=Path, default=None, help="default: MARTS_DUCKDB_PATH or <db>_marts.duckdb")
    args = parser.parse_args(argv)
    destination = os.environ.get("DESTINATION", "").strip().lower()
    if destination == "postgres":
        print("publish: nothing to do on Postgres; BI tools read schema marts of the Postgres database directly")
        return 0
    if destination == "lake":
        print("publish: nothing to do on the lake; BI tools read schema marts through Spark (see docs/warehouses.md)")
        return 0
    source = args.duckdb_path.expanduser().resolve()
    target = (args.marts_path or Path(os.environ.get("MARTS_DUCKDB_PATH") or default_marts_path(source))).resolve()
    if not source.exists():
        print(f"publish: {source} does not exist; run `make elt` (or `make demo`) first", file=sys.stderr)
        return 1
    if target == source:
        print(f"publish: the copy cannot be the warehouse itself ({source}); choose another path", file=sys.stderr)
        return 1
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from extract.load.database_file import foreign_file

    if (what := foreign_file(source)) is not None:
        print(f"publish: {source} is {what}, not a DuckDB database: set DUCKDB_PATH to the warehouse", file=sys.stderr)
        return 1
    started = time.monotonic()
    os.umask(0o077)  # the copy, like the warehouse, is readable by its owner only
    try:
        tables = publish(source, target)
    except PublishError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    except (duckdb.IOException, duckdb.PermissionException) as error:
        print(f"publish: cannot copy {source} to {target}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"publish: cannot write {error.filename or target.parent}: {reason}; choose a writable MARTS_DUCKDB_PATH",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"Published {len(tables)} marts to {target} in {time.monotonic() - started:.1f}s (open it read-only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
