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
and always loads (peak memory stays bounded). `unless_unchanged` is the hold-and-hash step itself; the entity
resources use it too, over their whole table (entities.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyarrow as pa

from extract.resources.windows import Window

STATE_KEY = "window_hashes"
HOLD_BYTES = 64 << 20
Item = TypeVar("Item")


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
        outcome: dict[str, Any] = {}
        yield from unless_unchanged(tables, self.hashes.get(key), _update, self.hold_bytes, outcome)
        self.skipped = outcome["skipped"]
        self.hashes[key] = outcome["hash"]


def unless_unchanged(
    items: Iterator[Item],
    previous: str | None,
    add: Callable[[Any, Item], int],
    hold_bytes: int,
    outcome: dict[str, Any],
) -> Iterator[Item]:
    """`items`, unless their hash (each one fed to the digest by `add`, which says how many bytes it holds) equals
    `previous`: then nothing. Items are held until the hash is known, up to `hold_bytes`, then passed on as they come
    (and never skipped). `outcome` gets the hash and whether the items were skipped."""
    digest = hashlib.blake2b(digest_size=16)
    held: list[Item] = []
    held_bytes = 0
    passing = False
    for item in items:
        size = add(digest, item)
        if passing:
            yield item
            continue
        held.append(item)
        held_bytes += size
        if held_bytes > hold_bytes:
            passing = True
            yield from held
            held = []
    outcome["hash"] = digest.hexdigest()
    outcome["skipped"] = not passing and outcome["hash"] == previous
    if not outcome["skipped"]:
        yield from held


def _update(digest: Any, table: pa.Table) -> int:
    digest.update("\0".join(table.column_names).encode())
    for column in table.columns:
        for chunk in column.chunks:
            digest.update(str(len(chunk)).encode())
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(buffer)
    return table.nbytes
