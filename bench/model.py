"""What a benchmark run is asked to measure (`Options`) and what it found (`Results`, made of `Figure`s).

The groups are the units measured one by one: each event resource alone, and the entities together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.baseline import ENTITY_SOURCES, EVENT_SOURCES
from bench.runs import ExtractRun
from bench.scale import Scale

ENTITY_TABLES = tuple(ENTITY_SOURCES)
METADATA_TABLES = ("visitor_metadata_schema", "account_metadata_schema")
GROUPS: dict[str, tuple[str, ...]] = {name: (name,) for name in EVENT_SOURCES} | {"entities": ENTITY_TABLES}
SOURCE_GROUP = {source: name for name, source in EVENT_SOURCES.items()} | {
    source: "entities" for source, _ in ENTITY_SOURCES.values()
}
DEFAULT_CACHE_ROOT = Path("/tmp/pendo-bench-cache")


@dataclass
class Figure:
    """Rows handled in some seconds (and the process tree's peak RSS, when measured)."""

    rows: int
    seconds: float
    peak_rss_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Options:
    scale: Scale
    factors: tuple[int, ...] = (1, 2, 4)
    dbt_days: int = 29  # the command line passes --days minus one: the 1x world
    # default: the scale's own, so that at the default scale the data, not dbt's start-up, dominates the dbt ratio
    dbt_visitors: int | None = None
    baseline: bool = True
    groups: tuple[str, ...] = tuple(GROUPS)  # the resources (and the entities) measured one by one
    workdir: Path | None = None
    keep_workdir: bool = False
    cache_root: Path = DEFAULT_CACHE_ROOT
    fresh_cache: bool = False
    dbt_args: tuple[str, ...] = ()  # extra `dbt build` arguments for the timed builds (quick: no data tests)
    extractor_settings: dict[str, str] = field(default_factory=dict)  # env overrides to try a setting (--set)
    profile: bool = True  # profile one full backfill with py-spy, when it is installed


@dataclass
class Results:
    options: Options
    ours: dict[str, Figure] = field(default_factory=dict)
    baseline: dict[str, Figure] = field(default_factory=dict)
    ceiling: dict[str, Figure] = field(default_factory=dict)
    ours_stages: dict[str, float] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    repeated: dict[str, int] = field(default_factory=dict)  # rows our full backfill got twice (keyset overlap)
    memory: dict[str, Figure] = field(default_factory=dict)
    dbt: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    noop: dict[str, float] = field(default_factory=dict)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    misses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    load_average: list[float] = field(default_factory=list)  # 1-minute load at the start and at the end


def raw_rows(run: ExtractRun) -> int:
    """Rows of every resource's own table (child tables such as guides__steps left out)."""
    return sum(run.table_rows.get(table, 0) for tables in GROUPS.values() for table in tables)
