"""The Postgres server the tests use, and throwaway databases on it.

The server is the one at POSTGRES_HOST:POSTGRES_PORT (default 127.0.0.1:5432) as POSTGRES_USER (default postgres),
with POSTGRES_PASSWORD. Every test that loads data gets a database of its own, created with a random name and
dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2

REQUIRE_VARIABLE = "REQUIRE_POSTGRES"  # CI (.ci/run) sets it: there a missing server is a failure, not a skip


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
    settings = connection_settings()
    try:
        psycopg2.connect(**settings).close()
    except psycopg2.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"no Postgres server at {settings['host']}:{settings['port']} as {settings['user']}: {first_line}"
    return None


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards (even while other connections to it linger)."""
    name = f"pendo_test_{secrets.token_hex(6)}"
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


def rows(dbname: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg2.connect(**connection_settings(dbname)) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        result = cursor.fetchall()
    connection.close()  # psycopg2's `with` ends the transaction but keeps the connection open
    return result


def execute(dbname: str, sql: str) -> None:
    with psycopg2.connect(**connection_settings(dbname)) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()
