"""The event path alone, in one process: parse, keys, Arrow, keyset paging, over every event answer of a world.

`make bench` times whole runs, where start-up, HTTP and dlt hide what one change to the event path is worth. This
renders a world once (the replay server and one extractor run over the event resources, answers kept in
`--cache-dir`), then reads the stored answers of the event sources in this process and times, in CPU seconds, each
variant of the work between the bytes of an answer and the Arrow tables handed to dlt:

- `current`: what the extractor does (`result_pieces` -> `ArrowConverter.convert` -> `TablePager`);
- `json.loads`: the parse-only ceiling (the same as `bench/ceiling.py`, without HTTP);
- `orjson.loads`: parsing the whole answer with orjson, keeping nothing (a lower bound for any orjson path);
- the native candidates: pyarrow's JSON reader and DuckDB's `read_json` over the answer held in memory, and DuckDB
  building the key text in SQL. Each is checked on every row first, against `row_keys.row_key` (the keys) or against
  `current` (the values of the pinned columns it gives); the table says how many differ, never hides it.

The CPU time of a variant is the lowest of `--repeat` passes. `python -m bench.event_path --help` lists the options;
docs/extraction.md#streaming-and-speed quotes the figures and why the extractor keeps the current path.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.json as pj

from bench.processes import REPO_ROOT
from bench.replay import ResponseCache
from bench.runs import PYTHON, Endpoint, Workspace, run_extractor
from bench.scale import Scale
from bench.session import code_hash
from extract.pendo.keyset import TablePager
from extract.pendo.rows import HEADER, result_pieces
from extract.resources.arrow import ArrowConverter
from extract.resources.registry import ARROW_TYPES, BIGINT, BOOL, DOUBLE, EVENT_TABLES, JSON, TEXT, EventTable
from extract.resources.row_keys import row_key
from extract.settings import ANSWER_PIECE_BYTES, ROW_KEY
from pendo_simulator.process import ServerProcess

DEFAULT_CACHE_ROOT = Path("/tmp/native-parse-cache")
_BY_SOURCE = {table.source: table for table in EVENT_TABLES.values()}


@dataclass(frozen=True)
class Answer:
    table: EventTable
    body: bytes


def render(scale: Scale, cache_root: Path) -> Path:
    """The world's cache directory, after one extractor run over the event resources has filled it."""
    world = (
        f"s{scale.seed}-v{scale.visitors}-a{scale.accounts}-d{scale.days}-{code_hash(REPO_ROOT / 'pendo_simulator')}"
    )
    cache = ResponseCache(cache_root / world)
    marker = cache.directory / "rendered"
    if marker.exists():
        return cache.directory
    key = secrets.token_hex(16)
    command = [PYTHON, "-m", "bench.replay", "--cache-dir", str(cache.directory), "--key", key, "--processes", "2"]
    work = Path(tempfile.mkdtemp(prefix="event-path-"))
    try:
        with ServerProcess([*command, *scale.world_flags()]) as server:
            print(f"rendering {scale.label()} into {cache.directory} ...", file=sys.stderr, flush=True)
            run_extractor(Endpoint(server.url, key), scale, Workspace(work), resources=list(EVENT_TABLES))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    marker.touch()
    return cache.directory


def answers(directory: Path) -> list[Answer]:
    """Every stored answer of an event source, in the order the extractor asked for them."""
    cache = ResponseCache(directory)
    found: dict[str, Answer] = {}
    for entry in cache.logged_since(0):
        table = _BY_SOURCE.get(entry.source)
        path = cache.body_path(entry.key)
        if table is not None and entry.key not in found and path.exists():
            found[entry.key] = Answer(table, path.read_bytes())
    return list(found.values())


def current(answer: Answer) -> Iterator[pa.Table]:
    """What the extractor does with one answer: row-aligned pieces -> Arrow tables -> keyset paging."""
    converter = ArrowConverter(answer.table)
    columns = {f.source: f.column for f in answer.table.fields}
    sort = answer.table.sort("day")

    def query(bound: object, limit: int) -> Iterator[pa.Table]:
        stream = io.BytesIO(answer.body)
        for piece in result_pieces(stream, converter.integer_fields, block_bytes=ANSWER_PIECE_BYTES):
            yield converter.convert(piece)

    pager = TablePager(query, sort, tuple(columns[name] for name in sort), ROW_KEY, page_size=1 << 40)
    return pager.tables()


