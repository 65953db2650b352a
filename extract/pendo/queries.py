"""Aggregation request pieces: source stages, time series, and filter expressions with escaped literals.

Filter strings are Pendo's C-like expression language. Ids go into them as string literals, so a `"` or `\\` inside
an id must be escaped or the request fails with 400 "Cannot parse filter expression" (estuary/connectors#4477).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ALL_APPS = 'expandAppIds("*")'
PERIOD_RANGES = {"day": "dayRange", "hour": "hourRange"}

Stage = dict[str, Any]


def string_literal(text: str) -> str:
    """A double-quoted literal: backslashes and quotes escaped, everything else (newlines, `&&`, non-ASCII) as is."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return string_literal(value)
    raise TypeError(f"cannot write {type(value).__name__} into a filter expression")


def at_or_after(fields: Sequence[str], values: Sequence[Any]) -> str:
    """The keyset condition `(fields) >= (values)` in lexicographic order, as one filter expression.

    `at_or_after(["lastTime", "visitorId"], [5, "a"])` is `lastTime > 5 || (lastTime == 5 && visitorId >= "a")`.
    """
    if not fields or len(fields) != len(values):
        raise ValueError("at_or_after needs one value per field")
    expression = f"{fields[-1]} >= {literal(values[-1])}"
    for field, value in zip(reversed(fields[:-1]), reversed(values[:-1]), strict=True):
        text = literal(value)
        expression = f"{field} > {text} || ({field} == {text} && ({expression}))"
    return expression


def all_of(*conditions: str | None) -> str | None:
    """Conditions joined with `&&`, each in parentheses; None when there are none."""
    present = [c for c in conditions if c]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " && ".join(f"({c})" for c in present)


def app_id_param(app_ids: tuple[int, ...] | None) -> Any:
    """Every app of the subscription, or the configured ones."""
    return ALL_APPS if app_ids is None else list(app_ids)


def event_source_stage(source: str, app_ids: tuple[int, ...] | None, period: str, start: int, end: int) -> Stage:
    """A source over the buckets that contain [start, end): Pendo truncates `first`, and `last` is inclusive."""
    return {
        "source": {
            source: {"appId": app_id_param(app_ids)},
            "timeSeries": {"period": PERIOD_RANGES[period], "first": start, "last": end - 1},
        }
    }


def request_body(pipeline: list[Stage]) -> dict[str, Any]:
    return {"response": {"mimeType": "application/json"}, "request": {"pipeline": pipeline}}


def paged(pipeline: list[Stage], condition: str | None, sort: Sequence[str], limit: int) -> list[Stage]:
    """`pipeline` followed by the keyset stages: filter, sort, limit."""
    stages = list(pipeline)
    if condition:
        stages.append({"filter": condition})
    stages.append({"sort": list(sort)})
    stages.append({"limit": limit})
    return stages
