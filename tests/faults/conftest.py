"""Fixtures of the fault-injection suite: one simulator for the whole suite (knobs, counters and clock reset before
every test), a hermetic extractor per test, and the clean reference run every case is compared with."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.extract.support import Run
from tests.faults.hostile import Proxy
from tests.faults.support import WORLD, Digest, FaultExtractor, digest, settings
from tests.helpers import PYTHON


@dataclass(frozen=True)
class Reference:
    """One clean run of the suite's world: what every faulty run must end up equal to."""

    extractor: FaultExtractor
    run: Run
    raw: Digest


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorProcess]:
    process = SimulatorProcess(secrets.token_hex(16), WORLD, python=PYTHON)
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def _fresh_simulator(request: pytest.FixtureRequest) -> None:
    """Tests that use the simulator start with its startup knobs, zero counters and the world's clock."""
    if "simulator" in request.fixturenames or "extractor" in request.fixturenames:
        request.getfixturevalue("simulator").admin("reset", {})


@pytest.fixture
def extractor(tmp_path, simulator) -> Callable[..., FaultExtractor]:
    """`extractor(name, **settings)`: an extractor with its own database, state and project dir (in tmp_path)."""

    def make(name: str = "run", **overrides: str) -> FaultExtractor:
        return FaultExtractor(tmp_path / name, simulator.url, simulator.key, settings(**overrides))

    return make


@pytest.fixture(scope="session")
def reference(tmp_path_factory, simulator) -> Reference:
    simulator.admin("reset", {})
    target = FaultExtractor(tmp_path_factory.mktemp("reference"), simulator.url, simulator.key, settings())
    run = target.run()
    assert run.ok, run.describe()
    assert all(target.unique_keys().values())
    return Reference(target, run, target.digest())


@pytest.fixture(scope="session")
def reference_marts(reference: Reference) -> Digest:
    """The marts `dbt build` makes from the reference run (built once, on first use)."""
    result = reference.extractor.dbt_build()
    assert result.returncode == 0, result.stdout[-3000:]
    return digest(reference.extractor.duckdb_path, "marts")


@pytest.fixture
def proxy(simulator) -> Iterator[Proxy]:
    """A misbehaving host on 127.0.0.1 in front of the simulator (tests/faults/hostile.py); forwards until told."""
    host = Proxy(simulator.url)
    yield host
    host.close()


@pytest.fixture
def proxied(tmp_path, simulator, proxy) -> Callable[..., FaultExtractor]:
    """`proxied(name, **settings)`: an extractor whose base_url is the proxy."""

    def make(name: str = "run", **overrides: str) -> FaultExtractor:
        return FaultExtractor(tmp_path / name, proxy.url, simulator.key, settings(**overrides))

    return make
