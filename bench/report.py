"""The benchmark's report: the machine, every figure, and each target with the margin by which it is met or missed."""

from __future__ import annotations

import itertools
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from bench.model import GROUPS, Figure, Results
from bench.processes import REPO_ROOT

NONE = "-"
PACKAGES = ("dlt", "duckdb", "pyarrow", "ijson", "orjson", "dbt-core", "dbt-duckdb", "requests")


def machine() -> dict[str, str]:
    def first(path: str, prefix: str) -> str:
        try:
            with open(path) as lines:
                for line in lines:
                    if line.startswith(prefix):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    memory_kb = first("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kb.split()[0]) / 1024**2:.1f} GiB" if memory_kb != "unknown" else memory_kb
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": ", ".join(versions),
        "commit": commit.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
    }


@dataclass
class Target:
    name: str
    measured: str
    met: bool
    margin: str


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


# The targets the report checks (docs: bench/README.md#what-it-measures).
ROWS_PER_S = 150_000
BASELINE_TIMES = 30
CEILING_TIMES = 1.5
RSS_MB = 500
INCREMENTAL_SHARE = 0.25
GROWTH = 2.1
NOOP_S = 20


def targets(results: Results) -> list[Target]:
    found: list[Target] = []
    ours = results.ours.get("total")
    if ours:
        rate = ours.rate
        found.append(
            Target(
                f"≥ {ROWS_PER_S:,} rows/s into DuckDB (full backfill)",
                f"{rate:,.0f} rows/s",
                rate >= ROWS_PER_S,
                _margin(rate / ROWS_PER_S),
            )
        )
    baseline = results.baseline.get("total")
    if ours and baseline:
        speedup = _ratio(ours.rate, baseline.rate)
        found.append(
            Target(
                f"≥ {BASELINE_TIMES}x the seed baseline",
                f"{speedup:,.1f}x",
                speedup >= BASELINE_TIMES,
                _margin(speedup / BASELINE_TIMES),
            )
        )
    ceiling = results.ceiling.get("total")
    if ours and ceiling:
        slower = _ratio(ceiling.rate, ours.rate)
        found.append(
            Target(
                f"≤ {CEILING_TIMES}x the ceiling's time",
                f"{slower:.2f}x the ceiling's time",
                slower <= CEILING_TIMES,
                _margin(CEILING_TIMES / slower),
            )
        )
    one_window = next((f for label, f in results.memory.items() if "one" in label), None)
    if one_window and one_window.peak_rss_mb is not None:
        peak = one_window.peak_rss_mb
        found.append(
            Target(f"peak RSS ≤ {RSS_MB} MB, 1M-row window", f"{peak:,.0f} MB", peak <= RSS_MB, _margin(RSS_MB / peak))
        )
    if results.dbt:
        share = _ratio(results.dbt["incremental_s"], results.dbt["full_s"])
        found.append(
            Target(
                f"incremental dbt ≤ {INCREMENTAL_SHARE:.0%} of full",
                f"{share:.0%}",
                share <= INCREMENTAL_SHARE,
                _margin(INCREMENTAL_SHARE / share),
            )
        )
    if results.noop.get("total"):
        total = results.noop["total"]
        found.append(
            Target(f"no-op `make elt` ≤ {NOOP_S} s", f"{total:,.1f} s", total <= NOOP_S, _margin(NOOP_S / total))
        )
    for kind in ("extract_s", "dbt_s"):
        for growth, label in growth_ratios(results, kind):
            found.append(
                Target(
                    f"growth ≤ {GROWTH}x when data doubles ({'extraction' if kind == 'extract_s' else 'dbt'} {label})",
                    f"{growth:.2f}x",
                    growth <= GROWTH,
                    _margin(GROWTH / growth),
                )
            )
    return found


def growth_ratios(results: Results, kind: str) -> list[tuple[float, str]]:
    points = sorted(results.scaling, key=lambda point: point["factor"])
    ratios = []
    for low, high in itertools.pairwise(points):
        if high["factor"] == 2 * low["factor"]:
            ratios.append((_ratio(high[kind], low[kind]), f"{low['factor']}x→{high['factor']}x"))
    return ratios


def _margin(ratio: float) -> str:
    """`ratio` is measured ÷ target (or target ÷ measured), so > 1 means met."""
    if ratio != ratio:  # nan
        return "n/a"
    if ratio >= 1:
        return f"met with {ratio - 1:.0%} to spare"
    return f"missed by {1 - ratio:.0%}"


def _seconds(value: float | None) -> str:
    return NONE if value is None else f"{value:,.1f}"


