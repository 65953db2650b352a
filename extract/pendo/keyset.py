"""Keyset paging over one aggregation: `sort` on a cursor field and id tie-breaks, `filter` at or after the last row
handed over, `limit`.

Pendo has no server-side pagination (docs/pendo-api.md#paging-and-limits). Each next page asks for the rows whose sort
key is at or after the last row's key. The bound is inclusive, so rows that share the last key with the previous
page come back and are skipped by identity; when a whole page shares one key (more rows than a page holds), the
limit doubles until the group fits. No row is skipped, whatever the number of rows sharing one cursor value.

The sort fields are fields of the row's grain, never a metric, so a row keeps its place while its numbers change.
A second copy of a row within one answer is dropped, wherever it sits: the identities of one answer's rows (at most
a page of them) are kept while it is read, so a broken server that repeats a row further down cannot land it twice
(the merges skip dlt's de-duplication because of this guarantee). The pager's position (bound and the rows
handed over at it) is exact after every row, so a read that fails mid-page resumes where it stopped, on the same
window or on its halves, without handing any row over twice.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from extract.pendo.queries import at_or_after

Row = dict[str, Any]
Bound = tuple[Any, ...]
# (bound or None, limit) -> the rows whose sort key is at or after the bound, in sort order, at most `limit` of them
Query = Callable[[Bound | None, int], Iterator[Row]]
MAX_GROWTH = 64  # a group larger than 64 pages of rows sharing every sort field is not plausible: stop


class KeysetStuck(Exception):
    """Paging made no progress: the server's sort and filter disagree."""


@dataclass
class Position:
    """Every row sorted before `bound` has been handed over, and of the rows at `bound`, those in `seen`."""

    bound: Bound | None = None
    seen: set[Hashable] = field(default_factory=set)

    def copy(self) -> Position:
        return Position(self.bound, set(self.seen))


def field_value(row: Row, path: str) -> Any:
    """`metadata.auto.lastupdated` style dotted paths, as Pendo's expressions read them."""
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def keyset_condition(sort: Sequence[str], bound: Bound | None) -> str | None:
    """The filter expression for `bound` (a prefix of the sort key), or None for the first page."""
    return at_or_after(sort[: len(bound)], bound) if bound else None


def _comparable_prefix(key: Bound) -> Bound:
    """The key up to its first null: nulls cannot be compared in a filter, so a bound stops before them."""
    if None not in key:
        return key
    return key[: key.index(None)]


def _key_function(sort: Sequence[str]) -> Callable[[Row], Bound]:
    if any("." in path for path in sort):
        return lambda row: tuple(field_value(row, path) for path in sort)
    fields = tuple(sort)
    return lambda row: tuple(map(row.get, fields))


class KeysetPager:
    """Pages through one query; `position()` says how far it got, and a new pager can start there.

    Per row it builds the sort key and the identity (for event rows the row key, which the Arrow conversion needs
    anyway and finds cached), and checks it against the answer's set.
    """

    def __init__(
        self,
        query: Query,
        sort: Sequence[str],
        identity: Callable[[Row], Hashable],
        page_size: int,
        start: Position | None = None,
    ) -> None:
        self.query = query
        self.sort = tuple(sort)
        self.identity = identity
        self.page_size = page_size
        self._key = _key_function(sort)
        self._start = start.copy() if start else Position()
        self._tail_bound: Bound | None = None  # comparable prefix of the last row handed over
        self._tail: list[Row] = []  # rows handed over (this page) at that prefix

    def position(self) -> Position:
        """Where a new pager must start to hand over exactly the rows this one has not."""
        if self._tail_bound is None:
            return self._start.copy()
        seen = {self.identity(row) for row in self._tail}
        if self._tail_bound == self._start.bound:
            seen |= self._start.seen
        return Position(self._tail_bound, seen)

    def rows(self) -> Iterator[Row]:
        limit = self.page_size
        while True:
            request = self.position()
            self._start, self._tail_bound, self._tail = request, None, []
            bound, seen = request.bound, request.seen
            width = len(bound) if bound else 0
            count = 0
            answer: set[Hashable] = set()  # identities of this answer's rows: a row sent twice is kept once
            identity = self.identity
            for row in self.query(bound, limit):
                count += 1
                key = self._key(row)
                ident = identity(row)
                if ident in answer or (width and key[:width] == bound and ident in seen):
                    continue  # the same row twice in one answer, or handed over before, at the bound
                answer.add(ident)
                prefix = _comparable_prefix(key)
                if prefix == self._tail_bound:
                    self._tail.append(row)
                else:
                    self._tail_bound, self._tail = prefix, [row]
                yield row
            if count < limit:
                return
            moved_to = self.position()
            if not moved_to.bound:
                raise KeysetStuck(f"a row has no {self.sort[0]}, so paging cannot continue past it")
            if moved_to.bound == bound:  # a whole page at one key: ask for more at once
                limit *= 2
                if limit > self.page_size * MAX_GROWTH:
                    raise KeysetStuck(f"more than {self.page_size * MAX_GROWTH:,} rows share one sort key")
            else:
                limit = self.page_size


def batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """Lists of up to `size` rows. When `rows` fails, the rows already taken come out first, then the error: a pager
    counts them as handed over, so they must reach dlt before the read resumes after them."""
    batch: list[Row] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
    except Exception:
        if batch:
            yield batch
        raise
    if batch:
        yield batch
