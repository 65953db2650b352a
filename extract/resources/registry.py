"""Every resource the `pendo` source yields, in one registry: what lands in `pendo_raw`.

- `EVENT_TABLES`: one spec per event table (columns, types, merge-key fields, keyset fields);
- `ENTITIES`: one spec per entity table (its Pendo source, id, column hints and nested hints);
- `METADATA_SCHEMAS`: the two metadata schema tables.

Adding a resource means adding it here (events.py and entities.py produce whatever is listed), then declaring its
table in transform/models/staging/pendo/_pendo__sources.yml with a staging model: the dbt sources rely on these
names and types.

Every listed column is pinned with a type, so it exists from the first load even when all its values are null, and
a column that first appears later can never change type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyarrow as pa

from extract.settings import ROW_KEY

TEXT, BIGINT, DOUBLE, BOOL, JSON = "text", "bigint", "double", "bool", "json"
# JSON travels as text in Arrow and is declared `json` by a column hint (DuckDB: JSON, Postgres: jsonb).
ARROW_TYPES = {TEXT: pa.string(), BIGINT: pa.int64(), DOUBLE: pa.float64(), BOOL: pa.bool_(), JSON: pa.string()}


@dataclass(frozen=True)
class Field:
    source: str  # Pendo's field name
    column: str  # the column in pendo_raw (dlt's snake_case of `source`)
    kind: str


@dataclass(frozen=True)
class EventTable:
    """An event resource: one Pendo row source queried once per window across every app and entity."""

    name: str
    source: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...]  # hashed into row_key: every field of the grain
    # Keyset tie-breaks after the cursor: ids of the grain that are never null and never a metric, so a row keeps
    # its place while its numbers change. Rows left tied (one visitor's devices and pages) are few per key.
    ties: tuple[str, ...]
    aggregated: bool

    def cursor(self, bucket: str) -> str:
        """The field a window selects rows by: the bucket (`day`/`hour`) of aggregates, the time of single events."""
        return bucket if self.aggregated else "guideTimestamp"

    def sort(self, bucket: str) -> tuple[str, ...]:
        """Keyset order inside a window: the cursor, then the tie-breaks."""
        return (self.cursor(bucket), *self.ties)

    @cached_property
    def hints(self) -> dict[str, dict[str, Any]]:
        columns: dict[str, dict[str, Any]] = {ROW_KEY: {"data_type": TEXT, "nullable": False}}
        columns.update({f.column: {"data_type": f.kind, "nullable": True} for f in self.fields})
        return columns


def _aggregated(name: str, source: str, entity: tuple[Field, ...], payload: Field, ties: tuple[str, ...]) -> EventTable:
    fields = (
        Field("visitorId", "visitor_id", TEXT),
        Field("accountId", "account_id", TEXT),
        Field("appId", "app_id", BIGINT),
        Field("day", "day", BIGINT),
        Field("hour", "hour", BIGINT),  # null with period = day
        *entity,
        payload,
        Field("numEvents", "num_events", BIGINT),
        Field("numMinutes", "num_minutes", BIGINT),
        Field("firstTime", "first_time", BIGINT),
        Field("lastTime", "last_time", BIGINT),
        Field("server", "server", TEXT),
        Field("remoteIp", "remote_ip", TEXT),
        Field("userAgent", "user_agent", TEXT),
    )
    key = ("appId", "visitorId", "accountId", "server", "remoteIp", "userAgent", "day", "hour")
    entity_ids = tuple(f.source for f in entity)
    if source == "events":
        entity_ids += ("featureId",)  # `events` rows may carry a featureId too; it is part of their grain then
    return EventTable(
        name=name,
        source=source,
        fields=fields,
        key_fields=(*key, *entity_ids, payload.source),
        ties=(*ties, "appId"),
        aggregated=True,
    )


_PAGE_ID = Field("pageId", "page_id", TEXT)
_PARAMETERS = Field("parameters", "parameters", JSON)

_SINGLE_EVENT_FIELDS = (
    Field("visitorId", "visitor_id", TEXT),
    Field("accountId", "account_id", TEXT),
    Field("accountIds", "account_ids", JSON),
    Field("appId", "app_id", BIGINT),
    Field("browserTime", "browser_time", BIGINT),
    Field("guideTimestamp", "guide_timestamp", BIGINT),
    Field("type", "type", TEXT),
    Field("guideId", "guide_id", TEXT),
    Field("guideStepId", "guide_step_id", TEXT),
    Field("destinationStepId", "destination_step_id", TEXT),
    Field("guideSeenReason", "guide_seen_reason", TEXT),
    Field("url", "url", TEXT),
    Field("serverName", "server_name", TEXT),
    Field("remoteIp", "remote_ip", TEXT),
    Field("userAgent", "user_agent", TEXT),
    Field("country", "country", TEXT),
    Field("region", "region", TEXT),
    Field("latitude", "latitude", DOUBLE),
    Field("longitude", "longitude", DOUBLE),
    Field("language", "language", TEXT),
    Field("loadTime", "load_time", BIGINT),
    Field("pollId", "poll_id", TEXT),
    Field("pollResponse", "poll_response", TEXT),
    Field("pollType", "poll_type", TEXT),  # beyond the agreed raw layout: NPSRating / FreeForm
)
# Everything that identifies one guide or poll event (the response text is a value of the event, not its identity).
_SINGLE_EVENT_KEY = (
    "appId",
    "visitorId",
    "accountId",
    "browserTime",
    "guideTimestamp",
    "type",
    "guideId",
    "guideStepId",
    "destinationStepId",
    "pollId",
    "url",
    "serverName",
    "remoteIp",
    "userAgent",
)


def _single(name: str, source: str, ties: tuple[str, ...]) -> EventTable:
    return EventTable(
        name=name,
        source=source,
        fields=_SINGLE_EVENT_FIELDS,
        key_fields=_SINGLE_EVENT_KEY,
        ties=ties,
        aggregated=False,
    )


EVENT_TABLES: dict[str, EventTable] = {
    table.name: table
    for table in (
        _aggregated("events", "events", (_PAGE_ID,), _PARAMETERS, ("visitorId",)),
        _aggregated("page_events", "pageEvents", (_PAGE_ID,), _PARAMETERS, ("visitorId", "pageId")),
        _aggregated(
            "feature_events",
            "featureEvents",
            (Field("featureId", "feature_id", TEXT),),
            _PARAMETERS,
            ("visitorId", "featureId"),
        ),
        _aggregated(
            "track_events",
            "trackEvents",
            (Field("trackTypeId", "track_type_id", TEXT),),
            Field("properties", "properties", JSON),
            ("visitorId", "trackTypeId"),
        ),
        _single("guide_events", "guideEvents", ("visitorId", "guideId", "type", "appId")),
        _single("poll_events", "pollEvents", ("visitorId", "pollId", "appId")),
    )
}


def _columns(**kinds: str) -> dict[str, dict[str, Any]]:
    return {name: {"data_type": kind, "nullable": True} for name, kind in kinds.items()}


def _nested(**kinds: str) -> dict[str, dict[str, Any]]:
    """Hints for a child table (dlt wants the name inside each column there)."""
    return {name: {"name": name, "data_type": kind, "nullable": True} for name, kind in kinds.items()}


_ENTITY_COMMON = {
    "id": TEXT,
    "app_id": BIGINT,
    "name": TEXT,
    "kind": TEXT,
    "created_at": BIGINT,
    "last_updated_at": BIGINT,
}

VISITOR_COLUMNS = _columns(
    visitor_id=TEXT,
    metadata__auto__id=TEXT,
    metadata__auto__idhash=BIGINT,
    metadata__auto__firstvisit=BIGINT,
    metadata__auto__lastvisit=BIGINT,
    metadata__auto__lastupdated=BIGINT,
    metadata__auto__accountid=TEXT,
    metadata__auto__accountids=JSON,
    metadata__auto__lastbrowsername=TEXT,
    metadata__auto__lastbrowserversion=TEXT,
    metadata__auto__lastoperatingsystem=TEXT,
    metadata__auto__lastservername=TEXT,
    metadata__auto__lastuseragent=TEXT,
    metadata__agent__email=TEXT,
    metadata__agent__language=TEXT,
    metadata__pendo__donotprocess=BOOL,
    metadata_misfits=JSON,  # custom values that do not fit their declared type (extract/resources/metadata_types.py)
)
ACCOUNT_COLUMNS = _columns(
    account_id=TEXT,
    metadata__auto__id=TEXT,
    metadata__auto__idhash=BIGINT,
    metadata__auto__firstvisit=BIGINT,
    metadata__auto__lastvisit=BIGINT,
    metadata__auto__lastupdated=BIGINT,
    metadata__agent__name=TEXT,
    metadata_misfits=JSON,
)
PAGE_COLUMNS = _columns(**_ENTITY_COMMON, group__id=TEXT, group__name=TEXT, group__items=JSON, exclude_rules=JSON)
PAGE_NESTED = {"rules": {"columns": _nested(rule=TEXT, designer_hint=TEXT, parsed_rule=TEXT)}}
FEATURE_COLUMNS = _columns(
    **_ENTITY_COMMON,
    page_id=TEXT,
    group__id=TEXT,
    group__name=TEXT,
    group__items=JSON,
    element_path_rules=JSON,
    event_property_configurations=JSON,
)
TRACK_TYPE_COLUMNS = _columns(
    **_ENTITY_COMMON,
    track_type_name=TEXT,
    group__id=TEXT,
    group__name=TEXT,
    group__items=JSON,
    track_type_rules=JSON,
    event_property_name_list=JSON,
)
GUIDE_COLUMNS = _columns(
    **_ENTITY_COMMON,
    state=TEXT,
    launch_method=TEXT,
    is_multi_step=BOOL,
    published_at=BIGINT,
    reset_at=BIGINT,
    app_ids=JSON,
    audience=JSON,
    attributes__badge=JSON,
)
GUIDE_NESTED = {
    "steps": {
        "columns": _nested(
            id=TEXT,
            guide_id=TEXT,
            name=TEXT,
            type=TEXT,
            rank=BIGINT,
            advance_method=TEXT,
            page_id=TEXT,
            poll_ids=JSON,
            last_updated_at=BIGINT,
        )
    },
    "polls": {
        "columns": _nested(id=TEXT, question=TEXT, attributes__type=TEXT, numeric_responses=JSON, id_responses=JSON)
    },
}
METADATA_SCHEMA_COLUMNS = _columns(
    group_name=TEXT,
    field_name=TEXT,
    type=TEXT,
    display_name=TEXT,
    element_type=TEXT,
    element_format=TEXT,
    dirty=BOOL,
    is_hidden=BOOL,
    is_deleted=BOOL,
    is_calculated=BOOL,
    is_per_app=BOOL,
)


@dataclass(frozen=True)
class EntitySpec:
    name: str
    source: str  # the aggregation row source
    id_field: str
    columns: dict[str, dict[str, Any]]
    nested: dict[str, Any] | None = None
    per_app: bool = True  # takes appId (visitors and accounts belong to the subscription, not to an app)


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("visitors", "visitors", "visitorId", VISITOR_COLUMNS, per_app=False),
        EntitySpec("accounts", "accounts", "accountId", ACCOUNT_COLUMNS, per_app=False),
        EntitySpec("pages", "pages", "id", PAGE_COLUMNS, PAGE_NESTED),
        EntitySpec("features", "features", "id", FEATURE_COLUMNS),
        EntitySpec("track_types", "trackTypes", "id", TRACK_TYPE_COLUMNS),
        EntitySpec("guides", "guides", "id", GUIDE_COLUMNS, GUIDE_NESTED),
    )
}
# `GET /api/v1/metadata/schema/{kind}`, one table per kind (columns: METADATA_SCHEMA_COLUMNS).
METADATA_SCHEMAS = {"visitor_metadata_schema": "visitor", "account_metadata_schema": "account"}

# The names alone, for the command line (which checks them without loading dlt).
EVENT_RESOURCES = tuple(EVENT_TABLES)
ENTITY_RESOURCES = (*ENTITIES, *METADATA_SCHEMAS)
ALL_RESOURCES = (*EVENT_RESOURCES, *ENTITY_RESOURCES)
