"""Entity rows: visitors, accounts, pages, features, guides and track types, plus the metadata schemas.

The same objects answer the aggregation sources and the GET list endpoints (`docs/pendo-api.md#row-shapes`,
`#get-endpoints-and-metadata-schemas`). Visitor and account dates are derived from the visitors' visits, so
they agree with the event rows.
Per-app visitor metadata is `auto_<appId>` with the minus sign as an underscore (`auto__323232`) ([I]).
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterator
from typing import Any

from pendo_simulator.records import Account, Feature, Guide, Page, TrackType, Visitor
from pendo_simulator.world import World

ENTITY_SOURCES = ("visitors", "accounts", "pages", "features", "guides", "trackTypes")
APP_SCOPED_ENTITIES = ("pages", "features", "guides", "trackTypes")

Row = dict[str, Any]
CREATOR = {
    "id": "5629499534213120",
    "username": "pm@example.com",
    "first": "Pat",
    "last": "Manager",
    "role": 8,
    "userType": "",
    "hasLoggedIn": True,
}


def id_hash(value: str) -> int:
    """An unsigned 32-bit hash of an id, like Pendo's `idhash`."""
    return zlib.crc32(value.encode())


def _versioned(world: World, kind: str, object_id: str, created: int, updated: int) -> Row:
    return {
        "createdAt": created,
        "createdByUser": CREATOR,
        "lastUpdatedAt": updated,
        "lastUpdatedByUser": CREATOR,
        "rootVersionId": f"{kind}-{id_hash(object_id):08x}",
        "stableVersionId": f"{kind}-{id_hash(object_id):08x}-{updated}",
    }


def _group(world: World, name: str, created: int) -> Row:
    return {
        "id": f"group-{id_hash(name):08x}",
        "name": name,
        "description": "",
        "color": ".groupColor03",
        "length": 0,
        "type": "",
        "items": None,
        "createdAt": created,
        "createdByUser": CREATOR,
        "lastUpdatedAt": created,
        "lastUpdatedByUser": CREATOR,
    }


def page_row(world: World, page: Page) -> Row:
    return {
        "id": page.page_id,
        "appId": page.app_id,
        "kind": "Page",
        "name": page.name,
        "color": ".groupColor03",
        "dirty": False,
        "isCoreEvent": page.name in ("Dashboard", "Reports"),
        "isAutoTagged": False,
        "suggestedName": "",
        "rules": [
            {
                "rule": f"//*{page.path}",
                "designerHint": f"https://app.example.com{page.path}",
                "parsedRule": f"^https?://[^/]*{page.path}/?(?:;[^#]*)?(?:\\?[^#]*)?(?:#.*)?$",
            }
        ],
        "rulesjson": "",
        "excludeRules": [],
        "group": _group(world, "Core", page.created_ms),
        **_versioned(world, "page", page.page_id, page.created_ms, page.updated_ms),
        "validThrough": world.now_ms,
        "dailyMergeFirst": 0,
        "dailyRollupFirst": 0,
    }


def feature_row(world: World, feature: Feature) -> Row:
    return {
        "id": feature.feature_id,
        "appId": feature.app_id,
        "kind": "Feature",
        "name": feature.name,
        "color": ".groupColor05",
        "dirty": False,
        "isCoreEvent": False,
        "pageId": feature.page_id,
        "appWide": False,
        "elementPathRules": [f'button[data-feature="{feature.feature_id[:8]}"]'],
        "elementInitialTag": "BUTTON",
        "elementSelectionType": "css",
        "eventPropertyConfigurations": [],
        "suggestedMatch": "",
        "createdDesignerVersion": "2.200.0",
        "group": _group(world, "Core", feature.created_ms),
        **_versioned(world, "feature", feature.feature_id, feature.created_ms, feature.updated_ms),
        "validThrough": world.now_ms,
        "dailyMergeFirst": 0,
        "dailyRollupFirst": 0,
    }


def track_type_row(world: World, track: TrackType) -> Row:
    return {
        "id": track.track_type_id,
        "appId": track.app_id,
        "kind": "TrackType",
        "name": track.name,
        "color": ".groupColor07",
        "dirty": False,
        "isCoreEvent": False,
        "trackTypeName": track.name,
        "trackTypeRules": [track.name],
        "eventPropertyNameList": ["plan", "source"],
        "group": _group(world, "Tracked", track.created_ms),
        **_versioned(world, "tracktype", track.track_type_id, track.created_ms, track.updated_ms),
        "validThrough": world.now_ms,
        "dailyMergeFirst": 0,
        "dailyRollupFirst": 0,
    }


