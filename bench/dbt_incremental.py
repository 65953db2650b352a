"""dbt: a full `dbt build` on 90 days, then an incremental one after the next day is extracted; their ratio.

The data comes from the live simulator (not the replay server): these extractions are not timed.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

from bench.model import raw_rows
from bench.runs import PYTHON, Endpoint, dbt_breakdown, run_dbt_build
from bench.scale import Scale
from bench.session import Session
from pendo_simulator.process import SimulatorProcess


def dbt_incremental(session: Session, base: Scale) -> None:
    options = session.options
    days = options.dbt_days
    visitors = options.dbt_visitors or max(1, base.visitors // 10)
    scale = Scale(visitors=visitors, days=days + 1, seed=base.seed, now=base.now)
    yesterday = (scale.now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    space = session.workspace("dbt-incremental")
    with SimulatorProcess(session.key, scale.world_flags(), python=PYTHON) as simulator:
        endpoint = Endpoint(simulator.url, session.key)
        session.say(f"dbt: extracting {days} days of {scale.visitors:,} visitors (live simulator, not timed)")
        # not timed, and the live simulator computes each visitor over every day: give it time
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
