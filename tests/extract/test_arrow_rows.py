"""Rows become Arrow tables with the pinned schema, and every row gets a key over every field of its grain."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from extract.resources.arrow import ArrowConverter, UnexpectedValue
from extract.resources.registry import EVENT_TABLES, ROW_KEY
from extract.resources.row_keys import row_key, row_keys

PAGE_ROW = {
    "accountId": 'O\'Reilly "Quoted" Ltd',
    "appId": -323232,
    "day": 1772946000000,
    "visitorId": "用户-42",
    "pageId": "aJ0KOADQZVL5h9zQhiQ0q26PNTM",
    "parameters": {"report": "weekly", "tab": "2"},
    "numEvents": 12,
    "numMinutes": 4,
    "firstTime": 1772946100000,
    "lastTime": 1772949000000,
    "server": "app.example.com",
    "remoteIp": "203.0.113.9",
    "userAgent": "Mozilla/5.0",
}
GRAIN = ("accountId", "appId", "day", "visitorId", "pageId", "parameters", "server", "remoteIp", "userAgent")


def key_of(row: dict) -> str:
    table = EVENT_TABLES["page_events"]
    return row_key([row.get(f) for f in table.key_fields])


def test_the_key_is_deterministic_and_ignores_parameter_order_and_the_metrics():
    reordered = PAGE_ROW | {"parameters": {"tab": "2", "report": "weekly"}}
    grown = PAGE_ROW | {"numEvents": 99, "numMinutes": 9, "lastTime": PAGE_ROW["lastTime"] + 1}
    assert key_of(PAGE_ROW) == key_of(dict(PAGE_ROW)) == key_of(reordered) == key_of(grown)
    assert len(key_of(PAGE_ROW)) == 32


@pytest.mark.parametrize("field", GRAIN)
def test_every_field_of_the_grain_changes_the_key(field):
    value = PAGE_ROW[field]
    changed = (
        value + 1
        if isinstance(value, int)
        else {**value, "report": "monthly"}
        if isinstance(value, dict)
        else value + "x"
    )
    assert key_of(PAGE_ROW | {field: changed}) != key_of(PAGE_ROW)


def test_hour_and_day_rows_of_the_same_dimensions_have_different_keys():
    assert key_of(PAGE_ROW | {"hour": PAGE_ROW["day"]}) != key_of(PAGE_ROW)


def test_guide_event_keys_cover_what_identifies_an_event():
    table = EVENT_TABLES["guide_events"]
    assert {"appId", "visitorId", "accountId", "guideTimestamp", "type", "guideId", "guideStepId", "pollId"} <= set(
        table.key_fields
    )
    assert "pollResponse" not in table.key_fields


def test_rows_convert_to_the_pinned_schema_with_json_text_and_a_key_column():
    converter = ArrowConverter(EVENT_TABLES["page_events"])
    rows = [dict(PAGE_ROW), dict(PAGE_ROW, parameters=None, accountId="")]
    keys = [key_of(r) for r in rows]
    table = converter.convert(rows)
    assert table.schema.field(ROW_KEY).type == pa.string() and not table.schema.field(ROW_KEY).nullable
    assert table.schema.field("num_events").type == pa.int64()
    assert table.column("hour").null_count == 2  # pinned although no row has it
    assert json.loads(table.column("parameters")[0].as_py()) == PAGE_ROW["parameters"]
    assert table.column("parameters")[1].as_py() is None
    assert table.column(ROW_KEY).to_pylist() == keys


# Values that take every path of the column-wise keys: quoting, escapes, control characters, non-ASCII, integers at
# and beyond 64 bits, booleans, floats, objects in any key order, lists, and missing fields.
AWKWARD = [
    "plain",
    'O\'Reilly "Quoted" \\ Ltd',
    "用户-42",
    "tab\tnew\nline\x00nul\x1f",
    "\u2028\x7f",
    "",
    None,
    0,
    -(2**63),
    2**63 - 1,
    2**70,
    True,
    1.5,
    3.0,
    {"b": 1, "a": [1, {"z": 2, "y": None}]},
    ["x", 1],
]


@pytest.mark.parametrize("mixed", [False, True], ids=["one-type-columns", "mixed-columns"])
def test_keys_of_a_batch_are_the_keys_of_its_rows(mixed):
    fields = ("a", "b", "c", "d")
    pools = (
        [AWKWARD] * 4
        if mixed
        else [[v for v in AWKWARD if v is None or isinstance(v, str)], [None, 0, 7, -(2**63), 2**63 - 1]] * 2
    )
    rows = [
        {
            name: pool[(i * (n + 3)) % len(pool)]
            for n, (name, pool) in enumerate(zip(fields, pools, strict=True))
            if (i + n) % 5
        }
        for i in range(200)
    ]
    expected = [row_key([row.get(name) for name in fields]) for row in rows]
    assert row_keys(rows, fields) == expected
    assert len(set(expected)) > 20  # the rows differ: the comparison is not between 200 copies of one key


def test_unknown_fields_are_kept_as_text_columns_in_every_later_batch():
    converter = ArrowConverter(EVENT_TABLES["page_events"])
    first = converter.convert([dict(PAGE_ROW, rageClickCount=3, tabId="t-1", newObject={"a": [1]})])
    assert first.column("rage_click_count").to_pylist() == ["3"]
    assert first.column("tab_id").to_pylist() == ["t-1"]
    assert json.loads(first.column("new_object")[0].as_py()) == {"a": [1]}
    later = converter.convert([dict(PAGE_ROW)])
    assert later.column("rage_click_count").to_pylist() == [None]


def test_numbers_sent_as_strings_are_coerced_and_garbage_is_refused():
    converter = ArrowConverter(EVENT_TABLES["page_events"])
    table = converter.convert([dict(PAGE_ROW, numEvents="7", appId=-323232.0), dict(PAGE_ROW, visitorId=42)])
    assert table.column("num_events").to_pylist() == [7, 12]
    assert table.column("visitor_id").to_pylist() == ["用户-42", "42"]
    with pytest.raises(UnexpectedValue, match=r"page_events\.numEvents"):
        converter.convert([dict(PAGE_ROW, numEvents="many")])
