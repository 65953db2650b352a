"""One measured run of each client against the replay server: our extractor, the seed baseline, the ceiling, dbt.

Every run gets the environment it needs and nothing from the caller's shell that could change what is measured
(dlt settings, a destination, a pipeline name). Our extractor runs with the project's own `.dlt/config.toml`, as
`make extract` does; the baseline runs with an empty dlt project, i.e. dlt's defaults.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bench.baseline import DATASET as BASELINE_DATASET
from bench.processes import REPO_ROOT, Measured, measure
from bench.scale import TIMEZONE, Scale
from elt.steps import SCHEDULED_BUILD

PYTHON = sys.executable
DBT = str(Path(sys.executable).with_name("dbt"))
RAW_DATASET = "pendo_raw"
_LEAKY_PREFIXES = ("SOURCES__", "RUNTIME__", "NORMALIZE__", "LOAD__", "EXTRACT__", "DESTINATION__", "DATA_WRITER__")
_LEAKY_NAMES = (
    "EXTRACT_NOW",
    "PENDO_TIMEZONE",
    "PIPELINE_NAME",
    "DLT_PROJECT_DIR",
    "DUCKDB_PATH",
    "DLT_DATA_DIR",
    "DESTINATION",
    "DBT_TARGET",
)


def clean_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_LEAKY_PREFIXES) and name not in _LEAKY_NAMES
    }


@dataclass
class Workspace:
    """A database file and dlt state of their own."""

    root: Path

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def duckdb_path(self) -> Path:
        return self.root / "pendo.duckdb"

    @property
    def data_dir(self) -> Path:
        return self.root / "dlt"

    def table_rows(self, schema: str) -> dict[str, int]:
        """Rows per table of `schema` (dlt's own tables left out)."""
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            names = connection.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
            return {
                name: connection.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
                for (name,) in names
                if not name.startswith("_dlt")
            }


@dataclass
class ExtractRun:
    measured: Measured
    summary: dict[str, Any]
    table_rows: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.measured.seconds

    @property
    def peak_rss_mb(self) -> float:
        return self.measured.peak_rss_mb


@dataclass
class Endpoint:
    url: str
    key: str


def extractor_env(endpoint: Endpoint, scale: Scale, workspace: Workspace, **settings: str) -> dict[str, str]:
    env = clean_environment() | {
        "DESTINATION": "duckdb",
        "DUCKDB_PATH": str(workspace.duckdb_path),
        "DLT_DATA_DIR": str(workspace.data_dir),
        "PIPELINE_NAME": "pendo_bench",
        "SOURCES__PENDO__BASE_URL": endpoint.url,
        "SOURCES__PENDO__INTEGRATION_KEY": endpoint.key,
        "SOURCES__PENDO__TIMEZONE": TIMEZONE,
        "PENDO_TIMEZONE": TIMEZONE,
        "SOURCES__PENDO__START_DATE": scale.first_day.isoformat(),
        "EXTRACT_NOW": scale.now_text,
    }
    return env | {f"SOURCES__PENDO__{name.upper()}": value for name, value in settings.items()}


def run_extractor(
    endpoint: Endpoint,
    scale: Scale,
    workspace: Workspace,
    resources: list[str] | None = None,
    extract_now: str | None = None,
    extra_env: dict[str, str] | None = None,
    **settings: str,
) -> ExtractRun:
    """`python -m extract` (every resource, or `resources`) into the workspace's database."""
    summary_path = workspace.root / "summary.json"
    summary_path.unlink(missing_ok=True)
    env = extractor_env(endpoint, scale, workspace, **settings)
    if extract_now:
        env["EXTRACT_NOW"] = extract_now
    env |= extra_env or {}
    command = [PYTHON, "-m", "extract", "--summary-json", str(summary_path)]
    if resources:
        command += ["--resources", ",".join(resources)]
    measured = measure(command, env)
    summary = json.loads(summary_path.read_text())
    return ExtractRun(measured, summary, workspace.table_rows(RAW_DATASET))


def run_baseline(endpoint: Endpoint, scale: Scale, workspace: Workspace, resources: list[str]) -> ExtractRun:
    """The seed baseline for some resources (`bench/baseline.py`), with dlt's defaults (an empty project dir)."""
    project = workspace.root / "empty-dlt-project"
    (project / ".dlt").mkdir(parents=True, exist_ok=True)
    env = clean_environment() | {
        "DLT_DATA_DIR": str(workspace.data_dir),
        "DLT_PROJECT_DIR": str(project),
        "BENCH_PENDO_KEY": endpoint.key,
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    command = [
        *(PYTHON, "-m", "bench.baseline", "--url", endpoint.url, "--start-day", scale.first_day.isoformat()),
        *("--days", str(scale.days), "--timezone", TIMEZONE, "--resources", ",".join(resources)),
        *("--duckdb-path", str(workspace.duckdb_path)),
    ]
    measured = measure(command, env)
    rows = workspace.table_rows(BASELINE_DATASET)
    loaded = {name: rows.get(name, 0) for name in resources}
    return ExtractRun(measured, json.loads(measured.stdout.strip().splitlines()[-1]), loaded)


def run_ceiling(endpoint: Endpoint, cache_dir: Path, requests_file: Path, parse: bool = True) -> ExtractRun:
    env = clean_environment() | {"BENCH_PENDO_KEY": endpoint.key}
    command = [PYTHON, "-m", "bench.ceiling", "--url", endpoint.url, "--cache-dir", str(cache_dir)]
    command += ["--requests", str(requests_file), *([] if parse else ["--no-parse"])]
    measured = measure(command, env)
    per_source = json.loads(measured.stdout.strip().splitlines()[-1])
    return ExtractRun(measured, per_source, {source: entry["rows"] for source, entry in per_source.items()})


def dbt_env(workspace: Workspace) -> dict[str, str]:
    return clean_environment() | {
        "DUCKDB_PATH": str(workspace.duckdb_path),
        "DBT_TARGET": "duckdb",
        "PENDO_TIMEZONE": TIMEZONE,
        "DBT_LOG_PATH": str(workspace.root / "dbt-logs"),
        "DBT_TARGET_PATH": str(workspace.root / "dbt-target"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt_build(workspace: Workspace, *args: str) -> Measured:
    # what `make elt` builds (elt/steps.py): the scheduled run's cost is the one that matters
    command = [DBT, "--no-use-colors", *SCHEDULED_BUILD, "--project-dir", "transform", "--profiles-dir", ".", *args]
    return measure(command, dbt_env(workspace))


def dbt_breakdown(workspace: Workspace) -> dict[str, float]:
    """Where the last `dbt build` in the workspace spent its time: dbt's own run time, and node seconds by kind
    (incremental models, table models, views, data tests, unit tests; nodes run on 2 threads, so they overlap)."""
    target = workspace.root / "dbt-target"
    results = json.loads((target / "run_results.json").read_text())
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    breakdown: dict[str, float] = {"dbt run time": float(results.get("elapsed_time", 0.0))}
    for result in results["results"]:
        node = nodes.get(result["unique_id"], {})
        kind = node.get("resource_type", result["unique_id"].split(".")[0])
        if kind == "model":
            kind = f"{node.get('config', {}).get('materialized', 'model')} models"
        elif kind == "test":
            kind = "data tests"
        elif kind == "unit_test":
            kind = "unit tests"
        breakdown[kind] = breakdown.get(kind, 0.0) + float(result.get("execution_time") or 0.0)
    return breakdown


def make_command(target: str, workspace: Workspace) -> list[str]:
    """`make <target>` writing dbt's logs and artifacts into the workspace, not into transform/."""
    return [
        *("make", "--no-print-directory", "-C", str(REPO_ROOT), target),
        f"DUCKDB_PATH={workspace.duckdb_path}",
        f"DBT_LOG_PATH={workspace.root / 'dbt-logs'}",
        f"DBT_TARGET_PATH={workspace.root / 'dbt-target'}",
    ]
