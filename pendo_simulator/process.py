"""Run the simulator as a separate process (for the demo, the tests and the benchmarks)."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

REPO_ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """A server started as a child process; `url` is the first line it prints (the simulator, the bench's replay)."""

    name = "the server"  # in the error when it does not start

    def __init__(self, command: Sequence[str]) -> None:
        self._process = subprocess.Popen(
            list(command), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        first_line = self._process.stdout.readline().strip()
        if not first_line.startswith("http"):
            error = self._process.stderr.read().strip() if self._process.stderr else ""
            self._process.wait()
            raise RuntimeError(f"{self.name} did not start: {error or first_line or 'no output'}")
        self.url = first_line
        # Keep draining stderr so a chatty server can never block on a full pipe; the tail stays for diagnostics.
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._drain = threading.Thread(target=self._drain_stderr, name="server-stderr", daemon=True)
        self._drain.start()

    def _drain_stderr(self) -> None:
        stream = self._process.stderr
        if stream is None:
            return
        try:
            for line in stream:
                self.stderr_tail.append(line.rstrip("\n"))
        except (OSError, ValueError):
            pass  # the stream was closed by stop()

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
        self._drain.join(timeout=5)  # the pipe reaches EOF once the process is gone
        for stream in (self._process.stdout, self._process.stderr):
            if stream:
                stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class SimulatorProcess(ServerProcess):
    """`python -m pendo_simulator serve …` in a child process; `url` is the address it printed."""

    name = "the simulator"

    def __init__(self, key: str, args: Sequence[str] = (), python: str = sys.executable) -> None:
        self.key = key
        super().__init__([python, "-m", "pendo_simulator", "serve", "--port", "0", "--key", key, *args])

    def admin(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call an admin endpoint (`faults`, `reset`, `clock`; see faults.py): GET without a body, POST with one."""
        request = urllib.request.Request(
            f"{self.url}/_simulator/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            method="GET" if body is None else "POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Change fault knobs while the server runs, e.g. `set_faults(error_429_rate=1, retry_after_seconds=2)`."""
        return self.admin("faults", knobs)

    def state(self) -> dict[str, Any]:
        """The knobs, the request counters, the request log and the clock."""
        return self.admin("faults")
