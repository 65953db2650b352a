"""`DESTINATION=postgres make elt` against the simulator, in a throwaway Postgres database.

dlt loads `pendo_raw` into Postgres (the real path: no copy from DuckDB), dbt builds and tests every model there,
and the marts are checked three ways: every mart exists; the numbers equal the simulator's truth (the very
assertions of tests/e2e/test_marts_truth.py, imported below and run here on Postgres); and every mart holds the same
rows as `make elt` on DuckDB gives for the same world (read from its published copy, which checks `make publish` too).
The connection reaches both dlt and dbt from the workspace's `.dlt/secrets.toml` only, and its password must never
appear in the output or in any file the run writes.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.e2e.test_marts_truth import (  # noqa: F401 (pytest collects the imported tests and runs them on Postgres)
    SCENARIOS,
    Built,
    test_active_visitors_and_accounts_per_day,
    test_closed_funnel_per_step,
    test_completions_and_outcomes_per_guide,
    test_events_and_minutes_per_day,
    test_guide_outcome_of_every_visitor,
    test_nps_per_poll,
    test_seen_advanced_and_dismissed_per_step,
    test_wau_mau_stickiness_and_new_visitors_per_day,
    test_weekly_retention,
)
from tests.helpers import PYTHON, query, truth
from tests.postgres import server
from tests.publish.elt import EltWorkspace, finish, output

pytestmark = pytest.mark.slow

SCENARIO = SCENARIOS["seed7-new-york"]  # the default completion rule: `make elt` passes no dbt vars
SETTINGS = {"SOURCES__PENDO__START_DATE": "2026-02-01", "PENDO_TIMEZONE": SCENARIO.timezone}
# DuckDB's epoch_ms(timestamp), which the truth tests' SQL uses, for this database only.
EPOCH_MS = (
    "create function epoch_ms(timestamp) returns bigint language sql immutable "
    "as $$ select cast(round(extract(epoch from $1) * 1000) as bigint) $$"
)


@dataclass(frozen=True)
class PostgresBuilt(Built):
    """The truth tests' view of a build, reading the marts from a Postgres database (`database` is unused)."""

    dbname: str

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return server.rows(self.dbname, sql)


@dataclass(frozen=True)
class Loads:
    postgres: PostgresBuilt
    postgres_workspace: EltWorkspace
    postgres_output: str
    password: str
    duckdb_workspace: EltWorkspace


@pytest.fixture(scope="module")
def loads(postgres_server: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loads]:
    root = tmp_path_factory.mktemp("postgres-elt")
    on_postgres, on_duckdb = EltWorkspace(root / "postgres"), EltWorkspace(root / "duckdb")
    with server.throwaway_database() as dbname:
        connection = server.connection_settings(dbname)
        password = connection["password"] or f"pw-{secrets.token_hex(8)}"  # trust auth accepts any password
        on_postgres.write_secrets(
            "[destination.postgres.credentials]\n"
            f'host = "{connection["host"]}"\nport = {connection["port"]}\nusername = "{connection["user"]}"\n'
            f'password = "{password}"\ndatabase = "{dbname}"\n'
        )
        with SimulatorProcess(secrets.token_hex(16), SCENARIO.simulator_args, python=PYTHON) as simulator:
            # Two independent runs (own databases, state and dbt artifacts) at once: half the wall time.
            running = on_postgres.start_make("elt", env=on_postgres.env(simulator, DESTINATION="postgres", **SETTINGS))
            twin = on_duckdb.make("elt", env=on_duckdb.env(simulator, **SETTINGS))
            loaded = finish(running)
            assert loaded.returncode == 0, output(loaded)
            assert twin.returncode == 0, output(twin)
        assert " WARN=0 ERROR=0 " in loaded.stdout, output(loaded)  # every dbt test, warn-level ones too
        server.execute(dbname, EPOCH_MS)
        built = PostgresBuilt(scenario=SCENARIO, database=Path(), truth=truth(*SCENARIO.simulator_args), dbname=dbname)
        yield Loads(built, on_postgres, loaded.stdout + loaded.stderr, password, on_duckdb)


@pytest.fixture(scope="module")
def built(loads: Loads) -> Built:
    """What the imported truth tests read."""
    return loads.postgres


def _mart_models(target_path: Path) -> set[str]:
    manifest = json.loads((target_path / "manifest.json").read_text())
    return {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def _tables(loads: Loads, schema: str) -> set[str]:
    found = server.rows(
        loads.postgres.dbname, f"select table_name from information_schema.tables where table_schema = '{schema}'"
    )
    return {name for (name,) in found}


def test_dlt_loads_pendo_raw_and_dbt_builds_every_mart_in_postgres(loads: Loads) -> None:
    assert _tables(loads, "marts") == _mart_models(loads.postgres_workspace.dbt_target_path)
    assert len(_tables(loads, "marts")) >= 20
    raw = _tables(loads, "pendo_raw")
    assert {"events", "guide_events", "visitors", "_dlt_loads", "_dlt_pipeline_state"} <= raw
    ((completed_loads,),) = server.rows(loads.postgres.dbname, "select count(*) from pendo_raw._dlt_loads")
    assert completed_loads >= 1
    assert "publish: nothing to do on Postgres" in loads.postgres_output
    assert not loads.postgres_workspace.duckdb_path.exists(), "nothing was written to DuckDB"


def _comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in one order with one float precision (the two engines may differ in the last bits of a double)."""

    def value(item: Any) -> Any:
        if isinstance(item, float | Decimal):
            return round(float(item), 9)
        return item

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((item is None, str(item) if isinstance(item, date | datetime) else item) for item in row)

    return sorted((tuple(value(item) for item in row) for row in rows), key=key)


# The history marts date each version by the build that saw it: the two builds ran at different instants.
BUILD_TIME_COLUMNS = {"valid_from", "valid_to"}


def test_every_mart_holds_the_rows_the_same_world_gives_on_duckdb(loads: Loads) -> None:
    published = loads.duckdb_workspace.marts_path
    tables = [name for (name,) in query(published, "select table_name from duckdb_tables() order by 1")]
    assert set(tables) == _tables(loads, "marts")
    for table in tables:
        columns = [
            name
            for (name,) in query(
                published,
                f"select column_name from duckdb_columns() where table_name = '{table}' order by column_index",
            )
            if name not in BUILD_TIME_COLUMNS
        ]
        select = f'select {", ".join(f"{chr(34)}{name}{chr(34)}" for name in columns)} from marts."{table}"'
        on_duckdb = query(published, select)
        assert _comparable(server.rows(loads.postgres.dbname, select)) == _comparable(on_duckdb), (
            f"marts.{table} differs on Postgres"
        )
    assert sum(len(query(published, f'select * from marts."{table}"')) for table in tables) > 1000


def test_the_password_is_never_printed_nor_written_by_the_run(loads: Loads) -> None:
    assert loads.password not in loads.postgres_output
    secrets_toml = loads.postgres_workspace.settings_dir / "secrets.toml"
    written = [
        path
        for path in loads.postgres_workspace.root.rglob("*")
        if path.is_file() and path != secrets_toml and loads.password.encode() in path.read_bytes()
    ]
    assert written == []
    assert loads.password in secrets_toml.read_text()  # the check above looked for the right text
