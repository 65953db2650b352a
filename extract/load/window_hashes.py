"""Windows whose rows did not change since they were loaded are not loaded again.

Every regular run reads the lookback again (window_plan.py), but most of those windows come back exactly as they were
loaded. Merging them again would rewrite the same rows under a new `_dlt_load_id`, and the dbt models would rebuild
those days for nothing. So the rows of each window are hashed as they are read (BLAKE2b over the Arrow tables'
column names and buffers, in C), and the hash is kept in the resource's dlt state, keyed by the window. A window whose
hash equals the one stored is read, counted, and dropped; any other is handed to dlt and its hash replaces the stored
one.

Why it is safe: the hash is committed in dlt's state together with the rows it describes (the same load package), so
a killed run leaves either both or neither. A hash that differs only because the same rows came in other pieces or in
another order makes the window load again, as before: only equality skips. Backfills always load, and forget the
stored hash of the windows they read (their rows in the database may differ from what the hash described).

A window is held in memory until its hash is known, up to `HOLD_BYTES`; a larger window is handed over as it is read
and always loads (peak memory stays bounded).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from extract.resources.windows import Window

STATE_KEY = "window_hashes"
HOLD_BYTES = 64 << 20


def _key(window: Window) -> str:
    return f"{window.start}-{window.end}"


class WindowHashes:
    """The stored hashes of one event resource (`state` is its dlt resource state)."""

    def __init__(self, state: dict[str, Any], backfill: bool, hold_bytes: int = HOLD_BYTES) -> None:
        self.backfill = backfill
        self.hold_bytes = hold_bytes
        self.hashes: dict[str, str] = state.setdefault(STATE_KEY, {})

    def forget_before(self, start_ms: int) -> None:
        """Drop the hashes of windows that start before `start_ms`: no regular run reads them again."""
        if self.backfill:
            return
        for key in [key for key in self.hashes if int(key.split("-", 1)[0]) < start_ms]:
            del self.hashes[key]

    def changed(self, window: Window, tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
        """The tables of `window`, unless they hash to what was loaded last time (then nothing).

        `self.skipped` says afterwards whether the window was dropped as unchanged."""
        self.skipped = False
        key = _key(window)
        if self.backfill:
            self.hashes.pop(key, None)
            yield from tables
            return
        digest = hashlib.blake2b(digest_size=16)
        held: list[pa.Table] = []
        held_bytes = 0
        passing = False  # the window outgrew the hold: its tables go straight through
        for table in tables:
            _update(digest, table)
            if passing:
                yield table
                continue
            held.append(table)
            held_bytes += table.nbytes
            if held_bytes > self.hold_bytes:
                passing = True
                yield from held
                held = []
        value = digest.hexdigest()
        if not passing and self.hashes.get(key) == value:
            self.skipped = True
        else:
            yield from held
        self.hashes[key] = value


def _update(digest: Any, table: pa.Table) -> None:
    digest.update("\0".join(table.column_names).encode())
    for column in table.columns:
        for chunk in column.chunks:
            digest.update(str(len(chunk)).encode())
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(buffer)
