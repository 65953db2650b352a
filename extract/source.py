"""The `pendo` dlt source: every Pendo Engage resource, landed in `pendo_raw`.

dbt reads the tables as declared in transform/models/staging/pendo/_pendo__sources.yml.
"""

from __future__ import annotations

import time
from typing import Any

import dlt
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.specs import RuntimeConfiguration
from dlt.extract.resource import DltResource

from extract.config import ConfigError, Settings, extraction_now, parse_settings
from extract.load.progress import Progress
from extract.load.window_plan import RunPlan
from extract.pendo.client import PendoClient, RequestCounts
from extract.pendo.rows import AnswerLimits
from extract.resources.entities import (
    ENTITIES,
    METADATA_SCHEMAS,
    EntityContext,
    entity_resource,
    metadata_schema_resource,
)
from extract.resources.events import EventContext, event_resource
from extract.resources.registry import EVENT_TABLES
from extract.resources.windows import to_ms


# max_table_nesting = 2: guide steps and polls (and page rules) become child tables whose own objects are flattened
# (`attributes__type`); lists inside them stay JSON. Settings are typed `Any` with text defaults on purpose: dlt passes
# the raw value through and settings.py checks it, so a bad value gets a one-line message naming its key.
@dlt.source(name="pendo", max_table_nesting=2)
def pendo(
    integration_key: str = dlt.secrets.value,
    region: Any = "us",
    base_url: Any = None,
    start_date: Any = "2024-01-01",
    period: Any = "day",
    window: Any = "1d",
    lookback: Any = "10d",
    horizon: Any = "8h",
    page_size: Any = "50000",
    app_ids: Any = "*",
    include_anonymous: Any = "true",
    timezone: Any = None,
    rows_per_load: Any = "2000000",
    answer_deadline: Any = "900",
    max_answer_bytes: Any = str(1 << 30),
    max_row_bytes: Any = str(16 << 20),
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
