"""Fixtures for the dashboard tests: demo data in a temp dir, servers started and stopped, headless Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.dashboard.browser import find_chromium
from tests.helpers import PYTHON, REPO_ROOT

SERVER_START_TIMEOUT = 90.0


@dataclass(frozen=True)
class DemoData:
    """`python -m elt.demo` run into a temp dir: its database, its published marts copy and its dlt state."""

    root: Path

    @property
    def duckdb_path(self) -> Path:
        return self.root / "demo.duckdb"

    @property
    def marts_path(self) -> Path:
        return self.root / "demo_marts.duckdb"

    @property
    def state_dir(self) -> Path:
        return self.root / "dlt"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    """The demo, built once for the dashboard tests, never into the repository's own demo.duckdb."""
    demo = DemoData(tmp_path_factory.mktemp("dashboard-demo"))
    env = os.environ | {
        "DBT_LOG_PATH": str(demo.root / "dbt-logs"),
        "DBT_TARGET_PATH": str(demo.root / "dbt-target"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [PYTHON, "-m", "elt.demo", "--duckdb-path", str(demo.duckdb_path), "--state-dir", str(demo.state_dir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"demo failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return demo


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium on PATH: install Debian's package with `apt-get install -y chromium` (.ci/run does)")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_env() -> dict[str, str]:
    """The caller's environment for a nested `make`: no published-copy override, no parent make's flags."""
    dropped = {"MARTS_DUCKDB_PATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    return {name: value for name, value in os.environ.items() if name not in dropped}


def _wait_until_answers(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the server's port until it answers HTTP 200; fail at once if the server process ends."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode} before answering:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {SERVER_START_TIMEOUT:.0f}s:\n{log.read_text()}")
        time.sleep(0.1)  # the interval between two polls of the port, not a stand-in for the wait itself


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started (make, python, marimo share one new process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # children that outlived the group leader
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Start a server command (e.g. `make dashboard PORT=…`), wait until its port answers; stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    @contextmanager
    def start(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[Path]:
        log = tmp_path / f"server-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env or dict(os.environ),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        try:
            _wait_until_answers(f"http://127.0.0.1:{port}/", process, log)
            yield log
        finally:
            _stop(process)

    yield start
    for process in started:
        _stop(process)
