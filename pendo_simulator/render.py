"""Response bodies: JSON rendered the way Pendo's servers write it, in chunks, never holding a whole body.

Kept apart from the HTTP handler so a benchmark can serve pre-rendered chunks through the same writer.

[I] Pendo's API is written in Go, whose `encoding/json` writes non-ASCII characters as UTF-8 but escapes `&`, `<`,
`>`, U+2028 and U+2029 inside strings (`\\u0026`…). The simulator does the same, which any JSON parser reads back
unchanged but which breaks clients that pattern-match on raw bodies. Those characters can only occur inside JSON
strings, so replacing them in the encoded text is exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

CHUNK_BYTES = 64 * 1024
_ESCAPES = ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e"), ("\u2028".encode(), b"\\u2028"),
            ("\u2029".encode(), b"\\u2029"))  # fmt: skip


def _stdlib_dumps() -> Callable[[Any], bytes]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return lambda value: encode(value).encode()


try:  # orjson (a dependency of dlt) encodes rows about 5x faster; the stdlib gives the same JSON values
    import orjson

    dumps: Callable[[Any], bytes] = orjson.dumps
except ImportError:  # pragma: no cover - dlt installs orjson on CPython
    dumps = _stdlib_dumps()


def go_escape(data: bytes) -> bytes:
    for raw, escaped in _ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def encode(value: Any) -> bytes:
    """One JSON document, compact, Go-escaped, UTF-8."""
    return go_escape(dumps(value))


def results_chunks(start_time: int, rows: Iterable[dict[str, Any]], chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """`{"startTime": …, "results": […]}` as UTF-8 chunks of about `chunk_bytes`; the last one ends the document."""
    header = b'{"startTime":%d,"results":[' % int(start_time)
    prefix = header
    batch: list[bytes] = []
    size = 0
    for row in rows:
        data = dumps(row)
        batch.append(data)
        size += len(data)
        if size >= chunk_bytes:
            yield prefix + go_escape(b",".join(batch))
            prefix, batch, size = b",", [], 0
    if batch:
        yield prefix + go_escape(b",".join(batch)) + b"]}"
    else:
        yield (header if prefix is header else b"") + b"]}"
