"""The rows of an aggregation answer, parsed from the byte stream in row-aligned pieces of about a megabyte.

`result_pieces` hands each piece over as one list of rows (the event readers turn it into one Arrow table at once);
`result_rows` hands the same rows over one by one.

Why: ijson builds a row in about 4.5 µs on this machine, orjson in about 1.6 µs (a 1M-row backfill spends seconds
here), but orjson only parses whole documents. So the stream is cut between rows and each piece is parsed as one
JSON array: the text after `{"startTime": N, "results": [` up to the last `},{` of the buffer becomes `[…]`.

Why a cut is safe: a `},{` can also sit inside a string or a nested list, but then the piece, read from the start of
a row, ends inside that string or list and `[…]` does not parse. JSON is read left to right, so a piece that does
parse ends exactly between two rows. A cut that does not parse is tried one `},{` earlier (a few times), then the
next block is read. The end of the answer is parsed as `{"results": [ … ] …}`, which also checks the closing text.

Anything unexpected hands the rest of the stream, from the first row not yet handed over, to ijson, which reads any
JSON and fails as it always did: another header, a body that is not JSON, a value orjson refuses (an integer beyond
64 bits), or a piece that finds no cut within `MAX_BUFFER` bytes. Memory stays bounded by that limit.

A read that fails (a dropped connection, a timeout) first hands over the complete rows already buffered, then
raises: the caller resumes after the last row it got.

Nothing is taken on trust (a proxy or a broken host can send anything with a 200): the answer must be an object
whose `results` is a list, and every row an object, or `MalformedAnswer` is raised; `results` that is null, an
object, a string or missing is never read as "no rows". The checks cost next to nothing on the fast path: the header
regex already proves the object and the list, and `type(row) is dict` runs in C over each parsed piece. A fraction
in an integer column (`numMinutes: 1.5`, which Arrow would silently truncate) is looked for by collecting the set of
value types of each integer column of a piece (in C: `set(map(type, …))`); rows are only visited when a float shows.
One row larger than `max_row_bytes` (and, on the ijson path, one value) raises `RowTooLarge` rather than growing the
buffer without bound.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Protocol

import ijson
import orjson

from extract.pendo.keyset import batches
from extract.settings import DEFAULT_ANSWER_DEADLINE, DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_ROW_BYTES

HEADER = re.compile(rb'\s*\{\s*(?:"startTime"\s*:\s*-?\d+\s*,\s*)?"results"\s*:\s*\[')
RESULTS_OPEN = b'{"results":['
ROW_BOUNDARY = b"},{"
BLOCK_BYTES = 1 << 20
MAX_BUFFER = 64 << 20
CUTS_PER_BLOCK = 3
IJSON_PIECE_ROWS = 1_000
_INT64_LIMIT = 2.0**63
_JSON_KINDS = {
    "null": "null",
    "boolean": "a boolean",
    "integer": "a number",
    "double": "a number",
    "number": "a number",
    "string": "a string",
    "start_map": "an object",
    "start_array": "a list",
}


class MalformedAnswer(ValueError):
    """The answer is not an object whose `results` is a list of objects, or a value has the wrong type."""


class RowTooLarge(ValueError):
    """One row (or one value) of the answer is larger than the cap."""


@dataclass(frozen=True)
class AnswerLimits:
    """The caps on one answer (`[sources.pendo]` answer_deadline, max_answer_bytes, max_row_bytes)."""

    deadline_s: float = DEFAULT_ANSWER_DEADLINE
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _Chained:
    """`head` followed by the rest of `stream`, as a file for ijson (which only calls `read`)."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = (self._head, b"") if size < 0 else (self._head[:size], self._head[size:])
            return data
        return self._stream.read(size) if size >= 0 else self._stream.read()


