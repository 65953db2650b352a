"""Pipeline operators after the `source` stage (`docs/pendo-api.md#pipeline-operators`).

Implemented: `filter`, `eval`, `select`, `identified`, `sort`, `limit`, `skip`, `count`, `group`, `reduce`,
`unwind`, `cat`. Every other operator (`merge`, `spawn`, `join`, `bulkExpand`, `fork`, `segment`, `switch`, …) is
refused with 400, so a pipeline that needs one fails visibly instead of returning wrong rows.

Semantics chosen where public material is silent ([I]):
- `sort` orders null < booleans < numbers < strings < lists/objects; strings by code point (UTF-8 byte order, the
  order `>` uses in filters, so keyset paging with `sort` + `filter key > last` is consistent). It is stable, and
  `-field` sorts descending. `sort` followed by `limit` (optionally with `skip` between) keeps only the rows it
  must in a bounded heap, so a keyset page of a huge window costs memory for the page, not the window. A `sort`
  without a `limit` has to hold every row.
- `select` and `eval` take `{"name": "expression"}`; `select` also accepts a list of field names. Output names are
  taken literally (a dotted name is one key).
- `identified: "field"` keeps rows whose field is a non-empty id that does not start with `_PENDO_T_`;
  `"!field"` keeps the others (anonymous or empty).
- `count: null` replaces the rows by `[{"count": N}]`; `count: "field"` counts rows where the field is not null.
- `group` takes `{"group": [paths], "fields": {name: {aggregator: arg}} | [{name: {aggregator: arg}}, …]}`;
  `reduce` takes the fields alone. Aggregators: `count` (null counts rows; an expression counts distinct non-null
  values), `sum`, `avg`, `min`, `max` (nulls ignored; avg of nothing is null, sum of nothing is 0), `first` (the
  first row's value), `list` (every value in row order). Groups come out in order of first appearance.
- `unwind` takes `{"field": name, "keepEmpty": bool}`: one row per element of a list field; a missing or empty
  list drops the row unless `keepEmpty`, which keeps it with the field set to null.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from pendo_simulator.expressions import (
    Context,
    Evaluator,
    ExpressionError,
    compile_expression,
    is_number,
    lookup,
    parse,
    truthy,
)
from pendo_simulator.world import ANONYMOUS_PREFIX

Row = dict[str, Any]
Stage = Callable[[Iterator[Row]], Iterator[Row]]

UNSUPPORTED_OPERATORS = (
    "merge",
    "spawn",
    "join",
    "fork",
    "bulkExpand",
    "segment",
    "switch",
    "treeify",
    "expand",
    "expandList",
    "useragent",
    "itemSeen",
    "matchRules",
    "retention",
    "set",
    "source",
)


class OperatorError(ValueError):
    """A malformed or unsupported pipeline stage: the server answers 400 with this message."""


def build(stages: list[tuple[str, Any]], context: Context) -> Stage:
    """Compile every stage up front (so all errors are 400s before streaming) into one lazy function of rows."""
    compiled: list[Stage] = []
    index = 0
    while index < len(stages):
        name, spec = stages[index]
        if name == "sort":
            key = _sort_keys(spec)
            following = index + 1
            skip = 0
            if following < len(stages) and stages[following][0] == "skip":
                skip = _count_argument("skip", stages[following][1])
                following += 1
            if following < len(stages) and stages[following][0] == "limit":
                compiled.append(_top(key, skip, _count_argument("limit", stages[following][1])))
                index = following + 1
                continue
            compiled.append(_sorted(key))
        else:
            compiled.append(_stage(name, spec, context))
        index += 1

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        for stage in compiled:
            rows = stage(rows)
        return rows

    return run


def _stage(name: str, spec: Any, context: Context) -> Stage:
    if name == "filter":
        predicate = _expression(spec, "filter", context)
        return lambda rows: (row for row in rows if truthy(predicate(row)))
    if name == "limit":
        limit = _count_argument("limit", spec)
        return lambda rows: itertools.islice(rows, limit)
    if name == "skip":
        skip = _count_argument("skip", spec)
        return lambda rows: itertools.islice(rows, skip, None)
    if name == "select":
        return _select(spec, context)
    if name == "eval":
        return _eval(spec, context)
    if name == "identified":
        return _identified(spec)
    if name == "count":
        return _count(spec, context)
    if name == "group":
        return _group(spec, context)
    if name == "reduce":
        return _reduce(spec, context)
    if name == "unwind":
        return _unwind(spec)
    if name == "cat":
        return lambda rows: rows
    if name in UNSUPPORTED_OPERATORS:
        raise OperatorError(f"pipeline operator {name} is not supported by the simulator")
    raise OperatorError(f"unknown pipeline operator: {name}")


def _expression(text: Any, where: str, context: Context) -> Evaluator:
    if not isinstance(text, str):
        raise OperatorError(f"{where} takes an expression string")
    try:
        return compile_expression(text, context)
    except ExpressionError as error:
        raise OperatorError(f"cannot parse {where} expression: {error}") from None


def _count_argument(name: str, spec: Any) -> int:
    if isinstance(spec, bool) or not isinstance(spec, int) or spec < 0:
        raise OperatorError(f"{name} takes a non-negative integer")
    return spec


# ------------------------------------------------------------------------------------------ sort


class _Descending:
    """Reverses the order of a sort value, for `-field` keys."""

    __slots__ = ("value",)

    def __init__(self, value: tuple) -> None:
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def sort_value(value: Any) -> tuple:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if is_number(value):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, ensure_ascii=False))


def _sort_keys(spec: Any) -> Callable[[Row], Any]:
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, list) or not spec or not all(isinstance(k, str) and k.strip("-") for k in spec):
        raise OperatorError("sort takes a non-empty list of field names")
    parts: list[tuple[tuple[str | int, ...], bool]] = []
    for key in spec:
        descending = key.startswith("-")
        path = key[1:] if descending else key
        try:
            node = parse(path)
        except ExpressionError as error:
            raise OperatorError(f"bad sort field {key!r}: {error}") from None
        if node[0] != "path":
            raise OperatorError(f"sort takes field names, not {key!r}")
        parts.append((node[1], descending))
    if len(parts) == 1 and not parts[0][1] and len(parts[0][0]) == 1:
        field = parts[0][0][0]
        return lambda row: sort_value(row.get(field))  # type: ignore[arg-type]

    def key(row: Row) -> tuple:
        return tuple(
            _Descending(sort_value(lookup(row, path))) if descending else sort_value(lookup(row, path))
            for path, descending in parts
        )

    return key


def _sorted(key: Callable[[Row], Any]) -> Stage:
    return lambda rows: iter(sorted(rows, key=key))


def _top(key: Callable[[Row], Any], skip: int, limit: int) -> Stage:
    """`sort` + [`skip`] + `limit` with memory for skip + limit rows only (heapq.nsmallest is stable)."""

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        if skip + limit == 0:
            return iter(())
        return iter(heapq.nsmallest(skip + limit, rows, key=key)[skip:])

    return run


# ------------------------------------------------------------------------------------------ row shaping


def _named_expressions(spec: Any, where: str, context: Context, allow_list: bool) -> list[tuple[str, Evaluator]]:
    if allow_list and isinstance(spec, list) and all(isinstance(name, str) for name in spec):
        spec = {name: name for name in spec}
    if not isinstance(spec, dict) or not spec:
        raise OperatorError(f"{where} takes an object of name: expression")
    return [(str(name), _expression(text, f"{where}.{name}", context)) for name, text in spec.items()]


def _select(spec: Any, context: Context) -> Stage:
    fields = _named_expressions(spec, "select", context, allow_list=True)
    return lambda rows: ({name: value(row) for name, value in fields} for row in rows)


def _eval(spec: Any, context: Context) -> Stage:
    fields = _named_expressions(spec, "eval", context, allow_list=False)

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            values = [(name, value(row)) for name, value in fields]
            out = dict(row)
            out.update(values)
            yield out

    return run


def is_identified(value: Any) -> bool:
    return isinstance(value, str) and value != "" and not value.startswith(ANONYMOUS_PREFIX)


def _identified(spec: Any) -> Stage:
    if not isinstance(spec, str) or not spec.lstrip("!"):
        raise OperatorError('identified takes a field name, e.g. "visitorId" or "!visitorId"')
    negate = spec.startswith("!")
    node = parse(spec.lstrip("!")) if spec.lstrip("!") else ("",)
    if node[0] != "path":
        raise OperatorError(f"identified takes a field name, not {spec!r}")
    path = node[1]
    return lambda rows: (row for row in rows if is_identified(lookup(row, path)) != negate)


def _count(spec: Any, context: Context) -> Stage:
    if spec is not None and not isinstance(spec, str):
        raise OperatorError("count takes null or a field name")
    value = _expression(spec, "count", context) if spec else None

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        total = sum(1 for row in rows if value is None or value(row) is not None)
        yield {"count": total}

    return run


def _unwind(spec: Any) -> Stage:
    if not isinstance(spec, dict) or not isinstance(spec.get("field"), str) or not spec["field"]:
        raise OperatorError('unwind takes {"field": name, "keepEmpty": bool}')
    field, keep_empty = spec["field"], bool(spec.get("keepEmpty", False))

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            items = row.get(field)
            if isinstance(items, list) and items:
                for item in items:
                    out = dict(row)
                    out[field] = item
                    yield out
            elif keep_empty:
                out = dict(row)
                out[field] = None
                yield out

    return run


# ------------------------------------------------------------------------------------------ group and reduce


def _hashable(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return ("bool", value)
    return value


class _Aggregate:
    """One aggregator's running state."""

    def __init__(self, kind: str, value: Evaluator | None) -> None:
        self.kind = kind
        self.value = value
        self.state: Any = {
            "count": set() if value is not None else 0,
            "sum": 0,
            "avg": [0, 0],
            "min": None,
            "max": None,
            "first": _MISSING,
            "list": [],
        }[kind]

    def add(self, row: Row) -> None:
        kind = self.kind
        if kind == "count" and self.value is None:
            self.state += 1
            return
        assert self.value is not None
        value = self.value(row)
        if kind == "count":
            if value is not None:
                self.state.add(_hashable(value))
        elif kind == "sum":
            if is_number(value):
                self.state += value
        elif kind == "avg":
            if is_number(value):
                self.state[0] += value
                self.state[1] += 1
        elif kind in ("min", "max"):
            if value is not None and (self.state is None or self._better(value)):
                self.state = value
        elif kind == "first":
            if self.state is _MISSING:
                self.state = value
        else:
            self.state.append(value)

    def _better(self, value: Any) -> bool:
        if self.kind == "min":
            return sort_value(value) < sort_value(self.state)
        return sort_value(value) > sort_value(self.state)

    def result(self) -> Any:
        if self.kind == "count":
            return self.state if self.value is None else len(self.state)
        if self.kind == "avg":
            total, n = self.state
            return total / n if n else None
        if self.kind == "first":
            return None if self.state is _MISSING else self.state
        return self.state


