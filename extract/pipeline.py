"""Builds the dlt pipeline (destination, dataset, state location) from the environment and runs the source.

One invocation may commit several load packages: a resource that reaches `rows_per_load` stops at a window
boundary, the package is loaded with its cursor, and the next package resumes there. A run killed at any moment
therefore loses at most one package of work, and re-reads it on the next run (merges make that harmless).
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date
from typing import Any

import dlt
from dlt.extract.source import DltSource

from extract.destination import describe, loader_file_format, make_destination
from extract.plan import RunPlan
from extract.progress import Progress
from extract.source import pendo
from extract.tables import ALL_RESOURCES, EVENT_RESOURCES

RAW_DATASET = "pendo_raw"
DEFAULT_PIPELINE_NAME = "pendo"


class _ExpectedWarnings(logging.Filter):
    """Two dlt warnings that describe this extractor's design, not a problem, and would repeat on every run:
    - JSON columns travel as Arrow strings and are declared `json` by a hint ("several column hints were different");
    - an entity field that is null in every row of a load gets its column once a value arrives ("did not receive any
      data"); the columns the models rely on are pinned by hints and exist from the first load.
    """

    QUIET = ("when merging arrow schema with dlt schema", "did not receive any data during this load")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.QUIET)


def make_pipeline() -> dlt.Pipeline:
    """The pipeline. Its state and load packages live under dlt's `DLT_DATA_DIR` when that is set."""
    logging.getLogger("dlt").addFilter(_ExpectedWarnings())
    return dlt.pipeline(
        pipeline_name=os.environ.get("PIPELINE_NAME", DEFAULT_PIPELINE_NAME),
        destination=make_destination(),
        dataset_name=RAW_DATASET,
    )


def _source(plan: RunPlan, progress: Progress, resources: list[str]) -> DltSource:
    return pendo(plan=plan, progress=progress).with_resources(*resources)


def run(resources: list[str] | None = None, backfill: tuple[date, date] | None = None) -> dict[str, Any]:
    """Extract, normalize and load until every selected resource is caught up; returns the run summary."""
    progress = Progress()
    plan = RunPlan(backfill=backfill)
    selected = list(resources or (EVENT_RESOURCES if backfill else ALL_RESOURCES))
    pipeline = make_pipeline()
    _source(plan, progress, selected)  # every setting is checked here, before any request or file
    stages = {"extract": 0.0, "normalize": 0.0, "load": 0.0}
    pipeline.sync_destination()  # the state committed with the data wins over a missing or older local copy
    source = _source(plan, progress, selected)  # built again on the synced state (its checks read the state)
    if pipeline.has_pending_data:
        progress.say("loading the package an interrupted run left behind")
        _normalize_and_load(pipeline, stages)
    loads = 0
    while True:
        started = time.monotonic()
        pipeline.extract(source, loader_file_format=loader_file_format())
        stages["extract"] += time.monotonic() - started
        progress.say(f"extracted; normalizing and loading into {describe()}")
        _normalize_and_load(pipeline, stages)
        loads += 1
        if not plan.deferred:
            break
        selected = sorted(plan.deferred)
        plan.deferred.clear()
        progress.say(f"load {loads} committed; continuing {', '.join(selected)}")
        source = _source(plan, progress, selected)
    return {
        "mode": plan.mode,
        "elapsed_s": round(progress.elapsed(), 3),
        "loads": loads,
        "stages_s": {name: round(seconds, 3) for name, seconds in stages.items()},
        "tables": {name: stats.as_dict() for name, stats in progress.tables.items()},
    }


def _normalize_and_load(pipeline: dlt.Pipeline, stages: dict[str, float]) -> None:
    started = time.monotonic()
    pipeline.normalize()
    stages["normalize"] += time.monotonic() - started
    started = time.monotonic()
    pipeline.load()
    stages["load"] += time.monotonic() - started
