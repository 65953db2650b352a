"""The `pendo` dlt source: every Pendo Engage resource, landed in `pendo_raw`.

dbt reads the tables as declared in transform/models/staging/pendo/_pendo__sources.yml.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import dlt
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.specs import RuntimeConfiguration
from dlt.extract.resource import DltResource

from extract.config import ConfigError, PendoSourceConfiguration, Settings, extraction_now, parse_settings
from extract.load.progress import Progress
from extract.load.window_plan import RunPlan
from extract.pendo.client import PendoClient, RequestCounts
from extract.pendo.rows import AnswerLimits
from extract.resources.entities import EntityContext, entity_resource, metadata_schema_resource
from extract.resources.events import EventContext, event_resource
from extract.resources.registry import ENTITIES, EVENT_TABLES, METADATA_SCHEMAS
from extract.resources.windows import to_ms
from extract.settings import MAX_TABLE_NESTING, SOURCE_NAME


# dlt resolves every setting into `PendoSourceConfiguration` (config.py: its types, and its defaults from settings.py)
# and passes the values here; `parse_settings` checks them, so a bad value gets a one-line message naming its key.
@dlt.source(name=SOURCE_NAME, max_table_nesting=MAX_TABLE_NESTING, spec=PendoSourceConfiguration)
def pendo(
    integration_key: str = dlt.secrets.value,
    region: str = dlt.config.value,
    base_url: str | None = dlt.config.value,
    start_date: date = dlt.config.value,
    period: str = dlt.config.value,
    window: str = dlt.config.value,
    lookback: str = dlt.config.value,
    horizon: str = dlt.config.value,
    page_size: int = dlt.config.value,
    app_ids: Any = dlt.config.value,
    include_anonymous: bool = dlt.config.value,
    timezone: str | None = dlt.config.value,
    rows_per_load: int = dlt.config.value,
    answer_deadline: int = dlt.config.value,
    max_answer_bytes: int = dlt.config.value,
    max_row_bytes: int = dlt.config.value,
    plan: RunPlan | None = None,
    progress: Progress | None = None,
) -> list[DltResource]:
    """Pendo Engage through the Aggregation API. Every setting is checked here, before any request."""
    if not str(integration_key or "").strip():
        raise ConfigError("sources.pendo.integration_key is empty: set it in .dlt/secrets.toml or the environment")
    settings = parse_settings(
        region=region,
        base_url=base_url,
        start_date=start_date,
        period=period,
        window=window,
        lookback=lookback,
        horizon=horizon,
        page_size=page_size,
        app_ids=app_ids,
        include_anonymous=include_anonymous,
        timezone=timezone,
        rows_per_load=rows_per_load,
        answer_deadline=answer_deadline,
        max_answer_bytes=max_answer_bytes,
        max_row_bytes=max_row_bytes,
    )
    plan = plan or RunPlan()
    progress = progress or Progress()
    if plan.settings is None:  # the first load of an invocation fixes "now" for all of its loads
        plan.settings = settings
        plan.now_ms = to_ms(extraction_now())
    _check_period_unchanged(settings)

    limits = AnswerLimits(settings.answer_deadline, settings.max_answer_bytes, settings.max_row_bytes)

    runtime = resolve_configuration(RuntimeConfiguration())
    max_attempts = runtime.request_max_attempts

    def client(counts: RequestCounts) -> PendoClient:
        return PendoClient(settings.base_url, integration_key, counts, limits, max_attempts)

    def backoff(attempt: int) -> None:
        """The wait before the n-th retry of a malformed answer: dlt's backoff for a 5xx."""
        time.sleep(min(runtime.request_backoff_factor * 2 ** (attempt - 1), runtime.request_max_retry_delay))

    events = EventContext(plan=plan, progress=progress, client=client, max_attempts=max_attempts, backoff=backoff)
    entities = EntityContext(
        settings=settings, progress=progress, client=client, max_attempts=max_attempts, backoff=backoff
    )
    return [
        *(event_resource(table, events) for table in EVENT_TABLES.values()),
        *(entity_resource(spec, entities) for spec in ENTITIES.values()),
        *(metadata_schema_resource(name, kind, entities) for name, kind in METADATA_SCHEMAS.items()),
    ]


def _check_period_unchanged(settings: Settings) -> None:
    """Day and hour rows have different grains: mixing them in one table would double every metric."""
    resources = dlt.current.source_state().get("resources", {})
    for name, table in EVENT_TABLES.items():
        loaded = resources.get(name, {}).get("period")
        if table.aggregated and loaded not in (None, settings.period):
            raise ConfigError(
                f"sources.pendo.period is {settings.period} but {name} was loaded with period = {loaded}; "
                "keep the period, or load into a new dataset (PIPELINE_NAME and a fresh database)"
            )
