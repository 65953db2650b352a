"""Run the simulator as a separate process (for the demo, the tests and the benchmarks)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parent.parent


class SimulatorProcess:
    """`python -m pendo_simulator serve …` in a child process; `url` is the address it printed."""

    def __init__(self, key: str, args: Sequence[str] = (), python: str = sys.executable) -> None:
        self.key = key
        self._process = subprocess.Popen(
            [python, "-m", "pendo_simulator", "serve", "--port", "0", "--key", key, *args],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline().strip()
        if not first_line.startswith("http"):
            error = self._process.stderr.read().strip() if self._process.stderr else ""
            self._process.wait()
            raise RuntimeError(f"the simulator did not start: {error or first_line or 'no output'}")
        self.url = first_line

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream:
                stream.close()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