def results_text(answer: Answer) -> bytes:
    """The text of the answer's `results` list, without its brackets (empty for no rows)."""
    header = HEADER.match(answer.body)
    assert header is not None, "a stored answer without the usual header"
    return answer.body[header.end() : answer.body.rindex(b"]")].strip()


def pyarrow_json(answer: Answer) -> Iterator[pa.Table]:
    """pyarrow's JSON reader over the rows written one a line, with the pinned schema as its explicit schema. JSON
    fields (objects and lists kept as text) are left out: the reader has no type that keeps an object's text."""
    text = results_text(answer)
    if not text:
        return iter(())
    schema = pa.schema([pa.field(f.source, ARROW_TYPES[f.kind]) for f in answer.table.fields if f.kind != JSON])
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    lines = text.replace(b"},{", b"}\n{")  # a `},{` that is not between rows makes the text invalid: an error
    read = pj.ReadOptions(use_threads=False, block_size=max(len(lines), 1 << 20) + 1)
    return iter([pj.read_json(io.BytesIO(lines), read_options=read, parse_options=options)])


_DUCKDB_TYPES = {TEXT: "VARCHAR", BIGINT: "BIGINT", DOUBLE: "DOUBLE", BOOL: "BOOLEAN", JSON: "JSON"}


class DuckDBJson:
    """DuckDB's `read_json` over the answer's `results` list in memory, every pinned column typed (JSON fields as
    their text); with `keys`, the key text built in SQL (`json_array` of the key fields) and hashed row by row."""

    def __init__(self, keys: bool) -> None:
        self.keys = keys
        self.connection = duckdb.connect()
        self.connection.execute("SET threads = 1")  # CPU time is what is compared; the extractor runs in one thread

    def __call__(self, answer: Answer) -> Iterator[pa.Table]:
        text = results_text(answer)
        if not text:
            return iter(())
        table = answer.table
        columns = {f.source: _DUCKDB_TYPES[f.kind] for f in table.fields}
        columns |= {name: "VARCHAR" for name in table.key_fields if name not in columns}
        relation = self.connection.read_json(io.BytesIO(b"[" + text + b"]"), columns=columns, format="array")
        if not self.keys:
            return iter([relation.to_arrow_table()])
        fields = ", ".join(f'"{name}"' for name in table.key_fields)
        arrow = relation.project(f"json_array({fields})::VARCHAR AS key_text, *").to_arrow_table()
        blake2b = hashlib.blake2b
        keys = [blake2b(t.encode(), digest_size=16).hexdigest() for t in arrow.column("key_text").to_pylist()]
        return iter([arrow.set_column(0, ROW_KEY, pa.array(keys, pa.string()))])


def json_loads(answer: Answer) -> int:
    return len(json.loads(answer.body)["results"])


def orjson_loads(answer: Answer) -> int:
    return len(orjson.loads(answer.body)["results"])


def pieces_only(answer: Answer) -> int:
    """The parse of the current path alone: the row-aligned pieces as lists of checked dicts."""
    integer_fields = tuple(f.source for f in answer.table.fields if f.kind == BIGINT)
    stream = io.BytesIO(answer.body)
    return sum(map(len, result_pieces(stream, integer_fields, block_bytes=ANSWER_PIECE_BYTES)))


def _count(tables: Iterator[pa.Table]) -> int:
    return sum(table.num_rows for table in tables)


@dataclass
class Timing:
    name: str
    cpu_s: float
    rows: int
    note: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.cpu_s if self.cpu_s else float("nan")


def timed(name: str, count: Callable[[Answer], int], stored: list[Answer], repeat: int, note: str = "") -> Timing:
    """The lowest CPU time of `repeat` passes over every answer (the others are the same work, slowed by others)."""
    best, rows = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        rows = sum(count(answer) for answer in stored)
        best = min(best, time.process_time() - started)
    return Timing(name, best, rows, note)


