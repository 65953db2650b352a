"""`row_key`, the merge key of the event tables: what it is, and how a whole batch of rows gets it at once.

The key of a row is BLAKE2b (128 bits, hex) over the JSON array of the values of its grain (`EventTable.key_fields`,
in that order), written compactly as orjson writes it with object keys sorted: `["app",1772946000000,null,{…}]`.
`row_key` is that definition for one row. `row_keys` gives the same values for a batch with Arrow compute: each
field's values become a column of JSON fragments (strings quoted and escaped, integers in decimal, `null`), the
fragments are joined into the array's text in C++, and only the hashing itself runs once per row. A column holding
anything else (objects, lists, booleans, floats, strings with control characters) has its fragments written by orjson,
value by value, as `row_key` would; the rare value orjson refuses (an integer beyond 64 bits) sends the row to
`row_key` itself. The keys are the same as those already in an existing database, so merges keep matching.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

_KEY_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'
_CONTROL = r"[\x00-\x1f]"
# How orjson writes the control characters inside a string (the other characters it keeps as they are).
_CONTROL_ESCAPES = {chr(code): orjson.dumps(chr(code)).decode()[1:-1] for code in range(0x20)}
_TEXT_TYPES = {str, type(None)}
_INT_TYPES = {int, type(None)}


def row_key(values: list[Any], _dumps: Any = orjson.dumps, _blake2b: Any = hashlib.blake2b) -> str:
    """The key over `values`: the JSON array of them, object keys sorted, BLAKE2b (the definition)."""
    try:
        text = _dumps(values, option=_KEY_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):  # integers wider than 64 bits
        text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return _blake2b(text, digest_size=16).hexdigest()


def row_keys(rows: Sequence[dict[str, Any]], key_fields: Sequence[str]) -> list[str]:
    """`row_key` of every row of `rows` over `key_fields`, in order, computed column by column."""
    if not rows:
        return []
    refused: set[int] = set()
    fragments = [_fragments(list(map(dict.get, rows, repeat(name))), refused) for name in key_fields]
    texts = pc.binary_join_element_wise("[", pc.binary_join_element_wise(*fragments, ","), "]", "")
    blake2b = hashlib.blake2b
    keys = [blake2b(text, digest_size=16).hexdigest() for text in pc.cast(texts, pa.binary()).to_pylist()]
    for index in refused:
        keys[index] = row_key([rows[index].get(name) for name in key_fields])
    return keys


def _fragments(values: list[Any], refused: set[int]) -> pa.Array:
    """The JSON text of each value, as it appears inside a key's array."""
    types = set(map(type, values))
    if types <= _TEXT_TYPES:
        text = pa.array(values, pa.string())
        if not pc.any(pc.match_substring_regex(text, _NEEDS_ESCAPE)).as_py():
            return pc.binary_join_element_wise('"', text, '"', "").fill_null("null")
        escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
        if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
            for char, escape in _CONTROL_ESCAPES.items():
                escaped = pc.replace_substring(escaped, char, escape)
        return pc.binary_join_element_wise('"', escaped, '"', "").fill_null("null")
    elif types <= _INT_TYPES:
        try:
            return pc.cast(pa.array(values, pa.int64()), pa.string()).fill_null("null")
        except (OverflowError, pa.ArrowInvalid):
            pass  # an integer beyond 64 bits: value by value below
    dumps = orjson.dumps
    try:
        texts = [dumps(value, option=_KEY_OPTIONS) for value in values]
    except (TypeError, orjson.JSONEncodeError):
        texts = [_fragment(value, index, refused) for index, value in enumerate(values)]
    return pc.cast(pa.array(texts, pa.binary()), pa.string())


def _fragment(value: Any, index: int, refused: set[int]) -> bytes:
    try:
        return orjson.dumps(value, option=_KEY_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        refused.add(index)
        return b"null"
