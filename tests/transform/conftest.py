"""One real extraction (simulator -> `python -m extract`) for the dbt project's tests; each test works on a copy."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.helpers import FIXED_NOW, PYTHON, Workspace, extract
from tests.transform.warehouse import DbtWorkspace

# 21 days up to 2026-03-15 in New York: the data spans the 2026 spring-forward night.
SIMULATOR_ARGS = ("--seed", "5", "--days", "21", "--visitors", "120", "--now", FIXED_NOW)


@pytest.fixture(scope="session")
def raw_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file holding `pendo_raw` exactly as the extractor lands it (no dbt run yet). Never modify it."""
    workspace = Workspace(tmp_path_factory.mktemp("raw"))
    with SimulatorProcess(secrets.token_hex(16), SIMULATOR_ARGS, python=PYTHON) as simulator:
        env = workspace.env(simulator.url, simulator.key, SOURCES__PENDO__START_DATE="2026-02-01")
        extracted = extract(env)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    return workspace.duckdb_path


@pytest.fixture
def dbt_workspace(raw_database: Path, tmp_path: Path) -> Callable[[], DbtWorkspace]:
    """Makes a workspace whose database is a fresh copy of the raw database."""

    def make() -> DbtWorkspace:
        workspace = DbtWorkspace(tmp_path / secrets.token_hex(4))
        workspace.root.mkdir()
        shutil.copyfile(raw_database, workspace.database)
        return workspace

    return make


# `dbt run` with the snapshots the history models read: `build` of models and snapshots, without the tests.
RUN_WITH_SNAPSHOTS = ("build", "--resource-type", "model", "--resource-type", "snapshot")


@pytest.fixture(scope="session")
def built_workspace(raw_database: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtWorkspace:
    """A copy of the raw database after the models and snapshots are built (no tests) and `dbt docs generate`."""
    workspace = DbtWorkspace(tmp_path_factory.mktemp("built"))
    shutil.copyfile(raw_database, workspace.database)
    ran = workspace.dbt(*RUN_WITH_SNAPSHOTS)
    assert ran.returncode == 0, ran.stdout[-5000:]
    docs = workspace.dbt("docs generate")
    assert docs.returncode == 0, docs.stdout[-5000:]
    return workspace
