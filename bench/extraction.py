"""Extraction at 1x: our full backfill, each resource alone, the ceiling, the seed baseline and a py-spy profile,
all against one replay server, then a check that every client read the same rows.

The full backfill's workspace also feeds the 1x `dbt build` and the no-op `make elt`, which need loaded data.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

from bench import profile as profiling
from bench.baseline import baseline_requests
from bench.ceiling import fetch_all
from bench.memory import one_window
from bench.model import GROUPS, METADATA_TABLES, SOURCE_GROUP, Figure, raw_rows
from bench.noop_elt import noop_elt
from bench.processes import REPO_ROOT
from bench.replay import ResponseCache
from bench.runs import PYTHON, Endpoint, ExtractRun, extractor_env, run_baseline, run_ceiling
from bench.scale import TIMEZONE, Scale
from bench.scaling import dbt_build_point
from bench.session import Session, code_hash


def extraction_and_memory(session: Session, scale: Scale) -> None:
    results = session.results
    cache = session.world_cache(scale)
    with session.replay_server(scale, cache) as server:
        endpoint = Endpoint(server.url, session.key)
        session.say(f"1x: {scale.label()}")
        warm = partial(session.extract, endpoint, scale, session.workspace("warm-up"))
        session.warm_up("ours", cache, warm, session.extractor_code)

        session.say("our extractor: full backfill, timed")
        full = session.workspace("ours-full")
        run, logged = session.timed_pass("ours: full backfill", cache, partial(session.extract, endpoint, scale, full))
        requests_file = session.workdir / "ours-requests.json"
        requests_file.write_text(json.dumps([{"key": e.key, "source": e.source} for e in logged]))
        results.requests["ours"] = len(logged)
        results.ours_stages = run.summary["stages_s"]
        total_rows = raw_rows(run)
        results.ours["total"] = Figure(total_rows, run.seconds, run.peak_rss_mb)
        results.repeated = repeated_rows(run)
        results.memory["full backfill, every resource"] = Figure(total_rows, run.seconds, run.peak_rss_mb)
        session.step("1x: dbt build", dbt_build_point, session, 1, scale, run, full)
        session.step("no-op make elt", noop_elt, session, endpoint, scale, full, cache)
        shutil.rmtree(full.root, ignore_errors=True)

        for group in session.options.groups:
            session.step(f"ours: {group}", one_resource, session, endpoint, scale, cache, group)
        session.step("ceiling", ceiling, session, endpoint, cache, requests_file)
        session.step("one window", one_window, session, endpoint, scale, cache)
        if session.options.profile:
            session.step("profile", profile, session, endpoint, scale)
        if session.options.baseline:
            session.step("baseline", baseline, session, endpoint, scale, cache)
    check_same_rows(session)


def one_resource(session: Session, endpoint: Endpoint, scale: Scale, cache: ResponseCache, group: str) -> None:
    tables = GROUPS[group]
    session.say(f"our extractor: {group} alone, timed")
    names = [*tables, *METADATA_TABLES] if group == "entities" else list(tables)
    space = session.workspace(f"ours-{group}")
    run, _ = session.timed_pass(f"ours: {group}", cache, partial(session.extract, endpoint, scale, space, names))
    rows = sum(run.table_rows.get(table, 0) for table in tables)
    session.results.ours[group] = Figure(rows, run.seconds, run.peak_rss_mb)
    if group == "events":
        session.results.memory[f"events, {scale.days} daily windows"] = Figure(rows, run.seconds, run.peak_rss_mb)
    shutil.rmtree(space.root, ignore_errors=True)


def ceiling(session: Session, endpoint: Endpoint, cache: ResponseCache, requests_file: Path) -> None:
    session.say("ceiling: the same responses, downloaded and parsed with json.loads")
    replay = partial(run_ceiling, endpoint, cache.directory, requests_file)
    run, _ = session.timed_pass("ceiling", cache, replay)
    figures = session.results.ceiling
    for group in GROUPS:
        entries = [entry for source, entry in run.summary.items() if SOURCE_GROUP.get(source) == group]
        figures[group] = Figure(sum(e["rows"] for e in entries), sum(e["seconds"] for e in entries), run.peak_rss_mb)
    figures["total"] = Figure(sum(f.rows for f in figures.values()), run.seconds, run.peak_rss_mb)


def profile(session: Session, endpoint: Endpoint, scale: Scale) -> None:
    """One more full backfill, under py-spy (not timed: the sampler slows it down a little)."""
    if profiling.py_spy() is None:
        session.results.notes.append("no profile: py-spy is not installed (`make setup` installs it)")
        return
    session.say("profile: one more full backfill under py-spy (GIL holder, 100 samples/s)")
    space = session.workspace("profile")
    env = extractor_env(endpoint, scale, space) | session.options.extractor_settings
    stacks = session.workdir / "profile-stacks.txt"
    profiling.record([PYTHON, "-m", "extract"], env, stacks)
    seconds, functions, components = profiling.summarise(stacks)
    session.results.profile = {"seconds": seconds, "functions": functions, "components": components}
    shutil.rmtree(space.root, ignore_errors=True)


def baseline(session: Session, endpoint: Endpoint, scale: Scale, cache: ResponseCache) -> None:
    plan = baseline_requests(scale.first_day, scale.days, TIMEZONE)
    bodies = [(name, json.dumps(body).encode()) for name, requests in plan.items() for body in requests]
    prime = partial(fetch_all, endpoint.url, endpoint.key, bodies, parse=False)
    session.warm_up("baseline", cache, prime, code_hash(REPO_ROOT / "bench" / "baseline.py"))
    results = session.results
    results.requests["baseline"] = len(bodies)
    for group in session.options.groups:
        tables = GROUPS[group]
        session.say(f"seed baseline: {group}, timed")
        space = session.workspace(f"baseline-{group}")
        run, _ = session.timed_pass(
            f"baseline: {group}", cache, partial(run_baseline, endpoint, scale, space, list(tables))
        )
        results.baseline[group] = Figure(sum(run.table_rows.values()), run.seconds, run.peak_rss_mb)
        shutil.rmtree(space.root, ignore_errors=True)
    figures = [results.baseline[group] for group in session.options.groups]
    results.baseline["total"] = Figure(
        sum(f.rows for f in figures),
        sum(f.seconds for f in figures),
        max((f.peak_rss_mb or 0.0) for f in figures),
    )


def repeated_rows(run: ExtractRun) -> dict[str, int]:
    """Per group and in total: rows Pendo sent twice, which our extractor handed over once. Keyset pages overlap by
    design (the next page starts at the last row's sort key, inclusive), so the ceiling, which replays the same
    requests and counts every row of every answer, counts these rows twice."""
    tables = run.summary["tables"]
    groups = {group: sum(tables.get(t, {}).get("repeated", 0) for t in names) for group, names in GROUPS.items()}
    return groups | {"total": sum(row.get("repeated", 0) for row in tables.values())}


def check_same_rows(session: Session) -> None:
    """Every client read the same rows (our extractor's raw tables are the reference); the ceiling's count also holds
    the rows at the keyset bound of each page after the first, which it counts again."""
    results = session.results
    every_group = set(session.options.groups) == set(GROUPS)
    for client, figures in (("baseline", results.baseline), ("ceiling", results.ceiling)):
        for group, figure in figures.items():
            ours = results.ours.get(group)
            if group == "total" and client == "baseline" and not every_group:
                continue  # the baseline ran only the groups measured one by one
            if ours is None:
                continue
            repeated = results.repeated.get(group, 0) if client == "ceiling" else 0
            if figure.rows != ours.rows + repeated:
                results.notes.append(f"{client} {group}: {figure.rows:,} rows, ours {ours.rows:,}")
            elif repeated:
                results.notes.append(
                    f"{client} {group}: {figure.rows:,} rows = ours {ours.rows:,} + {repeated:,} that Pendo sent "
                    "twice at a keyset page bound (read again by design, handed over once)"
                )
