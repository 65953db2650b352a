"""The same project on Postgres: `dbt build` (every test, unit tests and contracts included) passes, and the marts
hold the same rows as on DuckDB for the same raw rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.transform import postgres_raw
from tests.transform.warehouse import DbtWorkspace, mart_rows

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(postgres_raw.unreachable_reason() is not None, reason=str(postgres_raw.unreachable_reason())),
]


def _comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in one order with one float precision (the two engines may differ in the last bits of a double)."""

    def value(item: Any) -> Any:
        if isinstance(item, float | Decimal):
            return round(float(item), 9)
        return item

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((item is None, str(item) if isinstance(item, date | datetime) else item) for item in row)

    return sorted((tuple(value(item) for item in row) for row in rows), key=key)


def test_dbt_build_on_postgres_gives_the_duckdb_marts(built_workspace: DbtWorkspace) -> None:
    duckdb_marts = mart_rows(built_workspace.database)
    with postgres_raw.throwaway_database() as dbname:
        postgres_raw.copy_raw_tables(built_workspace.database, dbname)
        built = built_workspace.dbt(
            "build",
            "--target-path",
            str(built_workspace.root / "dbt-target-postgres"),
            DBT_TARGET="postgres",
            POSTGRES_DB=dbname,
        )
        assert built.returncode == 0, built.stdout[-5000:]
        postgres_marts = postgres_raw.mart_rows(dbname, list(duckdb_marts))
    assert list(postgres_marts) == list(duckdb_marts)
    for table, rows in duckdb_marts.items():
        assert _comparable(postgres_marts[table]) == _comparable(rows), f"marts.{table} differs on Postgres"
    assert sum(len(rows) for rows in duckdb_marts.values()) > 1000
