"""Pendo's expression language, as used by `filter`, `eval`, `select`, aggregators and `timeSeries.first/last`.

"Basic C expression syntax" (`docs/pendo-api.md#the-expression-language`): `|| && == != < <= > >= + - * / % !`, unary
minus, parentheses; numbers; string literals in double quotes (JSON-style escapes: `\\" \\\\ \\/ \\b \\f \\n \\r \\t
\\uXXXX`; any other escape is a syntax error) or in backticks (raw, no escapes); `true`, `false`, `null`; dotted
paths with list indexes (`metadata.auto.lastupdated`, `polls[0].id`); and the functions real requests use:
`now()`, `date(y, m, d[, h, mi, s])` / `date("YYYY-MM-DD[THH:MM:SS]")`, `dateAdd(t, n, "minutes|hours|days|weeks|
months")`, `startOfPeriod("hourly|daily|weekly|monthly", t)`, `isNull(x)`, `if(c, a, b)`, `contains(s|list, x)`,
`startsWith(s, prefix)` and `len(s|list)`. Any other function, or any syntax error, is an `ExpressionError` (the
server answers 400, as Pendo does for an unterminated string literal).

Choices where the public material is silent ([I], `docs/pendo-api.md#where-the-simulator-chooses`):
- Dates are local to the subscription's time zone (`date(2024, 1, 15)` is local midnight).
- Comparing values of different types (a number with a string, anything with null) is false, and `!=` true; a
  missing field is null. Strings compare by code point, which is UTF-8 byte order, the order `sort` uses too.
- Arithmetic on null or on the wrong types gives null, and so does division by zero: a row never fails mid-stream.
- `&&`, `||` and `!` use truthiness (null, false, 0, "" and empty lists are false); `filter` keeps a row when its
  expression is truthy.

Expressions compile once per request into Python closures, so a filter over a million rows costs a few closure
calls per row. Constant sub-expressions (`now() - 30 * 86400000`) fold at compile time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pendo_simulator.clock import Clock

Evaluator = Callable[[dict[str, Any]], Any]


class ExpressionError(ValueError):
    """An expression that does not parse, or calls an unknown function."""


@dataclass(frozen=True)
class Context:
    """What the functions of an expression see: the subscription's clock and the server's `now()`."""

    clock: Clock
    now_ms: int


# --------------------------------------------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>\|\||&&|==|!=|<=|>=|[<>!+\-*/%().,\[\]])
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            value, position = _double_quoted(text, position)
            tokens.append(("str", value, position))
            continue
        if char == "`":
            end = text.find("`", position + 1)
            if end < 0:
                raise ExpressionError(f"unterminated backtick string at position {position}")
            tokens.append(("str", text[position + 1 : end], position))
            position = end + 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {char!r} at position {position}")
        kind = match.lastgroup
        if kind == "number":
            literal = match.group()
            number: float = float(literal)
            tokens.append(("num", int(literal) if literal.isdigit() else number, position))
        elif kind == "name":
            tokens.append(("name", match.group(), position))
        elif kind == "op":
            tokens.append(("op", match.group(), position))
        position = match.end()
    tokens.append(("eof", None, len(text)))
    return tokens


def _double_quoted(text: str, start: int) -> tuple[str, int]:
    parts: list[str] = []
    position = start + 1
    while True:
        if position >= len(text):
            raise ExpressionError(f"unterminated string literal at position {start}")
        char = text[position]
        if char == '"':
            return "".join(parts), position + 1
        if char == "\\":
            escape = text[position + 1 : position + 2]
            if escape == "u":
                digits = text[position + 2 : position + 6]
                if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                    raise ExpressionError(f"bad \\u escape at position {position}")
                parts.append(chr(int(digits, 16)))
                position += 6
                continue
            if escape not in _ESCAPES:
                raise ExpressionError(f"bad escape \\{escape} at position {position}")
            parts.append(_ESCAPES[escape])
            position += 2
            continue
        parts.append(char)
        position += 1


# --------------------------------------------------------------------------------------------------- parser
# The AST is nested tuples: ("const", v) | ("path", (segments…)) | ("call", name, [args]) | ("not", x)
# | ("neg", x) | ("and"/"or", a, b) | ("cmp", op, a, b) | ("arith", op, a, b) | ("list", [items]).

_KEYWORDS = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, Any, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, op: str) -> bool:
        kind, value, _ = self.peek()
        if kind == "op" and value == op:
            self.index += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            kind, value, position = self.peek()
            found = "end of expression" if kind == "eof" else repr(value)
            raise ExpressionError(f"expected {op!r} but found {found} at position {position}")

    def parse(self) -> tuple:
        node = self.or_()
        kind, value, position = self.peek()
        if kind != "eof":
            raise ExpressionError(f"unexpected {value!r} at position {position}")
        return node

    def or_(self) -> tuple:
        node = self.and_()
        while self.accept("||"):
            node = ("or", node, self.and_())
        return node

    def and_(self) -> tuple:
        node = self.equality()
        while self.accept("&&"):
            node = ("and", node, self.equality())
        return node

    def equality(self) -> tuple:
        node = self.relational()
        while True:
            kind, value, _ = self.peek()
            if kind == "op" and value in ("==", "!="):
                self.take()
                node = ("cmp", value, node, self.relational())
            else:
                return node

    def relational(self) -> tuple:
        node = self.additive()
        while True:
            kind, value, _ = self.peek()
            if kind == "op" and value in ("<", "<=", ">", ">="):
                self.take()
                node = ("cmp", value, node, self.additive())
            else:
                return node

    def additive(self) -> tuple:
        node = self.multiplicative()
        while True:
            kind, value, _ = self.peek()
            if kind == "op" and value in ("+", "-"):
                self.take()
                node = ("arith", value, node, self.multiplicative())
            else:
                return node

    def multiplicative(self) -> tuple:
        node = self.unary()
        while True:
            kind, value, _ = self.peek()
            if kind == "op" and value in ("*", "/", "%"):
                self.take()
                node = ("arith", value, node, self.unary())
            else:
                return node

    def unary(self) -> tuple:
        if self.accept("!"):
            return ("not", self.unary())
        if self.accept("-"):
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> tuple:
        kind, value, position = self.take()
        if kind in ("num", "str"):
            return ("const", value)
        if kind == "op" and value == "(":
            node = self.or_()
            self.expect(")")
            return node
        if kind == "op" and value == "[":
            items = self.arguments("]")
            return ("list", items)
        if kind == "name":
            if value in _KEYWORDS:
                return ("const", _KEYWORDS[value])
            if self.accept("("):
                return ("call", value, self.arguments(")"))
            return ("path", self.path(value))
        found = "end of expression" if kind == "eof" else repr(value)
        raise ExpressionError(f"unexpected {found} at position {position}")

    def arguments(self, close: str) -> list[tuple]:
        items: list[tuple] = []
        if self.accept(close):
            return items
        while True:
            items.append(self.or_())
            if self.accept(close):
                return items
            self.expect(",")

    def path(self, first: str) -> tuple[str | int, ...]:
        segments: list[str | int] = [first]
        while True:
            if self.accept("."):
                kind, value, position = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a field name after '.' at position {position}")
                segments.append(value)
            elif self.accept("["):
                kind, value, position = self.take()
                if (kind == "num" and isinstance(value, int)) or kind == "str":
                    segments.append(value)
                else:
                    raise ExpressionError(f"expected an index at position {position}")
                self.expect("]")
            else:
                return tuple(segments)


def parse(text: str) -> tuple:
    """The AST of `text`, or ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError("an expression must be a string")
    if not text.strip():
        raise ExpressionError("empty expression")
    return _Parser(text).parse()


