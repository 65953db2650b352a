"""The benchmark itself: every measurement of issue 7, in order, on the same data, with the simulator replaying.

1. Extraction throughput of a full backfill, per resource and in total: our extractor, the seed baseline and the
   ceiling, each after a warm-up pass that has the replay server render its answers (see `replay.py`).
2. Peak RSS of our extractor (process tree) for one window returning 1,000,000 rows and for 30 daily windows.
3. dbt: a full `dbt build` on 90 days, then an incremental one after the next day is extracted; their ratio.
4. A no-op `make elt` (nothing new since the backfill), split into extract, transform and publish.
5. Scaling: our extraction and a full `dbt build` at 1x, 2x and 4x the visitors.

Rendered answers are kept between runs, one cache directory per world (its flags and the simulator's code), so a
second `make bench` skips the warm-ups; a warm-up is also skipped when it already ran with the same extractor code.
A timed pass that asks the server for anything not rendered before is reported (`misses`), never hidden.

A measurement that fails (a command exits non-zero) is recorded with its reason and the others still run; the
report lists it and `python -m bench` exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import ijson

from bench import profile as profiling
from bench.baseline import ENTITY_SOURCES, EVENT_SOURCES, baseline_requests
from bench.ceiling import fetch_all
from bench.processes import REPO_ROOT
from bench.replay import LoggedRequest, ResponseCache
from bench.runs import (
    PYTHON,
    Endpoint,
    ExtractRun,
    Workspace,
    dbt_breakdown,
    extractor_env,
    make_command,
    run_baseline,
    run_ceiling,
    run_dbt_build,
    run_extractor,
)
from bench.scale import TIMEZONE, Scale
from pendo_simulator.process import ServerProcess, SimulatorProcess

ENTITY_TABLES = tuple(ENTITY_SOURCES)
METADATA_TABLES = ("visitor_metadata_schema", "account_metadata_schema")
GROUPS: dict[str, tuple[str, ...]] = {name: (name,) for name in EVENT_SOURCES} | {"entities": ENTITY_TABLES}
SOURCE_GROUP = {source: name for name, source in EVENT_SOURCES.items()} | {
    source: "entities" for source, _ in ENTITY_SOURCES.values()
}
ONE_WINDOW_PAGE_SIZE = 1_000_000  # the extractor's largest page: one window of a million rows in one response
DEFAULT_CACHE_ROOT = Path("/tmp/pendo-bench-cache")
T = TypeVar("T")


def code_hash(*paths: Path) -> str:
    """A hash of the Python sources (and config files) under `paths`: a cache is only reused for the same code."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO_ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Figure:
    """Rows handled in some seconds (and the process tree's peak RSS, when measured)."""

    rows: int
    seconds: float
    peak_rss_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Options:
    scale: Scale
    factors: tuple[int, ...] = (1, 2, 4)
    dbt_days: int = 90
    # default: a tenth of the scale's, so 90 days hold about 1M raw rows, which the live simulator still serves in time
    dbt_visitors: int | None = None
    baseline: bool = True
    groups: tuple[str, ...] = tuple(GROUPS)  # the resources (and the entities) measured one by one
    workdir: Path | None = None
    keep_workdir: bool = False
    cache_root: Path = DEFAULT_CACHE_ROOT
    fresh_cache: bool = False
    dbt_args: tuple[str, ...] = ()  # extra `dbt build` arguments for the timed builds (quick: no data tests)
    extractor_settings: dict[str, str] = field(default_factory=dict)  # env overrides to try a setting (--set)
    profile: bool = True  # profile one full backfill with py-spy, when it is installed


@dataclass
class Results:
    options: Options
    ours: dict[str, Figure] = field(default_factory=dict)
    baseline: dict[str, Figure] = field(default_factory=dict)
    ceiling: dict[str, Figure] = field(default_factory=dict)
    ours_stages: dict[str, float] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    memory: dict[str, Figure] = field(default_factory=dict)
    dbt: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    noop: dict[str, float] = field(default_factory=dict)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    misses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    load_average: list[float] = field(default_factory=list)  # 1-minute load at the start and at the end


