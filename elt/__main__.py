"""`python -m elt COMMAND`: the ELT's one entry point (the Makefile calls it).

python -m elt run [--resources R,…]        extract, dbt build and publish under one run lock (`make elt`);
                                           --steps extract,transform runs only those, in that order
python -m elt extract [--resources R,…]    python -m extract (`make extract`)
python -m elt backfill --start D --end D   reload event days, cursor untouched (`make backfill`)
python -m elt transform                    dbt build without unit tests (`make transform`)
python -m elt publish [--duckdb-path P]    the read-only copy of the marts for BI tools (`make publish`)
python -m elt demo                         everything against the local simulator into demo.duckdb (`make demo`)
python -m elt dbt ARGS…                    any dbt command, connected where dlt loads (`make docs`, `make freshness`)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

EXIT_USAGE = 2
BACKFILL_USAGE = "usage: make backfill START=YYYY-MM-DD END=YYYY-MM-DD [RESOURCES=events,…]"


def _exec(command: list[str]) -> int:
    """Become `command`: its output, exit code and signals are the step's own."""
    from elt import steps

    os.chdir(steps.REPO_ROOT)
    os.execvpe(command[0], command, steps.environment())
    return 1  # not reached


def _resources(prog: str, args: list[str], **extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m elt {prog}")
    parser.add_argument("--resources", help="comma-separated resources (default: all)")
    for name, text in extra.items():
        parser.add_argument(f"--{name}", help=text)
    return parser.parse_args(args)


def _run(args: list[str]) -> int:
    from elt import run

    parsed = _resources("run", args, steps=f"comma-separated steps (default: {','.join(run.STEPS)})")
    selected = tuple(name.strip() for name in (parsed.steps or ",".join(run.STEPS)).split(",") if name.strip())
    unknown = [name for name in selected if name not in run.STEPS]
    if unknown or not selected:
        print(f"unknown step {', '.join(unknown)}; choose from {', '.join(run.STEPS)}", file=sys.stderr)
        return EXIT_USAGE
    return run.main(parsed.resources, selected)


def _extract(args: list[str]) -> int:
    from elt import steps

    return _exec(steps.extract(_resources("extract", args).resources))


def _backfill(args: list[str]) -> int:
    from elt import steps

    parsed = _resources("backfill", args, start="first day (YYYY-MM-DD)", end="last day, included")
    if not parsed.start or not parsed.end:
        print(BACKFILL_USAGE, file=sys.stderr)
        return EXIT_USAGE
    return _exec(steps.backfill(parsed.start, parsed.end, parsed.resources))


def _transform(args: list[str]) -> int:
    from elt import dbt, steps

    return dbt.main([*steps.SCHEDULED_BUILD, *args])


def _publish(args: list[str]) -> int:
    from elt import publish

    return publish.main(args)


def _demo(args: list[str]) -> int:
    from elt import demo

    return demo.main(args)


def _dbt(args: list[str]) -> int:
    from elt import dbt

    return dbt.main(args)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": _run,
    "extract": _extract,
    "backfill": _backfill,
    "transform": _transform,
    "publish": _publish,
    "demo": _demo,
    "dbt": _dbt,
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else EXIT_USAGE
    return COMMANDS[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
