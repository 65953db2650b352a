"""What the extractor says while it runs (a progress line every few seconds, on stderr) and when it ends (a
summary on stdout: rows per table, windows, pages, retries, splits, elapsed time).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from extract.pendo.client import RequestCounts

PROGRESS_EVERY_S = 2.0


@dataclass
class TableStats:
    """Counters of one resource for the whole invocation (all loads)."""

    name: str
    counts: RequestCounts = field(default_factory=RequestCounts)
    rows: int = 0
    windows: int = 0
    windows_planned: int = 0
    repeated: int = 0  # rows Pendo sent again (keyset pages overlap at their bound), handed over once
    unchanged: int = 0  # windows read again and found as loaded before: not loaded again
    splits: int = 0
    pages: int = 0
    position: str = ""  # the window being read, for progress lines
    done: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "windows": self.windows,
            "unchanged": self.unchanged,
            "repeated": self.repeated,
            "pages": self.pages,
            "requests": self.counts.requests,
            "retries": self.counts.retries,
            "splits": self.splits,
        }


@dataclass
class Progress:
    """Shared by the resources of one invocation; resources may run in parallel threads."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    every_s: float = PROGRESS_EVERY_S
    started: float = field(default_factory=time.monotonic)
    tables: dict[str, TableStats] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_print: float = 0.0

    def table(self, name: str) -> TableStats:
        with self._lock:
            return self.tables.setdefault(name, TableStats(name))

    def note(self, stats: TableStats, *, force: bool = False) -> None:
        """Print a progress line for `stats` if the last line is old enough (or `force`)."""
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last_print < self.every_s:
                return
            self._last_print = now
            reading = min(stats.windows + 1, stats.windows_planned)
            windows = f"window {reading}/{stats.windows_planned}" if stats.windows_planned else "entities"
            where = f" {stats.position}" if stats.position and not stats.done else ""
            state = "done" if stats.done else windows
            print(
                f"[{now - self.started:7.1f}s] {stats.name}: {stats.rows:,} rows, {state}{where}",
                file=self.stream,
                flush=True,
            )

    def say(self, message: str) -> None:
        with self._lock:
            print(f"[{time.monotonic() - self.started:7.1f}s] {message}", file=self.stream, flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def summary_text(summary: dict[str, Any]) -> str:
    """The end-of-run table."""
    tables: dict[str, dict[str, Any]] = summary["tables"]
    header = f"{'table':<26}{'rows':>12}{'windows':>9}{'pages':>8}{'retries':>9}{'splits':>8}"
    lines = [f"Pendo extract {summary['mode']} finished in {summary['elapsed_s']:.1f} s", header]
    for name, row in sorted(tables.items()):
        lines.append(
            f"{name:<26}{row['rows']:>12,}{row['windows']:>9,}{row['pages']:>8,}{row['retries']:>9,}{row['splits']:>8,}"
        )
    total = sum(row["rows"] for row in tables.values())
    stages = summary["stages_s"]
    rate = total / summary["elapsed_s"] if summary["elapsed_s"] else 0.0
    lines.append(
        f"{'total':<26}{total:>12,}  in {summary['loads']} load(s): extract {stages['extract']:.1f} s, "
        f"normalize {stages['normalize']:.1f} s, load {stages['load']:.1f} s ({rate:,.0f} rows/s)"
    )
    unchanged = sum(row.get("unchanged", 0) for row in tables.values())
    if unchanged:
        lines.append(f"{unchanged:,} window(s) read again and unchanged since their last load: not loaded again")
    return "\n".join(lines)
