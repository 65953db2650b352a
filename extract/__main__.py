"""`python -m extract`: run the extraction, reporting foreseeable faults in one line and a non-zero exit.

python -m extract                                   # regular run: every resource, incremental
python -m extract --resources events,guides         # some resources
python -m extract --start 2024-03-01 --end 2024-03-31   # backfill those days (both included), cursor untouched
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    pass


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m extract",
        description="Extract Pendo into pendo_raw.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--resources", help="comma-separated resources to extract (default: all)")
    parser.add_argument("--start", type=_day, help="backfill: first day to reload (subscription time zone)")
    parser.add_argument("--end", type=_day, help="backfill: last day to reload, included")
    parser.add_argument("--summary-json", type=Path, help="also write the run summary as JSON to this file")
    return parser


def _selected(text: str | None, backfill: bool) -> list[str] | None:
    from extract.resources.registry import ALL_RESOURCES, EVENT_RESOURCES  # no dlt import: usage errors answer at once

    if not text:
        return None
    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in ALL_RESOURCES]
    if unknown:
        raise UsageError(f"unknown resource {', '.join(unknown)}; choose from {', '.join(ALL_RESOURCES)}")
    if backfill and (entities := [name for name in names if name not in EVENT_RESOURCES]):
        raise UsageError(
            f"a backfill reloads event resources only ({', '.join(EVENT_RESOURCES)}), not {', '.join(entities)}; "
            "entities are read whole on every regular run"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if (args.start is None) != (args.end is None):
        print("a backfill needs both --start and --end (make backfill START=… END=…)", file=sys.stderr)
        return EXIT_USAGE
    if args.start and args.start > args.end:
        print(f"a backfill's --start ({args.start}) is after its --end ({args.end})", file=sys.stderr)
        return EXIT_USAGE
    backfill = (args.start, args.end) if args.start else None
    try:
        resources = _selected(args.resources, backfill is not None)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE

    from extract.load.messages import explain, secrets_warning

    os.umask(0o077)  # the database, its WAL and dlt's files are readable by this user only
    if (warning := secrets_warning()) is not None:
        print(warning, file=sys.stderr)
    try:
        from extract.load.pipeline import run
        from extract.load.progress import summary_text

        summary = run(resources, backfill)
    except Exception as error:
        line = explain(error)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return EXIT_FAILED
    print(summary_text(summary))
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
