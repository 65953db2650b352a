"""The benchmark itself: every measurement of `bench/README.md`, in order, on the same data, with the simulator
replaying.

1. Extraction throughput of a full backfill, per resource and in total: our extractor, the seed baseline and the
   ceiling, each after a warm-up pass that has the replay server render its answers (see `replay.py`)
   (`extraction.py`).
2. Peak RSS of our extractor (process tree) for one window returning 1,000,000 rows (`memory.py`) and for 30 daily
   windows (`extraction.py`).
3. dbt: a full `dbt build` on 90 days, then an incremental one after the next day is extracted; their ratio
   (`dbt_incremental.py`).
4. A no-op `make elt` (nothing new since the backfill), split into extract, transform and publish (`noop_elt.py`).
5. Scaling: our extraction and a full `dbt build` at 1x, 2x and 4x the visitors (`scaling.py`).

`session.py` holds what they share: the work directory, the replay cache, warm-ups and timed passes.

A measurement that fails (a command exits non-zero) is recorded with its reason and the others still run; the
report lists it and `python -m bench` exits non-zero.
"""

from __future__ import annotations

import shutil
import time

from bench.dbt_incremental import dbt_incremental
from bench.extraction import extraction_and_memory
from bench.model import Options, Results
from bench.scaling import scaling_point
from bench.session import Session, load_average


def run(options: Options) -> Results:
    """Every measurement in order; the work directory is removed unless something failed or it is to be kept."""
    session = Session(options)
    results = session.results
    try:
        session.step("1x", extraction_and_memory, session, options.scale)
        for factor in options.factors:
            if factor != 1:
                session.step(f"{factor}x", scaling_point, session, factor, options.scale.times(factor))
        session.step("dbt", dbt_incremental, session, options.scale)
    finally:
        results.wall_seconds = time.perf_counter() - session.started
        results.load_average.append(load_average())
        if results.failures:
            results.notes.append(f"tracebacks and the run's files are kept in {session.workdir}")
        elif not options.keep_workdir:
            shutil.rmtree(session.workdir, ignore_errors=True)
    return results
