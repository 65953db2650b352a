from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.helpers import PYTHON, Workspace


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def start_simulator() -> Iterator[Callable[..., SimulatorProcess]]:
    """Start `python -m pendo_simulator serve` with the given flags; every process is stopped after the test."""
    started: list[SimulatorProcess] = []

    def start(*args: str, key: str | None = None) -> SimulatorProcess:
        process = SimulatorProcess(key or secrets.token_hex(16), args, python=PYTHON)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
