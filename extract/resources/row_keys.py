"""`row_key`, the merge key of the event tables: what it is, and how a batch of rows gets it.

The key of a row is BLAKE2b (128 bits, hex) over the JSON array of the values of its grain (`EventTable.key_fields`,
in that order), written compactly as orjson writes it with object keys sorted: `["app",1772946000000,null,{…}]`.
`row_key` is that definition for one row; `row_keys` gives the same values for a batch, in one loop whose body is
three C calls (orjson, BLAKE2b, hex). Computing the keys column-wise with Arrow compute (a column of JSON fragments per
field, joined in C++, then hashed) gave the same values but was about 6 times slower on Pendo-shaped rows: escaping
strings and writing parameter objects value by value cost more than orjson writing each row's array at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import orjson

_KEY_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def row_key(values: list[Any], _dumps: Any = orjson.dumps, _blake2b: Any = hashlib.blake2b) -> str:
    """The key over `values`: the JSON array of them, object keys sorted, BLAKE2b (the definition)."""
    try:
        text = _dumps(values, option=_KEY_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):  # integers wider than 64 bits
        text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return _blake2b(text, digest_size=16).hexdigest()


def row_keys(rows: Sequence[dict[str, Any]], key_fields: Sequence[str]) -> list[str]:
    """`row_key` of every row of `rows` over `key_fields`, in order."""
    dumps, blake2b, get, options = orjson.dumps, hashlib.blake2b, dict.get, _KEY_OPTIONS
    try:
        return [
            blake2b(dumps([get(row, name) for name in key_fields], option=options), digest_size=16).hexdigest()
            for row in rows
        ]
    except (TypeError, orjson.JSONEncodeError):  # an integer wider than 64 bits somewhere: row by row
        return [row_key([row.get(name) for name in key_fields]) for row in rows]
