"""Pendo-shaped rows of the event sources, built lazily from the world's records through a `View`.

Entity rows live in `entities.py`; this module re-exports them so callers see every row source in one place.

Field names follow `docs/pendo-api.md#row-shapes` exactly (camelCase, epoch milliseconds). Choices public
material leaves open, and the one made here:
- Aggregated rows always carry `day`, plus `hour` on hourRange (public material does not say whether hour rows
  carry `day`; Estuary relies on `hour` only, tap-pendo keeps whichever it asked for, so carrying both breaks
  neither).
- Aggregated rows carry `firstTime` and `lastTime` (Estuary pages on `lastTime`), and `parameters` on events,
  pageEvents and featureEvents (an object of tracked URL parameters, or null), `properties` on trackEvents.
- `pollResponse` events appear in `pollEvents` only, not in `guideEvents` (Fivetran's list of guide event types
  has no `pollResponse`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterator
from typing import Any

from pendo_simulator.entities import APP_SCOPED_ENTITIES, ENTITY_SOURCES, entity_rows, metadata_schema
from pendo_simulator.records import Device, GuideEvent, PollEvent, Visitor
from pendo_simulator.visibility import View
from pendo_simulator.world import World

__all__ = [
    "AGGREGATED_SOURCES",
    "APP_SCOPED_ENTITIES",
    "ENTITY_SOURCES",
    "EVENT_SOURCES",
    "ROW_SOURCES",
    "aggregated_rows",
    "entity_rows",
    "guide_event_rows",
    "metadata_schema",
    "poll_event_rows",
]

AGGREGATED_SOURCES = ("events", "pageEvents", "featureEvents", "trackEvents")
EVENT_SOURCES = (*AGGREGATED_SOURCES, "guideEvents", "pollEvents")
ROW_SOURCES = EVENT_SOURCES + ENTITY_SOURCES

Row = dict[str, Any]
# ------------------------------------------------------------------------------------------ aggregated sources

# Each extractor turns one record of a visitor-day into
# (hour_ms, app_id, device, entity key, entity fields, events, minutes, first, last, identity).
_Extract = Callable[[Any], tuple]


def _visit_fields(visit: Any) -> tuple:
    parameters = dict((visit.parameters.split("=", 1),)) if visit.parameters else None
    return (
        visit.hour_ms,
        visit.app_id,
        visit.device,
        (visit.page_id, visit.parameters),
        {"pageId": visit.page_id, "parameters": parameters},
        visit.num_events,
        visit.num_minutes,
        visit.first_time,
        visit.last_time,
        ("visit", visit.visitor_index, visit.day_index, visit.ordinal),
    )


def _click_fields(click: Any) -> tuple:
    return (
        click.hour_ms,
        click.app_id,
        click.device,
        click.feature_id,
        {"featureId": click.feature_id, "parameters": None},
        click.num_events,
        click.num_minutes,
        click.first_time,
        click.last_time,
        ("click", click.visitor_index, click.day_index, click.ordinal),
    )


def _hit_fields(hit: Any) -> tuple:
    return (
        hit.hour_ms,
        hit.app_id,
        hit.device,
        hit.track_type_id,
        {"trackTypeId": hit.track_type_id, "properties": hit.properties},
        1,
        1,
        hit.time,
        hit.time,
        ("track", hit.visitor_index, hit.day_index, hit.ordinal),
    )


def _records(world: World, source: str) -> tuple[Callable[[int, int], tuple], _Extract]:
    if source == "events":
        return world.visits, _visit_fields
    if source == "pageEvents":
        return (lambda v, d: tuple(x for x in world.visits(v, d) if x.page_id is not None)), _visit_fields
    if source == "featureEvents":
        return world.feature_clicks, _click_fields
    if source == "trackEvents":
        return world.track_hits, _hit_fields
    raise ValueError(f"not an aggregated source: {source}")


def aggregated_rows(
    world: World,
    source: str,
    period: str,
    start_ms: int,
    end_ms: int,
    app_ids: Collection[int],
    view: View,
    entity_id: str | None = None,
) -> Iterator[Row]:
    """Rows of an aggregated event source: one per bucket and dimensions, for buckets in [start_ms, end_ms).

    `period` is "day" or "hour". Rows come day by day, visitor by visitor, in order of first activity.
    `entity_id` is the source's id parameter (`pageId`, `featureId` or `trackTypeId`); an unknown id gives no rows.
    """
    records_of, extract = _records(world, source)
    hourly = period == "hour"
    apps = frozenset(app_ids)
    entity_field = {"pageEvents": "pageId", "featureEvents": "featureId", "trackEvents": "trackTypeId"}.get(source)
    for day_index in world.day_indexes(start_ms, end_ms):
        day_ms = world.day_starts[day_index]
        if not hourly and not start_ms <= day_ms < end_ms:
            continue
        for visitor in world.visitors:
            if not world.is_active(visitor.index, day_index):
                continue
            records = records_of(visitor.index, day_index)
            if not records:
                continue
            grouped: dict[tuple, list] = {}
            for record in records:
                hour_ms, app_id, device, key, fields, events, minutes, first, last, identity = extract(record)
                if app_id not in apps or (hourly and not start_ms <= hour_ms < end_ms):
                    continue
                if entity_id is not None and fields[entity_field] != entity_id:
                    continue
                if not view.complete:
                    seen = view.span(identity, first, last, events, minutes)
                    if seen is None:
                        continue
                    events, minutes, last = seen
                bucket = (hour_ms if hourly else day_ms, app_id, device, key)
                cell = grouped.get(bucket)
                if cell is None:
                    grouped[bucket] = [hour_ms, app_id, device, fields, events, minutes, first, last]
                else:
                    cell[4] += events
                    cell[5] += minutes
                    cell[6] = min(cell[6], first)
                    cell[7] = max(cell[7], last)
            for hour_ms, app_id, device, fields, events, minutes, first, last in grouped.values():
                bucket_hour = hour_ms if hourly else None
                yield _aggregated_row(
                    visitor,
                    day_ms,
                    bucket_hour,
                    app_id,
                    device,
                    fields,
                    (events, minutes, first, last),
                    world.config.event_times,
                )


def _aggregated_row(
    visitor: Visitor,
    day_ms: int,
    hour_ms: int | None,
    app_id: int,
    device: Device,
    fields: dict[str, Any],
    measures: tuple[int, int, int, int],
    with_times: bool = True,
) -> Row:
    events, minutes, first, last = measures
    row: Row = {"accountId": visitor.account_id, "appId": app_id, "day": day_ms}
    if hour_ms is not None:
        row["hour"] = hour_ms
    row["visitorId"] = visitor.visitor_id
    row.update(fields)
    row["numEvents"] = events
    row["numMinutes"] = minutes
    if with_times:  # real subscriptions' rows may lack them (the `sparse` profile)
        row["firstTime"] = first
        row["lastTime"] = last
    row["server"] = device.server
    row["remoteIp"] = device.remote_ip
    row["userAgent"] = device.user_agent
    return row


# ------------------------------------------------------------------------------------------ guide and poll events


def _event_common(visitor: Visitor, device: Device, app_id: int, timestamp: int) -> Row:
    country, region, latitude, longitude = visitor.geo
    return {
        "accountId": visitor.account_id,
        "accountIds": [visitor.account_id] if visitor.account_id else [],
        "appId": app_id,
        "browserTime": timestamp,
        "guideTimestamp": timestamp,
        "visitorId": visitor.visitor_id,
        "country": country,
        "region": region,
        "latitude": latitude,
        "longitude": longitude,
        "language": visitor.language,
        "loadTime": 0,
        "remoteIp": device.remote_ip,
        "serverName": device.server,
        "userAgent": device.user_agent,
    }


def guide_event_row(event: GuideEvent) -> Row:
    row = _event_common(event.visitor, event.device, event.guide.app_id, event.timestamp)
    row.update(
        type=event.type,
        guideId=event.guide.guide_id,
        guideStepId=event.step.step_id,
        destinationStepId=event.destination.step_id if event.destination is not None else None,
        guideSeenReason=event.reason,
        url=f"https://{event.device.server}/home",
        pollId=None,
        pollResponse=None,
    )
    return row


# Landed data from real subscriptions shows poll responses typed `ui:web:pollResponse`, with no appId.
ODD_POLL_TYPE = "ui:web:pollResponse"


def poll_event_row(event: PollEvent, odd_type: bool = False) -> Row:
    row = _event_common(event.visitor, event.device, event.guide.app_id, event.timestamp)
    if odd_type:
        row["appId"] = None
    row.update(
        type=ODD_POLL_TYPE if odd_type else "pollResponse",
        guideId=event.guide.guide_id,
        guideStepId=event.step.step_id,
        pollId=event.poll.poll_id,
        pollResponse=event.response,
        pollType=event.poll.kind,
        url=f"https://{event.device.server}/home",
    )
    return row


def _window_slice(times: list[int], start_ms: int, end_ms: int) -> range:
    return range(bisect.bisect_left(times, start_ms), bisect.bisect_left(times, end_ms))


def guide_event_rows(
    world: World,
    start_ms: int,
    end_ms: int,
    app_ids: Collection[int],
    view: View,
    guide_id: str | None = None,
) -> Iterator[Row]:
    """One row per guide event whose timestamp falls in [start_ms, end_ms), in time order."""
    apps = frozenset(app_ids)
    events = world.guide_events
    for index in _window_slice(world.guide_event_times, start_ms, end_ms):
        event = events[index]
        if event.guide.app_id not in apps or (guide_id is not None and event.guide.guide_id != guide_id):
            continue
        identity = ("guide", event.guide.index, event.visitor.index, event.ordinal)
        if view.complete or view.instant(identity, event.timestamp):
            yield guide_event_row(event)


def poll_event_rows(
    world: World,
    start_ms: int,
    end_ms: int,
    app_ids: Collection[int],
    view: View,
    guide_id: str | None = None,
    poll_id: str | None = None,
) -> Iterator[Row]:
    """One row per poll response whose timestamp falls in [start_ms, end_ms), in time order."""
    apps = frozenset(app_ids)
    events = world.poll_events
    for index in _window_slice(world.poll_event_times, start_ms, end_ms):
        event = events[index]
        if event.guide.app_id not in apps:
            continue
        if (guide_id is not None and event.guide.guide_id != guide_id) or (
            poll_id is not None and event.poll.poll_id != poll_id
        ):
            continue
        identity = ("poll", event.guide.index, event.visitor.index, event.ordinal)
        if view.complete or view.instant(identity, event.timestamp):
            yield poll_event_row(event, world.config.odd_poll_type)
