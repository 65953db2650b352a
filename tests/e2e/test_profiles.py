"""Sparse and messy subscriptions end to end: every simulator profile -> extractor -> dbt build, against its truth.

For each profile (`python -m pendo_simulator serve --profile NAME`) the real pipeline runs once: the extractor over
HTTP into a fresh DuckDB file, then `dbt build` with every test. Each must exit 0 with no failing test, every raw
table must exist with its pinned columns, and the marts must equal the simulator's truth for that world: daily
activity, the guide funnels (a step removed from its guide included), guide outcomes, polls, and the ids each
dimension holds, listed by Pendo or known only from events.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extract.resources.registry import ENTITIES, EVENT_TABLES, METADATA_SCHEMA_COLUMNS, METADATA_SCHEMAS
from pendo_simulator.process import SimulatorProcess
from pendo_simulator.profiles import PROFILES
from tests.helpers import FIXED_NOW, PYTHON, Workspace, dbt_build, extract, query, truth

pytestmark = pytest.mark.slow

PROFILE_NAMES = [name for name in PROFILES if name != "default"]  # the default world: test_marts_truth.py


@dataclass(frozen=True)
class Built:
    profile: str
    database: Path
    truth: dict[str, Any]
    extract_output: str

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return query(self.database, sql)

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from {table}")[0][0]


def _simulator_args(profile: str) -> tuple[str, ...]:
    return ("--profile", profile, "--seed", "5", "--visitors", "90", "--days", "14", "--now", FIXED_NOW)


@pytest.fixture(scope="module", params=PROFILE_NAMES, ids=PROFILE_NAMES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    profile = request.param
    workspace = Workspace(tmp_path_factory.mktemp(profile))
    args = _simulator_args(profile)
    with SimulatorProcess(secrets.token_hex(16), args, python=PYTHON) as simulator:
        env = workspace.env(simulator.url, simulator.key, SOURCES__PENDO__START_DATE="2026-02-25")
        extracted = extract(env)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    built_marts = dbt_build(env)
    assert built_marts.returncode == 0, built_marts.stdout[-5000:]
    assert " ERROR=0 " in built_marts.stdout, built_marts.stdout[-3000:]
    return Built(profile, workspace.duckdb_path, truth(*args), extracted.stdout)


def _raw_columns(built: Built) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, column in built.rows(
        "select table_name, column_name from information_schema.columns where table_schema = 'pendo_raw'"
    ):
        columns.setdefault(table, set()).add(column)
    return columns


def test_every_raw_table_exists_with_its_pinned_columns(built: Built) -> None:
    columns = _raw_columns(built)
    expected: dict[str, set[str]] = {name: {"row_key", *table.hints} for name, table in EVENT_TABLES.items()}
    for spec in ENTITIES.values():
        expected[spec.name] = set(spec.columns)
        for child, hints in (spec.nested or {}).items():
            expected[f"{spec.name}__{child}"] = set(hints["columns"]) | {"_dlt_parent_id", "_dlt_list_idx"}
    expected.update({name: set(METADATA_SCHEMA_COLUMNS) for name in METADATA_SCHEMAS})
    missing = {table: sorted(want - columns.get(table, set())) for table, want in expected.items()}
    assert {table: gone for table, gone in missing.items() if gone} == {}


def test_activity_per_day(built: Built) -> None:
    marts = {
        day.isoformat(): (visitors, events)
        for day, visitors, events in built.rows(
            "select activity_date, active_visitors, total_events from marts.fct_active_visitors_daily"
        )
    }
    expected = {day["activity_date"]: (day["active_visitors"], day["events"]) for day in built.truth["daily"]}
    assert marts == {day: expected[day] for day in marts}
    assert all(expected[day] == (0, 0) for day in expected if day not in marts)
    if built.profile == "empty":
        assert marts == {}
    else:
        assert len(marts) >= 10


def test_guide_steps_open_counts_and_closed_funnel(built: Built) -> None:
    marts = {
        step_id: (guide_id, number, listed, seen, advanced, dismissed, reached, dropped)
        for step_id, guide_id, number, listed, seen, advanced, dismissed, reached, dropped in built.rows(
            "select guide_step_id, guide_id, step_number, is_listed_by_pendo, visitors_seen, visitors_advanced, "
            "visitors_dismissed, visitors_reached, visitors_dropped_off from marts.fct_guide_step_funnel"
        )
    }
    expected = {
        step["guide_step_id"]: (
            step["guide_id"],
            step["step_number"],
            step["is_listed"],
            step["visitors_seen"],
            step["visitors_advanced"],
            step["visitors_dismissed"],
            step["visitors_reached"],
            step["drop_off_last_step_advanced"],  # the default completion rule
        )
        for step in built.truth["guide_steps"]
    }
    assert marts == expected
    if built.profile == "orphans":  # a guideSeen on a removed step is counted, not dropped
        assert any(not listed and seen > 0 for _, _, listed, seen, *_ in marts.values())


def test_guide_outcomes_and_publication(built: Built) -> None:
    marts = {
        guide_id: (seen, entered, completed, published)
        for guide_id, seen, entered, completed, published in built.rows(
            "select guide_id, visitors_seen, visitors_entered, visitors_completed, published_at is not null "
            "from marts.dim_guides"
        )
    }
    expected = {
        guide["guide_id"]: (
            guide["visitors_seen"],
            guide["entered"],
            guide["completed_last_step_advanced"],  # the default completion rule
            guide["published"],
        )
        for guide in built.truth["guides"]
    }
    assert marts == expected
    if built.profile == "drafts":  # publishedAt 0 means never, not 1970-01-01
        assert any(not published for *_, published in marts.values())
    assert not built.rows("select guide_id from marts.dim_guides where published_at < timestamp '2000-01-01'")


def test_polls(built: Built) -> None:
    marts = {
        poll_id: (responses, respondents)
        for poll_id, responses, respondents in built.rows("select poll_id, responses, respondents from marts.dim_polls")
    }
    expected = {poll["poll_id"]: (poll["response_events"], poll["visitors"]) for poll in built.truth["polls"]}
    assert marts == expected
    raw = built.count("pendo_raw.poll_events")
    assert built.count("marts.fct_poll_responses") == raw  # odd poll types are kept, not filtered out
    if built.profile == "odd-poll-type":
        assert raw > 0
        assert built.rows("select distinct type, app_id from pendo_raw.poll_events") == [("ui:web:pollResponse", None)]


def test_dimensions_hold_every_id_facts_use(built: Built) -> None:
    for dimension, key, section, field in (
        ("dim_pages", "page_id", "pages", "page_id"),
        ("dim_features", "feature_id", "features", "feature_id"),
        ("dim_visitors", "visitor_id", "visitors", "visitor_id"),
        ("dim_accounts", "account_id", "accounts", "account_id"),
    ):
        marts = dict(built.rows(f"select {key}, is_listed_by_pendo from marts.{dimension}"))
        expected = {item[field]: item["is_listed"] for item in built.truth[section]}
        assert marts == expected, dimension
        if built.profile == "orphans":
            assert not all(marts.values()), f"{dimension} should hold ids seen only on events"


def test_no_fact_row_is_lost_to_an_orphan_id(built: Built) -> None:
    page_views = dict(built.rows("select page_id, page_views from marts.dim_pages"))
    assert page_views == {page["page_id"]: page["page_views"] for page in built.truth["pages"]}
    raw_events = built.rows("select coalesce(sum(num_events), 0) from pendo_raw.page_events")[0][0]
    assert built.rows("select coalesce(sum(page_views), 0) from marts.fct_page_daily")[0][0] == raw_events
    clicks = built.rows("select coalesce(sum(num_events), 0) from pendo_raw.feature_events")[0][0]
    assert built.rows("select coalesce(sum(clicks), 0) from marts.fct_feature_daily")[0][0] == clicks
    assert built.count("marts.fct_guide_events") == built.count("pendo_raw.guide_events")


def test_run_prints_its_row_counts(built: Built) -> None:
    """The extractor's summary names every table with its rows (the figures quoted in docs)."""
    raw = {name: built.count(f"pendo_raw.{name}") for name in (*EVENT_TABLES, *ENTITIES)}
    printed = {
        line.split()[0]: int(line.split()[1].replace(",", ""))
        for line in built.extract_output.splitlines()
        if line.split() and line.split()[0] in raw
    }
    assert printed == raw
