"""Rows to Arrow: the merge key of each row, and column-wise conversion to a pinned Arrow schema.

dlt loads Arrow tables without its per-row normalizer, which is what makes the extractor fast
(docs/extraction.md#streaming-and-speed: ~110k rows/s against ~27k for dicts).

A value that does not fit its pinned column is refused, never bent to fit: a list or an object where an id or other
text belongs, an integer beyond 64 bits, a fraction in an integer column (caught before Arrow, which would truncate
it: extract/pendo/rows.py), and a negative count (`numEvents`, `numMinutes`: Pendo counts events and minutes, so below
zero is a broken answer, checked on the Arrow columns, not per row).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention

from extract.resources.registry import ARROW_TYPES, BIGINT, BOOL, DOUBLE, JSON, TEXT, EventTable
from extract.resources.row_keys import row_keys
from extract.settings import ROW_KEY

COUNT_FIELDS = ("numEvents", "numMinutes")  # counts: never below zero
_TEXT_TYPES = {str, type(None)}
_naming = NamingConvention()


class UnexpectedValue(ValueError):
    """A value that cannot be stored in its pinned column type."""


def to_json_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False)


class ArrowConverter:
    """Turns batches of one table's rows into Arrow tables with its pinned schema, column by column in C++.

    Fields Pendo sends that the spec does not know yet are kept, as text columns (JSON text for non-strings, lists
    and objects included), so nothing is dropped and their type can never change later; dbt staging casts them.
    """

    def __init__(self, table: EventTable) -> None:
        self.table = table
        self._known = {f.source for f in table.fields}
        self._json_fields = tuple(f.source for f in table.fields if f.kind == JSON)
        self._extras: dict[str, str] = {}  # Pendo field -> column, in order of first appearance
        # The fast path: pyarrow turns the row dicts into a struct array in C++ (keys it does not know are ignored).
        # JSON fields are left out of it: they become text column by column.
        self._struct = pa.struct([pa.field(f.source, ARROW_TYPES[f.kind]) for f in table.fields if f.kind != JSON])
        self._counts = tuple((f.source, f.column) for f in table.fields if f.source in COUNT_FIELDS)
        self.integer_fields = tuple(f.source for f in table.fields if f.kind == BIGINT)
        self._schema = pa.schema(
            [pa.field(ROW_KEY, pa.string(), nullable=False)]
            + [pa.field(f.column, ARROW_TYPES[f.kind]) for f in table.fields]
        )

    def convert(self, rows: Sequence[dict[str, Any]]) -> pa.Table:
        """The rows as one Arrow table: `row_key` first, then the pinned columns, then any extra fields."""
        keys = pa.array(row_keys(rows, self.table.key_fields), pa.string())
        json_columns = {name: _json_text(rows, name) for name in self._json_fields}
        try:
            struct = pa.array(rows, type=self._struct)
            columns = json_columns | {field.name: struct.field(field.name) for field in self._struct}
            arrays = [keys, *(columns[f.source] for f in self.table.fields)]
            table = pa.Table.from_arrays(arrays, schema=self._schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            table = self._convert_by_column(rows, keys, json_columns)  # a value of another type: coerce it, or say
        for source, column in self._counts:
            lowest = pc.min(table.column(column)).as_py()
            if lowest is not None and lowest < 0:
                raise UnexpectedValue(f"{self.table.name}.{source}: Pendo sent {lowest}, a count below zero")
        for name in set().union(*rows) - self._known:
            if name not in self._extras:
                self._extras[name] = _naming.normalize_identifier(name)
        for name, column in self._extras.items():
            values = _array(list(map(dict.get, rows, repeat(name))), TEXT, f"{self.table.name}.{name}", pinned=False)
            table = table.append_column(pa.field(column, pa.string()), values)
        return table

    def _convert_by_column(
        self, rows: Sequence[dict[str, Any]], keys: pa.Array, json_columns: dict[str, pa.Array]
    ) -> pa.Table:
        arrays = [keys]
        for field in self.table.fields:
            if field.kind == JSON:
                arrays.append(json_columns[field.source])
            else:
                values = list(map(dict.get, rows, repeat(field.source)))
                arrays.append(_array(values, field.kind, f"{self.table.name}.{field.source}"))
        return pa.Table.from_arrays(arrays, schema=self._schema)


def _json_text(rows: Sequence[dict[str, Any]], name: str) -> pa.Array:
    """A JSON field as text: strings as they are, anything else as its JSON text."""
    values = list(map(dict.get, rows, repeat(name)))
    if set(map(type, values)) <= _TEXT_TYPES:
        return pa.array(values, pa.string())
    return pa.array([v if v is None or isinstance(v, str) else to_json_text(v) for v in values], pa.string())


def _array(values: list[Any], kind: str, where: str, pinned: bool = True) -> pa.Array:
    if kind == JSON:
        return pa.array([to_json_text(v) for v in values], pa.string())
    try:
        return pa.array(values, ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        coerced = [_coerce(v, kind, where, pinned) for v in values]
    try:
        return pa.array(coerced, ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        value = next((v for v in coerced if isinstance(v, int) and not -(2**63) <= v < 2**63), None)
        raise UnexpectedValue(f"{where}: Pendo sent {_short(value)}, which is not a {kind}") from None


def _coerce(value: Any, kind: str, where: str, pinned: bool = True) -> Any:
    """The slow path for a batch whose values are not all of the pinned type (numbers sent as strings, …)."""
    if value is None:
        return None
    if kind == TEXT:
        if pinned and isinstance(value, list | dict):  # an id or a name that is a list or an object: broken
            raise UnexpectedValue(f"{where}: Pendo sent {_short(value)}, which is not a text")
        return value if isinstance(value, str) else to_json_text(value)
    try:
        if kind == BIGINT:
            if isinstance(value, int):
                if not -(2**63) <= value < 2**63:
                    raise UnexpectedValue(f"{where}: Pendo sent {value}, which does not fit in 64 bits")
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str | bool):
                return int(value)
        elif kind == DOUBLE:
            return float(value)
        elif kind == BOOL:
            text = str(value).strip().lower()
            if text in ("true", "1"):
                return True
            if text in ("false", "0"):
                return False
    except ValueError:
        pass
    raise UnexpectedValue(f"{where}: Pendo sent {_short(value)}, which is not a {kind}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"
