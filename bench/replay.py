"""The simulator in replay mode: every aggregation answer is rendered once, stored on disk, and served from there.

A benchmark must not measure the simulator's own work (generating, sorting and encoding rows). So the harness first
sends each client's requests once (a warm-up pass: the first answer to a request is rendered live, streamed to the
client and written to the cache as it goes), and the timed passes then get the stored bytes, read from disk in
`render.CHUNK_BYTES` pieces and sent through the simulator's own chunked writer (`PendoSimulator.render_aggregation`
is the seam). Requests are keyed by their JSON body (keys sorted), so formatting differences do not matter.

Every answered aggregation is appended to `requests.jsonl` in the cache directory (key, source, hit or miss): the
harness reads it to count what a pass asked for, to prove that a timed pass was served from the cache only, and to
let the ceiling client replay exactly the requests our extractor sent.

Rendering is the slow part of a warm-up pass (the simulator generates rows in Python), so the server can fork into
`--processes` processes that accept on the same socket and render in parallel; the cache and the log are safe to
share (files are renamed into place when complete, log lines are single appends).

`python -m bench.replay --cache-dir D --key K [--processes N] [world flags]` prints its URL, then serves until
SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pendo_simulator import aggregation, render
from pendo_simulator.server import PendoSimulator
from pendo_simulator.world import World, WorldConfig

LOG_NAME = "requests.jsonl"


def request_key(body: Any) -> str:
    """The cache key of an aggregation request: a hash of its JSON with sorted keys."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoggedRequest:
    key: str
    source: str
    hit: bool


class ResponseCache:
    """Response bodies and request bodies on disk, plus the log of every request answered."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / LOG_NAME
        self._lock = threading.Lock()

    def body_path(self, key: str) -> Path:
        return self.directory / f"{key}.response.json"

    def request_path(self, key: str) -> Path:
        return self.directory / f"{key}.request.json"

    def log(self, key: str, source: str, hit: bool) -> None:
        line = json.dumps({"key": key, "source": source, "hit": hit}) + "\n"
        with self._lock, self.log_path.open("a") as log:
            log.write(line)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def logged_since(self, offset: int) -> list[LoggedRequest]:
        """The requests answered after the log had `offset` bytes."""
        if not self.log_path.exists():
            return []
        with self.log_path.open() as log:
            log.seek(offset)
            return [LoggedRequest(**json.loads(line)) for line in log if line.strip()]

    def replay(self, path: Path) -> Iterator[bytes]:
        with path.open("rb") as stored:
            while data := stored.read(render.CHUNK_BYTES):
                yield data

    def record(self, key: str, body: Any, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Pass `chunks` through while writing them; the body is stored only once it is complete."""
        final = self.body_path(key)
        partial = final.with_name(f"{final.name}.{threading.get_ident()}.partial")
        complete = False
        try:
            with partial.open("wb") as stored:
                for data in chunks:
                    stored.write(data)
                    yield data
            self.request_path(key).write_text(json.dumps(body, sort_keys=True, separators=(",", ":")))
            os.replace(partial, final)
            complete = True
        finally:
            if not complete:
                with contextlib.suppress(FileNotFoundError):
                    partial.unlink()


class ReplaySimulator(PendoSimulator):
    """The simulator, answering aggregations from the cache when it can and recording when it cannot."""

    def __init__(self, world: World, key: str, cache: ResponseCache, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(world, key=key, host=host, port=port)
        self.cache = cache

    def render_aggregation(self, query: aggregation.Query) -> Iterator[bytes]:
        key = request_key(query.body)
        stored = self.cache.body_path(key)
        if stored.exists():
            self.cache.log(key, query.source, hit=True)
            return self.cache.replay(stored)
        self.cache.log(key, query.source, hit=False)
        return self.cache.record(key, query.body, super().render_aggregation(query))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="serving processes")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--visitors", type=int, required=True)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--now", type=_moment, required=True)
    args = parser.parse_args(argv)
    world = World(
        WorldConfig(seed=args.seed, visitors=args.visitors, accounts=args.accounts, days=args.days, now=args.now)
    )
    server = ReplaySimulator(world, args.key, ResponseCache(args.cache_dir), port=args.port)
    children = []
    for _ in range(max(0, args.processes - 1)):
        pid = os.fork()
        if pid == 0:  # a child: serve on the shared socket until the parent terminates it
            server.serve_forever()
            os._exit(0)
        children.append(pid)
    print(server.url, flush=True)
    try:
        server.serve_until_terminated()
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