# --------------------------------------------------------------------------------------------------- semantics


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if is_number(value):
        return value != 0
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return bool(value)


def equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return False
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _number(value: float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**63 else value


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if not (is_number(a) and is_number(b)):
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    if op == "/":
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return a / b
    return _number(math.fmod(a, b))  # C's remainder takes the sign of the dividend


def lookup(row: Any, segments: tuple[str | int, ...]) -> Any:
    value = row
    for segment in segments:
        if isinstance(value, dict):
            value = value.get(segment) if isinstance(segment, str) else None
        elif isinstance(value, list) and isinstance(segment, int):
            value = value[segment] if -len(value) <= segment < len(value) else None
        else:
            return None
    return value


# --------------------------------------------------------------------------------------------------- functions

_PERIOD_UNITS = {
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
}
_PERIOD_STARTS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}


def _date(context: Context, *args: Any) -> Any:
    if len(args) == 1 and isinstance(args[0], str):
        text = args[0].strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                parsed = date.fromisoformat(text)
                return context.clock.day_start(parsed)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=context.clock.tz)
        return int(moment.timestamp() * 1000)
    if len(args) == 1 and is_number(args[0]):
        return int(args[0])
    if 3 <= len(args) <= 6 and all(is_number(a) for a in args):
        try:
            return context.clock.local_time(*(int(a) for a in args))
        except (ValueError, OverflowError):
            return None
    return None


