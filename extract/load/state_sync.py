"""Before a run reads anything: make the local pipeline state agree with the data in the destination.

dlt keeps the pipeline state (the event cursors) twice: in the pipeline's working directory and, committed with
every load, in the destination (`_dlt_pipeline_state`). `sync_destination()` restores the destination's copy when
it is newer (the local state was lost), and wipes the local one when the dataset is gone (the database file was
deleted, or `DUCKDB_PATH` points at a new file), so those runs continue from the data, or start over from
`start_date`. It keeps a local state that is *ahead* of the destination, because normally that is a load package
still waiting to be loaded. With no package pending, though, a local state ahead of the data means the data it
describes is not there: a database restored from an older copy, a state table emptied by hand, a package dropped or
failed for good. Trusting its cursor would skip those days for good, so the destination's state wins then (and with
no state there, the run starts over from `start_date`; merges make re-reading harmless).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt
from dlt.destinations.exceptions import DestinationUndefinedEntity
from dlt.pipeline.state_sync import load_pipeline_state_from_destination

from extract.load.destination import describe, destination_name, duckdb_path
from extract.resources.registry import EVENT_RESOURCES
from extract.settings import SOURCE_NAME


class StaleDataset(Exception):
    """The destination holds raw tables this version of the extractor cannot load into; one line says what to do."""


def sync_with_destination(pipeline: dlt.Pipeline, say: Callable[[str], None]) -> dlt.Pipeline:
    """dlt's sync, then the destination's state wins over a local state that is ahead of it with nothing pending."""
    pipeline.sync_destination()
    if pipeline.has_pending_data or not _local_cursors(pipeline):
        return pipeline
    stored = _stored_version(pipeline)
    local = int(pipeline.state["_state_version"])
    if stored is not None and stored >= local:
        return pipeline
    found = f"version {stored}" if stored is not None else "no state"
    say(
        f"the local pipeline state (version {local}) is ahead of the data in {describe()} ({found}) and no load is "
        "pending: continuing from the state stored with the data"
    )
    pipeline = pipeline.drop()
    pipeline.sync_destination()
    return pipeline


def _local_cursors(pipeline: dlt.Pipeline) -> dict[str, Any]:
    return pipeline.state.get("sources", {}).get(SOURCE_NAME, {}).get("resources", {})


def _stored_version(pipeline: dlt.Pipeline) -> int | None:
    """The version of the state committed with the data, or None when the destination has none."""
    try:
        with pipeline.destination_client() as client:
            state = load_pipeline_state_from_destination(pipeline.pipeline_name, client)  # type: ignore[arg-type]
    except DestinationUndefinedEntity:
        return None
    return int(state["_state_version"]) if state else None


def check_raw_layout(pipeline: dlt.Pipeline) -> None:
    """Refuse, before anything is read, a dataset whose event tables require `_dlt_id`.

    Extractors before the Arrow fast path wrote a `_dlt_id` (NOT NULL) into the event tables; this one identifies
    their rows by `row_key` and writes none, so every load into such a table fails with `NOT NULL constraint failed:
    <table>._dlt_id`, and the run would leave a half-loaded package behind each time."""
    if not pipeline.default_schema_name:
        return
    tables = pipeline.default_schema.tables
    for name in EVENT_RESOURCES:
        column = tables.get(name, {}).get("columns", {}).get("_dlt_id")
        if column is not None and not column.get("nullable", True):
            raise StaleDataset(
                f"{describe()} holds pendo_raw tables written by an older version of the extractor ({name} requires "
                f"a _dlt_id column that event tables no longer have): {_fresh_start_advice()}; the next run reloads "
                "everything from start_date"
            )


def _fresh_start_advice() -> str:
    if destination_name() == "lake":
        return f"delete the folder pendo_raw under {describe()}, then run again"
    if destination_name() == "postgres":
        return "drop the schemas pendo_raw and pendo_raw_staging (or use a new database), then run again"
    return f"move or delete {duckdb_path()} (`make clean` does it for the demo), then run again"
