"""Command line: `python -m pendo_simulator serve|truth`.

serve  --host 127.0.0.1 --port 0 --seed N --key K [scale flags]   prints its URL on the first line
truth  --seed N [scale flags]                                      prints the true metrics as JSON
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pendo_simulator import truth
from pendo_simulator.server import PendoSimulator
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
    parser.add_argument("--seed", type=int, default=defaults.seed, help="data seed (default %(default)s)")
    parser.add_argument("--visitors", type=int, default=defaults.visitors, help="visitors (default %(default)s)")
    parser.add_argument("--accounts", type=int, default=defaults.accounts, help="accounts (default %(default)s)")
    parser.add_argument("--days", type=int, default=defaults.days, help="days of history (default %(default)s)")
    parser.add_argument("--apps", type=int, default=defaults.apps, help="apps, 1-4 (default %(default)s)")
    parser.add_argument("--guides", type=int, default=defaults.guides, help="guides (default %(default)s)")
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


def _config(args: argparse.Namespace) -> WorldConfig:
    now = args.now or datetime.now(UTC).replace(microsecond=0)
    return WorldConfig(
        seed=args.seed,
        visitors=args.visitors,
        accounts=args.accounts,
        days=args.days,
        apps=args.apps,
        guides=args.guides,
        timezone=args.timezone,
        now=now,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pendo_simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake Pendo API on a loopback address")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default %(default)s)")
    serve.add_argument("--port", type=int, default=0, help="port, 0 for a free one (default %(default)s)")
    serve.add_argument("--key", required=True, help="the only integration key the server accepts")
    _world_flags(serve)
    truth_parser = commands.add_parser("truth", help="print the true metrics of the simulated data as JSON")
    _world_flags(truth_parser)
    args = parser.parse_args(argv)

    try:
        world = World(_config(args))
    except ValueError as error:
        parser.error(str(error))
    if args.command == "truth":
        json.dump(truth.compute(world), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    try:
        server = PendoSimulator(world, key=args.key, host=args.host, port=args.port)
    except (ValueError, OSError) as error:
        print(f"pendo_simulator: {error}", file=sys.stderr)
        return 2
    print(server.url, flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends serve_forever() the way Ctrl-C does, so the socket is closed cleanly."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