def guide_row(world: World, guide: Guide) -> Row:
    # Draft and staged guides have never been published: Pendo sends 0, not a time, for publishedAt and showsAfter.
    published = world.day_starts[guide.publish_day] if world.is_published(guide) else 0
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
        **_versioned(world, "guide", guide.guide_id, guide.created_ms, guide.updated_ms),
        "publishedAt": published,
        "publishedEver": world.is_published(guide),
        "resetAt": guide.reset_ms or 0,
        "showsAfter": published,
        "expiresAfter": 0,
        "recurrence": 0,
        "recurrenceEligibilityWindow": 0,
        "attributes": {
            "type": "building-block",
            "device": {"type": "desktop"},
            "priority": 100 + guide.index,
            "badge": {"position": "top-right"} if guide.launch_method == "badge" else None,
            "capping": {"maxImpressions": 0, "maxSessionImpressions": 0},
        },
        "audience": [{"source": {"visitors": {"identified": True}}}, {"select": {"visitorId": "visitorId"}}],
        "audienceUiHint": {"filters": []},
        "polls": [
            {
                "id": poll.poll_id,
                "question": poll.question,
                "attributes": {"type": poll.kind},
                "numericResponses": list(range(11)) if poll.kind == "NPSRating" else [],
                "idResponses": {},
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
                "regexUrlRule": "",
                "elementPathRule": "",
                "triggerElementPathRule": "",
                "confirmationElementPathRule": "",
                "advanceMethod": "button",
                "contentType": "text/html; charset=utf-8",
                "launchUrl": "",
                "templateId": "",
                "pollIds": list(step.poll_ids),
                "attributes": {"height": 300, "width": 400, "autoHeight": True, "css": ""},
                "lastUpdatedAt": guide.updated_ms,
                "resetAt": 0,
            }
            for step in world.listed_steps(guide)
        ],
    }


def app_metadata_key(app_id: int) -> str:
    """`auto__323232` for app -323232: per-app auto metadata, the minus sign written as an underscore."""
    return "auto_" + str(app_id).replace("-", "_")


def visitor_dates(world: World, visitor: Visitor) -> tuple[int, int, int]:
    """(firstvisit, lastvisit, lastupdated) in epoch ms, consistent with the visitor's events."""
    span = world.visitor_span(visitor.index)
    first = visitor.prior_first_visit if visitor.existing else (span.first_visit if span else world.now_ms)
    # An existing visitor without activity in the period last came before it.
    last = span.last_visit if span is not None else min(world.start_ms - 1, first + (visitor.index % 30) * 86_400_000)
    updated = max(last, min(world.now_ms - 1, last + id_hash(visitor.visitor_id) % 3_600_000))
    return first, last, updated


# Schema drift (the `schema_drift` knob): what a Pendo admin's metadata changes look like to an extractor between two
# runs. Identified visitors gain a new custom field, and the account field `seats` is retyped from integer to string:
# Pendo then sends its values as strings, numeric ones ("25") and, for every third account, text ("unlimited").
DRIFT_VISITOR_FIELD = "npssegment"
DRIFT_SEGMENTS = ("promoter", "passive", "detractor")
DRIFT_SEATS_TEXT = "unlimited"


def drifted_seats(account: Account) -> str:
    return DRIFT_SEATS_TEXT if account.index % 3 == 0 else str(account.seats)


def visitor_row(world: World, visitor: Visitor, drift: bool = False) -> Row:
    first, last, updated = visitor_dates(world, visitor)
    device = visitor.devices[-1]
    auto = {
        "accountid": visitor.account_id,
        "accountids": [visitor.account_id] if visitor.account_id else [],
        "firstvisit": first,
        "id": visitor.visitor_id,
        "idhash": id_hash(visitor.visitor_id),
        "lastbrowsername": device.browser,
        "lastbrowserversion": device.browser_version,
        "lastoperatingsystem": device.operating_system,
        "lastservername": device.server,
        "lastupdated": updated,
        "lastuseragent": device.user_agent,
        "lastvisit": last,
        "nid": visitor.index,
    }
    agent: Row = {"ipaddress": device.remote_ip, "language": visitor.language}
    if visitor.email:
        agent["email"] = visitor.email
    metadata: Row = {"agent": agent, "auto": auto}
    span = world.visitor_span(visitor.index)
    for app_id in visitor.apps:
        app_first, app_last = span.per_app.get(app_id, (first, last)) if span else (first, last)
        metadata[app_metadata_key(app_id)] = {"firstvisit": min(first, app_first), "lastvisit": app_last}
    metadata["custom"] = (
        {} if visitor.is_anonymous else {"role": visitor.role, "department": visitor.department, "beta": False}
    )
    if drift and not visitor.is_anonymous:
        metadata["custom"][DRIFT_VISITOR_FIELD] = DRIFT_SEGMENTS[visitor.index % len(DRIFT_SEGMENTS)]
    if visitor.do_not_process:
        metadata["pendo"] = {"donotprocess": True}
    return {"visitorId": visitor.visitor_id, "metadata": metadata}


def account_dates(world: World) -> dict[str, tuple[int, int, int]]:
    """(firstvisit, lastvisit, lastupdated) per account: the extremes over its visitors."""
    dates: dict[str, tuple[int, int, int]] = {}
    for visitor in world.visitors:
        if not visitor.account_id or not world.visitor_exists(visitor):
            continue
        first, last, updated = visitor_dates(world, visitor)
        if visitor.account_id in dates:
            old = dates[visitor.account_id]
            first, last, updated = min(old[0], first), max(old[1], last), max(old[2], updated)
        dates[visitor.account_id] = (first, last, updated)
    return dates


