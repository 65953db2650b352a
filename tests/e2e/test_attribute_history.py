"""Attribute history end to end: three runs of the real pipeline against a world whose attributes change between them.

The simulator changes every fifth account's plan, every sixth identified visitor's role and renames the first page,
feature and guide at `CHANGE_AT` (pendo_simulator/changes.py). The same workspace is extracted and built three times,
the simulator's clock (`--now`) before the change, after it, and two days later; each `dbt build` records its
snapshot at the simulated clock (dbt var `pendo_snapshot_at`), as a scheduled run at that moment would. Then:
- the changed attributes have a second version, dated by the run that first saw them, and nothing else has one;
- each active day of an account or visitor carries the value in effect at the end of that day, and the days before
  the first run the earliest value (metric_attribute_of_the_day);
- a rebuild at the same instant adds no version.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.helpers import PYTHON, Workspace, dbt_build, extract, query, truth

pytestmark = pytest.mark.slow

CHANGE_AT = "2026-03-16T15:00:00Z"
# Before the change, the first run after it, and a later run whose complete days include days after the change.
RUNS = ("2026-03-15T12:00:00Z", "2026-03-18T12:00:00Z", "2026-03-20T12:00:00Z")


@dataclass(frozen=True)
class Scenario:
    seed: int
    timezone: str

    def simulator_args(self, now: str) -> tuple[str, ...]:
        return (
            *("--seed", str(self.seed), "--days", "21", "--visitors", "150", "--timezone", self.timezone),
            *("--now", now, "--attribute-change-at", CHANGE_AT),
        )


SCENARIOS = {
    "seed7-new-york": Scenario(seed=7, timezone="America/New_York"),
    "seed11-berlin": Scenario(seed=11, timezone="Europe/Berlin"),
}


@dataclass(frozen=True)
class History:
    scenario: Scenario
    database: Path
    before: dict[str, Any]  # truth of the first run's world (before the change)
    after: dict[str, Any]  # truth of the last run's world (after it)
    rebuilt_versions: int  # history rows after building again at the last run's instant

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return query(self.database, sql)

    def local_date(self, moment: str) -> date:
        return datetime.fromisoformat(moment).astimezone(ZoneInfo(self.scenario.timezone)).date()


def _snapshot_at(now: str) -> str:
    return now.removesuffix("Z").replace("T", " ")


VERSION_COUNT = (
    "select (select count(*) from marts.dim_account_metadata_history)"
    " + (select count(*) from marts.dim_visitor_metadata_history)"
    " + (select count(*) from marts.dim_page_history) + (select count(*) from marts.dim_feature_history)"
    " + (select count(*) from marts.dim_guide_history) + (select count(*) from marts.dim_visitor_history)"
)


@pytest.fixture(scope="module", params=list(SCENARIOS), ids=list(SCENARIOS))
def history(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> History:
    scenario = SCENARIOS[request.param]
    workspace = Workspace(tmp_path_factory.mktemp(request.param))
    key = secrets.token_hex(16)
    env: dict[str, str] = {}
    for now in RUNS:
        with SimulatorProcess(key, scenario.simulator_args(now), python=PYTHON) as simulator:
            env = workspace.env(
                simulator.url,
                key,
                SOURCES__PENDO__START_DATE="2026-02-01",
                PENDO_TIMEZONE=scenario.timezone,
                EXTRACT_NOW=now,  # the extractor's clock is the simulated one
            )
            extracted = extract(env)
        assert extracted.returncode == 0, extracted.stderr[-3000:]
        built = dbt_build(env, "--vars", json.dumps({"pendo_snapshot_at": _snapshot_at(now)}))
        assert built.returncode == 0, built.stdout[-5000:]
    versions = query(workspace.duckdb_path, VERSION_COUNT)[0][0]
    rebuilt = dbt_build(env, "--vars", json.dumps({"pendo_snapshot_at": _snapshot_at(RUNS[-1])}))
    assert rebuilt.returncode == 0, rebuilt.stdout[-5000:]
    assert query(workspace.duckdb_path, VERSION_COUNT)[0][0] == versions
    return History(
        scenario=scenario,
        database=workspace.duckdb_path,
        before=truth(*scenario.simulator_args(RUNS[0]))["attribute_changes"],
        after=truth(*scenario.simulator_args(RUNS[-1]))["attribute_changes"],
        rebuilt_versions=versions,
    )


def test_truth_describes_the_change(history: History) -> None:
    assert not history.before["applied"] and history.after["applied"]
    assert history.before["accounts"] == history.after["accounts"]
    assert all(change["before"] != change["after"] for change in history.after["accounts"])
    assert history.after["visitors"], "some identified visitor should change role"


def _versions(history: History, entity: str, field: str) -> dict[str, list[tuple[Any, ...]]]:
    rows = history.rows(
        f"select {entity}_id, version_number, field_value, valid_from, valid_to, effective_from_date "
        f"from marts.dim_{entity}_metadata_history where field_name = '{field}' order by 1, 2"
    )
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for entity_id, *version in rows:
        grouped.setdefault(entity_id, []).append(tuple(version))
    return grouped


@pytest.mark.parametrize(("entity", "field"), [("account", "planlevel"), ("visitor", "role")])
def test_a_changed_attribute_gets_a_second_version(history: History, entity: str, field: str) -> None:
    versions = _versions(history, entity, field)
    changes = {change[f"{entity}_id"]: change for change in history.after[f"{entity}s"]}
    first_at = datetime.fromisoformat(_snapshot_at(RUNS[0]))
    seen_at = datetime.fromisoformat(_snapshot_at(RUNS[1]))
    twice = 0
    for entity_id, entity_versions in versions.items():
        if entity_id not in changes:
            assert [v[0] for v in entity_versions] == [1], entity_id
        elif entity_versions[0][2] == first_at:  # known before the change: two versions
            change = changes[entity_id]
            assert entity_versions == [
                (1, change["before"], first_at, seen_at, None),
                (2, change["after"], seen_at, None, history.local_date(RUNS[1])),
            ], entity_id
            twice += 1
        else:  # first seen after the change (a visitor new since the first run): only the new value
            assert [v[:2] for v in entity_versions] == [(1, changes[entity_id]["after"])], entity_id
    assert twice > 0, f"the snapshot should hold some {entity} whose {field} changed between runs"


def test_renamed_pages_features_and_guides_get_a_second_version(history: History) -> None:
    for kind in ("page", "feature", "guide"):
        renamed = history.after["renamed"][kind]
        old_name = history.before["renamed"][kind]["name"]
        assert old_name != renamed["name"]
        rows = history.rows(
            f"select {kind}_id, version_number, {kind}_name, is_current from marts.dim_{kind}_history order by 1, 2"
        )
        names: dict[str, list[str]] = {}
        for object_id, _, name, _ in rows:
            if not names.get(object_id) or names[object_id][-1] != name:
                names.setdefault(object_id, []).append(name)
        assert {object_id: n for object_id, n in names.items() if len(n) > 1} == {
            renamed["id"]: [old_name, renamed["name"]]
        }, kind
        assert (renamed["id"], renamed["name"], True) in {(row[0], row[2], row[3]) for row in rows}, kind
    # Pages and features change only by the rename. (A guide's publication date moves with the simulated clock in
    # the simulator, so guides get versions for that too; the snapshot checks `published_at` as well.)
    for kind in ("page", "feature"):
        later = history.rows(f"select {kind}_id from marts.dim_{kind}_history where version_number > 1")
        assert later == [(history.after["renamed"][kind]["id"],)], kind


@pytest.mark.parametrize(("entity", "field"), [("account", "planlevel"), ("visitor", "role")])
def test_each_active_day_gets_the_value_of_that_day(history: History, entity: str, field: str) -> None:
    changes = {change[f"{entity}_id"]: change for change in history.after[f"{entity}s"]}
    current = {
        entity_id: value
        for entity_id, value in history.rows(
            f"select {entity}_id, field_value from marts.dim_{entity}_metadata_history "
            f"where field_name = '{field}' and is_current"
        )
    }
    first_at = datetime.fromisoformat(_snapshot_at(RUNS[0]))
    seen_before = {
        entity_id
        for (entity_id,) in history.rows(
            f"select {entity}_id from marts.dim_{entity}_metadata_history "
            f"where field_name = '{field}' and version_number = 1 and valid_from = '{first_at}'"
        )
    }
    days = history.rows(
        f"select {entity}_id, activity_date, field_value from marts.fct_{entity}_daily_metadata "
        f"where field_name = '{field}'"
    )
    switch = history.local_date(RUNS[1])
    sides = {"before": 0, "after": 0}
    for entity_id, activity_date, value in days:
        if entity_id in changes:
            # Days before the change's run carry the old value; before the first run, the earliest value known.
            side = "before" if activity_date < switch and entity_id in seen_before else "after"
            sides[side] += 1
            assert value == changes[entity_id][side], (entity_id, activity_date)
        else:
            assert value == current[entity_id], (entity_id, activity_date)
    assert sides["before"] > 0 and sides["after"] > 0, sides
    # Every active day of every entity with the field has exactly one value (the primary-key test rules out more).
    active_days = history.rows(
        f"select count(*) from intermediate.int_pendo__{entity}_days "
        f"where {entity}_id in (select {entity}_id from marts.dim_{entity}_metadata_history "
        f"where field_name = '{field}')"
    )[0][0]
    assert len(days) == active_days
