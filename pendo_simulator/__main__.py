"""Command line: `python -m pendo_simulator serve|truth`.

serve  --host 127.0.0.1 --port 0 --key K [--key K2] [--region us] [world flags] [fault flags]
       prints its URL on the first line, then serves until SIGTERM or Ctrl-C
truth  [world flags] [--source S --period dayRange --first F (--last L | --count N) [--app-id A]]
       prints the true metrics (and, with --source, the rows the source returns for that window) as JSON

World flags (the same for both, so truth describes what serve serves): --profile --seed --visitors --accounts --days
--apps --guides --timezone --now --attribute-change-at. Fault flags: see `pendo_simulator/faults.py` (each knob is a
flag and an admin field).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pendo_simulator import truth
from pendo_simulator.faults import KNOBS, KnobError, parse_knobs, parse_script_flag
from pendo_simulator.fixtures import Fixtures
from pendo_simulator.profiles import PROFILES, profile_settings, profiles_help
from pendo_simulator.rows import EVENT_SOURCES, ROW_SOURCES
from pendo_simulator.server import REGIONS, PendoSimulator
from pendo_simulator.timeseries import TimeSeriesError
from pendo_simulator.world import World, WorldConfig


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone: {text!r}") from None
    return text


def _world_flags(parser: argparse.ArgumentParser) -> None:
    defaults = WorldConfig(now=datetime(2000, 1, 1, tzinfo=UTC))
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="default",
        help="a named world, sparse or messy like real subscriptions (default %(default)s):\n" + profiles_help(),
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="data seed (default %(default)s)")
    parser.add_argument("--visitors", type=int, default=defaults.visitors, help="visitors (default %(default)s)")
    parser.add_argument("--accounts", type=int, default=defaults.accounts, help="accounts (default %(default)s)")
    parser.add_argument("--days", type=int, default=defaults.days, help="days of history (default %(default)s)")
    parser.add_argument("--apps", type=int, default=None, help=f"apps, 1-4 (default {defaults.apps}, or the profile's)")
    parser.add_argument(
        "--guides", type=int, default=None, help=f"guides (default {defaults.guides}, or the profile's)"
    )
    parser.add_argument(
        "--timezone",
        type=_timezone,
        default=defaults.timezone,
        help="subscription time zone (default %(default)s)",
    )
    parser.add_argument(
        "--now",
        type=_moment,
        default=None,
        help="the simulator's clock, ISO 8601 (default: the real time); data ends here",
    )
    parser.add_argument(
        "--attribute-change-at",
        type=_moment,
        default=None,
        help="ISO 8601: plans, roles and names change at this instant (pendo_simulator/changes.py; default: never)",
    )


def _fault_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("faults and realism (also settable at POST /_simulator/faults)")
    for knob in KNOBS:
        if knob.name == "scripts":
            group.add_argument(
                "--script", action="append", default=[], metavar="TARGET=STEP,STEP", dest="scripts", help=knob.help
            )
        elif knob.cli is None:
            group.add_argument(knob.flag, action="store_true", dest=knob.name, help=knob.help)
        else:
            group.add_argument(knob.flag, type=knob.cli, default=None, dest=knob.name, help=knob.help)


def _knobs(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for knob in KNOBS:
        if knob.name == "scripts":
            if args.scripts:
                values["scripts"] = [parse_script_flag(text) for text in args.scripts]
        elif knob.cli is None:
            if getattr(args, knob.name):
                values[knob.name] = True
        elif getattr(args, knob.name) is not None:
            values[knob.name] = getattr(args, knob.name)
    return parse_knobs(values)


def _rows_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rows of one source (adds a `rows` section)")
    group.add_argument("--source", choices=ROW_SOURCES, help="the row source")
    group.add_argument("--period", default="dayRange", help="timeSeries.period (default %(default)s)")
    group.add_argument("--first", help="timeSeries.first: epoch ms, a numeric string or an expression")
    window = group.add_mutually_exclusive_group()
    window.add_argument("--last", help="timeSeries.last")
    window.add_argument("--count", type=int, help="timeSeries.count")
    group.add_argument("--app-id", type=int, action="append", dest="app_ids", help="app id (default: every app)")


def _source_query(args: argparse.Namespace) -> dict[str, Any] | None:
    if not args.source:
        return None
    time_series: dict[str, Any] = {"period": args.period, "first": args.first}
    if args.last is not None:
        time_series["last"] = args.last
    if args.count is not None:
        time_series["count"] = args.count
    return {
        "source": args.source,
        "time_series": time_series,
        "app_ids": tuple(args.app_ids) if args.app_ids else None,
    }


def _config(args: argparse.Namespace) -> WorldConfig:
    now = args.now or datetime.now(UTC).replace(microsecond=0)
    settings = profile_settings(args.profile)
    for name in ("apps", "guides"):  # an explicit flag wins over the profile
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    return WorldConfig(
        seed=args.seed,
        visitors=args.visitors,
        accounts=args.accounts,
        days=args.days,
        timezone=args.timezone,
        now=now,
        attribute_change_at=args.attribute_change_at,
        **settings,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pendo_simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the fake Pendo API on a loopback address", formatter_class=argparse.RawTextHelpFormatter
    )
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default %(default)s)")
    serve.add_argument("--port", type=int, default=0, help="port, 0 for a free one (default %(default)s)")
    serve.add_argument(
        "--key", action="append", required=True, help="an integration key the server accepts (repeatable)"
    )
    serve.add_argument("--region", choices=REGIONS, default="us", help="the host's region (default %(default)s)")
    serve.add_argument(
        "--fixtures",
        type=Path,
        default=None,
        metavar="DIR",
        help="replay: serve the rows of DIR/<source>.json instead of generated ones (pendo_simulator/fixtures.py)",
    )
    _world_flags(serve)
    _fault_flags(serve)
    truth_parser = commands.add_parser(
        "truth",
        help="print the true metrics of the simulated data as JSON",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    _world_flags(truth_parser)
    _rows_flags(truth_parser)
    args = parser.parse_args(argv)

    try:
        world = World(_config(args))
    except ValueError as error:
        parser.error(str(error))
    if args.command == "truth":
        needs_window = args.source in EVENT_SOURCES
        if needs_window and (args.first is None or (args.last is None and args.count is None)):
            parser.error("an event source needs --first and one of --last or --count")
        try:
            result = truth.compute(world, _source_query(args))
        except TimeSeriesError as error:
            parser.error(str(error))
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    try:
        knobs = _knobs(args)
    except KnobError as error:
        print(f"pendo_simulator: {error}", file=sys.stderr)
        return 2
    if args.fixtures is not None:
        try:
            world.fixtures = Fixtures(args.fixtures)
        except ValueError as error:
            print(f"pendo_simulator: {error}", file=sys.stderr)
            return 2
    try:
        server = PendoSimulator(world, key=args.key, host=args.host, port=args.port, region=args.region, knobs=knobs)
    except (ValueError, OSError) as error:
        print(f"pendo_simulator: {error}", file=sys.stderr)
        return 2
    print(server.url, flush=True)
    server.serve_until_terminated()
    return 0


if __name__ == "__main__":
    sys.exit(main())