def account_row(world: World, account: Account, dates: dict[str, tuple[int, int, int]], drift: bool = False) -> Row:
    first, last, updated = dates.get(account.account_id, (account.created_ms, account.created_ms, account.created_ms))
    return {
        "accountId": account.account_id,
        "metadata": {
            "agent": {"name": account.name},
            "auto": {
                "firstvisit": first,
                "id": account.account_id,
                "idhash": id_hash(account.account_id),
                "lastupdated": max(updated, account.created_ms),
                "lastvisit": last,
            },
            "custom": {
                "planlevel": account.plan,
                "industry": account.industry,
                "seats": drifted_seats(account) if drift else account.seats,
            },
        },
    }


def entity_rows(
    world: World, source: str, app_ids: Collection[int] | None, identified: bool | None = None, drift: bool = False
) -> Iterator[Row]:
    """Rows of an entity source. `app_ids` scopes pages/features/guides/trackTypes; None means every app. `drift`
    applies the schema drift to visitors and accounts."""

    def in_apps(app_id: int) -> bool:
        return app_ids is None or app_id in app_ids

    if source == "pages":
        yield from (page_row(world, p) for p in world.pages if in_apps(p.app_id) and world.is_page_listed(p.page_id))
    elif source == "features":
        yield from (feature_row(world, f) for f in world.features if in_apps(f.app_id) and world.is_feature_listed(f))
    elif source == "trackTypes":
        yield from (track_type_row(world, t) for t in world.track_types if in_apps(t.app_id))
    elif source == "guides":
        yield from (guide_row(world, g) for g in world.guides if in_apps(g.app_id))
    elif source == "visitors":
        for visitor in world.visitors:
            if identified is not None and identified == visitor.is_anonymous:
                continue
            if world.visitor_exists(visitor) and world.is_visitor_listed(visitor):
                yield visitor_row(world, visitor, drift)
    elif source == "accounts":
        dates = account_dates(world)
        yield from (account_row(world, a, dates, drift) for a in world.accounts if world.is_account_listed(a))
    else:
        raise ValueError(f"not an entity source: {source}")


# ------------------------------------------------------------------------------------------ metadata schema


def _field(kind: str, name: str, **extra: Any) -> Row:
    return {
        "Type": kind,
        "DisplayName": name,
        "ElementType": "string" if kind == "list" else "",
        "ElementFormat": "",
        "Dirty": False,
        "isHidden": False,
        "isDeleted": False,
        "isCalculated": False,
        "isPerApp": False,
        "isPromoted": False,
        "neverIndex": False,
        **extra,
    }


def metadata_schema(kind: str, drift: bool = False) -> Row:
    """`GET /api/v1/metadata/schema/{visitor|account}`: group -> field -> descriptor, matching the entity rows."""
    schema = _metadata_schema(kind)
    if drift and kind == "visitor":
        schema["custom"][DRIFT_VISITOR_FIELD] = _field("string", "NPS Segment")
    if drift and kind == "account":
        schema["custom"]["seats"] = _field("string", "Seats")
    return schema


def _metadata_schema(kind: str) -> Row:
    if kind == "visitor":
        return {
            "auto": {
                "accountid": _field("string", "Account ID"),
                "accountids": _field("list", "Account IDs"),
                "firstvisit": _field("time", "First Visit"),
                "id": _field("string", "Visitor ID"),
                "idhash": _field("integer", "ID Hash"),
                "lastbrowsername": _field("string", "Last Browser Name"),
                "lastbrowserversion": _field("string", "Last Browser Version"),
                "lastoperatingsystem": _field("string", "Last Operating System"),
                "lastservername": _field("string", "Last Server Name"),
                "lastupdated": _field("time", "Last Updated"),
                "lastuseragent": _field("string", "Last User Agent"),
                "lastvisit": _field("time", "Last Visit"),
                "nid": _field("integer", "Numeric ID"),
            },
            "agent": {
                "email": _field("string", "Email", sample="visitor1@example.com"),
                "ipaddress": _field("string", "IP Address"),
                "language": _field("string", "Language"),
            },
            "custom": {
                "role": _field("string", "Role"),
                "department": _field("string", "Department"),
                "beta": _field("boolean", "Beta"),
            },
            "pendo": {
                "donotprocess": _field("boolean", "Do Not Process"),
            },
        }
    if kind == "account":
        return {
            "auto": {
                "firstvisit": _field("time", "First Visit"),
                "id": _field("string", "Account ID"),
                "idhash": _field("integer", "ID Hash"),
                "lastupdated": _field("time", "Last Updated"),
                "lastvisit": _field("time", "Last Visit"),
            },
            "agent": {"name": _field("string", "Name")},
            "custom": {
                "planlevel": _field("string", "Plan Level"),
                "industry": _field("string", "Industry"),
                "seats": _field("integer", "Seats"),
            },
        }
    raise ValueError(f"no metadata schema for {kind}")
