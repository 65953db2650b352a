"""Pendo-shaped rows for each aggregation row source, built from the world's records.

Field names follow `../shared/notes/pendo-api.md` §3.7 exactly (camelCase, epoch milliseconds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pendo_simulator.world import DayActivity, Device, Guide, GuideEvent, PollEvent, Visitor, World

EVENT_SOURCES = ("events", "pageEvents", "featureEvents", "trackEvents", "guideEvents", "pollEvents")
AGGREGATED_SOURCES = ("events", "pageEvents", "featureEvents", "trackEvents")
ENTITY_SOURCES = ("visitors", "accounts", "pages", "features", "guides", "trackTypes")
ROW_SOURCES = EVENT_SOURCES + ENTITY_SOURCES

Row = dict[str, Any]


def _dimensions(activity: DayActivity, app_id: int, device: Device) -> Row:
    return {
        "accountId": activity.visitor.account_id,
        "appId": app_id,
        "visitorId": activity.visitor.visitor_id,
        "server": device.server,
        "remoteIp": device.remote_ip,
        "userAgent": device.user_agent,
    }


def aggregated_rows(
    world: World, source: str, period: str, start_ms: int, end_ms: int, app_ids: Iterable[int] | None
) -> Iterator[Row]:
    """Rows of an aggregated event source: one per bucket and dimensions, for buckets in [start_ms, end_ms).

    `period` is "day" or "hour". Day rows sum the hour cells of one local day.
    """
    apps = set(app_ids) if app_ids is not None else None
    for activity in world.activities(start_ms, end_ms):
        if period == "day" and not start_ms <= activity.day_ms < end_ms:
            continue
        if source in ("events", "pageEvents"):
            cells = [
                (
                    c.hour_ms,
                    c.app_id,
                    c.device,
                    {"pageId": c.page_id, "parameters": c.parameters},
                    c.num_events,
                    c.num_minutes,
                    c.first_time,
                    c.last_time,
                )
                for c in activity.cells
                if source == "events" or c.page_id is not None
            ]
        elif source == "featureEvents":
            cells = [
                (
                    c.hour_ms,
                    c.app_id,
                    c.device,
                    {"featureId": c.feature_id, "parameters": None},
                    c.num_events,
                    c.num_minutes,
                    c.first_time,
                    c.last_time,
                )
                for c in activity.features
            ]
        elif source == "trackEvents":
            cells = [
                (
                    c.hour_ms,
                    c.app_id,
                    c.device,
                    {"trackTypeId": c.track_type_id, "properties": c.properties},
                    c.num_events,
                    c.num_minutes,
                    c.first_time,
                    c.last_time,
                )
                for c in activity.tracks
            ]
        else:
            raise ValueError(f"not an aggregated source: {source}")
        grouped: dict[tuple, Row] = {}
        for hour_ms, app_id, device, entity, events, minutes, first, last in cells:
            if apps is not None and app_id not in apps:
                continue
            if period == "hour" and not start_ms <= hour_ms < end_ms:
                continue
            bucket = hour_ms if period == "hour" else activity.day_ms
            key = (bucket, app_id, device, *(repr(v) for v in entity.values()))
            row = grouped.get(key)
            if row is None:
                row = _dimensions(activity, app_id, device)
                row["day"] = activity.day_ms
                if period == "hour":
                    row["hour"] = hour_ms
                row.update(entity)
                row.update(numEvents=0, numMinutes=0, firstTime=first, lastTime=last)
                grouped[key] = row
            row["numEvents"] += events
            row["numMinutes"] += minutes
            row["firstTime"] = min(row["firstTime"], first)
            row["lastTime"] = max(row["lastTime"], last)
        yield from grouped.values()


def _event_common(visitor: Visitor, device: Device, app_id: int, timestamp: int) -> Row:
    country, region, latitude, longitude = visitor.geo
    return {
        "accountId": visitor.account_id,
        "accountIds": [visitor.account_id] if visitor.account_id else [],
        "appId": app_id,
        "browserTime": timestamp,
        "guideTimestamp": timestamp,
        "country": country,
        "region": region,
        "latitude": latitude,
        "longitude": longitude,
        "language": visitor.language,
        "loadTime": 0,
        "remoteIp": device.remote_ip,
        "serverName": device.server,
        "userAgent": device.user_agent,
        "visitorId": visitor.visitor_id,
    }


def guide_event_row(event: GuideEvent) -> Row:
    row = _event_common(event.visitor, event.device, event.guide.app_id, event.timestamp)
    row.update(
        type=event.type,
        guideId=event.guide.guide_id,
        guideStepId=event.step.step_id,
        destinationStepId=None,
        guideSeenReason=event.reason if event.type == "guideSeen" else None,
        url=f"https://{event.device.server}/home",
        pollId=None,
        pollResponse=None,
    )
    return row


def poll_event_row(event: PollEvent) -> Row:
    row = _event_common(event.visitor, event.device, event.guide.app_id, event.timestamp)
    row.update(
        type="pollResponse",
        guideId=event.guide.guide_id,
        guideStepId=event.step.step_id,
        pollId=event.poll.poll_id,
        pollResponse=event.response,
        url=f"https://{event.device.server}/home",
    )
    return row


def guide_event_rows(world: World, start_ms: int, end_ms: int, app_ids: Iterable[int] | None) -> Iterator[Row]:
    apps = set(app_ids) if app_ids is not None else None
    for event in world.guide_events:
        if start_ms <= event.timestamp < end_ms and (apps is None or event.guide.app_id in apps):
            yield guide_event_row(event)


def poll_event_rows(world: World, start_ms: int, end_ms: int, app_ids: Iterable[int] | None) -> Iterator[Row]:
    apps = set(app_ids) if app_ids is not None else None
    for event in world.poll_events:
        if start_ms <= event.timestamp < end_ms and (apps is None or event.guide.app_id in apps):
            yield poll_event_row(event)


def _user(world: World) -> Row:
    return {
        "id": "5629499534213120",
        "username": "pm@example.com",
        "first": "Pat",
        "last": "Manager",
        "role": 8,
    }


def guide_row(world: World, guide: Guide) -> Row:
    return {
        "id": guide.guide_id,
        "appId": guide.app_id,
        "appIds": [guide.app_id],
        "name": guide.name,
        "kind": "Guide",
        "state": guide.state,
        "launchMethod": guide.launch_method,
        "isMultiStep": len(guide.steps) > 1,
        "isModule": False,
        "isTopLevel": False,
        "isTraining": False,
        "createdAt": guide.created_ms,
        "lastUpdatedAt": guide.updated_ms,
        "publishedAt": world.day_starts[guide.publish_day],
        "publishedEver": True,
        "resetAt": 0,
        "showsAfter": 0,
        "expiresAfter": 0,
        "recurrence": 0,
        "createdByUser": _user(world),
        "lastUpdatedByUser": _user(world),
        "attributes": {
            "type": "building-block",
            "device": {"type": "desktop"},
            "priority": 100 + guide.index,
        },
        "audience": [{"source": {"visitors": {"identified": True}}}, {"select": {"visitorId": "visitorId"}}],
        "polls": [
            {
                "id": poll.poll_id,
                "question": poll.question,
                "attributes": {"type": poll.kind},
                "numericResponses": list(range(11)) if poll.kind == "NPSRating" else [],
                "resetAt": 0,
            }
            for poll in guide.polls
        ],
        "steps": [
            {
                "id": step.step_id,
                "guideId": guide.guide_id,
                "type": "building-block",
                "name": f"Step {step.number}",
                "rank": step.number * 5_000_000,
                "pageId": "",
                "advanceMethod": "button",
                "pollIds": list(step.poll_ids),
                "lastUpdatedAt": guide.updated_ms,
                "resetAt": 0,
            }
            for step in guide.steps
        ],
    }


def entity_rows(world: World, source: str, app_ids: Iterable[int] | None) -> Iterator[Row]:
    """Rows of an entity source (guides for the walking skeleton; the rest follow the same pattern)."""
    apps = set(app_ids) if app_ids is not None else None
    if source == "guides":
        for guide in world.guides:
            if apps is None or guide.app_id in apps:
                yield guide_row(world, guide)
        return
    raise NotImplementedError(source)
