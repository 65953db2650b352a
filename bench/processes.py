"""Child processes of the benchmark: timed commands with their peak memory.

Peak RSS covers the whole process tree (children included). A sampler reads `/proc` every few milliseconds and keeps
the largest sum of resident sets seen at one moment, and the kernel's own high-water mark (`VmHWM`) of each process;
the figure reported is the larger of the sampled sum and the largest single high-water mark, so a short spike of the
main process is never missed.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVERY_S = 0.01


class CommandFailed(RuntimeError):
    """A measured command ended with a non-zero exit: the benchmark stops and shows its output."""


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found.extend(int(child) for child in text.split())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return found


def process_tree(pid: int) -> list[int]:
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(_children(current))
    return tree


class TreeMemory:
    """Samples the resident memory of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_sum_kb = 0
        self.high_water_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in process_tree(self.pid):
                total += _status_kb(pid, "VmRSS:")
                hwm = _status_kb(pid, "VmHWM:")
                if hwm > self.high_water_kb.get(pid, 0):
                    self.high_water_kb[pid] = hwm
            self.peak_sum_kb = max(self.peak_sum_kb, total)
            self._stop.wait(SAMPLE_EVERY_S)

    def stop(self) -> float:
        """The peak in MB (see the module docstring)."""
        self._stop.set()
        self._thread.join()
        largest_single = max(self.high_water_kb.values(), default=0)
        return max(self.peak_sum_kb, largest_single) / 1024


_ERROR_LINE = re.compile(r"^(extract failed:|[\w.]*(Error|Exception|Failed)\w*: )")


def error_line(output: str) -> str:
    """The line that says what went wrong: the extractor's one-line error, else the last exception line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    found = [line for line in lines if _ERROR_LINE.match(line)]
    return (found[-1] if found else lines[-1] if lines else "")[:300]


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str


def measure(command: Sequence[str], env: dict[str, str], timeout: float = 7200) -> Measured:
    """Run `command` to its end; its wall time and the peak RSS of its process tree. A failure raises."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    memory = TreeMemory(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        memory.stop()
        raise CommandFailed(f"{' '.join(command[:4])} … did not finish within {timeout:.0f} s") from None
    seconds = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        output = f"stdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
        reason = error_line(stderr) or error_line(stdout)
        raise CommandFailed(f"{' '.join(command[:4])} … exited {process.returncode}: {reason}\n{output}")
    return Measured(seconds, peak, stdout, stderr)
