"""`timeSeries`: the window of an event source, with Pendo's rules.

See `docs/pendo-api.md#timeseries-the-window-of-an-event-query`.

- `period` is `dayRange` or `hourRange`. The other periods Pendo knows (`weekRange`, `monthRange` and the iterative
  `hourly|daily|weekly|monthly`, whose response layout is not public) are refused with 400, so a request that
  relies on them fails visibly instead of silently returning a different grain.
- `first` is epoch ms, a numeric string, or an expression (`now()`, `date(...)`, `dateAdd(...)`,
  `startOfPeriod(...)`, arithmetic); it is truncated to the start of its bucket, b0.
- Exactly one of `count` (a non-zero integer) or `last` (same forms as `first`):
  `count > 0` is [b0, b0 + count buckets); `count < 0` is the |count| buckets ending just before b0 (so
  `first: now(), count: -1` is yesterday); `last` is [b0, bucket(last) + 1 bucket), `last`'s bucket included.
  A `last` before `first` is a 400 ([I]: public material is silent; an empty answer would hide a client bug).
- Day buckets are local days of the subscription (23 or 25 hours on DST changes); hour buckets are local hours.
- The window is clipped at the end of the bucket holding the server's clock: a future `last` is fine.
- `startTime` of the response is the window's start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pendo_simulator.clock import HOUR_MS
from pendo_simulator.expressions import Context, ExpressionError, evaluate, is_number

PERIODS = {"dayRange": "day", "hourRange": "hour"}
UNSUPPORTED_PERIODS = ("weekRange", "monthRange", "hourly", "daily", "weekly", "monthly")


class TimeSeriesError(ValueError):
    """A timeSeries Pendo would refuse: the server answers 400 with this message."""


@dataclass(frozen=True)
class Window:
    period: str  # "day" or "hour"
    start_ms: int
    end_ms: int  # exclusive


def parse_time(value: Any, context: Context, what: str) -> int:
    """A time given as epoch ms, a numeric string, or an expression."""
    if isinstance(value, bool) or value is None:
        raise TimeSeriesError(f"timeSeries.{what} must be a time")
    if is_number(value):
        return int(value)
    if not isinstance(value, str):
        raise TimeSeriesError(f"timeSeries.{what} must be a number or an expression")
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        result = evaluate(text, context)
    except ExpressionError as error:
        raise TimeSeriesError(f"cannot parse timeSeries.{what}: {error}") from None
    if not is_number(result):
        raise TimeSeriesError(f"timeSeries.{what} does not evaluate to a time: {value!r}")
    return int(result)


def window(spec: Any, context: Context) -> Window:
    """Validate a timeSeries object and compute its window (raises TimeSeriesError)."""
    if not isinstance(spec, dict):
        raise TimeSeriesError("timeSeries must be an object")
    period_name = spec.get("period")
    if period_name in UNSUPPORTED_PERIODS:
        raise TimeSeriesError(f"timeSeries.period {period_name} is not supported here; use dayRange or hourRange")
    period = PERIODS.get(period_name) if isinstance(period_name, str) else None
    if period is None:
        raise TimeSeriesError(f"invalid timeSeries.period: {period_name!r}")
    if "first" not in spec:
        raise TimeSeriesError("timeSeries.first is required")
    if ("count" in spec) == ("last" in spec):
        raise TimeSeriesError("timeSeries needs exactly one of count or last")
    clock = context.clock

    def bucket(ms: int) -> int:
        return clock.day_bucket(ms) if period == "day" else clock.hour_bucket(ms)

    def step(ms: int, n: int) -> int:
        return clock.add_days(ms, n) if period == "day" else ms + n * HOUR_MS

    try:
        b0 = bucket(parse_time(spec["first"], context, "first"))
        if "count" in spec:
            count = spec["count"]
            if isinstance(count, bool) or not isinstance(count, int) or count == 0:
                raise TimeSeriesError("timeSeries.count must be a non-zero integer")
            start, end = (b0, step(b0, count)) if count > 0 else (step(b0, count), b0)
        else:
            last_bucket = bucket(parse_time(spec["last"], context, "last"))
            if last_bucket < b0:
                raise TimeSeriesError("timeSeries.last is before timeSeries.first")
            start, end = b0, step(last_bucket, 1)
        horizon = step(bucket(context.now_ms), 1)
    except (OverflowError, OSError, ValueError) as error:
        if isinstance(error, TimeSeriesError):
            raise
        raise TimeSeriesError(f"timeSeries time out of range: {error}") from None
    return Window(period, start, max(start, min(end, horizon)))
