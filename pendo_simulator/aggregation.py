"""`POST /api/v1/aggregation`: validate a request the way Pendo does and prepare its pipeline to run lazily.

Validation (each failure is a 400 with a short message, `docs/pendo-api.md#the-aggregation-request`):
- the body is a JSON object with a `request` object holding a non-empty `pipeline` array; `response` may be
  missing, `{}` or carry `mimeType: "application/json"` (anything else is refused) and `location`; unknown keys
  (`channelId`, `name`, `requestId`, `request.sort`) are ignored;
- the first stage is `source`, naming exactly one known row source plus an optional `timeSeries`;
  row sources Pendo has but the simulator does not serve (`singleEvents`, `guidesSeen`, `pollsSeenEver`, …) and
  a first stage of `spawn` are refused by name, so their absence is visible;
- event sources need a `timeSeries` (see `timeseries.py`); entity sources ignore one;
- source parameters: `appId` is a number, a numeric string, a list of either, or `expandAppIds("*")` (double
  quotes or backticks); `pageId`, `featureId`, `trackTypeId`, `guideId`, `pollId` are strings (an unknown id
  gives zero rows, not an error); `blacklist` is apply|ignore|only (nothing is on the exclude list, so `only`
  gives no rows); `eventClass` is a list of strings (the data is all `web`); `identified` is a boolean on
  `visitors`: true keeps identified visitors, false keeps anonymous ones ([I]: public material documents only true;
  reading false as a filter too makes a client that relies on it fail here visibly rather than in production);
- every later stage is one known operator with valid arguments and parseable expressions (see `operators.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pendo_simulator import operators, rows
from pendo_simulator.expressions import Context
from pendo_simulator.rows import AGGREGATED_SOURCES, ENTITY_SOURCES, EVENT_SOURCES, Row
from pendo_simulator.timeseries import TimeSeriesError, Window, window
from pendo_simulator.visibility import View
from pendo_simulator.world import DEFAULT_APP_ID, World

EXPAND_ALL_APPS = re.compile(r"""^\s*expandAppIds\(\s*(["`])\*\1\s*\)\s*$""")
UNSUPPORTED_SOURCES = (
    "singleEvents",
    "guidesSeen",
    "guidesSeenEver",
    "pollsSeen",
    "pollsSeenEver",
    "timespan",
    "apps",
    "groups",
    "doNotProcessAccounts",
    "emailEvents",
    "recordingMetadata",
    "agenticEvents",
    "rawEvents",
    "const",
)
ID_PARAMETERS = {
    "pageEvents": ("pageId",),
    "featureEvents": ("featureId",),
    "trackEvents": ("trackTypeId",),
    "guideEvents": ("guideId",),
    "pollEvents": ("guideId", "pollId"),
}
ACCEPTED_MIME_TYPES = ("application/json",)


class AggregationError(Exception):
    """A malformed request: the server answers 400 with this message."""


@dataclass(frozen=True)
class Query:
    """A validated aggregation: its source rows (re-runnable, lazily generated) and its compiled pipeline."""

    source: str
    start_time: int
    window: Window | None
    source_rows: Callable[[], Iterator[Row]]
    pipeline: operators.Stage
    body: Any = field(default=None, compare=False, repr=False)  # the request as sent (a benchmark keys replays on it)

    def rows(self) -> Iterator[Row]:
        return self.pipeline(self.source_rows())


def source_name(body: Any) -> str | None:
    """The row source a request names, if it is well-formed enough to tell (for fault scripts and counters)."""
    try:
        stage = body["request"]["pipeline"][0]["source"]
        names = [k for k in stage if k != "timeSeries"]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return names[0] if len(names) == 1 and isinstance(names[0], str) else None


def prepare(world: World, body: Any, context: Context, view: View) -> Query:
    """Validate `body` and return the query it asks for. Raises AggregationError with a short message."""
    if not isinstance(body, dict):
        raise AggregationError("request body must be a JSON object")
    response = body.get("response")
    if response is not None:
        if not isinstance(response, dict):
            raise AggregationError("response must be an object")
        mime = response.get("mimeType")
        if mime is not None and (not isinstance(mime, str) or mime.split(";")[0].strip() not in ACCEPTED_MIME_TYPES):
            raise AggregationError(f"unsupported response.mimeType: {mime!r}")
    request = body.get("request")
    if not isinstance(request, dict):
        raise AggregationError("request body must have a 'request' object")
    pipeline = request.get("pipeline")
    if not isinstance(pipeline, list) or not pipeline:
        raise AggregationError("request.pipeline must be a non-empty array")
    stages = [_single_key(stage, f"pipeline[{i}]") for i, stage in enumerate(pipeline)]
    first_name, source_spec = stages[0]
    if first_name == "spawn":
        raise AggregationError("pipeline operator spawn is not supported by the simulator")
    if first_name != "source":
        raise AggregationError("the first pipeline stage must be 'source'")
    name, start_time, time_window, source_rows = _source(world, source_spec, context, view)
    try:
        pipeline_stage = operators.build(stages[1:], context)
    except operators.OperatorError as error:
        raise AggregationError(str(error)) from None
    return Query(name, start_time, time_window, source_rows, pipeline_stage, body)


def _single_key(stage: Any, where: str) -> tuple[str, Any]:
    if not isinstance(stage, dict) or len(stage) != 1:
        raise AggregationError(f"{where} must be an object with exactly one operator")
    return next(iter(stage.items()))


def _source(
    world: World, spec: Any, context: Context, view: View
) -> tuple[str, int, Window | None, Callable[[], Iterator[Row]]]:
    if not isinstance(spec, dict):
        raise AggregationError("source must be an object")
    names = [k for k in spec if k != "timeSeries"]
    if len(names) != 1:
        raise AggregationError("source must name exactly one row source")
    name = names[0]
    if name in UNSUPPORTED_SOURCES:
        raise AggregationError(f"row source {name} is not supported by the simulator")
    if name not in EVENT_SOURCES and name not in ENTITY_SOURCES:
        raise AggregationError(f"unknown row source: {name}")
    params = spec[name]
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise AggregationError(f"parameters of {name} must be an object or null")
    app_ids = _app_ids(world, params.get("appId"))
    ids = {}
    for param in ID_PARAMETERS.get(name, ()):
        value = params.get(param)
        if value is not None and not isinstance(value, str):
            raise AggregationError(f"{name}.{param} must be a string")
        ids[param] = value
    blacklist = params.get("blacklist", "apply")
    if blacklist not in ("apply", "ignore", "only"):
        raise AggregationError(f"invalid blacklist: {blacklist!r} (apply, ignore or only)")
    event_class = params.get("eventClass")
    if event_class is not None and (
        not isinstance(event_class, list) or not all(isinstance(c, str) for c in event_class)
    ):
        raise AggregationError("eventClass must be a list of strings")
    identified = params.get("identified")
    if identified is not None and not isinstance(identified, bool):
        raise AggregationError("identified must be true or false")
    nothing = blacklist == "only" or (event_class is not None and "web" not in event_class)

    if name in ENTITY_SOURCES:
        scope = app_ids if name in rows.APP_SCOPED_ENTITIES else None

        def entity_source() -> Iterator[Row]:
            if blacklist == "only":
                return iter(())
            if world.fixtures is not None:
                return world.fixtures.entity_rows(name)
            return rows.entity_rows(world, name, scope, identified, drift=view.schema_drift)

        return name, 0, None, entity_source
    if "timeSeries" not in spec:
        raise AggregationError(f"row source {name} requires a timeSeries")
    try:
        time_window = window(spec["timeSeries"], context)
    except TimeSeriesError as error:
        raise AggregationError(str(error)) from None
    start, end = time_window.start_ms, time_window.end_ms

    def event_source() -> Iterator[Row]:
        if nothing:
            return iter(())
        if world.fixtures is not None:
            return world.fixtures.event_rows(name, start, end)
        if name in AGGREGATED_SOURCES:
            entity_id = next(iter(ids.values()), None) if ids else None
            return rows.aggregated_rows(world, name, time_window.period, start, end, app_ids, view, entity_id)
        if name == "guideEvents":
            return rows.guide_event_rows(world, start, end, app_ids, view, ids["guideId"])
        return rows.poll_event_rows(world, start, end, app_ids, view, ids["guideId"], ids["pollId"])

    return name, start, time_window, event_source


def _app_ids(world: World, value: Any) -> tuple[int, ...]:
    """`appId` is a number, a numeric string, a list of either, or expandAppIds("*"). Absent: the default app."""
    if value is None:
        return (DEFAULT_APP_ID,)
    if isinstance(value, str) and EXPAND_ALL_APPS.match(value):
        return world.app_ids
    values = value if isinstance(value, list) else [value]
    if not values:
        raise AggregationError("appId must not be an empty list")
    app_ids = []
    for item in values:
        if isinstance(item, bool) or not (
            isinstance(item, int) or (isinstance(item, str) and re.fullmatch(r"\s*-?\d+\s*", item))
        ):
            raise AggregationError(f"invalid appId: {item!r}")
        app_ids.append(int(item))
    return tuple(app_ids)
