"""A BI tool's stand-in: `python -m tests.publish.reader DATABASE SQL` holds DATABASE open (read-only by default).

It answers SQL once on start and again for every line it reads on stdin, one JSON line per answer, on the same
connection; it closes the connection and exits when stdin closes. The test drives it through the pipes, so it knows
exactly when the file is open and what the reader saw.
"""

from __future__ import annotations

import argparse
import json
import sys

import duckdb


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("sql")
    parser.add_argument("--read-write", action="store_true", help="open it read-write, as a careless tool would")
    args = parser.parse_args()
    with duckdb.connect(args.database, read_only=not args.read_write) as connection:

        def answer() -> None:
            print(json.dumps(connection.execute(args.sql).fetchall(), default=str), flush=True)

        answer()
        for _line in sys.stdin:
            answer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
