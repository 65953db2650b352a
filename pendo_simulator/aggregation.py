"""`POST /api/v1/aggregation`: validate a request the way Pendo does and run its pipeline lazily.

First cut: a `source` stage (with `timeSeries` for event sources), then `sort` and `limit`. Any other operator is
rejected with 400, so a missing one is visible instead of silently ignored.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pendo_simulator.clock import HOUR_MS
from pendo_simulator.rows import (
    AGGREGATED_SOURCES,
    EVENT_SOURCES,
    ROW_SOURCES,
    Row,
    aggregated_rows,
    entity_rows,
    guide_event_rows,
    poll_event_rows,
)
from pendo_simulator.world import DEFAULT_APP_ID, World

PERIODS = {"dayRange": "day", "hourRange": "hour"}
EXPAND_ALL_APPS = re.compile(r"""^\s*expandAppIds\(\s*(["`])\*\1\s*\)\s*$""")


class AggregationError(Exception):
    """A malformed request: the server answers 400 with this message."""


@dataclass(frozen=True)
class Window:
    period: str  # "day" or "hour"
    start_ms: int
    end_ms: int


def run(world: World, body: Any) -> tuple[int, Iterator[Row]]:
    """Validate `body` and return (startTime, lazily produced result rows)."""
    if not isinstance(body, dict) or not isinstance(body.get("request"), dict):
        raise AggregationError("request body must be a JSON object with a 'request' object")
    pipeline = body["request"].get("pipeline")
    if not isinstance(pipeline, list) or not pipeline:
        raise AggregationError("request.pipeline must be a non-empty array")
    source_stage = _single_key(pipeline[0], "pipeline[0]")
    if source_stage[0] != "source":
        raise AggregationError("the first pipeline stage must be 'source'")
    start_time, rows = _source(world, source_stage[1])
    for index, stage in enumerate(pipeline[1:], start=1):
        name, spec = _single_key(stage, f"pipeline[{index}]")
        rows = _operator(name, spec, rows)
    return start_time, rows


def _single_key(stage: Any, where: str) -> tuple[str, Any]:
    if not isinstance(stage, dict) or len(stage) != 1:
        raise AggregationError(f"{where} must be an object with exactly one operator")
    return next(iter(stage.items()))


def _source(world: World, spec: Any) -> tuple[int, Iterator[Row]]:
    if not isinstance(spec, dict):
        raise AggregationError("source must be an object")
    names = [k for k in spec if k != "timeSeries"]
    if len(names) != 1:
        raise AggregationError("source must name exactly one row source")
    name = names[0]
    if name not in ROW_SOURCES:
        raise AggregationError(f"unknown row source: {name}")
    params = spec[name] or {}
    if not isinstance(params, dict):
        raise AggregationError(f"parameters of {name} must be an object or null")
    app_ids = _app_ids(world, params.get("appId"))
    if name not in EVENT_SOURCES:
        return 0, entity_rows(world, name, app_ids)
    if "timeSeries" not in spec:
        raise AggregationError(f"row source {name} requires a timeSeries")
    window = _window(world, spec["timeSeries"])
    if name in AGGREGATED_SOURCES:
        rows = aggregated_rows(world, name, window.period, window.start_ms, window.end_ms, app_ids)
    elif name == "guideEvents":
        rows = guide_event_rows(world, window.start_ms, window.end_ms, app_ids)
    else:
        rows = poll_event_rows(world, window.start_ms, window.end_ms, app_ids)
    return window.start_ms, rows


def _app_ids(world: World, value: Any) -> list[int]:
    """`appId` is a number, a numeric string, a list of either, or expandAppIds("*"). Absent: the default app."""
    if value is None:
        return [DEFAULT_APP_ID]
    if isinstance(value, str) and EXPAND_ALL_APPS.match(value):
        return list(world.app_ids)
    values = value if isinstance(value, list) else [value]
    app_ids = []
    for item in values:
        try:
            app_ids.append(int(item))
        except (TypeError, ValueError):
            raise AggregationError(f"invalid appId: {item!r}") from None
    return app_ids


def _time(world: World, value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise AggregationError(f"timeSeries.{what} must be a time")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"now\(\s*\)", text):
            return world.now_ms
    raise AggregationError(f"cannot parse timeSeries.{what}: {value!r}")


def _window(world: World, spec: Any) -> Window:
    if not isinstance(spec, dict):
        raise AggregationError("timeSeries must be an object")
    period = PERIODS.get(spec.get("period"))
    if period is None:
        raise AggregationError(f"invalid timeSeries.period: {spec.get('period')!r}")
    if "first" not in spec:
        raise AggregationError("timeSeries.first is required")
    if ("count" in spec) == ("last" in spec):
        raise AggregationError("timeSeries needs exactly one of count or last")
    clock = world.clock

    def bucket(ms: int) -> int:
        return clock.day_bucket(ms) if period == "day" else clock.hour_bucket(ms)

    def step(ms: int, n: int) -> int:
        return clock.add_days(ms, n) if period == "day" else ms + n * HOUR_MS

    b0 = bucket(_time(world, spec["first"], "first"))
    if "count" in spec:
        count = spec["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count == 0:
            raise AggregationError("timeSeries.count must be a non-zero integer")
        start, end = (b0, step(b0, count)) if count > 0 else (step(b0, count), b0)
    else:
        start, end = b0, step(bucket(_time(world, spec["last"], "last")), 1)
    return Window(period, start, max(start, min(end, step(bucket(world.now_ms), 1))))


def _operator(name: str, spec: Any, rows: Iterator[Row]) -> Iterator[Row]:
    if name == "sort":
        if not isinstance(spec, list) or not all(isinstance(k, str) and k for k in spec):
            raise AggregationError("sort takes a list of field names")
        return _sorted(rows, spec)
    if name == "limit":
        if isinstance(spec, bool) or not isinstance(spec, int) or spec < 0:
            raise AggregationError("limit takes a non-negative integer")
        return itertools.islice(rows, spec)
    raise AggregationError(f"unknown or unsupported pipeline operator: {name}")


def _sorted(rows: Iterator[Row], keys: list[str]) -> Iterator[Row]:
    materialised = list(rows)
    for key in reversed(keys):  # stable sorts from the last key to the first give a multi-key sort
        field, descending = (key[1:], True) if key.startswith("-") else (key, False)
        materialised.sort(key=lambda row, f=field: _sort_key(row.get(f)), reverse=descending)
    return iter(materialised)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))