_MISSING = object()
AGGREGATORS = ("count", "sum", "avg", "min", "max", "first", "list")


def _aggregators(spec: Any, where: str, context: Context) -> list[tuple[str, str, Evaluator | None]]:
    if isinstance(spec, list):
        merged: dict[str, Any] = {}
        for item in spec:
            if not isinstance(item, dict):
                raise OperatorError(f"{where} fields must be objects")
            merged.update(item)
        spec = merged
    if not isinstance(spec, dict):
        raise OperatorError(f"{where} fields take an object of name: {{aggregator: argument}}")
    out: list[tuple[str, str, Evaluator | None]] = []
    for name, definition in spec.items():
        if not isinstance(definition, dict) or len(definition) != 1:
            raise OperatorError(f"{where} field {name} must be {{aggregator: argument}}")
        kind, argument = next(iter(definition.items()))
        if kind not in AGGREGATORS:
            raise OperatorError(f"unknown aggregator {kind} in {where}")
        if argument is None and kind != "count":
            raise OperatorError(f"aggregator {kind} in {where} needs a field")
        value = _expression(argument, f"{where}.{name}", context) if argument is not None else None
        out.append((str(name), kind, value))
    return out


def _group(spec: Any, context: Context) -> Stage:
    if not isinstance(spec, dict):
        raise OperatorError('group takes {"group": [fields], "fields": {...}}')
    keys = spec.get("group", [])
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise OperatorError("group.group takes a list of field names")
    key_paths = []
    for key in keys:
        node = _path_node(key, "group.group")
        key_paths.append((key, node))
    fields = _aggregators(spec.get("fields", {}), "group", context)

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        groups: dict[tuple, tuple[list[Any], list[_Aggregate]]] = {}
        for row in rows:
            values = [lookup(row, path) for _, path in key_paths]
            group_key = tuple(_hashable(v) for v in values)
            entry = groups.get(group_key)
            if entry is None:
                entry = (values, [_Aggregate(kind, value) for _, kind, value in fields])
                groups[group_key] = entry
            for aggregate in entry[1]:
                aggregate.add(row)
        for values, aggregates in groups.values():
            out = {name: value for (name, _), value in zip(key_paths, values, strict=True)}
            for (name, _, _), aggregate in zip(fields, aggregates, strict=True):
                out[name] = aggregate.result()
            yield out

    return run


def _reduce(spec: Any, context: Context) -> Stage:
    fields = _aggregators(spec, "reduce", context)
    if not fields:
        raise OperatorError("reduce needs at least one field")

    def run(rows: Iterator[Row]) -> Iterator[Row]:
        aggregates = [_Aggregate(kind, value) for _, kind, value in fields]
        for row in rows:
            for aggregate in aggregates:
                aggregate.add(row)
        yield {name: aggregate.result() for (name, _, _), aggregate in zip(fields, aggregates, strict=True)}

    return run


def _path_node(text: str, where: str) -> tuple[str | int, ...]:
    try:
        node = parse(text)
    except ExpressionError as error:
        raise OperatorError(f"bad field {text!r} in {where}: {error}") from None
    if node[0] != "path":
        raise OperatorError(f"{where} takes field names, not {text!r}")
    return node[1]
