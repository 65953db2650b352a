"""`python -m bench`: run the benchmark, print the report and write it to bench/results/<date>-<scale>.md.

python -m bench                         # the default scale: 51,000 visitors x 30 days (1M+ events rows), ~1 hour
python -m bench --visitors 10000        # another scale (results file named after it)
python -m bench --quick                 # tiny scale, every code path, for CI (`make bench-quick`); no results file
python -m bench --no-baseline           # skip the seed baseline (its dict + insert_values path is the slow part)

Rendered answers are cached in --cache-dir (default /tmp/pendo-bench-cache, about 15 GB at the default scale), so a
second run skips the slow warm-ups. Timings are reported, never asserted: the exit code is non-zero only when
something fails to run (the report then lists what failed).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import harness
from bench.model import DEFAULT_CACHE_ROOT, GROUPS, Options
from bench.processes import REPO_ROOT
from bench.report import machine, render
from bench.scale import DEFAULT_DAYS, DEFAULT_VISITORS, Scale

RESULTS_DIR = REPO_ROOT / "bench" / "results"
QUICK = {"visitors": 200, "days": 3, "dbt_days": 4, "factors": "1,2"}
QUICK_GROUPS = ("events", "guide_events", "entities")  # one of each kind of resource, measured alone
QUICK_DBT_ARGS = ("--exclude", "resource_type:test", "resource_type:unit_test")  # models only: CI time


def _factors(text: str) -> tuple[int, ...]:
    try:
        factors = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not factors or factors[0] != 1:
        raise argparse.ArgumentTypeError("the scaling factors start at 1, e.g. 1,2,4")
    return factors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny scale for CI; writes no results file")
    parser.add_argument("--visitors", type=int, help=f"simulated visitors (default {DEFAULT_VISITORS:,})")
    parser.add_argument("--days", type=int, help=f"days of data read (default {DEFAULT_DAYS})")
    parser.add_argument("--dbt-days", type=int, help="days before the incremental dbt build (default: --days - 1)")
    parser.add_argument("--dbt-visitors", type=int, help="visitors of the dbt measurement (default: --visitors)")
    parser.add_argument("--factors", type=_factors, help="scaling factors (default 1,2,4)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the seed baseline")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile of a full backfill")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="an environment setting for our extractor, to measure a proposed change (e.g. LOAD__WORKERS=1)",
    )
    parser.add_argument("--out", type=Path, help="write the Markdown report here instead of bench/results/")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_ROOT, help="rendered answers (%(default)s)")
    parser.add_argument("--fresh-cache", action="store_true", help="render every answer again")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new one under /tmp)")
    parser.add_argument("--keep-workdir", action="store_true", help="keep the databases and caches afterwards")
    return parser


def _options(args: argparse.Namespace) -> Options:
    preset = QUICK if args.quick else {"visitors": DEFAULT_VISITORS, "days": DEFAULT_DAYS}
    scale = Scale(visitors=args.visitors or preset["visitors"], days=args.days or preset["days"])
    factors = args.factors or _factors(preset.get("factors", "1,2,4"))
    return Options(
        scale=scale,
        factors=factors,
        dbt_days=args.dbt_days or preset.get("dbt_days") or max(1, scale.days - 1),
        dbt_visitors=args.dbt_visitors,
        baseline=not args.no_baseline,
        groups=QUICK_GROUPS if args.quick else tuple(GROUPS),
        workdir=args.workdir,
        keep_workdir=args.keep_workdir,
        cache_root=args.cache_dir,
        dbt_args=QUICK_DBT_ARGS if args.quick else (),
        profile=not (args.quick or args.no_profile),
        fresh_cache=args.fresh_cache,
        extractor_settings=dict(_setting(text) for text in args.set),
    )


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise SystemExit(f"bench: --set takes VAR=VALUE, not {text!r}")
    return name.strip(), value


def results_path(scale: Scale) -> Path:
    rows = f"{scale.visitors // 1000}k" if scale.visitors >= 1000 else str(scale.visitors)
    return RESULTS_DIR / f"{datetime.now(UTC):%Y-%m-%d}-{rows}-visitors-{scale.days}d.md"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = _options(args)
    results = harness.run(options)
    report = render(results, machine())
    print(report)
    out = args.out or (None if args.quick else results_path(options.scale))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
        print(f"\nwritten to {out}", file=sys.stderr)
    if results.failures:
        print(f"bench: {len(results.failures)} measurement(s) failed, see the report", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