def result_rows(
    stream: Readable,
    integer_fields: tuple[str, ...] = (),
    max_row_bytes: int = AnswerLimits.max_row_bytes,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[dict[str, Any]]:
    """Every item of the answer's `results` array, in order, as dicts (the same values ijson gives), checked."""
    for piece in result_pieces(stream, integer_fields, max_row_bytes, block_bytes):
        yield from piece


def result_pieces(
    stream: Readable,
    integer_fields: tuple[str, ...] = (),
    max_row_bytes: int = AnswerLimits.max_row_bytes,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[list[dict[str, Any]]]:
    """The items of the answer's `results` array, in order, as lists of checked dicts: one list per row-aligned
    piece (about `block_bytes` of the answer), so that a caller can turn each piece into columns at once."""
    buffer = stream.read(block_bytes)
    header = HEADER.match(buffer)
    if header is None:
        yield from _ijson_pieces(_Chained(buffer, stream), integer_fields, max_row_bytes)
        return
    buffer = buffer[header.end() :]
    while True:
        try:
            data = stream.read(block_bytes)
        except Exception:
            rows = _cut(buffer, integer_fields)[0]  # the complete rows first, then the read error
            if rows:
                yield rows
            raise
        if not data:
            break
        buffer += data
        rows, buffer, refused = _cut(buffer, integer_fields)
        if rows:
            yield rows
        if len(buffer) > max_row_bytes and buffer.find(ROW_BOUNDARY, 0, max_row_bytes) < 0:
            raise RowTooLarge(f"a row is larger than sources.pendo.max_row_bytes ({max_row_bytes:,})")
        if refused or len(buffer) > MAX_BUFFER:
            yield from _ijson_pieces(_Chained(RESULTS_OPEN + buffer, stream), integer_fields, max_row_bytes)
            return
    try:
        last = orjson.loads(RESULTS_OPEN + buffer)["results"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        last = None
    if isinstance(last, list):
        if last:
            yield _checked(last, integer_fields)
    else:  # not what it looked like: let ijson read it, and fail the way it does
        yield from _ijson_pieces(io.BytesIO(RESULTS_OPEN + buffer), integer_fields, max_row_bytes)


def _checked(rows: list[Any], integer_fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """`rows` when every one is an object and none has a fraction in an integer field."""
    if not all(type(row) is dict for row in rows):
        kind = next(_kind(row) for row in rows if type(row) is not dict)
        raise MalformedAnswer(f"a row is {kind}, not an object")
    for name in integer_fields:  # the types present in the column, collected in C; rows are looked at only on a float
        if float in set(map(type, map(dict.get, rows, repeat(name)))):
            _check_integers(rows, (name,))
    return rows


def _check_integers(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> None:
    for row in rows:
        for name in fields:
            value = row.get(name)
            if type(value) is float and not (value.is_integer() and abs(value) < _INT64_LIMIT):
                what = "a whole number" if not value.is_integer() else "a 64-bit integer"
                raise MalformedAnswer(f"{name} is {value!r}, not {what}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _cut(buffer: bytes, integer_fields: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], bytes, bool]:
    """The complete rows at the start of `buffer` (a row starts it), the text after them, and whether orjson refused
    a value before the end of a piece (then the rest must go to ijson)."""
    end = len(buffer)
    for _ in range(CUTS_PER_BLOCK):
        cut = buffer.rfind(ROW_BOUNDARY, 0, end)
        if cut < 0:
            break
        piece = b"[" + buffer[: cut + 1] + b"]"
        try:
            rows = orjson.loads(piece)
        except orjson.JSONDecodeError as error:
            if error.pos < len(piece.decode("utf-8", "replace")) - 1:  # pos counts characters
                return [], buffer, True  # a value orjson refuses, inside the piece
            end = cut  # the piece ends inside a string or a nested list: try the cut before it
            continue
        return _checked(rows, integer_fields), buffer[cut + 2 :], False
    return [], buffer, False


def _ijson_pieces(stream: Any, integer_fields: tuple[str, ...], max_value_bytes: int) -> Iterator[list[dict[str, Any]]]:
    """The slow path, for any JSON: ijson's events are checked as they pass (the shape, and no value larger than
    `max_value_bytes`), and every row for fractions in integer fields. Rows come in lists of `IJSON_PIECE_ROWS`; when
    the stream fails, the rows already parsed come first."""
    events = _checked_events(ijson.parse(stream, use_float=True), max_value_bytes)

    def checked_rows() -> Iterator[dict[str, Any]]:
        for row in ijson.items(events, "results.item"):
            _check_integers((row,), integer_fields)
            yield row

    yield from batches(checked_rows(), IJSON_PIECE_ROWS)


def _checked_events(events: Iterator[tuple[str, str, Any]], max_value_bytes: int) -> Iterator[tuple[str, str, Any]]:
    first = True
    results_next = False
    results_seen = False
    for prefix, event, value in events:
        if first:
            if event != "start_map":
                raise MalformedAnswer(f"the answer is {_JSON_KINDS.get(event, event)}, not an object")
            first = False
        elif results_next:
            if event != "start_array":
                raise MalformedAnswer(f"results is {_JSON_KINDS.get(event, event)}, not a list")
            results_next, results_seen = False, True
        elif prefix == "" and event == "map_key" and value == "results":
            results_next = True
        elif prefix == "results.item" and event not in ("start_map", "map_key", "end_map"):
            raise MalformedAnswer(f"a row is {_JSON_KINDS.get(event, event)}, not an object")
        if event == "string" and len(value) > max_value_bytes:
            raise RowTooLarge(f"a value is larger than sources.pendo.max_row_bytes ({max_value_bytes:,})")
        yield prefix, event, value
    if first:
        raise MalformedAnswer("the answer is empty")
    if not results_seen:
        raise MalformedAnswer("the answer has no results list")
