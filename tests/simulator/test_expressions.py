"""The expression language on its own (the HTTP tests cover it inside pipelines)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pendo_simulator.clock import Clock
from pendo_simulator.expressions import Context, ExpressionError, compile_expression, evaluate

NEW_YORK = ZoneInfo("America/New_York")
NOW = int(datetime(2026, 3, 11, 15, 30, tzinfo=NEW_YORK).timestamp() * 1000)
CONTEXT = Context(Clock("America/New_York"), NOW)
ROW = {
    "a": 5,
    "b": 2.5,
    "s": 'say "hi" \\ there',
    "n": None,
    "t": True,
    "list": [1, "x", {"deep": 7}],
    "obj": {"k": {"v": "w"}, "x-y": 1},
}


def value(text: str, row: dict | None = None):
    return compile_expression(text, CONTEXT)(ROW if row is None else row)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 / 4", 2.5),
        ("10 / 5", 2),
        ("-7 % 3", -1),
        ("7 % 0", None),
        ("1 / 0", None),
        ("-a", -5),
        ("a * b", 12.5),
        ("1e3 + .5", 1000.5),
        ("a > 4 && b < 3", True),
        ("a > 5 || n == null", True),
        ("!t", False),
        ("!n", True),
        ("!!a", True),
        ("a == 5.0", True),
        ("a != `5`", True),
        ("a < `6`", False),
        ("n < 1", False),
        ("n == null", True),
        ("missing == null", True),
        ('s == "say \\"hi\\" \\\\ there"', True),
        ('s == `say "hi" \\ there`', True),
        ('"\\u00e9" == `é`', True),
        ('"a" + "b"', "ab"),
        ('"a" + 1', None),
        ("list[0]", 1),
        ("list[2].deep", 7),
        ("list[9]", None),
        ("obj.k.v", "w"),
        ('obj["x-y"]', 1),
        ("obj.k.v.z", None),
        ("isNull(n) && !isNull(a)", True),
        ("if(a > 1, `big`, `small`)", "big"),
        ("if(n, 1, 2)", 2),
        ('contains(s, "hi")', True),
        ("contains(list, `x`)", True),
        ("contains(list, 2)", False),
        ('startsWith(s, "say")', True),
        ("len(list) + len(s)", 3 + 16),
        ("len(a)", None),
        ("contains([1, 2], a - 3)", True),
        ("now()", NOW),
        ("date(2026, 3, 8)", int(datetime(2026, 3, 8, tzinfo=NEW_YORK).timestamp() * 1000)),
        ("date(2026, 3, 8, 12, 30, 5)", int(datetime(2026, 3, 8, 12, 30, 5, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('date("2026-03-08")', int(datetime(2026, 3, 8, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('date("2026-03-08T05:00:00Z")', int(datetime(2026, 3, 8, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('date("not a date")', None),
        ("date(2026, 13, 1)", None),
        ('dateAdd(date(2026, 3, 7, 12), 1, "days")', int(datetime(2026, 3, 8, 12, tzinfo=NEW_YORK).timestamp() * 1000)),
        (
            'dateAdd(date(2026, 3, 7, 12), 24, "hours")',
            int(datetime(2026, 3, 8, 13, tzinfo=NEW_YORK).timestamp() * 1000),
        ),
        ('dateAdd(date(2026, 1, 31), 1, "months")', int(datetime(2026, 2, 28, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('dateAdd(now(), 2, "weeks") - now()', 14 * 86_400_000),
        ('dateAdd(now(), 1, "fortnights")', None),
        ('startOfPeriod("daily", now())', int(datetime(2026, 3, 11, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('startOfPeriod("hourly", now())', int(datetime(2026, 3, 11, 15, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('startOfPeriod("weekly", now())', int(datetime(2026, 3, 8, tzinfo=NEW_YORK).timestamp() * 1000)),
        ('startOfPeriod("monthly", now())', int(datetime(2026, 3, 1, tzinfo=NEW_YORK).timestamp() * 1000)),
        ("true && false || true", True),
        ("1 < 2 == true", True),
    ],
)
def test_values(text, expected):
    assert value(text) == expected
    if expected is not None and not isinstance(expected, bool):
        assert type(value(text)) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        *("", "   ", "1 +", "(1", "1)", "a ==", "a = 1", "a & b", "a | b", "'single'", '"open', "`open", '"\\x"'),
        *('"\\u12"', "f(", "a.", "a[", "a[b]", "list[0", "list[-1]", "[1][0]", "nosuch(1)", "now(1)"),
        *("isNull(1, 2)", "if(1, 2)", "a b", "#"),
    ],
)  # fmt: skip
def test_syntax_errors(text):
    with pytest.raises(ExpressionError):
        compile_expression(text, CONTEXT)


def test_constant_folding_and_evaluate():
    assert evaluate("now() - 30 * 1000 * 60 * 60 * 24", CONTEXT) == NOW - 30 * 86_400_000
    fast = compile_expression("lastTime >= 10 && id > `m`", CONTEXT)
    assert fast({"lastTime": 10, "id": "n"}) is True
    assert fast({"lastTime": "10", "id": "n"}) is False
    assert fast({"id": "n"}) is False
    assert compile_expression("x != 3", CONTEXT)({"x": None}) is True
    assert compile_expression("x != 3", CONTEXT)({"x": True}) is True
