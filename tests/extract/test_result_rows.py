"""The piecewise orjson parser gives exactly ijson's rows, on any cut of the stream, and fails the way ijson does."""

from __future__ import annotations

import io
import json

import ijson
import pytest

from extract.pendo import rows as result_rows
from extract.pendo.rows import result_rows as parse

HOSTILE = ['"quoted"\\visitor', "a},{b", "x},{", "},{", "ünïcødé},{\u2028", "&& <b> \n \t"]


def rows(count: int) -> list[dict]:
    return [
        {
            "visitorId": HOSTILE[i % len(HOSTILE)] + str(i),
            "appId": -323232 if i % 2 else 5668600916475904,
            "day": 1772946000000 + i,
            "parameters": None if i % 3 else {"tab": "},{", "n": i},
            "steps": [{"id": "s1"}, {"id": "s2", "polls": [{"id": "p"}, {"id": "q"}]}] if i % 5 == 0 else [],
            "ratio": i / 7,
            "flag": i % 2 == 0,
        }
        for i in range(count)
    ]


class Trickle(io.RawIOBase):
    """A stream that hands out at most `step` bytes per read, like a socket delivering small chunks."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.at = data, step, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.at : self.at + size]
        self.at += len(chunk)
        return chunk


def body(items: list[dict], head: str = '{"startTime":1772946000000,"results":', tail: str = "}") -> bytes:
    return (head + json.dumps(items, ensure_ascii=False, separators=(",", ":")) + tail).encode()


def reference(data: bytes) -> list[dict]:
    return list(ijson.items(io.BytesIO(data), "results.item", use_float=True))


@pytest.mark.parametrize("block", [7, 64, 1000, 1 << 20])
def test_every_block_size_gives_ijson_rows(block):
    data = body(rows(300))
    assert list(parse(Trickle(data, block), block_bytes=block)) == reference(data) == rows(300)


@pytest.mark.parametrize(
    ("head", "tail"),
    [
        ('{"results":', "}"),
        ('{ "startTime" : 5 , "results" : ', ' , "more": [1, {"a": "},{"}]}'),
        ('{"results":', ',"startTime":5}'),
        ('{"other":{"x":"},{"},"results":', "}"),  # another header: ijson reads it all
    ],
)
def test_headers_and_trailers(head, tail):
    data = body(rows(40), head, tail)
    assert list(parse(io.BytesIO(data), block_bytes=256)) == reference(data)


def test_empty_results():
    assert list(parse(io.BytesIO(b'{"startTime":1,"results":[]}'))) == []


def test_a_value_orjson_refuses_is_left_to_ijson(monkeypatch):
    items = rows(60)
    data = body(items).replace(b'"tab":"},{"', b'"tab":"\\ud800"', 1)  # a lone surrogate: orjson refuses it
    assert list(parse(io.BytesIO(data), block_bytes=128)) == reference(data)


def test_no_cut_within_the_limit_hands_over_to_ijson(monkeypatch):
    monkeypatch.setattr(result_rows, "MAX_BUFFER", 200)
    data = body([{"steps": [{"id": str(i)} for i in range(50)]} for _ in range(5)])
    assert list(parse(io.BytesIO(data), block_bytes=64)) == reference(data)


def test_a_cut_off_body_hands_over_the_complete_rows_then_fails_like_ijson():
    data = body(rows(100))[:-3000]
    got: list[dict] = []
    with pytest.raises(ijson.IncompleteJSONError):
        got.extend(parse(io.BytesIO(data), block_bytes=512))
    assert got == rows(len(got)) and 0 < len(got) < 100


def test_a_failed_read_hands_over_the_buffered_rows_first():
    data = body(rows(100))

    class Dropped(Trickle):
        def read(self, size: int = -1) -> bytes:
            if self.at > len(self.data) // 2:
                raise ConnectionResetError("dropped")
            return super().read(size)

    got: list[dict] = []
    with pytest.raises(ConnectionResetError):
        got.extend(parse(Dropped(data, 300), block_bytes=300))
    assert got == rows(len(got)) and len(got) >= 40


def test_not_json_fails_like_ijson():
    with pytest.raises(ijson.JSONError):
        list(parse(io.BytesIO(b"<html>502 Bad Gateway</html>")))


def test_pendo_shaped_answers_never_need_ijson(monkeypatch):
    def no_ijson(*args, **kwargs):
        raise AssertionError("the fast path handed over to ijson")

    monkeypatch.setattr(result_rows, "_ijson_pieces", no_ijson)
    data = body(rows(500))  # hostile strings with `},{` and nested lists of objects included
    assert list(parse(Trickle(data, 333), block_bytes=1000)) == rows(500)
