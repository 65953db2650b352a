"""The entity resources: visitors, accounts, pages, features, guides, track types and the two metadata schemas.

Entities are read whole on every run (keyset-paged on their id, merged on it), so a changed name, rule or metadata
value is always current. They are yielded as dicts: dlt flattens nested metadata into `metadata__<group>__<field>`
columns (new custom fields become new columns) and turns guide steps, guide polls and page rules into child tables
that keep the list order in `_dlt_list_idx`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dlt
import orjson
from dlt.extract.resource import DltResource

from extract.config import Settings
from extract.load.window_hashes import unless_unchanged
from extract.pendo.client import (
    InvalidAnswer,
    PendoClient,
    PendoRequestError,
    ResponseInterrupted,
    WindowTooLarge,
)
from extract.pendo.keyset import Bound, KeysetPager, Position, batches, field_value, keyset_condition
from extract.pendo.queries import app_id_param, paged
from extract.resources.metadata_types import MetadataTyper, declared_types
from extract.resources.reading import ReadContext
from extract.resources.registry import METADATA_SCHEMA_COLUMNS, EntitySpec
from extract.settings import DICT_BATCH_ROWS, MERGE, MERGE_STAGED_UNIQUE

METADATA_KINDS = {"visitors": "visitor", "accounts": "account"}  # entities whose custom metadata Pendo types
CONTENT_HASH = "content_hash"  # in the resource state: the hash of the rows of the last load
ENTITY_HOLD_BYTES = 16 << 20  # rows (as JSON) held until the table's hash is known; a larger table always loads


def _add_batch(digest: Any, batch: tuple[list[dict[str, Any]], Any]) -> int:
    data = orjson.dumps(batch, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    digest.update(data)
    return len(data)


@dataclass(kw_only=True)
class EntityContext(ReadContext):
    settings: Settings


def _source_params(spec: EntitySpec, settings: Settings) -> Any:
    if spec.name == "visitors":
        return None if settings.include_anonymous else {"identified": True}
    if spec.per_app:
        return {"appId": app_id_param(settings.app_ids)}
    return None


def entity_resource(spec: EntitySpec, context: EntityContext) -> DltResource:
    primary_key = {"visitorId": "visitor_id", "accountId": "account_id"}.get(spec.id_field, spec.id_field)

    # Keyset paging on the id hands every entity over once, so dlt's merge can skip de-duplicating the staged rows, as
    # for the event tables: that ROW_NUMBER() pass over 200,000 wide visitor rows outgrew DuckDB's memory_limit.
    # (Pages and guides, with child tables and a few hundred rows, keep dlt's default.)
    @dlt.resource(
        name=spec.name,
        write_disposition=MERGE if spec.nested else MERGE_STAGED_UNIQUE,
        primary_key=primary_key,
        columns=spec.columns,
        nested_hints=spec.nested,
    )
    def read_entities() -> Iterator[list[dict[str, Any]]]:
        stats = context.progress.table(spec.name)
        client = context.client(stats.counts)
        base = [{"source": {spec.source: _source_params(spec, context.settings)}}]
        sort = [spec.id_field]

        def identity(row: dict[str, Any]) -> Any:
            value = field_value(row, spec.id_field)
            if isinstance(value, bool) or (value is not None and not isinstance(value, str | int)):
                kind = type(value).__name__
                raise InvalidAnswer(f"{client.host} sent a malformed answer: {spec.id_field} is a {kind}, not an id")
            return value

        def query(bound: Bound | None, limit: int) -> Iterator[dict[str, Any]]:
            stats.pages += 1
            for row in client.aggregate(paged(base, keyset_condition(sort, bound), sort, limit)):
                identity(row)  # an id that is a list or an object: a malformed answer, before it is used
                yield row

        typer = _metadata_typer(spec, client)

        def typed_batches() -> Iterator[tuple[list[dict[str, Any]], Any]]:
            position, retries = Position(), context.retries(stats.counts)
            while True:
                pager = KeysetPager(query, sort, identity, context.settings.page_size, position)
                try:
                    for batch in batches(pager.rows(), DICT_BATCH_ROWS):
                        stats.rows += len(batch)
                        context.progress.note(stats)
                        if typer is None:
                            yield batch, None
                        else:  # the declared types as column hints, before dlt sees a value
                            hints = typer.hints(batch)
                            yield [typer.apply(row) for row in batch], hints
                    return
                except InvalidAnswer as error:  # retried like a 5xx; then one line, and nothing of this table loads
                    retries.after_malformed(error, f"{spec.name}: ")
                    position = pager.position()
                except ResponseInterrupted:  # resume after the last row handed over, like the event tables
                    if not retries.after_interrupted():
                        raise
                    position = pager.position()
                except WindowTooLarge as error:
                    raise PendoRequestError(f"{spec.name}: {error}; lower sources.pendo.page_size") from None
                finally:
                    stats.repeated += pager.repeated

        # A table whose rows (and declared types) are what the last load stored is not loaded again.
        state = dlt.current.resource_state(spec.name)
        outcome: dict[str, Any] = {}
        previous = state.get(CONTENT_HASH)
        for rows, hints in unless_unchanged(typed_batches(), previous, _add_batch, ENTITY_HOLD_BYTES, outcome):
            yield rows if hints is None else dlt.mark.with_hints(rows, dlt.mark.make_hints(columns=hints))
        state[CONTENT_HASH] = outcome["hash"]
        stats.unchanged += outcome["skipped"]
        stats.done = True
        context.progress.note(stats, force=True)

    return read_entities


def _metadata_typer(spec: EntitySpec, client: PendoClient) -> MetadataTyper | None:
    """Visitors' and accounts' custom fields typed by Pendo's metadata schema (extract/resources/metadata_types.py); the
    columns the dataset already has keep their types."""
    kind = METADATA_KINDS.get(spec.name)
    if kind is None:
        return None
    try:
        document = client.get_json(f"api/v1/metadata/schema/{kind}")
    except WindowTooLarge as error:
        raise PendoRequestError(f"{spec.name}: metadata schema: {error}") from None
    schema = dlt.current.source_schema()
    existing = schema.tables.get(spec.name, {}).get("columns", {})
    types = {name: column["data_type"] for name, column in existing.items() if column.get("data_type")}
    return MetadataTyper(declared_types(document), types, schema.naming.normalize_identifier)


def metadata_schema_resource(name: str, kind: str, context: EntityContext) -> DltResource:
    """One row per metadata field of `GET /api/v1/metadata/schema/{visitor|account}`, replaced on every run."""

    @dlt.resource(
        name=name,
        write_disposition="replace",
        primary_key=("group_name", "field_name"),
        columns=METADATA_SCHEMA_COLUMNS,
    )
    def read_schema() -> Iterator[list[dict[str, Any]]]:
        stats = context.progress.table(name)
        client = context.client(stats.counts)
        stats.pages += 1
        try:
            document = client.get_json(f"api/v1/metadata/schema/{kind}")
        except WindowTooLarge as error:
            raise PendoRequestError(f"{name}: {error}") from None
        if document is not None and not isinstance(document, dict):
            shape = "a list" if isinstance(document, list) else f"a {type(document).__name__}"
            raise InvalidAnswer(f"{name}: {client.host} sent a malformed answer: {shape}, not an object")
        rows = [
            {"group_name": group, "field_name": field_name, **(descriptor if isinstance(descriptor, dict) else {})}
            for group, fields in (document or {}).items()
            if isinstance(fields, dict)
            for field_name, descriptor in fields.items()
        ]
        stats.rows += len(rows)
        stats.done = True
        context.progress.note(stats, force=True)
        yield rows

    return read_schema
