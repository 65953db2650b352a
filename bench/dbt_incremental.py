"""dbt: a full `dbt build` on 90 days, then an incremental one after the next day is extracted; their ratio.

The data comes from the replay server like every other measurement, so a second `make bench` does not render the
90-day world again (at 51,000 visitors that takes longer than the measurement); these extractions are not timed.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

from bench.model import raw_rows
from bench.runs import Endpoint, dbt_breakdown, run_dbt_build
from bench.scale import Scale
from bench.session import Session


def dbt_incremental(session: Session, base: Scale) -> None:
    options = session.options
    days = options.dbt_days
    visitors = options.dbt_visitors or base.visitors
    scale = Scale(visitors=visitors, days=days + 1, seed=base.seed, now=base.now)
    yesterday = (scale.now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    space = session.workspace("dbt-incremental")
    with session.replay_server(scale, session.world_cache(scale)) as server:
        endpoint = Endpoint(server.url, session.key)
        session.say(f"dbt: extracting {days} days of {scale.visitors:,} visitors (replayed or rendered, not timed)")
        # not timed, and rendering a 90-day answer the first time computes each visitor over every day: give it time
        slow = {"RUNTIME__REQUEST_TIMEOUT": "1200"}
        first = session.extract(endpoint, scale, space, extract_now=yesterday, extra_env=slow)
        session.say(f"dbt: full build on {days} days, timed")
        full = run_dbt_build(space, *options.dbt_args)
        full_breakdown = dbt_breakdown(space)
        session.say("dbt: extracting the next day (a regular incremental run)")
        second = session.extract(endpoint, scale, space, extra_env=slow)
    session.say("dbt: incremental build, timed")
    incremental = run_dbt_build(space, *options.dbt_args)
    incremental_breakdown = dbt_breakdown(space)
    session.results.dbt = {
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