def _date_add(context: Context, moment: Any, amount: Any, unit: Any) -> Any:
    unit_name = _PERIOD_UNITS.get(unit) if isinstance(unit, str) else None
    if not (is_number(moment) and is_number(amount) and unit_name):
        return None
    try:
        return context.clock.add_calendar(int(moment), int(amount), unit_name)
    except (ValueError, OverflowError):
        return None


def _start_of_period(context: Context, period: Any, moment: Any) -> Any:
    kind = _PERIOD_STARTS.get(period) if isinstance(period, str) else None
    if kind is None or not is_number(moment):
        return None
    clock, ms = context.clock, int(moment)
    if kind == "hour":
        return clock.hour_bucket(ms)
    if kind == "day":
        return clock.day_bucket(ms)
    if kind == "week":
        return clock.week_bucket(ms)
    return clock.month_bucket(ms)


def _contains(context: Context, haystack: Any, needle: Any) -> Any:
    if isinstance(haystack, str) and isinstance(needle, str):
        return needle in haystack
    if isinstance(haystack, list):
        return any(equal(item, needle) for item in haystack)
    return False


def _starts_with(context: Context, text: Any, prefix: Any) -> Any:
    return isinstance(text, str) and isinstance(prefix, str) and text.startswith(prefix)


def _length(context: Context, value: Any) -> Any:
    return len(value) if isinstance(value, str | list | dict) else None


# name -> (minimum arguments, maximum arguments, implementation). `if` is compiled lazily, not listed here.
FUNCTIONS: dict[str, tuple[int, int, Callable[..., Any]]] = {
    "now": (0, 0, lambda context: context.now_ms),
    "date": (1, 6, _date),
    "dateAdd": (3, 3, _date_add),
    "startOfPeriod": (2, 2, _start_of_period),
    "isNull": (1, 1, lambda context, value: value is None),
    "contains": (2, 2, _contains),
    "startsWith": (2, 2, _starts_with),
    "len": (1, 1, _length),
}


# --------------------------------------------------------------------------------------------------- compiler


def compile_expression(text: str, context: Context) -> Evaluator:
    """Parse `text` and return a function of a row. Raises ExpressionError for bad syntax or unknown functions."""
    return _compile(parse(text), context)


def evaluate(text: str, context: Context) -> Any:
    """The value of an expression that does not refer to a row (a timeSeries bound)."""
    return compile_expression(text, context)({})


def _constant(value: Any) -> Evaluator:
    return lambda row: value