def key_mismatches(variant: Callable[[Answer], Iterator[pa.Table]], stored: list[Answer]) -> tuple[int, int]:
    """(rows whose key differs from `row_keys.row_key`, rows compared), every row of every answer."""
    differ = compared = 0
    for answer in stored:
        expected = [row_key([row.get(name) for name in answer.table.key_fields]) for row in orjson_rows(answer)]
        got = [key for table in variant(answer) for key in table.column(ROW_KEY).to_pylist()]
        compared += len(expected)
        differ += sum(a != b for a, b in zip(expected, got, strict=True))
    return differ, compared


def column_mismatches(variant: Callable[[Answer], Iterator[pa.Table]], stored: list[Answer]) -> tuple[int, int]:
    """(values of the pinned columns a variant gives that differ from the current path's, rows compared)."""
    differ = compared = 0
    for answer in stored:
        got_tables = list(variant(answer))
        if not got_tables:
            continue
        want, got = pa.concat_tables(current(answer)), pa.concat_tables(got_tables)
        compared += want.num_rows
        for field in answer.table.fields:
            if field.source in got.column_names:
                values = zip(want.column(field.column).to_pylist(), got.column(field.source).to_pylist(), strict=True)
                differ += sum(a != b for a, b in values)
    return differ, compared


def orjson_rows(answer: Answer) -> list[dict]:
    return orjson.loads(answer.body)["results"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.event_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3, help="passes per variant; the lowest CPU time counts")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_ROOT)
    parser.add_argument("--only", help="time only the variants whose name starts with this (e.g. 'current: event')")
    parser.add_argument("--no-check", dest="check", action="store_false", help="skip the equality checks")
    args = parser.parse_args(argv)
    directory = render(Scale(visitors=args.visitors, days=args.days), args.cache_dir)
    stored = answers(directory)
    megabytes = sum(len(a.body) for a in stored) / 1e6
    print(f"{len(stored)} event answers, {megabytes:.1f} MB, from {directory}", file=sys.stderr, flush=True)

    duck, duck_keys = DuckDBJson(keys=False), DuckDBJson(keys=True)
    variants = {
        "json.loads (ceiling)": (json_loads, "parse only, keeps nothing"),
        "orjson.loads": (orjson_loads, "parse only, keeps nothing"),
        "current: pieces only": (pieces_only, "result_pieces: checked dicts; no Arrow, no keys"),
        "current: event path": (lambda a: _count(current(a)), ""),
        "pyarrow.json": (lambda a: _count(pyarrow_json(a)), "no JSON fields, no keys"),
        "duckdb read_json": (lambda a: _count(duck(a)), "JSON fields as text; no keys"),
        "duckdb read_json + SQL key text": (lambda a: _count(duck_keys(a)), ""),
    }
    if args.only:
        variants = {name: value for name, value in variants.items() if name.startswith(args.only)}
    if args.check:
        notes = {
            "current: event path": (current, key_mismatches),
            "pyarrow.json": (pyarrow_json, column_mismatches),
            "duckdb read_json": (duck, column_mismatches),
            "duckdb read_json + SQL key text": (duck_keys, key_mismatches),
        }
        for name, (variant, check) in notes.items():
            if name in variants:
                differ, compared = check(variant, stored)
                what = "keys" if check is key_mismatches else "column values"
                count, note = variants[name]
                variants[name] = (
                    count,
                    f"{note}{'; ' if note else ''}{what} differing: {differ:,} ({compared:,} rows)",
                )
    results = [timed(name, count, stored, args.repeat, note) for name, (count, note) in variants.items()]
    ceiling = next((r.cpu_s for r in results if r.name.startswith("json.loads")), float("nan"))
    print(f"\n{args.visitors:,} visitors x {args.days} days, CPU seconds in this process, best of {args.repeat}:")
    print("| Variant | CPU s | Rows | Rows/s | x ceiling time | Note |\n| --- | --- | --- | --- | --- | --- |")
    for result in results:
        print(
            f"| {result.name} | {result.cpu_s:.3f} | {result.rows:,} | {result.rows_per_s:,.0f} | "
            f"{result.cpu_s / ceiling:.2f} | {result.note} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
