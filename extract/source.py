"""The `pendo` dlt source: one resource per Pendo row source, landed in `pendo_raw`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from extract.client import PendoClient

ALL_APPS = 'expandAppIds("*")'
DAY_MS = 86_400_000


def row_key(*values: Any) -> str:
    """A deterministic key over every field of a row's grain (Pendo gives aggregated rows no id)."""
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _now_ms() -> int:
    return _epoch_ms(datetime.now(UTC))


@dlt.source(name="pendo", max_table_nesting=1)
def pendo(
    integration_key: str = dlt.secrets.value,
    base_url: str = "https://app.pendo.io",
    start_date: str = "2024-01-01",
) -> list[DltResource]:
    """Pendo Engage through the Aggregation API."""
    client = PendoClient(base_url, integration_key)
    start = date.fromisoformat(str(start_date))
    return [events(client, start), guide_events(client, start), guides(client)]


def _day_probes(start: date, state: dict[str, Any]) -> Iterator[int]:
    """One instant inside each day from the cursor to now. Pendo truncates `first` to the start of its day bucket
    in the subscription's time zone, so probing at noon UTC asks for exactly one local day."""
    day = date.fromisoformat(state.get("next_day", start.isoformat()))
    today = datetime.now(UTC).date()
    while day <= today:
        yield _epoch_ms(datetime.combine(day, time(12), tzinfo=UTC))
        day += timedelta(days=1)


def events(client: PendoClient, start: date) -> DltResource:
    @dlt.resource(
        name="events",
        write_disposition="merge",
        primary_key="row_key",
        columns={"parameters": {"data_type": "json"}},
    )
    def events_resource() -> Iterator[dict[str, Any]]:
        state = dlt.current.resource_state()
        for probe in _day_probes(start, state):
            pipeline = [
                {
                    "source": {
                        "events": {"appId": ALL_APPS},
                        "timeSeries": {"period": "dayRange", "first": probe, "count": 1},
                    }
                },
            ]
            for row in client.aggregate(pipeline):
                row["row_key"] = row_key(
                    row.get("appId"),
                    row.get("visitorId"),
                    row.get("accountId"),
                    row.get("server"),
                    row.get("remoteIp"),
                    row.get("userAgent"),
                    row.get("day"),
                    row.get("hour"),
                    row.get("pageId"),
                    row.get("parameters"),
                )
                yield row
        state["next_day"] = (datetime.now(UTC).date()).isoformat()

    return events_resource()


def guide_events(client: PendoClient, start: date) -> DltResource:
    @dlt.resource(
        name="guide_events",
        write_disposition="merge",
        primary_key="row_key",
        columns={"account_ids": {"data_type": "json"}},
    )
    def guide_events_resource() -> Iterator[dict[str, Any]]:
        state = dlt.current.resource_state()
        lo = int(state.get("next_ms", _epoch_ms(datetime.combine(start, time(0), tzinfo=UTC))))
        now = _now_ms() // 3_600_000 * 3_600_000
        while lo < now:
            hi = min(lo + DAY_MS, now)
            pipeline = [
                {
                    "source": {
                        "guideEvents": {"appId": ALL_APPS},
                        "timeSeries": {"period": "hourRange", "first": lo, "last": hi - 1},
                    }
                },
            ]
            for row in client.aggregate(pipeline):
                row["row_key"] = row_key(
                    row.get("appId"),
                    row.get("visitorId"),
                    row.get("accountId"),
                    row.get("guideTimestamp"),
                    row.get("guideId"),
                    row.get("guideStepId"),
                    row.get("type"),
                    row.get("remoteIp"),
                    row.get("userAgent"),
                    row.get("serverName"),
                    row.get("url"),
                    row.get("pollId"),
                )
                yield row
            lo = hi
        state["next_ms"] = lo

    return guide_events_resource()


def guides(client: PendoClient) -> DltResource:
    @dlt.resource(name="guides", write_disposition="merge", primary_key="id")
    def guides_resource() -> Iterator[dict[str, Any]]:
        yield from client.aggregate([{"source": {"guides": {"appId": ALL_APPS}}}])

    return guides_resource()
