"""Custom visitor and account metadata, typed by Pendo's own metadata schema, never by dlt's inference.

`GET /api/v1/metadata/schema/{visitor,account}` declares each custom field's `Type` (string, integer, float,
boolean, time, list). Left to itself, dlt types a new column by the first value it sees, so a text field whose first
values look like numbers or dates would become a number or a timestamp column, and a later value that does not fit
would create a `<column>__v_text` variant column beside it. Instead each `metadata__custom__<field>` column gets the
declared type as a column hint before the first row, and every value is converted to its column's type:

- a value that fits is converted (`"25"` for an integer field is 25; a number for a string field is its text);
- a value that does not fit (text `"unlimited"` in an integer column) is set to null in the column and kept whole in
  the row's `metadata_misfits` JSON column ({field: value}), so nothing is lost and no variant column appears;
- a column that already exists keeps its type even when Pendo's schema later declares another one (a column cannot
  change type in place); fields the schema does not declare are typed as text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from extract.resources.registry import BIGINT, BOOL, DOUBLE, JSON, TEXT

CUSTOM_GROUP = "custom"
MISFITS_COLUMN = "metadata_misfits"
PENDO_TYPES = {"string": TEXT, "integer": BIGINT, "float": DOUBLE, "boolean": BOOL, "time": BIGINT, "list": JSON}


class Misfit(ValueError):
    """A value that does not fit its column's type."""


def declared_types(document: Any) -> dict[str, str]:
    """{custom field: dlt data type} from a metadata schema document; unknown Pendo types are text."""
    fields = document.get(CUSTOM_GROUP) if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        return {}
    return {
        name: PENDO_TYPES.get(str(descriptor.get("Type", "")).lower(), TEXT) if isinstance(descriptor, dict) else TEXT
        for name, descriptor in fields.items()
    }


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise Misfit
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            number = _float(value)
            if number.is_integer():
                return int(number)
    raise Misfit


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise Misfit
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise Misfit from None
        if math.isfinite(number):
            return number
    raise Misfit


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise Misfit


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    TEXT: _text,
    BIGINT: _integer,
    DOUBLE: _float,
    BOOL: _boolean,
    JSON: lambda value: value,
}


class MetadataTyper:
    """Types the custom metadata of one entity table's rows: column hints, and each value converted to them."""

    def __init__(
        self, declared: Mapping[str, str], existing: Mapping[str, str], normalize: Callable[[str], str]
    ) -> None:
        self._declared = dict(declared)
        self._existing = dict(existing)  # column -> data type of columns the dataset already has
        self._normalize = normalize
        self._types: dict[str, str] = {}

    def column(self, field: str) -> str:
        return f"metadata__{CUSTOM_GROUP}__{self._normalize(field)}"

    def type_of(self, field: str) -> str:
        if field not in self._types:
            self._types[field] = self._existing.get(self.column(field)) or self._declared.get(field, TEXT)
        return self._types[field]

    def hints(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Column hints for every declared field and every custom field in `rows`, plus the misfits column."""
        fields = set(self._declared)
        for row in rows:
            custom = (row.get("metadata") or {}).get(CUSTOM_GROUP)
            if isinstance(custom, dict):
                fields.update(custom)
        hints = {self.column(f): {"data_type": self.type_of(f), "nullable": True} for f in sorted(fields)}
        hints[MISFITS_COLUMN] = {"data_type": JSON, "nullable": True}
        return hints

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """Convert the row's custom values in place; values that do not fit move to `metadata_misfits`."""
        custom = (row.get("metadata") or {}).get(CUSTOM_GROUP)
        if not isinstance(custom, dict):
            return row
        misfits = {}
        for field, value in custom.items():
            if value is None:
                continue
            try:
                custom[field] = CONVERTERS[self.type_of(field)](value)
            except Misfit:
                misfits[field] = value
                custom[field] = None
        if misfits:
            row[MISFITS_COLUMN] = misfits
        return row