class Harness:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.results = Results(options)
        self.started = time.perf_counter()
        self.workdir = options.workdir or Path(
            subprocess.run(["mktemp", "-d", "/tmp/pendo-bench-XXXXXX"], capture_output=True, text=True).stdout.strip()
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.key = secrets.token_hex(16)
        self.simulator_code = code_hash(REPO_ROOT / "pendo_simulator")
        self.extractor_code = code_hash(REPO_ROOT / "extract", REPO_ROOT / ".dlt" / "config.toml")
        self.results.load_average.append(load_average())

    # ------------------------------------------------------------------------------------------ plumbing

    def extract(self, endpoint: Endpoint, scale: Scale, workspace: Workspace, *args: Any, **kwargs: Any) -> ExtractRun:
        """Our extractor, with the settings given by --set on top of the project's (and of `extra_env`)."""
        extra_env = kwargs.pop("extra_env", {}) | self.options.extractor_settings
        return run_extractor(endpoint, scale, workspace, *args, extra_env=extra_env, **kwargs)

    def say(self, message: str) -> None:
        print(f"[bench {time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def step(self, name: str, action: Callable[..., T], *args: Any) -> T | None:
        """Run one measurement; a failure is recorded (reason in the report, traceback in failures.log)."""
        try:
            return action(*args)
        except Exception as error:  # every failure is reported, and the other measurements still run
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.results.failures.append(f"{name}: {reason}")
            with (self.workdir / "failures.log").open("a") as log:
                log.write(f"== {name}\n{traceback.format_exc()}\n")
            self.say(f"FAILED {name}: {reason}")
            return None

    def workspace(self, name: str) -> Workspace:
        path = self.workdir / name
        if path.exists():
            shutil.rmtree(path)
        return Workspace(path)

    def world_cache(self, scale: Scale) -> ResponseCache:
        now = scale.now.strftime("%Y%m%dT%H%M")
        world = f"s{scale.seed}-v{scale.visitors}-a{scale.accounts}-d{scale.days}-{now}-{self.simulator_code}"
        directory = self.options.cache_root / world
        if self.options.fresh_cache and directory.exists():
            shutil.rmtree(directory)
        return ResponseCache(directory)

    def replay_server(self, scale: Scale, cache: ResponseCache) -> ServerProcess:
        command = [PYTHON, "-m", "bench.replay", "--cache-dir", str(cache.directory), "--key", self.key]
        return ServerProcess([*command, *scale.world_flags()])

    def warm_up(self, name: str, cache: ResponseCache, action: Callable[[], Any], code: str) -> None:
        """Send a client's requests once so that the server renders them; skipped when already done for `code`."""
        marker = cache.directory / f"warm-{name}-{code}"
        if marker.exists():
            self.say(f"warm-up {name}: done by an earlier run with the same code, skipped")
            return
        self.say(f"warm-up {name}: the server renders and stores its answers")
        try:
            action()
        except Exception as error:  # the timed pass that follows measures (and reports) the client's failure
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.results.notes.append(f"warm-up {name} ({cache.directory.name}) ended with an error: {reason}")
            return
        marker.touch()

    def timed_pass(self, name: str, cache: ResponseCache, action: Callable[[], T]) -> tuple[T, list[LoggedRequest]]:
        """Run `action()`; record how many of its requests the server had to render live (should be none)."""
        offset = cache.log_size()
        result = action()
        logged = cache.logged_since(offset)
        misses = sum(not entry.hit for entry in logged)
        self.results.misses[name] = misses
        if misses:
            self.results.notes.append(f"{name}: {misses} of {len(logged)} answers were rendered live, not replayed")
        return result, logged

    # ------------------------------------------------------------------------------------------ the run

    def run(self) -> Results:
        options = self.options
        try:
            self.step("1x", self.extraction_and_memory, options.scale)
            for factor in options.factors:
                if factor != 1:
                    self.step(f"{factor}x", self.scaling_point, factor, options.scale.times(factor))
            self.step("dbt", self.dbt_incremental, options.scale)
        finally:
            self.results.wall_seconds = time.perf_counter() - self.started
            self.results.load_average.append(load_average())
            if self.results.failures:
                self.results.notes.append(f"tracebacks and the run's files are kept in {self.workdir}")
            elif not options.keep_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
        return self.results

    def extraction_and_memory(self, scale: Scale) -> None:
        results = self.results
        cache = self.world_cache(scale)
        with self.replay_server(scale, cache) as server:
            endpoint = Endpoint(server.url, self.key)
            self.say(f"1x: {scale.label()}")
            warm = partial(self.extract, endpoint, scale, self.workspace("warm-up"))
            self.warm_up("ours", cache, warm, self.extractor_code)

            self.say("our extractor: full backfill, timed")
            full = self.workspace("ours-full")
            run, logged = self.timed_pass("ours: full backfill", cache, partial(self.extract, endpoint, scale, full))
            requests_file = self.workdir / "ours-requests.json"
            requests_file.write_text(json.dumps([{"key": e.key, "source": e.source} for e in logged]))
            results.requests["ours"] = len(logged)
            results.ours_stages = run.summary["stages_s"]
            total_rows = raw_rows(run)
            results.ours["total"] = Figure(total_rows, run.seconds, run.peak_rss_mb)
            results.memory["full backfill, every resource"] = Figure(total_rows, run.seconds, run.peak_rss_mb)
            self.step("1x: dbt build", self.dbt_build_point, 1, scale, run, full)
            self.step("no-op make elt", self.noop_elt, endpoint, scale, full, cache)
            shutil.rmtree(full.root, ignore_errors=True)

            for group in self.options.groups:
                self.step(f"ours: {group}", self.one_resource, endpoint, scale, cache, group)
            self.step("ceiling", self.ceiling, endpoint, cache, requests_file)
            self.step("one window", self.one_window, endpoint, scale, cache)
            if self.options.profile:
                self.step("profile", self.profile, endpoint, scale)
            if self.options.baseline:
                self.step("baseline", self.baseline, endpoint, scale, cache)
        self.check_same_rows()

    def one_resource(self, endpoint: Endpoint, scale: Scale, cache: ResponseCache, group: str) -> None:
        tables = GROUPS[group]
        self.say(f"our extractor: {group} alone, timed")
        names = [*tables, *METADATA_TABLES] if group == "entities" else list(tables)
        space = self.workspace(f"ours-{group}")
        run, _ = self.timed_pass(f"ours: {group}", cache, partial(self.extract, endpoint, scale, space, names))
        rows = sum(run.table_rows.get(table, 0) for table in tables)
        self.results.ours[group] = Figure(rows, run.seconds, run.peak_rss_mb)
        if group == "events":
            self.results.memory[f"events, {scale.days} daily windows"] = Figure(rows, run.seconds, run.peak_rss_mb)
        shutil.rmtree(space.root, ignore_errors=True)

    def ceiling(self, endpoint: Endpoint, cache: ResponseCache, requests_file: Path) -> None:
        self.say("ceiling: the same responses, downloaded and parsed with json.loads")
        replay = partial(run_ceiling, endpoint, cache.directory, requests_file)
        run, _ = self.timed_pass("ceiling", cache, replay)
        for group in GROUPS:
            entries = [entry for source, entry in run.summary.items() if SOURCE_GROUP.get(source) == group]
            self.results.ceiling[group] = Figure(
                sum(e["rows"] for e in entries), sum(e["seconds"] for e in entries), run.peak_rss_mb
            )
        self.results.ceiling["total"] = Figure(
            sum(f.rows for f in self.results.ceiling.values()), run.seconds, run.peak_rss_mb
        )

    def profile(self, endpoint: Endpoint, scale: Scale) -> None:
        """One more full backfill, under py-spy (not timed: the sampler slows it down a little)."""
        if profiling.py_spy() is None:
            self.results.notes.append("no profile: py-spy is not installed (`make setup` installs it)")
            return
        self.say("profile: one more full backfill under py-spy (GIL holder, 100 samples/s)")
        space = self.workspace("profile")
        env = extractor_env(endpoint, scale, space) | self.options.extractor_settings
        stacks = self.workdir / "profile-stacks.txt"
        profiling.record([PYTHON, "-m", "extract"], env, stacks)
        seconds, functions, components = profiling.summarise(stacks)
        self.results.profile = {"seconds": seconds, "functions": functions, "components": components}
        shutil.rmtree(space.root, ignore_errors=True)

    def one_window(self, endpoint: Endpoint, scale: Scale, cache: ResponseCache) -> None:
        settings = {"window": f"{scale.days}d", "page_size": str(ONE_WINDOW_PAGE_SIZE)}
        warm = partial(self.extract, endpoint, scale, self.workspace("one-window-warm-up"), ["events"], **settings)
        self.warm_up("one-window", cache, warm, self.extractor_code)
        self.say(f"memory: events as one {scale.days}-day window (page size {ONE_WINDOW_PAGE_SIZE:,}), measured")
        space = self.workspace("one-window")
        run, logged = self.timed_pass(
            "ours: events in one window", cache, partial(self.extract, endpoint, scale, space, ["events"], **settings)
        )
        largest = self.largest_response_rows(cache, logged)
        label = f"events, one {scale.days}-day window (largest response {largest:,} rows)"
        self.results.memory[label] = Figure(run.table_rows.get("events", 0), run.seconds, run.peak_rss_mb)
        shutil.rmtree(space.root, ignore_errors=True)

    @staticmethod
    def largest_response_rows(cache: ResponseCache, logged: list[LoggedRequest]) -> int:
        """Rows of the largest answer (by bytes) in a pass, counted by parsing its stored body."""
        paths = {cache.body_path(entry.key) for entry in logged}
        if not paths:
            return 0
        largest = max(paths, key=lambda path: path.stat().st_size)
        with largest.open("rb") as body:
            return sum(1 for _ in ijson.items(body, "results.item"))

    def baseline(self, endpoint: Endpoint, scale: Scale, cache: ResponseCache) -> None:
        plan = baseline_requests(scale.first_day, scale.days, TIMEZONE)
        bodies = [(name, json.dumps(body).encode()) for name, requests in plan.items() for body in requests]
        prime = partial(fetch_all, endpoint.url, endpoint.key, bodies, parse=False)
        self.warm_up("baseline", cache, prime, code_hash(REPO_ROOT / "bench" / "baseline.py"))
        self.results.requests["baseline"] = len(bodies)
        for group in self.options.groups:
            tables = GROUPS[group]
            self.say(f"seed baseline: {group}, timed")
            space = self.workspace(f"baseline-{group}")
            run, _ = self.timed_pass(
                f"baseline: {group}", cache, partial(run_baseline, endpoint, scale, space, list(tables))
            )
            self.results.baseline[group] = Figure(sum(run.table_rows.values()), run.seconds, run.peak_rss_mb)
            shutil.rmtree(space.root, ignore_errors=True)
        figures = [self.results.baseline[group] for group in self.options.groups]
        self.results.baseline["total"] = Figure(
            sum(f.rows for f in figures),
            sum(f.seconds for f in figures),
            max((f.peak_rss_mb or 0.0) for f in figures),
        )

    def check_same_rows(self) -> None:
        """Every client read the same rows (our extractor's raw tables are the reference)."""
        results = self.results
        every_group = set(self.options.groups) == set(GROUPS)
        for client, figures in (("baseline", results.baseline), ("ceiling", results.ceiling)):
            for group, figure in figures.items():
                ours = results.ours.get(group)
                if group == "total" and client == "baseline" and not every_group:
                    continue  # the baseline ran only the groups measured one by one
                if ours is not None and figure.rows != ours.rows:
                    results.notes.append(f"{client} {group}: {figure.rows:,} rows, ours {ours.rows:,}")

    # ------------------------------------------------------------------------------------------ no-op elt

    def noop_elt(self, endpoint: Endpoint, scale: Scale, workspace: Workspace, cache: ResponseCache) -> None:
        """`make elt` on the loaded and transformed backfill, with the same clock: nothing is new."""
        env = extractor_env(endpoint, scale, workspace) | self.options.extractor_settings
        self.say("no-op make elt (nothing new since the backfill and its dbt build), timed")
        (phases, total), _ = self.timed_pass("no-op make elt", cache, partial(_run_make_elt, workspace, env))
        self.results.noop = {"total": total, **phases}

    # ------------------------------------------------------------------------------------------ scaling

    def dbt_build_point(self, factor: int, scale: Scale, run: ExtractRun, workspace: Workspace) -> None:
        self.say(f"{factor}x: full dbt build, timed")
        dbt = run_dbt_build(workspace, *self.options.dbt_args)
        self.results.scaling.append(
            {
                "factor": factor,
                "visitors": scale.visitors,
                "rows": raw_rows(run),
                "extract_s": run.seconds,
                "dbt_s": dbt.seconds,
                "extract_rss_mb": run.peak_rss_mb,
            }
        )

    def scaling_point(self, factor: int, scale: Scale) -> None:
        cache = self.world_cache(scale)
        with self.replay_server(scale, cache) as server:
            endpoint = Endpoint(server.url, self.key)
            self.say(f"{factor}x: {scale.label()}")
            warm = partial(self.extract, endpoint, scale, self.workspace(f"warm-up-{factor}x"))
            self.warm_up("ours", cache, warm, self.extractor_code)
            shutil.rmtree(self.workdir / f"warm-up-{factor}x", ignore_errors=True)
            self.say(f"{factor}x: full backfill, timed")
            space = self.workspace(f"ours-{factor}x")
            run, _ = self.timed_pass(f"ours: full {factor}x", cache, partial(self.extract, endpoint, scale, space))
        self.dbt_build_point(factor, scale, run, space)
        shutil.rmtree(space.root, ignore_errors=True)

    # ------------------------------------------------------------------------------------------ dbt incremental

    def dbt_incremental(self, base: Scale) -> None:
        days = self.options.dbt_days
        visitors = self.options.dbt_visitors or max(1, base.visitors // 10)
        scale = Scale(visitors=visitors, days=days + 1, seed=base.seed, now=base.now)
        yesterday = (scale.now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        space = self.workspace("dbt-incremental")
        with SimulatorProcess(self.key, scale.world_flags(), python=PYTHON) as simulator:
            endpoint = Endpoint(simulator.url, self.key)
            self.say(f"dbt: extracting {days} days of {scale.visitors:,} visitors (live simulator, not timed)")
            # not timed, and the live simulator computes each visitor over every day: give it time
            slow = {"RUNTIME__REQUEST_TIMEOUT": "1200"}
            first = self.extract(endpoint, scale, space, extract_now=yesterday, extra_env=slow)
            self.say(f"dbt: full build on {days} days, timed")
            full = run_dbt_build(space, *self.options.dbt_args)
            full_breakdown = dbt_breakdown(space)
            self.say("dbt: extracting the next day (a regular incremental run)")
            second = self.extract(endpoint, scale, space, extra_env=slow)
        self.say("dbt: incremental build, timed")
        incremental = run_dbt_build(space, *self.options.dbt_args)
        incremental_breakdown = dbt_breakdown(space)
        self.results.dbt = {
            "days": days,
            "visitors": scale.visitors,
            "raw_rows": raw_rows(second),
            "first_extract_s": first.seconds,
            "full_s": full.seconds,
            "next_day_extract_s": second.seconds,
            "next_day_rows_read": sum(t["rows"] for t in second.summary["tables"].values()),
            "incremental_s": incremental.seconds,
            "full_breakdown": full_breakdown,
            "incremental_breakdown": incremental_breakdown,
        }
        shutil.rmtree(space.root, ignore_errors=True)


def load_average() -> float:
    """The 1-minute load average: other work on the machine shows up here (each run's figures are ratios anyway)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def raw_rows(run: ExtractRun) -> int:
    """Rows of every resource's own table (child tables such as guides__steps left out)."""
    return sum(run.table_rows.get(table, 0) for tables in GROUPS.values() for table in tables)


# `python -m elt run` prints each step's command as it starts it, as make echoed them.
PHASE_MARKERS = (("extract", " -m extract"), ("transform", " -m elt dbt build"), ("publish", " -m elt publish"))


def _run_make_elt(workspace: Workspace, env: dict[str, str]) -> tuple[dict[str, float], float]:
    """`make elt`, timed; the phases start when `python -m elt run` echoes their commands (extract, dbt, publish)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        make_command("elt", workspace),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    marks: dict[str, float] = {}
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        for phase, marker in PHASE_MARKERS:
            if phase not in marks and marker in line and not line.startswith("["):
                marks[phase] = time.perf_counter() - started
    process.wait()
    total = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"make elt exited {process.returncode}:\n{''.join(lines[-60:])}")
    order = [phase for phase, _ in PHASE_MARKERS if phase in marks]
    phases = {}
    for index, phase in enumerate(order):
        end = marks[order[index + 1]] if index + 1 < len(order) else total
        phases[phase] = end - marks[phase]
    phases["make and setup"] = marks[order[0]] if order else total
    reread = next((m for line in lines if (m := re.match(r"total\s+([\d,]+)\s", line))), None)
    if reread:
        phases["rows re-read"] = float(reread.group(1).replace(",", ""))
    return phases, total
