"""`make elt` against rows shaped like real, recorded Pendo answers (tests/fixtures/recorded_shapes), replayed over HTTP
by `python -m pendo_simulator serve --fixtures DIR`.

The fixtures copy the field names and value shapes of public recorded samples: aggregated rows without `firstTime`,
`lastTime` or `hour`, a subscription with no track types and no track events, poll responses typed
`ui:web:pollResponse` with a null `appId`, a draft guide with `publishedAt: 0`, events on a deleted page and feature
and on a step removed from its guide, a visitor the `visitors` source does not list, and custom metadata whose values
do not all fit the type Pendo's metadata schema declares. Every served row must land and `make elt` must exit 0.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.helpers import FIXED_NOW, PYTHON, REPO_ROOT, query
from tests.publish.elt import EltWorkspace, output

pytestmark = pytest.mark.slow

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "recorded_shapes"
TABLES = {
    "events": "events",
    "pageEvents": "page_events",
    "featureEvents": "feature_events",
    "trackEvents": "track_events",
    "guideEvents": "guide_events",
    "pollEvents": "poll_events",
    "visitors": "visitors",
    "accounts": "accounts",
    "pages": "pages",
    "features": "features",
    "trackTypes": "track_types",
    "guides": "guides",
}


def _fixture(name: str) -> list[dict[str, Any]]:
    path = FIXTURES / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else []


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = EltWorkspace(tmp_path_factory.mktemp("recorded"))
    args = ("--fixtures", str(FIXTURES), "--now", FIXED_NOW)
    with SimulatorProcess(secrets.token_hex(16), args, python=PYTHON) as simulator:
        env = workspace.env(
            simulator,
            SOURCES__PENDO__START_DATE="2026-03-01",
            EXTRACT_NOW=FIXED_NOW,
            PENDO_TIMEZONE="America/New_York",
        )
        elt = workspace.make("elt", env=env)
    assert elt.returncode == 0, output(elt)
    return workspace.duckdb_path


def _count(database: Path, table: str) -> int:
    return query(database, f"select count(*) from {table}")[0][0]


def test_every_served_row_lands(loaded: Path) -> None:
    served = {table: len(_fixture(source)) for source, table in TABLES.items()}
    landed = {table: _count(loaded, f"pendo_raw.{table}") for table in served}
    assert landed == served
    assert served["track_types"] == served["track_events"] == 0  # present and empty, so dbt builds on them
    steps = sum(len(guide["steps"]) for guide in _fixture("guides"))
    assert _count(loaded, "pendo_raw.guides__steps") == steps
    for kind in ("visitor", "account"):
        fields = sum(
            len(group) for group in json.loads((FIXTURES / f"metadata_schema_{kind}.json").read_text()).values()
        )
        assert _count(loaded, f"pendo_raw.{kind}_metadata_schema") == fields


def test_no_event_is_lost_in_the_marts(loaded: Path) -> None:
    assert _count(loaded, "marts.fct_guide_events") == len(_fixture("guideEvents"))
    assert _count(loaded, "marts.fct_poll_responses") == len(_fixture("pollEvents"))
    page_views = sum(row["numEvents"] for row in _fixture("pageEvents"))
    assert query(loaded, "select sum(page_views) from marts.fct_page_daily")[0][0] == page_views
    clicks = sum(row["numEvents"] for row in _fixture("featureEvents"))
    assert query(loaded, "select sum(clicks) from marts.fct_feature_daily")[0][0] == clicks


def test_ids_seen_only_on_events_are_in_the_dimensions_flagged(loaded: Path) -> None:
    listed = {page["id"] for page in _fixture("pages")}
    used = {row["pageId"] for row in _fixture("pageEvents")}
    pages = dict(query(loaded, "select page_id, is_listed_by_pendo from marts.dim_pages"))
    assert pages == {page_id: page_id in listed for page_id in listed | used}
    visitors = dict(query(loaded, "select visitor_id, is_listed_by_pendo from marts.dim_visitors"))
    assert visitors["temp"] is False
    listed_steps = {step["id"] for guide in _fixture("guides") for step in guide["steps"]}
    used_steps = {row["guideStepId"] for row in _fixture("guideEvents")}
    steps = dict(query(loaded, "select guide_step_id, is_listed_by_pendo from marts.dim_guide_steps"))
    assert steps == {step: step in listed_steps for step in listed_steps | used_steps}
    funnel = dict(query(loaded, "select guide_step_id, visitors_seen from marts.fct_guide_step_funnel"))
    assert funnel[next(iter(used_steps - listed_steps))] == 1  # the guideSeen on the removed step still counts


def test_a_draft_guide_was_never_published(loaded: Path) -> None:
    published = dict(query(loaded, "select guide_id, published_at is not null from marts.dim_guides"))
    assert published == {guide["id"]: guide["publishedAt"] != 0 for guide in _fixture("guides")}


def test_custom_metadata_is_typed_by_the_declared_schema(loaded: Path) -> None:
    columns = dict(
        query(
            loaded,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'pendo_raw' and table_name = 'visitors'",
        )
    )
    assert columns["metadata__custom__renewaldate"] == "VARCHAR"  # date-looking text stays text
    assert columns["metadata__custom__seats"] == "BIGINT"  # declared integer, though some values came as strings
    assert columns["metadata__custom__beta"] == "BOOLEAN"
    assert not [name for name in columns if "__v_" in name]  # no variant column for the value that does not fit
    seats = {
        visitor: (value, misfits)
        for visitor, value, misfits in query(
            loaded, "select visitor_id, metadata__custom__seats, metadata_misfits from pendo_raw.visitors"
        )
    }
    assert seats == {
        "thick_register": (25, None),
        "source_oxygen": (40, None),
        "penalty_curious": (None, '{"seats":"unlimited"}'),
    }
