"""Builds the dlt pipeline (destination, dataset, state location) from the environment and runs the source.

One invocation may commit several load packages: a resource that reaches `rows_per_load` stops at a window
boundary, the package is loaded with its cursor, and the next package resumes there. A run killed at any moment
therefore loses at most one package of work, and re-reads it on the next run (merges make that harmless).

Before anything is written, every setting is checked; then the run takes the pipeline's run lock (one run at a time),
makes the local state agree with the destination's (`state_sync.py`) and checks the raw tables' layout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import dlt
from dlt.common.configuration.container import Container
from dlt.common.pipeline import StateInjectableContext
from dlt.extract.exceptions import PipeException
from dlt.extract.source import DltSource
from dlt.pipeline.typing import TPipelineStep

from extract.load.destination import (
    check_database_file,
    describe,
    destination_name,
    loader_file_format,
    make_destination,
)
from extract.load.lock import exclusive_run, pipeline_name, run_lock_paths
from extract.load.messages import chain, explain
from extract.load.new_rows import append_new_rows
from extract.load.pending_packages import deduplicate_pending_loads, drop_normalized_duplicates
from extract.load.progress import Progress
from extract.load.quarantine import forget_failures, quarantine, record_failure
from extract.load.raw_tables import create_missing_tables
from extract.load.state_sync import check_raw_layout, sync_with_destination
from extract.load.window_plan import RunPlan
from extract.pendo.client import PendoAuthError, PendoError, PendoUnreachable
from extract.resources.registry import ALL_RESOURCES, EVENT_RESOURCES
from extract.settings import RAW_DATASET
from extract.source import pendo


class ResourceFailed(PendoError):
    """A Pendo failure located: the resource, and for event resources the window being read."""


class _ExpectedWarnings(logging.Filter):
    """dlt messages that describe this extractor's design, not a problem:
    - JSON columns travel as Arrow strings and are declared `json` by a hint ("several column hints were different");
    - an entity field that is null in every row of a load gets its column once a value arrives ("did not receive any
      data"); the columns the models rely on are pinned by hints and exist from the first load;
    - when one resource fails, the others' threads may still be inside an HTTP retry when dlt shuts its pool down
      ("could not be completed in 2.0 seconds"); the process ends once they return, and the run's one-line error
      says what failed;
    - on a full disk or a read-only DLT_DATA_DIR dlt cannot write its trace either ("Failed to create trace dump",
      with a traceback); the run's one-line error already says what to do;
    - the lake (dlt's filesystem destination) cannot merge into parquet files and appends instead, for every table
      and every load ("Falling back to `append`"); dbt keeps each key's latest load (transform/macros/spark_lake.sql).
    """

    QUIET = (
        "when merging arrow schema with dlt schema",
        "did not receive any data during this load",
        "-extract-threads could not be completed",
        "Failed to create trace dump",
        "Falling back to `append`",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.QUIET)


def make_pipeline() -> dlt.Pipeline:
    """The pipeline. Its state and load packages live under dlt's `DLT_DATA_DIR` when that is set."""
    logging.getLogger("dlt").addFilter(_ExpectedWarnings())
    return dlt.pipeline(
        pipeline_name=pipeline_name(),
        destination=make_destination(),
        dataset_name=RAW_DATASET,
    )


def _source(plan: RunPlan, progress: Progress, resources: list[str]) -> DltSource:
    return pendo(plan=plan, progress=progress).with_resources(*resources)


def check_settings(plan: RunPlan, progress: Progress, resources: list[str]) -> None:
    """Every setting, checked before any file or request: the source is built once on a scratch state, so a bad
    value ends the run with nothing written (no pipeline directory, no database, no lock file)."""
    make_destination()  # DESTINATION and the Postgres settings
    with Container().injectable_context(StateInjectableContext(state={})):  # type: ignore[typeddict-item]
        _source(plan, progress, resources)
    plan.check_dates()


def run(resources: list[str] | None = None, backfill: tuple[date, date] | None = None) -> dict[str, Any]:
    """Extract, normalize and load until every selected resource is caught up; returns the run summary."""
    progress = Progress()
    plan = RunPlan(backfill=backfill)
    selected = list(resources or (EVENT_RESOURCES if backfill else ALL_RESOURCES))
    check_settings(plan, progress, selected)
    check_database_file()
    with exclusive_run(run_lock_paths()):
        pipeline = make_pipeline()
        # the state committed with the data wins over a missing, older or orphaned local copy
        pipeline = sync_with_destination(pipeline, progress.say)
        check_raw_layout(pipeline)
        source = _source(plan, progress, selected)  # built on the synced state (its checks read the state)
        stages = {"extract": 0.0, "normalize": 0.0, "load": 0.0}
        drop_normalized_duplicates(pipeline)
        if pipeline.has_pending_data:
            progress.say("loading the package an interrupted run left behind")
            deduplicate_pending_loads(pipeline)
            _normalize_and_load(pipeline, stages, pending=True)
        loads = 0
        appended: set[str] = set()
        while True:
            try:
                pipeline.extract(source, loader_file_format=loader_file_format())
            except Exception as error:
                located = _located(error, progress)
                if located is error:
                    raise
                raise located from error
            stages["extract"] += _step_seconds(pipeline, "extract")
            progress.say(f"extracted; normalizing and loading into {describe()}")
            append = partial(_append_new_rows, pipeline, plan, progress, appended)
            _normalize_and_load(pipeline, stages, before_load=append)
            loads += 1
            if not plan.deferred:
                break
            selected = sorted(plan.deferred)
            plan.deferred.clear()
            progress.say(f"load {loads} committed; continuing {', '.join(selected)}")
            source = _source(plan, progress, selected)
        # Sources that returned nothing, and resources left out, still get their (empty) tables: dbt reads them all.
        created = create_missing_tables(pipeline, _source(plan, progress, list(ALL_RESOURCES)))
        if created:
            progress.say(f"created empty tables {', '.join(created)} (nothing loaded into them yet)")
    return {
        "mode": plan.mode,
        "elapsed_s": round(progress.elapsed(), 3),
        "loads": loads,
        "stages_s": {name: round(seconds, 3) for name, seconds in stages.items()},
        "tables": {name: stats.as_dict() for name, stats in progress.tables.items()},
        "created_empty": created,
        "appended": sorted(appended),
    }


def _located(error: Exception, progress: Progress) -> Exception:
    """A Pendo failure during extraction, prefixed with the resource and the window it was reading, so that a
    persistent error says where it happened; any other error unchanged (a refused key or an unreachable host fail
    every request alike: where does not matter)."""
    resource = next((e.pipe_name for e in chain(error) if isinstance(e, PipeException)), None)
    cause = next((e for e in chain(error) if isinstance(e, PendoError)), None)
    if resource is None or cause is None or isinstance(cause, PendoAuthError | PendoUnreachable):
        return error
    if str(cause).startswith(f"{resource}:"):
        return error
    stats = progress.tables.get(resource)
    window = f", window {stats.position}" if stats is not None and stats.position else ""
    return ResourceFailed(f"{resource}{window}: {cause}")


def _append_new_rows(pipeline: dlt.Pipeline, plan: RunPlan, progress: Progress, appended: set[str]) -> None:
    """Event tables whose rows in this package are all newer than the table's are appended (new_rows.py); their
    names are added to `appended`."""
    if destination_name() != "duckdb":
        return
    assert plan.settings is not None
    for load_id in pipeline.list_normalized_load_packages():
        tables = append_new_rows(pipeline, load_id, plan.settings.period)
        if tables:
            progress.say(f"appending the new rows of {', '.join(tables)} (nothing to replace)")
            appended.update(tables)


def _normalize_and_load(
    pipeline: dlt.Pipeline,
    stages: dict[str, float],
    pending: bool = False,
    before_load: Callable[[], None] | None = None,
) -> None:
    """Normalize and load; a failure is recorded, and packages left behind that fail twice the same way are
    quarantined (quarantine.py) so they cannot block every later run."""
    try:
        pipeline.normalize()
        stages["normalize"] += _step_seconds(pipeline, "normalize")
        if before_load is not None:
            before_load()
        pipeline.load()
        stages["load"] += _step_seconds(pipeline, "load")
    except Exception as error:
        reason = explain(error) or f"{type(error).__name__}"
        reason = reason.removeprefix("extract failed: ")
        if record_failure(pipeline, reason) and pending:
            raise quarantine(pipeline, reason) from error
        raise
    forget_failures(pipeline)


def _step_seconds(pipeline: dlt.Pipeline, step: TPipelineStep) -> float:
    """How long the step just run took, as dlt's run trace recorded it (`pipeline.last_trace`)."""
    trace = pipeline.last_trace
    recorded = trace.last_pipeline_step_trace(step) if trace is not None else None
    if recorded is None or recorded.finished_at is None:
        return 0.0
    return (recorded.finished_at - recorded.started_at).total_seconds()