def _is_constant(node: tuple) -> bool:
    kind = node[0]
    if kind == "const":
        return True
    if kind == "path":
        return False
    if kind in ("not", "neg"):
        return _is_constant(node[1])
    if kind in ("and", "or"):
        return _is_constant(node[1]) and _is_constant(node[2])
    if kind in ("cmp", "arith"):
        return _is_constant(node[2]) and _is_constant(node[3])
    if kind == "list":
        return all(_is_constant(item) for item in node[1])
    if kind == "call":
        return all(_is_constant(arg) for arg in node[2])
    return False


def _compile(node: tuple, context: Context) -> Evaluator:
    evaluator = _compile_node(node, context)
    if node[0] != "const" and _is_constant(node):
        return _constant(evaluator({}))
    return evaluator


def _compile_node(node: tuple, context: Context) -> Evaluator:
    kind = node[0]
    if kind == "const":
        return _constant(node[1])
    if kind == "path":
        segments = node[1]
        if len(segments) == 1 and isinstance(segments[0], str):
            key = segments[0]
            return lambda row: row.get(key)
        return lambda row: lookup(row, segments)
    if kind == "not":
        inner = _compile(node[1], context)
        return lambda row: not truthy(inner(row))
    if kind == "neg":
        inner = _compile(node[1], context)
        return lambda row: _arith("-", 0, inner(row))
    if kind == "and":
        left, right = _compile(node[1], context), _compile(node[2], context)
        return lambda row: truthy(left(row)) and truthy(right(row))
    if kind == "or":
        left, right = _compile(node[1], context), _compile(node[2], context)
        return lambda row: truthy(left(row)) or truthy(right(row))
    if kind == "cmp":
        return _compile_comparison(node[1], node[2], node[3], context)
    if kind == "arith":
        op, left, right = node[1], _compile(node[2], context), _compile(node[3], context)
        return lambda row: _arith(op, left(row), right(row))
    if kind == "list":
        items = [_compile(item, context) for item in node[1]]
        return lambda row: [item(row) for item in items]
    if kind == "call":
        return _compile_call(node[1], node[2], context)
    raise ExpressionError(f"cannot compile {kind}")  # pragma: no cover - the parser makes no other nodes


def _compile_comparison(op: str, left_node: tuple, right_node: tuple, context: Context) -> Evaluator:
    left, right = _compile(left_node, context), _compile(right_node, context)
    # Fast path for the keyset filters extractors send: `field OP number` and `field OP "string"`.
    if left_node[0] == "path" and _is_constant(right_node) and len(left_node[1]) == 1:
        key, bound = left_node[1][0], right(None)
        if is_number(bound) or isinstance(bound, str):
            kinds: tuple[type, ...] = (int, float) if is_number(bound) else (str,)

            def fast(row: dict[str, Any]) -> bool:
                value = row.get(key)
                if isinstance(value, kinds) and not isinstance(value, bool):
                    if op == ">=":
                        return value >= bound
                    if op == ">":
                        return value > bound
                    if op == "<":
                        return value < bound
                    if op == "<=":
                        return value <= bound
                    if op == "==":
                        return value == bound
                    return value != bound
                return op == "!="

            return fast
    return lambda row: _compare(op, left(row), right(row))


def _compile_call(name: str, arg_nodes: list[tuple], context: Context) -> Evaluator:
    if name == "if":
        if len(arg_nodes) != 3:
            raise ExpressionError("if() takes 3 arguments")
        condition, then, otherwise = (_compile(arg, context) for arg in arg_nodes)
        return lambda row: then(row) if truthy(condition(row)) else otherwise(row)
    if name not in FUNCTIONS:
        raise ExpressionError(f"unknown function {name}()")
    minimum, maximum, function = FUNCTIONS[name]
    if not minimum <= len(arg_nodes) <= maximum:
        expected = str(minimum) if minimum == maximum else f"{minimum} to {maximum}"
        raise ExpressionError(f"{name}() takes {expected} arguments, not {len(arg_nodes)}")
    args = [_compile(arg, context) for arg in arg_nodes]
    return lambda row: function(context, *(arg(row) for arg in args))
