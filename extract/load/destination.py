"""Where the raw rows go: DuckDB (the default), Postgres, or a lake of parquet files, chosen by `DESTINATION`.

The same variable picks dbt's target in the Makefile (`lake` is read by the `spark` target), so one setting switches
both layers.

The lake is dlt's `filesystem` destination: `pendo_raw/<table>/<load id>.<file id>.parquet` under a bucket URL,
dlt's own `[destination.filesystem] bucket_url` (or `DESTINATION__FILESYSTEM__BUCKET_URL`), with dlt's usual
credentials for `s3://`, `gs://` or `az://`; by default the local folder `lake/` beside `DUCKDB_PATH`. Plain parquet
cannot be merged into, so dlt appends there: each window of the lookback whose rows changed (window_hashes.py skips
the unchanged ones), each backfilled window and each changed entity table is added whole again, and dbt reads the raw
tables through views that keep each key's latest load (transform/macros/spark_lake.sql, docs/warehouses.md).

Postgres connection settings, in order of precedence:
1. `POSTGRES_HOST`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD`, `POSTGRES_DB` (what dbt's `postgres`
   output in profiles.yml reads);
2. dlt's own `[destination.postgres.credentials]` (in `.dlt/secrets.toml`, or `DESTINATION__POSTGRES__CREDENTIALS…`
   variables), as fields or as one `postgresql://…` string;
3. a local server: 127.0.0.1, 5432, user postgres, no password, database test.

dbt cannot read secrets.toml, so on Postgres `python -m elt dbt …` (elt/dbt.py) sets the POSTGRES_* variables of
dbt's process from `postgres_settings()`: both layers always connect to the same database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import dlt
from dlt.common.configuration.exceptions import ConfigurationException
from dlt.common.destination import Destination
from dlt.destinations import duckdb, filesystem, postgres
from dlt.destinations.impl.postgres.configuration import PostgresCredentials

from extract.config import ConfigError
from extract.load.database_file import foreign_file

DESTINATIONS = ("duckdb", "postgres", "lake")
LAKE_FOLDER = "lake"  # the default lake: this folder beside the DuckDB file


class PostgresSetting(NamedTuple):
    field: str  # the field of dlt's PostgresCredentials
    variable: str  # the environment variable dbt's profile reads
    default: str


POSTGRES_SETTINGS = (
    PostgresSetting("host", "POSTGRES_HOST", "127.0.0.1"),
    PostgresSetting("port", "POSTGRES_PORT", "5432"),
    PostgresSetting("username", "POSTGRES_USER", "postgres"),
    PostgresSetting("password", "POSTGRES_PASSWORD", ""),
    PostgresSetting("database", "POSTGRES_DB", "test"),
)


def destination_name() -> str:
    name = os.environ.get("DESTINATION", "").strip().lower() or "duckdb"
    if name not in DESTINATIONS:
        raise ConfigError(f"invalid DESTINATION {name!r}: expected one of {', '.join(DESTINATIONS)}")
    return name


def duckdb_path() -> Path:
    """The one database file shared with dbt: `DUCKDB_PATH`, resolved to an absolute path."""
    return Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")).expanduser().resolve()


def lake_url() -> str:
    """The lake's bucket URL: dlt's `destination.filesystem.bucket_url`, else `lake/` beside `DUCKDB_PATH` as an
    absolute `file://` URL (a relative local path is made absolute from the current directory)."""
    configured = dlt.config.get("destination.filesystem.bucket_url")
    if configured is None or not str(configured).strip():
        return (duckdb_path().parent / LAKE_FOLDER).as_uri()
    url = str(configured).strip().rstrip("/")
    if "://" not in url:
        return Path(url).expanduser().resolve().as_uri()
    return url


def _configured_postgres_credentials() -> PostgresCredentials:
    """Whatever dlt's providers hold under `destination.postgres.credentials` (fields left unset are None)."""
    try:
        return postgres().configuration(None, accept_partial=True).credentials or PostgresCredentials()
    except ConfigurationException:
        # dlt's own message may quote the value, and a connection string holds the password: say what is expected.
        raise ConfigError(
            "invalid [destination.postgres.credentials]: expected the fields host, port, username, password and "
            "database, or one string postgresql://username:password@host:port/database"
        ) from None


def postgres_settings() -> dict[str, str]:
    """The Postgres connection as the POSTGRES_* variables: environment, else dlt's settings, else local defaults."""
    configured = _configured_postgres_credentials()
    settings = {}
    for setting in POSTGRES_SETTINGS:
        value = os.environ.get(setting.variable)
        if value is None:
            dlt_value = getattr(configured, setting.field, None)
            value = setting.default if dlt_value is None else str(dlt_value)
        settings[setting.variable] = value
    if not settings["POSTGRES_PORT"].strip().isdigit():
        raise ConfigError(f"invalid POSTGRES_PORT {settings['POSTGRES_PORT']!r}: expected a port number")
    return settings


def postgres_credentials() -> PostgresCredentials:
    settings = postgres_settings()
    credentials = PostgresCredentials()
    for setting in POSTGRES_SETTINGS:
        value = settings[setting.variable]
        setattr(credentials, setting.field, int(value) if setting.field == "port" else value)
    return credentials


def check_database_file(path: Path | None = None) -> None:
    """`DUCKDB_PATH` must be a DuckDB file or not exist yet; anything else stops the run in one line, before DuckDB
    opens it (and, for a SQLite file, before DuckDB would fetch an extension to read it)."""
    if destination_name() != "duckdb":
        return
    path = path or duckdb_path()
    what = foreign_file(path)
    if what is not None:
        raise ConfigError(
            f"DUCKDB_PATH {path} is {what}, not a DuckDB database: point DUCKDB_PATH at a DuckDB file, or at a path "
            "that does not exist yet"
        )


def make_destination() -> Destination:
    name = destination_name()
    if name == "postgres":
        return postgres(credentials=postgres_credentials())
    if name == "lake":
        return filesystem(bucket_url=lake_url())
    return duckdb(credentials=str(duckdb_path()))


def loader_file_format() -> str:
    """Parquet into DuckDB (Arrow tables load without a per-row pass) and into the lake (what Spark reads); CSV into
    Postgres, which dlt loads with COPY (parquet would need the ADBC driver)."""
    return "csv" if destination_name() == "postgres" else "parquet"


def describe() -> str:
    """Where the data goes, for messages (never includes a password)."""
    if destination_name() == "lake":
        return _without_userinfo(lake_url())
    if destination_name() == "postgres":
        settings = postgres_settings()
        return (
            f"postgres://{settings['POSTGRES_USER']}@{settings['POSTGRES_HOST']}:{settings['POSTGRES_PORT']}"
            f"/{settings['POSTGRES_DB']}"
        )
    return str(duckdb_path())


def _without_userinfo(url: str) -> str:
    """A URL without the `user:password@` part some bucket URLs carry."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"