def _rate(figure: Figure | None) -> str:
    return NONE if figure is None or not figure.seconds else f"{figure.rate:,.0f}"


def render(results: Results, info: dict[str, str]) -> str:
    options = results.options
    scale = options.scale
    lines = [
        f"# Benchmark {info['date']}: {scale.label()}",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; memory {info['memory']}; {info['os']}",
        f"- Python {info['python']}; {info['versions']}",
        f"- Commit {info['commit']}; whole run {results.wall_seconds / 60:,.1f} min; 1-minute load average "
        f"{' at the start, '.join(f'{value:.1f}' for value in results.load_average)} at the end "
        "(a load above ~1 means other work shared the 2 cores)",
        "",
        "## Data",
        "",
        f"Simulator world: seed {scale.seed}, {scale.visitors:,} visitors, {scale.accounts:,} accounts, "
        f"{scale.days} full days read ({scale.first_day} to the day before {scale.now:%Y-%m-%d}), day buckets. "
        "Every timed pass is served pre-rendered answers from the replay cache "
        f"(answers rendered live during timed passes: {sum(results.misses.values())}).",
        "",
    ]
    if options.extractor_settings:
        changed = ", ".join(f"`{name}={value}`" for name, value in options.extractor_settings.items())
        lines += [f"**Our extractor ran with settings changed from the project's: {changed}.**", ""]
    lines += _throughput_section(results)
    lines += _memory_section(results)
    lines += _dbt_section(results)
    lines += _noop_section(results)
    lines += _scaling_section(results)
    lines += ["## Targets", "", "| Target | Measured | Met | Margin |", "|---|---|---|---|"]
    for target in targets(results):
        lines.append(f"| {target.name} | {target.measured} | {'yes' if target.met else '**no**'} | {target.margin} |")
    lines.append("")
    if results.failures:
        lines += ["## Failed measurements", "", *(f"- {failure}" for failure in results.failures), ""]
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines)


