"""Keyset paging returns every row exactly once, however many rows share a cursor value or a whole sort key.

The fake below is a server that honours `sort`, a keyset bound and `limit` exactly as the simulator does, but
shuffles rows that share a sort key on every request (a server owes no order among ties). The real simulator
paths are covered end to end in test_extract_backfill.py and test_extract_paging.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from extract.pendo.keyset import KeysetPager, KeysetStuck, Position, TablePager, batches, keyset_condition
from extract.pendo.queries import at_or_after, string_literal

SORT = ("lastTime", "visitorId")
PAGERS = ["rows", "tables"]


def pager(kind: str, query, page_size: int, start: Position | None = None):
    """A pager of `kind` over `query` (rows as dicts): the table pager gets them as Arrow tables of up to three
    rows (as pieces of an answer), and hands its tables back as rows."""
    if kind == "rows":
        return KeysetPager(query, SORT, lambda row: row["id"], page_size, start)
    schema = pa.schema([("id", pa.int64()), ("lastTime", pa.int64()), ("visitorId", pa.string())])

    def tables(bound: tuple[Any, ...] | None, limit: int) -> Iterator[pa.Table]:
        piece: list[dict[str, Any]] = []
        for row in query(bound, limit):
            piece.append(row)
            if len(piece) == 3:
                yield pa.Table.from_pylist(piece, schema)
                piece = []
        if piece:
            yield pa.Table.from_pylist(piece, schema)

    class AsRows(TablePager):
        def rows(self) -> Iterator[dict[str, Any]]:
            for table in self.tables():
                yield from table.to_pylist()

    return AsRows(tables, SORT, SORT, "id", page_size, start)


class TieShufflingServer:
    def __init__(self, rows: list[dict[str, Any]], seed: int = 1) -> None:
        self.rows = rows
        self.random = random.Random(seed)
        self.requests: list[tuple[tuple[Any, ...] | None, int]] = []

    def query(self, bound: tuple[Any, ...] | None, limit: int) -> Iterator[dict[str, Any]]:
        self.requests.append((bound, limit))

        def key(row: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(row[field] for field in SORT)

        kept = [row for row in self.rows if bound is None or key(row)[: len(bound)] >= bound]
        self.random.shuffle(kept)
        kept.sort(key=key)  # stable: rows sharing a key stay shuffled
        return iter([dict(row) for row in kept[:limit]])


def page_through(
    rows: list[dict[str, Any]], page_size: int, kind: str = "rows"
) -> tuple[list[dict[str, Any]], TieShufflingServer]:
    server = TieShufflingServer(rows)
    got = list(pager(kind, server.query, page_size).rows())
    return got, server


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return sorted(row["id"] for row in rows)


@pytest.mark.parametrize("kind", PAGERS)
def test_many_rows_sharing_one_cursor_value_are_all_returned_once(kind):
    rows = [{"id": i, "lastTime": 1_000, "visitorId": f"v{i % 37:03d}"} for i in range(500)]
    rows += [{"id": 500 + i, "lastTime": 1_000 + i % 3, "visitorId": "v000"} for i in range(40)]
    got, server = page_through(rows, page_size=7, kind=kind)
    assert ids(got) == list(range(540))
    assert len(server.requests) > 540 // 7


@pytest.mark.parametrize("kind", PAGERS)
def test_a_group_larger_than_a_page_sharing_the_whole_sort_key_doubles_the_limit(kind):
    rows = [{"id": i, "lastTime": 5, "visitorId": "same"} for i in range(30)]
    rows += [{"id": 30 + i, "lastTime": 6, "visitorId": "later"} for i in range(3)]
    got, server = page_through(rows, page_size=4, kind=kind)
    assert ids(got) == list(range(33))
    assert max(limit for _, limit in server.requests) >= 32
    assert server.requests[-1][1] == 4  # back to the page size once past the group


@pytest.mark.parametrize("kind", PAGERS)
@pytest.mark.parametrize("page_size", [1, 2, 3, 10, 1000])
def test_every_page_size_gives_the_same_rows(page_size, kind):
    generator = random.Random(7)
    rows = [
        {"id": i, "lastTime": generator.randrange(5), "visitorId": generator.choice(["a", "b", 'c"q', "d\\e"])}
        for i in range(120)
    ]
    got, _ = page_through(rows, page_size, kind)
    assert ids(got) == list(range(120))


@pytest.mark.parametrize("kind", PAGERS)
def test_an_empty_answer_ends_paging_at_once(kind):
    got, server = page_through([], page_size=10, kind=kind)
    assert got == [] and len(server.requests) == 1


@pytest.mark.parametrize("kind", PAGERS)
def test_a_server_that_ignores_the_bound_is_detected(kind):
    def stubborn(bound: tuple[Any, ...] | None, limit: int) -> Iterator[dict[str, Any]]:
        return iter([{"id": 1, "lastTime": 1, "visitorId": "a"}] * limit)

    with pytest.raises(KeysetStuck):
        list(pager(kind, stubborn, 2).rows())


@pytest.mark.parametrize("kind", PAGERS)
def test_the_bound_stops_before_a_null_tie_break(kind):
    rows = [{"id": i, "lastTime": i // 4, "visitorId": None if i % 2 else f"v{i}"} for i in range(20)]
    server = TieShufflingServer([{**r, "visitorId": r["visitorId"] or ""} for r in rows])

    def query(bound: tuple[Any, ...] | None, limit: int) -> Iterator[dict[str, Any]]:
        assert bound is None or all(value is not None for value in bound)
        for row in server.query(bound, limit):
            yield {**row, "visitorId": row["visitorId"] or None}

    got = list(pager(kind, query, 3).rows())
    assert ids(got) == list(range(20))


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("kind", PAGERS)
def test_a_read_that_fails_mid_page_resumes_after_the_last_row_handed_over(kind):
    rows = [{"id": i, "lastTime": i // 9, "visitorId": f"v{i % 4}"} for i in range(200)]
    server = TieShufflingServer(rows)
    handed: list[dict[str, Any]] = []
    position = Position()
    failures = 0
    while True:
        calls = 0

        def flaky(bound: tuple[Any, ...] | None, limit: int) -> Iterator[dict[str, Any]]:
            nonlocal calls
            calls += 1
            for index, row in enumerate(server.query(bound, limit)):
                if calls == 2 and index == 5:  # the second page of every attempt breaks after five rows
                    raise Interrupted
                yield row

        reader = pager(kind, flaky, 10, position)
        try:
            for batch in batches(reader.rows(), 3):
                handed.extend(batch)
            break
        except Interrupted:
            failures += 1
            position = reader.position()
    assert failures > 10
    assert sorted(row["id"] for row in handed) == list(range(200))  # each row once, none twice


@pytest.mark.parametrize("kind", PAGERS)
def test_a_row_sent_twice_in_one_answer_or_again_at_the_bound_is_handed_over_once(kind):
    rows = [{"id": i, "lastTime": i // 6, "visitorId": f"v{i % 2}"} for i in range(60)]
    server = TieShufflingServer(rows)

    def repeating(bound: tuple[Any, ...] | None, limit: int) -> Iterator[dict[str, Any]]:
        answer = list(server.query(bound, limit))
        yield from answer
        yield from answer[:2]  # a broken server repeats rows further down the same answer

    got = list(pager(kind, repeating, 7).rows())
    assert sorted(row["id"] for row in got) == list(range(60))


def test_batches_hand_over_the_rows_taken_before_a_failure():
    def rows() -> Iterator[dict[str, Any]]:
        yield from ({"id": i} for i in range(5))
        raise Interrupted

    got: list[list[dict[str, Any]]] = []
    with pytest.raises(Interrupted):
        for batch in batches(rows(), 2):
            got.append(batch)
    assert [len(b) for b in got] == [2, 2, 1]


def test_filter_expressions_escape_quotes_and_backslashes_only():
    hostile = 'O\'Reilly "Quoted" \\ && || ! \n用户'
    literal = string_literal(hostile)
    assert literal == '"O\'Reilly \\"Quoted\\" \\\\ && || ! \n用户"'
    assert keyset_condition(SORT, None) is None
    assert keyset_condition(SORT, (5,)) == "lastTime >= 5"
    assert at_or_after(list(SORT), [5, hostile]) == f"lastTime > 5 || (lastTime == 5 && (visitorId >= {literal}))"
