"""The seed baseline: dlt's `rest_api` source configured as dlt's Pendo page shows it (see `bench/README.md`).

As on that page: one rest_api resource per aggregation, `POST api/v1/aggregation` with `data_selector: results`,
rows as dicts, and dlt's defaults otherwise (loader file format `insert_values` for DuckDB, append, no project
config: it runs with an empty dlt project directory). Two changes make it run at all and read the same data as our
extractor, both the smallest possible:
- auth: the page's `{"type": "api_key", "integration_key": …}` is not a valid rest_api auth; the header Pendo wants is
  `{"type": "api_key", "name": "x-pendo-integration-key", "api_key": …, "location": "header"}`;
- windows: an event source needs a `timeSeries`, so each event resource asks for one local day per request (the same
  days our extractor reads), through a parent resource of windows whose fields rest_api puts in the JSON body.

`python -m bench.baseline --url U --start-day D --days N --resources events --duckdb-path P` (the key comes from
`BENCH_PENDO_KEY`) loads those resources and prints their row counts as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dlt
from dlt.sources.rest_api import RESTAPIConfig, rest_api_resources

ALL_APPS = 'expandAppIds("*")'
EVENT_SOURCES = {
    "events": "events",
    "page_events": "pageEvents",
    "feature_events": "featureEvents",
    "track_events": "trackEvents",
    "guide_events": "guideEvents",
    "poll_events": "pollEvents",
}
ENTITY_SOURCES = {
    "visitors": ("visitors", None),
    "accounts": ("accounts", None),
    "pages": ("pages", ALL_APPS),
    "features": ("features", ALL_APPS),
    "track_types": ("trackTypes", ALL_APPS),
    "guides": ("guides", ALL_APPS),
}
RESOURCES = (*EVENT_SOURCES, *ENTITY_SOURCES)
DATASET = "pendo_engage_data"


def day_windows(start_day: date, days: int, timezone: str) -> list[dict[str, int]]:
    """One window per local day: `first` at local midnight, `last` one millisecond before the next."""
    zone = ZoneInfo(timezone)

    def midnight(day: date) -> int:
        return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)

    return [
        {"first": midnight(start_day + timedelta(days=i)), "last": midnight(start_day + timedelta(days=i + 1)) - 1}
        for i in range(days)
    ]


def event_request(source: str, first: Any, last: Any) -> dict[str, Any]:
    """The body the baseline posts for one window (also what the harness sends to pre-render it)."""
    series = {"period": "dayRange", "first": first, "last": last}
    return {
        "response": {"mimeType": "application/json"},
        "request": {"pipeline": [{"source": {source: {"appId": ALL_APPS}, "timeSeries": series}}]},
    }


def entity_request(source: str, app_ids: str | None) -> dict[str, Any]:
    params = {"appId": app_ids} if app_ids else None
    return {"response": {"mimeType": "application/json"}, "request": {"pipeline": [{"source": {source: params}}]}}


def baseline_requests(start_day: date, days: int, timezone: str) -> dict[str, list[dict[str, Any]]]:
    """Every request body of the baseline, per resource, in the order it sends them."""
    windows = day_windows(start_day, days, timezone)
    requests = {
        name: [event_request(source, w["first"], w["last"]) for w in windows] for name, source in EVENT_SOURCES.items()
    }
    requests |= {name: [entity_request(source, apps)] for name, (source, apps) in ENTITY_SOURCES.items()}
    return requests


@dlt.source
def pendo_engage_source(base_url: str, windows: list[dict[str, int]], integration_key: str = dlt.secrets.value) -> Any:
    @dlt.resource(selected=False)
    def day_window() -> Iterator[list[dict[str, int]]]:
        yield windows  # one page of items, as rest_api's own parent resources yield them

    endpoint_defaults = {"path": "api/v1/aggregation", "method": "POST", "data_selector": "results"}
    resources: list[Any] = [day_window]
    for name, source in EVENT_SOURCES.items():
        body = event_request(source, "{resources.day_window.first}", "{resources.day_window.last}")
        resources.append({"name": name, "endpoint": {**endpoint_defaults, "json": body, "paginator": "single_page"}})
    for name, (source, apps) in ENTITY_SOURCES.items():
        body = entity_request(source, apps)
        resources.append({"name": name, "endpoint": {**endpoint_defaults, "json": body, "paginator": "single_page"}})
    config: RESTAPIConfig = {
        "client": {
            "base_url": base_url,
            "auth": {"type": "api_key", "name": "x-pendo-integration-key", "api_key": integration_key},
        },
        "resources": resources,
    }
    yield from rest_api_resources(config)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--start-day", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--timezone", required=True)
    parser.add_argument("--resources", required=True, help="comma-separated resources")
    parser.add_argument("--duckdb-path", type=Path, required=True)
    args = parser.parse_args(argv)
    resources = args.resources.split(",")
    if unknown := set(resources) - set(RESOURCES):
        parser.error(f"unknown resources: {', '.join(sorted(unknown))}")
    source = pendo_engage_source(
        args.url,
        day_windows(args.start_day, args.days, args.timezone),
        integration_key=os.environ["BENCH_PENDO_KEY"],
    )
    pipeline = dlt.pipeline(
        pipeline_name="pendo_engage_pipeline",
        destination=dlt.destinations.duckdb(str(args.duckdb_path)),
        dataset_name=DATASET,
    )
    pipeline.run(source.with_resources(*resources))
    counts = pipeline.last_trace.last_normalize_info.row_counts
    print(json.dumps({name: counts.get(name, 0) for name in resources}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
