"""Custom metadata typed by Pendo's declared types: conversions, misfits kept aside, existing columns win."""

from __future__ import annotations

from extract.resources.metadata_types import MISFITS_COLUMN, MetadataTyper, declared_types

SCHEMA = {
    "custom": {
        "renewaldate": {"Type": "string"},
        "seats": {"Type": "integer"},
        "score": {"Type": "float"},
        "beta": {"Type": "boolean"},
        "signedup": {"Type": "time"},
        "tags": {"Type": "list"},
    },
    "agent": {"email": {"Type": "string"}},
}


def _typer(existing: dict[str, str] | None = None) -> MetadataTyper:
    return MetadataTyper(declared_types(SCHEMA), existing or {}, str.lower)


def _row(**custom: object) -> dict:
    return {"visitorId": "v", "metadata": {"custom": dict(custom)}}


def test_declared_types_become_column_hints_for_custom_fields_only() -> None:
    hints = _typer().hints([_row(undeclared=5)])
    assert {name: hint["data_type"] for name, hint in hints.items()} == {
        "metadata__custom__renewaldate": "text",
        "metadata__custom__seats": "bigint",
        "metadata__custom__score": "double",
        "metadata__custom__beta": "bool",
        "metadata__custom__signedup": "bigint",
        "metadata__custom__tags": "json",
        "metadata__custom__undeclared": "text",  # not declared: text, never dlt's guess
        MISFITS_COLUMN: "json",
    }


def test_values_are_converted_to_their_declared_type() -> None:
    row = _typer().apply(_row(renewaldate=20240501, seats="40", score=3, beta="true", signedup=1.7e12, tags=["a"]))
    assert row["metadata"]["custom"] == {
        "renewaldate": "20240501",
        "seats": 40,
        "score": 3.0,
        "beta": True,
        "signedup": 1_700_000_000_000,
        "tags": ["a"],
    }
    assert MISFITS_COLUMN not in row


def test_date_looking_text_stays_text() -> None:
    row = _typer().apply(_row(renewaldate="2024-05-01"))
    assert row["metadata"]["custom"]["renewaldate"] == "2024-05-01"


def test_a_value_that_does_not_fit_is_kept_aside_not_in_a_variant_column() -> None:
    row = _typer().apply(_row(seats="unlimited", beta="maybe", score=True, renewaldate=None))
    assert row["metadata"]["custom"] == {"seats": None, "beta": None, "score": None, "renewaldate": None}
    assert row[MISFITS_COLUMN] == {"seats": "unlimited", "beta": "maybe", "score": True}


def test_an_existing_column_keeps_its_type_when_pendo_retypes_the_field() -> None:
    retyped = {"custom": {"seats": {"Type": "string"}}}
    typer = MetadataTyper(declared_types(retyped), {"metadata__custom__seats": "bigint"}, str.lower)
    assert typer.hints([])["metadata__custom__seats"]["data_type"] == "bigint"
    row = typer.apply(_row(seats="25"))
    assert row["metadata"]["custom"]["seats"] == 25
    row = typer.apply(_row(seats="unlimited"))
    assert row["metadata"]["custom"]["seats"] is None and row[MISFITS_COLUMN] == {"seats": "unlimited"}
