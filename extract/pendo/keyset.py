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

`KeysetPager` pages rows (dicts); `TablePager` does the same over answers that come as Arrow tables, column by column
(its position is exact after every table it hands over).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from extract.pendo.queries import at_or_after

Row = dict[str, Any]
Bound = tuple[Any, ...]
# (bound or None, limit) -> the rows whose sort key is at or after the bound, in sort order, at most `limit` of them
Query = Callable[[Bound | None, int], Iterator[Row]]
Item = TypeVar("Item")
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


class _Pager(Generic[Item]):
    """The paging loop both pagers share: ask from the position, and move on, or widen the page, or stop."""

    def __init__(
        self,
        query: Callable[[Bound | None, int], Iterator[Item]],
        sort: Sequence[str],
        page_size: int,
        start: Position | None = None,
    ) -> None:
        self.query = query
        self.sort = tuple(sort)
        self.page_size = page_size
        self._start = start.copy() if start else Position()
        self._tail_bound: Bound | None = None  # comparable prefix of the last row handed over
        self._tail: list[Hashable] = []  # identities of the rows handed over (this page) at that prefix
        self._count = 0  # rows in the current answer, duplicates included
        self.repeated = 0  # rows dropped as sent before: at the bound of a page, or twice in one answer

    def position(self) -> Position:
        """Where a new pager must start to hand over exactly the rows this one has not."""
        if self._tail_bound is None:
            return self._start.copy()
        seen = set(self._tail)
        if self._tail_bound == self._start.bound:
            seen |= self._start.seen
        return Position(self._tail_bound, seen)

    def _pages(self) -> Iterator[Item]:
        limit = self.page_size
        while True:
            request = self.position()
            self._start, self._tail_bound, self._tail, self._count = request, None, [], 0
            yield from self._answer(request, limit)
            if self._count < limit:
                return
            moved_to = self.position()
            if not moved_to.bound:
                raise KeysetStuck(f"a row has no {self.sort[0]}, so paging cannot continue past it")
            if moved_to.bound == request.bound:  # a whole page at one key: ask for more at once
                limit *= 2
                if limit > self.page_size * MAX_GROWTH:
                    raise KeysetStuck(f"more than {self.page_size * MAX_GROWTH:,} rows share one sort key")
            else:
                limit = self.page_size

    def _answer(self, request: Position, limit: int) -> Iterator[Item]:
        raise NotImplementedError


class KeysetPager(_Pager[Row]):
    """Pages through one query of rows (dicts); `position()` says how far it got, and a new pager can start there.

    Per row it builds the sort key and the identity, and checks it against the answer's set.
    """

    def __init__(
        self,
        query: Query,
        sort: Sequence[str],
        identity: Callable[[Row], Hashable],
        page_size: int,
        start: Position | None = None,
    ) -> None:
        super().__init__(query, sort, page_size, start)
        self.identity = identity
        self._key = _key_function(sort)

    def rows(self) -> Iterator[Row]:
        return self._pages()

    def _answer(self, request: Position, limit: int) -> Iterator[Row]:
        bound, seen = request.bound, request.seen
        width = len(bound) if bound else 0
        answer: set[Hashable] = set()  # identities of this answer's rows: a row sent twice is kept once
        identity = self.identity
        for row in self.query(bound, limit):
            self._count += 1
            key = self._key(row)
            ident = identity(row)
            if ident in answer or (width and key[:width] == bound and ident in seen):
                self.repeated += 1
                continue  # the same row twice in one answer, or handed over before, at the bound
            answer.add(ident)
            prefix = _comparable_prefix(key)
            if prefix == self._tail_bound:
                self._tail.append(ident)
            else:
                self._tail_bound, self._tail = prefix, [ident]
            yield row


class TablePager(_Pager[pa.Table]):
    """Pages through one query whose answer comes as Arrow tables, with the same guarantees as `KeysetPager`, column
    by column: the identities are a column of the table (`identity`), the sort fields are its `sort_columns`, and
    the cursor of the next page is read from the last row of the last table.

    A table is checked against the answer's identities as a whole (set operations in C); only a table that does
    hold a repeated row is looked at row by row.
    """

    def __init__(
        self,
        query: Callable[[Bound | None, int], Iterator[pa.Table]],
        sort: Sequence[str],
        sort_columns: Sequence[str],
        identity: str,
        page_size: int,
        start: Position | None = None,
    ) -> None:
        super().__init__(query, sort, page_size, start)
        self.sort_columns = tuple(sort_columns)
        self.identity = identity

    def tables(self) -> Iterator[pa.Table]:
        return self._pages()

    def _key_at(self, table: pa.Table, index: int) -> Bound:
        return tuple(table.column(name)[index].as_py() for name in self.sort_columns)

    def _answer(self, request: Position, limit: int) -> Iterator[pa.Table]:
        bound, seen = request.bound, request.seen
        width = len(bound) if bound else 0
        answer: set[Hashable] = set()
        for table in self.query(bound, limit):
            self._count += table.num_rows
            ids = table.column(self.identity).to_pylist()
            unique = set(ids)
            if len(unique) == len(ids) and answer.isdisjoint(unique) and not (width and not seen.isdisjoint(unique)):
                answer |= unique
            else:  # a row sent twice, or one handed over before: keep the first copy of each
                keep = []
                for index, ident in enumerate(ids):
                    if ident in answer or (width and ident in seen and self._key_at(table, index)[:width] == bound):
                        self.repeated += 1
                        continue
                    answer.add(ident)
                    keep.append(index)
                table, ids = table.take(pa.array(keep, pa.int64())), [ids[index] for index in keep]
            if ids:
                self._advance_tail(table, ids)
                yield table

    def _advance_tail(self, table: pa.Table, ids: list[Hashable]) -> None:
        """The rows at the end of `table` that share the last row's comparable prefix join (or start) the tail."""
        last = _comparable_prefix(self._key_at(table, len(ids) - 1))
        width = len(last)
        mask = None
        for name, value in zip(self.sort_columns[:width], last, strict=True):
            equal = pc.equal(table.column(name), value)
            mask = equal if mask is None else pc.and_(mask, equal)
        if width < len(self.sort_columns):  # the prefix stops at a null: rows with a value there differ
            null = pc.is_null(table.column(self.sort_columns[width]))
            mask = null if mask is None else pc.and_(mask, null)
        assert mask is not None
        differ = pc.indices_nonzero(pc.invert(mask.fill_null(False)))
        first = differ[-1].as_py() + 1 if len(differ) else 0
        if first == 0 and last == self._tail_bound:
            self._tail.extend(ids)
        else:
            self._tail_bound, self._tail = last, ids[first:]


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
