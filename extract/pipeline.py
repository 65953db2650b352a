"""Builds the dlt pipeline (destination, dataset, state location) from the environment and runs the source."""

from __future__ import annotations

import os
from pathlib import Path

import dlt
from dlt.common.pipeline import LoadInfo

RAW_DATASET = "pendo_raw"
DEFAULT_PIPELINE_NAME = "pendo"


def duckdb_path() -> Path:
    """The one database file shared with dbt: `DUCKDB_PATH`, resolved to an absolute path."""
    return Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")).expanduser().resolve()


def make_pipeline() -> dlt.Pipeline:
    """The pipeline. Its state and load packages live under dlt's `DLT_DATA_DIR` when that is set."""
    return dlt.pipeline(
        pipeline_name=os.environ.get("PIPELINE_NAME", DEFAULT_PIPELINE_NAME),
        destination=dlt.destinations.duckdb(credentials=str(duckdb_path())),
        dataset_name=RAW_DATASET,
        progress="log",
    )


def run(resources: list[str] | None = None) -> LoadInfo:
    from extract.source import pendo

    source = pendo()
    if resources:
        source = source.with_resources(*resources)
    pipeline = make_pipeline()
    return pipeline.run(source, loader_file_format="parquet")
