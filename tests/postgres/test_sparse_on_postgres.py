"""`DESTINATION=postgres make elt` on a sparse subscription (one app, no track types, track events or polls): every
raw table is created in Postgres too, empty where Pendo returned nothing, and dbt builds and tests every model."""

from __future__ import annotations

import secrets

import pytest

from extract.resources.registry import ENTITIES, EVENT_TABLES, METADATA_SCHEMAS
from pendo_simulator.process import SimulatorProcess
from tests.helpers import FIXED_NOW, PYTHON
from tests.postgres import server
from tests.publish.elt import EltWorkspace, output

pytestmark = pytest.mark.slow

WORLD = ("--profile", "sparse", "--seed", "3", "--visitors", "40", "--days", "7", "--now", FIXED_NOW)


def test_a_sparse_subscription_builds_on_postgres_with_every_raw_table(postgres_server, tmp_path) -> None:
    workspace = EltWorkspace(tmp_path)
    with server.throwaway_database() as dbname:
        connection = server.connection_settings(dbname)
        workspace.write_secrets(
            "[destination.postgres.credentials]\n"
            f'host = "{connection["host"]}"\nport = {connection["port"]}\nusername = "{connection["user"]}"\n'
            f'password = "{connection["password"] or "unused"}"\ndatabase = "{dbname}"\n'
        )
        with SimulatorProcess(secrets.token_hex(16), WORLD, python=PYTHON) as simulator:
            env = workspace.env(simulator, DESTINATION="postgres", SOURCES__PENDO__START_DATE="2026-03-09")
            elt = workspace.make("elt", env=env)
        assert elt.returncode == 0, output(elt)
        assert " ERROR=0 " in elt.stdout, output(elt)
        counts = {
            name: server.rows(dbname, f"select count(*) from pendo_raw.{name}")[0][0]
            for name in (*EVENT_TABLES, *ENTITIES, *METADATA_SCHEMAS, "guides__steps", "guides__polls", "pages__rules")
        }
    assert counts["track_types"] == counts["track_events"] == counts["poll_events"] == counts["guides__polls"] == 0
    assert counts["events"] > 0 and counts["guide_events"] > 0
