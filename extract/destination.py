"""Where the raw rows go: DuckDB (the default) or Postgres, chosen by `DESTINATION`.

The same variable picks dbt's target in the Makefile, so one setting switches both layers. Postgres connection
settings come from `POSTGRES_HOST`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB`, which
dbt's `postgres` output in profiles.yml reads too.
"""

from __future__ import annotations

import os
from pathlib import Path

from dlt.common.destination import Destination
from dlt.destinations import duckdb, postgres
from dlt.destinations.impl.postgres.configuration import PostgresCredentials

from extract.settings import ConfigError

DESTINATIONS = ("duckdb", "postgres")


def destination_name() -> str:
    name = os.environ.get("DESTINATION", "").strip().lower() or "duckdb"
    if name not in DESTINATIONS:
        raise ConfigError(f"invalid DESTINATION {name!r}: expected one of {', '.join(DESTINATIONS)}")
    return name


def duckdb_path() -> Path:
    """The one database file shared with dbt: `DUCKDB_PATH`, resolved to an absolute path."""
    return Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")).expanduser().resolve()


def postgres_credentials() -> PostgresCredentials:
    credentials = PostgresCredentials()
    credentials.host = os.environ.get("POSTGRES_HOST", "127.0.0.1")
    credentials.port = int(os.environ.get("POSTGRES_PORT", "5432"))
    credentials.username = os.environ.get("POSTGRES_USER", "postgres")
    credentials.password = os.environ.get("POSTGRES_PASSWORD", "")
    credentials.database = os.environ.get("POSTGRES_DB", "test")
    return credentials


def make_destination() -> Destination:
    if destination_name() == "postgres":
        return postgres(credentials=postgres_credentials())
    return duckdb(credentials=str(duckdb_path()))


def loader_file_format() -> str:
    """Parquet into DuckDB (Arrow tables load without a per-row pass); CSV into Postgres, which dlt loads with COPY
    (parquet would need the ADBC driver)."""
    return "csv" if destination_name() == "postgres" else "parquet"


def describe() -> str:
    """Where the data goes, for messages (never includes a password)."""
    if destination_name() == "postgres":
        c = postgres_credentials()
        return f"postgres://{c.username}@{c.host}:{c.port}/{c.database}"
    return str(duckdb_path())
