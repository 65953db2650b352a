"""The dbt project's own promises, read from dbt's artifacts after a real run: docs, keys, contracts, lineage,
source freshness, and a clear error for a bad completion rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.transform.warehouse import DbtWorkspace

pytestmark = pytest.mark.slow

# dlt child tables have no load id of their own, and metadata field lists change too rarely to watch.
SOURCES_WITHOUT_FRESHNESS = {
    "guides__steps",
    "guides__polls",
    "pages__rules",
    "visitor_metadata_schema",
    "account_metadata_schema",
}


@pytest.fixture(scope="module")
def manifest(built_workspace: DbtWorkspace) -> dict[str, Any]:
    return json.loads((built_workspace.target_path / "manifest.json").read_text())


@pytest.fixture(scope="module")
def catalog(built_workspace: DbtWorkspace) -> dict[str, Any]:
    return json.loads((built_workspace.target_path / "catalog.json").read_text())


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node_id: node for node_id, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def _marts(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node_id: node for node_id, node in _models(manifest).items() if node["config"]["schema"] == "marts"}


def test_every_model_and_every_built_column_is_described(manifest: dict[str, Any], catalog: dict[str, Any]) -> None:
    undescribed = []
    for node_id, node in _models(manifest).items():
        if not node["description"].strip():
            undescribed.append(node_id)
        documented = {name: column["description"].strip() for name, column in node["columns"].items()}
        built_columns = {name.lower() for name in catalog["nodes"][node_id]["columns"]}
        undescribed += [f"{node_id}.{name}" for name in sorted(built_columns) if not documented.get(name)]
        undescribed += [f"{node_id}.{name} (documented, not built)" for name in sorted(set(documented) - built_columns)]
    assert undescribed == []


def test_every_model_has_a_primary_key_test(manifest: dict[str, Any]) -> None:
    keyed = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        if node["test_metadata"]["name"] in ("unique", "primary_key"):
            keyed.add(node["attached_node"])
    assert sorted(set(_models(manifest)) - keyed) == []


def test_every_mart_is_a_contracted_table_in_schema_marts(manifest: dict[str, Any]) -> None:
    marts = _marts(manifest)
    assert len(marts) >= 20
    for node_id, node in marts.items():
        assert node["config"]["contract"]["enforced"], node_id
        assert node["config"]["materialized"] in ("table", "incremental"), node_id
        assert all(column.get("data_type") for column in node["columns"].values()), node_id


def test_every_mart_descends_from_pendo_raw(manifest: dict[str, Any]) -> None:
    """`make docs` draws this lineage: each mart reaches a pendo_raw source through staging."""

    def sources_above(node_id: str, seen: set[str]) -> set[str]:
        found = set()
        for parent in manifest["parent_map"][node_id]:
            if parent in seen:
                continue
            seen.add(parent)
            found |= {parent} if parent.startswith("source.pendo.pendo.") else sources_above(parent, seen)
        return found

    for node_id in _marts(manifest):
        assert sources_above(node_id, set()), f"{node_id} does not descend from pendo_raw"
    exposed = {parent for exposure in manifest["exposures"].values() for parent in exposure["depends_on"]["nodes"]}
    assert set(_marts(manifest)) <= exposed, "every mart is named by an exposure"


def test_raw_tables_have_freshness_and_are_fresh_after_a_load(
    manifest: dict[str, Any], built_workspace: DbtWorkspace
) -> None:
    for source in manifest["sources"].values():
        watched = bool(source["config"].get("freshness") and source["config"]["freshness"].get("error_after"))
        assert watched == (source["name"] not in SOURCES_WITHOUT_FRESHNESS), source["name"]
    checked = built_workspace.dbt("source freshness")
    assert checked.returncode == 0, checked.stdout[-3000:]
    results = json.loads((built_workspace.target_path / "sources.json").read_text())["results"]
    assert {result["status"] for result in results} == {"pass"}
    assert len(results) == len(manifest["sources"]) - len(SOURCES_WITHOUT_FRESHNESS)


def test_an_unknown_completion_rule_stops_dbt_with_one_clear_line(dbt_workspace: Callable[[], DbtWorkspace]) -> None:
    workspace = dbt_workspace()
    compiled = workspace.dbt(
        "compile", "--select", "fct_guide_visitor_progress", "--vars", '{"pendo_guide_completion_rule": "last_step"}'
    )
    assert compiled.returncode != 0
    assert (
        "var pendo_guide_completion_rule must be 'last_step_seen' or 'last_step_advanced', not 'last_step'"
        in compiled.stdout
    )
