"""Scaling: our full backfill and a full `dbt build` at 2x and 4x the visitors (the 1x point comes from the
extraction measurements, on their backfill)."""

from __future__ import annotations

import shutil
from functools import partial

from bench.model import raw_rows
from bench.runs import Endpoint, ExtractRun, Workspace, run_dbt_build
from bench.scale import Scale
from bench.session import Session


def dbt_build_point(session: Session, factor: int, scale: Scale, run: ExtractRun, workspace: Workspace) -> None:
    session.say(f"{factor}x: full dbt build, timed")
    dbt = run_dbt_build(workspace, *session.options.dbt_args)
    session.results.scaling.append(
        {
            "factor": factor,
            "visitors": scale.visitors,
            "rows": raw_rows(run),
            "extract_s": run.seconds,
            "dbt_s": dbt.seconds,
            "extract_rss_mb": run.peak_rss_mb,
        }
    )


def scaling_point(session: Session, factor: int, scale: Scale) -> None:
    cache = session.world_cache(scale)
    with session.replay_server(scale, cache) as server:
        endpoint = Endpoint(server.url, session.key)
        session.say(f"{factor}x: {scale.label()}")
        warm = partial(session.extract, endpoint, scale, session.workspace(f"warm-up-{factor}x"))
        session.warm_up("ours", cache, warm, session.extractor_code)
        shutil.rmtree(session.workdir / f"warm-up-{factor}x", ignore_errors=True)
        session.say(f"{factor}x: full backfill, timed")
        space = session.workspace(f"ours-{factor}x")
        run, _ = session.timed_pass(f"ours: full {factor}x", cache, partial(session.extract, endpoint, scale, space))
    dbt_build_point(session, factor, scale, run, space)
    shutil.rmtree(space.root, ignore_errors=True)
