from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.extract.support import Extractor
from tests.helpers import PYTHON


@pytest.fixture
def extractor(tmp_path) -> Callable[..., Extractor]:
    """`extractor(simulator, **settings)`: a hermetic extractor pointed at a running simulator."""

    def make(simulator: SimulatorProcess, name: str = "run", **settings: str) -> Extractor:
        return Extractor(tmp_path / name, simulator.url, simulator.key, dict(settings))

    return make


@pytest.fixture(scope="module")
def module_simulators() -> Iterator[Callable[..., SimulatorProcess]]:
    """Like `start_simulator`, for a simulator shared by the tests of one module."""
    started: list[SimulatorProcess] = []

    def start(*args: str) -> SimulatorProcess:
        process = SimulatorProcess(secrets.token_hex(16), args, python=PYTHON)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
