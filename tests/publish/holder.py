"""Drive `tests.publish.reader` in a child process: start it, ask it again, and stop it."""

from __future__ import annotations

import json
import selectors
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.helpers import PYTHON, REPO_ROOT


class HeldOpen:
    """A separate process that holds a DuckDB file open until `close()` (or the end of the `with` block)."""

    def __init__(self, database: Path, sql: str, *, read_write: bool = False) -> None:
        command = [PYTHON, "-m", "tests.publish.reader", str(database), sql, *(["--read-write"] if read_write else [])]
        self._process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.first_answer = self._answer()  # once this arrived, the file is open

    @property
    def pid(self) -> int:
        return self._process.pid

    def ask_again(self) -> Any:
        """The same query on the same, still open connection."""
        assert self._process.stdin is not None
        self._process.stdin.write("again\n")
        self._process.stdin.flush()
        return self._answer()

    def close(self) -> int:
        """Close the connection (stdin ends) and return the reader's exit code."""
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            return self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()

    def _answer(self, timeout: float = 60) -> Any:
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self._process.kill()
            error = self._process.stderr.read() if self._process.stderr else ""
            raise AssertionError(f"the reader gave no answer within {timeout}s: {error.strip()[-2000:]}")
        return json.loads(line)

    def __enter__(self) -> HeldOpen:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def as_json(rows: list[tuple[Any, ...]]) -> Any:
    """Rows as the reader reports them (dates as text), to compare with its answers."""
    return json.loads(json.dumps(rows, default=str))