def _throughput_section(results: Results) -> list[str]:
    lines = [
        "## 1. Extraction throughput: full backfill into DuckDB",
        "",
        "Rows are raw rows (root tables) in the database; seconds are the wall time of the whole process (start-up "
        "included). Per resource: that resource extracted alone. Total: ours and the ceiling in one run of every "
        "resource; the baseline as the sum of its per-resource runs. The ratios compare times per row (on the same "
        "rows, the ratio of the times).",
        "",
        "| Resource | Rows | Ours s | Ours rows/s | Baseline s | Baseline rows/s | Ceiling s | Ceiling rows/s "
        "| Ours ÷ ceiling | Baseline ÷ ours |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for group in [*GROUPS, "total"]:
        ours = results.ours.get(group)
        baseline = results.baseline.get(group)
        ceiling = results.ceiling.get(group)
        if ours is None:
            continue
        vs_ceiling = f"{_ratio(ceiling.rate, ours.rate):.2f}x" if ceiling else NONE
        vs_baseline = f"{_ratio(ours.rate, baseline.rate):,.1f}x" if baseline else NONE
        name = f"**{group}**" if group == "total" else group
        lines.append(
            f"| {name} | {ours.rows:,} | {_seconds(ours.seconds)} | {_rate(ours)} "
            f"| {_seconds(baseline.seconds if baseline else None)} | {_rate(baseline)} "
            f"| {_seconds(ceiling.seconds if ceiling else None)} | {_rate(ceiling)} | {vs_ceiling} | {vs_baseline} |"
        )
    stages = results.ours_stages
    if stages:
        lines += [
            "",
            f"Our full backfill by dlt stage: extract {stages.get('extract', 0):.1f} s, normalize "
            f"{stages.get('normalize', 0):.1f} s, load {stages.get('load', 0):.1f} s (the rest is start-up and "
            f"state sync). Requests: ours {results.requests.get('ours', 0):,} (keyset pages), baseline "
            f"{results.requests.get('baseline', 0):,} (one per window).",
        ]
    lines += _profile_lines(results)
    if "baseline" in results.requests:
        baseline_total = results.baseline.get("total")
        if baseline_total is not None and baseline_total.peak_rss_mb is not None:
            lines.append(f"Baseline peak RSS (largest per-resource run): {baseline_total.peak_rss_mb:,.0f} MB.")
    return [*lines, ""]


def _profile_lines(results: Results) -> list[str]:
    profile = results.profile
    if not profile:
        return []
    lines = [
        "",
        f"Where our extractor's time goes: one more full backfill under py-spy, {profile['seconds']:,.0f} s of samples "
        "of the thread holding the GIL (Python is bound to one core, so this is what bounds extraction):",
        "",
        "| Component | Share |",
        "|---|---:|",
        *(f"| {name} | {share:.0%} |" for name, share in profile["components"]),
        "",
        "| Function (own time) | Share |",
        "|---|---:|",
        *(f"| `{name}` | {share:.1%} |" for name, share in profile["functions"]),
        "",
    ]
    return lines


def _memory_section(results: Results) -> list[str]:
    lines = [
        "## 2. Peak memory of our extractor (RSS of the process tree)",
        "",
        "| Run | Rows | Seconds | Peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for label, figure in results.memory.items():
        peak = NONE if figure.peak_rss_mb is None else f"{figure.peak_rss_mb:,.0f}"
        lines.append(f"| {label} | {figure.rows:,} | {figure.seconds:,.1f} | {peak} |")
    return [*lines, ""]


def _dbt_section(results: Results) -> list[str]:
    dbt = results.dbt
    if not dbt:
        return []
    share = _ratio(dbt["incremental_s"], dbt["full_s"])
    return [
        "## 3. dbt",
        "",
        f"{dbt['days']} days of {dbt['visitors']:,} visitors ({dbt['raw_rows']:,} raw rows after the next day).",
        "",
        "| Step | Seconds |",
        "|---|---:|",
        f"| full `dbt build` on {dbt['days']} days | {dbt['full_s']:,.1f} |",
        f"| extract the next day (regular run: 1 new day + lookback, {dbt['next_day_rows_read']:,} rows read) "
        f"| {dbt['next_day_extract_s']:,.1f} |",
        f"| incremental `dbt build` | {dbt['incremental_s']:,.1f} |",
        f"| **incremental ÷ full** | **{share:.0%}** |",
        "",
        *_dbt_breakdown(dbt),
    ]


def _dbt_breakdown(dbt: dict) -> list[str]:
    full, incremental = dbt.get("full_breakdown"), dbt.get("incremental_breakdown")
    if not full or not incremental:
        return []
    lines = [
        "Where the time goes (from dbt's run_results.json; node seconds overlap on 2 threads; start-up and parsing "
        "are the wall time minus dbt's run time):",
        "",
        "| Part | Full build s | Incremental build s |",
        "|---|---:|---:|",
        f"| start-up and parsing | {dbt['full_s'] - full['dbt run time']:,.1f} "
        f"| {dbt['incremental_s'] - incremental['dbt run time']:,.1f} |",
    ]
    for kind in sorted(set(full) | set(incremental)):
        lines.append(f"| {kind} | {full.get(kind, 0.0):,.1f} | {incremental.get(kind, 0.0):,.1f} |")
    return [*lines, ""]


def _noop_section(results: Results) -> list[str]:
    noop = results.noop
    if not noop:
        return []
    lines = [
        "## 4. No-op `make elt` (nothing new since the backfill)",
        "",
        "| Phase | Seconds |",
        "|---|---:|",
    ]
    for phase in ("make and setup", "extract", "transform", "publish"):
        if phase in noop:
            lines.append(f"| {phase} | {noop[phase]:,.1f} |")
    lines.append(f"| **total** | **{noop['total']:,.1f}** |")
    if "rows re-read" in noop:
        lines += [
            "",
            f"Nothing is new, but a regular run re-reads the lookback (`lookback = 10d`): {noop['rows re-read']:,.0f} "
            f"rows; {noop.get('windows unchanged', 0):,.0f} windows came back as they were loaded and were not loaded "
            "again (entity tables found unchanged are not loaded again either).",
        ]
    return [*lines, ""]


def _scaling_section(results: Results) -> list[str]:
    if not results.scaling:
        return []
    lines = [
        "## 5. Scaling (full backfill and full `dbt build`)",
        "",
        "| Data | Visitors | Raw rows | Extract s | Rows/s | Extract growth | Peak RSS MB | dbt build s | dbt growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous = None
    for point in sorted(results.scaling, key=lambda p: p["factor"]):
        growth_e = growth_d = NONE
        if previous is not None:
            growth_e = f"{_ratio(point['extract_s'], previous['extract_s']):.2f}x"
            growth_d = f"{_ratio(point['dbt_s'], previous['dbt_s']):.2f}x"
        rate = _ratio(point["rows"], point["extract_s"])
        lines.append(
            f"| {point['factor']}x | {point['visitors']:,} | {point['rows']:,} | {point['extract_s']:,.1f} "
            f"| {rate:,.0f} | {growth_e} | {point['extract_rss_mb']:,.0f} | {point['dbt_s']:,.1f} | {growth_d} |"
        )
        previous = point
    return [*lines, ""]
