"""The ceiling: a bare client that downloads the same responses our extractor got and parses them with `json.loads`.

It writes nothing and keeps nothing, so no extractor that parses JSON can be faster on the same answers. It posts
the stored request bodies (see `replay.py`) one after another on one keep-alive connection.

`python -m bench.ceiling --url U --cache-dir D --requests FILE` (the key from `BENCH_PENDO_KEY`) prints, as JSON,
the rows, bytes and seconds per row source. With `--no-parse` it only downloads: the harness uses that to have the
server render a client's answers before that client is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

KEY_HEADER = "x-pendo-integration-key"


def fetch_all(url: str, key: str, bodies: list[tuple[str, bytes]], parse: bool = True) -> dict[str, dict[str, Any]]:
    """POST each (source, body) in order; rows, bytes and seconds per source."""
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {"requests": 0, "rows": 0, "bytes": 0, "seconds": 0.0})
    headers = {KEY_HEADER: key, "content-type": "application/json"}
    with requests.Session() as session:
        for source, body in bodies:
            started = time.perf_counter()
            response = session.post(f"{url}/api/v1/aggregation", data=body, headers=headers, timeout=600)
            content = response.content
            if response.status_code != 200:
                raise RuntimeError(f"{source}: the server answered {response.status_code}: {content[:200]!r}")
            rows = len(json.loads(content)["results"]) if parse else 0
            entry = totals[source]
            entry["seconds"] += time.perf_counter() - started
            entry["requests"] += 1
            entry["rows"] += rows
            entry["bytes"] += len(content)
    return dict(totals)


def load_bodies(cache_dir: Path, requests_file: Path) -> list[tuple[str, bytes]]:
    listed = json.loads(requests_file.read_text())
    return [(item["source"], (cache_dir / f"{item['key']}.request.json").read_bytes()) for item in listed]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--requests", type=Path, required=True, help="JSON list of {key, source}, in order")
    parser.add_argument("--no-parse", action="store_true", help="download only")
    args = parser.parse_args(argv)
    bodies = load_bodies(args.cache_dir, args.requests)
    print(json.dumps(fetch_all(args.url, os.environ["BENCH_PENDO_KEY"], bodies, parse=not args.no_parse)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
