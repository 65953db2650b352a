"""The `schema_drift` knob (a new visitor custom field, account seats retyped to string) and the hostile guide ids
of worlds with enough guides."""

from __future__ import annotations

from dataclasses import replace

from pendo_simulator.entities import DRIFT_SEATS_TEXT, DRIFT_VISITOR_FIELD
from pendo_simulator.vocabulary import HOSTILE_GUIDE_IDS
from pendo_simulator.world import World
from tests.simulator.conftest import ALL_APPS, SMALL, source


def _custom(api, entity: str) -> dict[str, dict]:
    id_field = "visitorId" if entity == "visitors" else "accountId"
    return {row[id_field]: row["metadata"].get("custom", {}) for row in api.rows([source(entity)])}


def test_schema_drift_adds_a_visitor_field_and_retypes_account_seats(api):
    visitors, accounts = _custom(api, "visitors"), _custom(api, "accounts")
    assert all(DRIFT_VISITOR_FIELD not in custom for custom in visitors.values())
    assert all(isinstance(custom["seats"], int) for custom in accounts.values())

    assert api.faults(schema_drift=True)["knobs"]["schema_drift"] is True
    drifted_visitors, drifted_accounts = _custom(api, "visitors"), _custom(api, "accounts")
    identified = {v for v in visitors if not v.startswith("_PENDO_T_")}
    assert {v for v, custom in drifted_visitors.items() if DRIFT_VISITOR_FIELD in custom} == identified
    assert {custom[DRIFT_VISITOR_FIELD] for custom in drifted_visitors.values() if custom} == {
        "promoter",
        "passive",
        "detractor",
    }
    seats = {a: custom["seats"] for a, custom in drifted_accounts.items()}
    assert all(isinstance(value, str) for value in seats.values())
    assert {a for a, value in seats.items() if value == DRIFT_SEATS_TEXT} and {
        a: str(accounts[a]["seats"]) for a, value in seats.items() if value != DRIFT_SEATS_TEXT
    } == {a: value for a, value in seats.items() if value != DRIFT_SEATS_TEXT}
    for visitor, custom in drifted_visitors.items():  # nothing else changed
        assert {k: v for k, v in custom.items() if k != DRIFT_VISITOR_FIELD} == visitors[visitor]

    schema = api.get("/api/v1/metadata/schema/visitor").json()
    assert schema["custom"][DRIFT_VISITOR_FIELD]["Type"] == "string"
    assert api.get("/api/v1/metadata/schema/account").json()["custom"]["seats"]["Type"] == "string"

    api.faults(schema_drift=False)
    assert _custom(api, "accounts") == accounts
    assert api.get("/api/v1/metadata/schema/account").json()["custom"]["seats"]["Type"] == "integer"


def test_the_schema_drift_flag_of_serve(start_simulator):
    simulator = start_simulator("--seed", "3", "--visitors", "10", "--accounts", "4", "--days", "2", "--schema-drift")
    assert simulator.state()["knobs"]["schema_drift"] is True


def test_worlds_with_eleven_guides_carry_every_hostile_guide_id(serve):
    api = serve(World(replace(SMALL, guides=11)))
    ids = {guide["id"] for guide in api.rows([source("guides", {"appId": ALL_APPS})])}
    assert set(HOSTILE_GUIDE_IDS) <= ids
    hostile = HOSTILE_GUIDE_IDS[2]
    assert "&&" in hostile and "\n" in hostile and len(hostile) > 300
    rows = api.rows([source("guides", {"appId": ALL_APPS}), {"filter": f'id == "{hostile}"'}])  # a raw newline
    assert [row["id"] for row in rows] == [hostile]
