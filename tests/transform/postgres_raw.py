"""A throwaway Postgres database holding the same `pendo_raw` rows as a DuckDB file, with dlt's column types.

The extractor lands DuckDB today; this copy lets the dbt project prove on real Postgres that the same raw rows give
the same marts. Connection settings are the dbt profile's (POSTGRES_HOST, _PORT, _USER, _PASSWORD).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
from psycopg2.extras import execute_values

from tests.transform.warehouse import RAW_SCHEMA

# DuckDB type -> the Postgres type dlt's postgres destination uses for the same dlt data type.
POSTGRES_TYPES = {
    "VARCHAR": "varchar",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "JSON": "jsonb",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}


def connection_settings(dbname: str = "postgres") -> dict[str, Any]:
    return {
        "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "port": int(os.environ.get("POSTGRES_PORT", "5432")),
        "user": os.environ.get("POSTGRES_USER", "postgres"),
        "password": os.environ.get("POSTGRES_PASSWORD", ""),
        "dbname": dbname,
        "connect_timeout": 3,
    }


def unreachable_reason() -> str | None:
    """Why no Postgres server can be used here, or None when one answers."""
    try:
        psycopg2.connect(**connection_settings()).close()
    except psycopg2.Error as error:
        return f"no Postgres server at {connection_settings()['host']}: {str(error).strip().splitlines()[0]}"
    return None


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards (even while dbt's connections linger)."""
    name = f"pendo_dbt_test_{secrets.token_hex(4)}"
    admin = psycopg2.connect(**connection_settings())
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def copy_raw_tables(duckdb_file: Path, dbname: str) -> None:
    with (
        duckdb.connect(str(duckdb_file), read_only=True) as source,
        psycopg2.connect(**connection_settings(dbname)) as target,
    ):
        tables = source.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and not starts_with(table_name, '_dlt') order by 1",
            [RAW_SCHEMA],
        ).fetchall()
        with target.cursor() as cursor:
            cursor.execute(f"create schema {RAW_SCHEMA}")
            for (table,) in tables:
                columns = source.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [RAW_SCHEMA, table],
                ).fetchall()
                column_list = ", ".join(f'"{name}" {POSTGRES_TYPES[kind]}' for name, kind in columns)
                cursor.execute(f'create table {RAW_SCHEMA}."{table}" ({column_list})')
                rows = source.execute(f'select * from {RAW_SCHEMA}."{table}"').fetchall()
                if rows:
                    execute_values(cursor, f'insert into {RAW_SCHEMA}."{table}" values %s', rows, page_size=5000)


def mart_rows(dbname: str, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg2.connect(**connection_settings(dbname)) as connection, connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f'select * from marts."{table}"')
            rows[table] = cursor.fetchall()
        return rows
