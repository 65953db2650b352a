"""Pipeline operators over real HTTP, each checked against the same computation done in Python on unfiltered rows."""

from __future__ import annotations

import json

import pytest

from pendo_simulator.vocabulary import HOSTILE_VISITOR_IDS
from pendo_simulator.world import ANONYMOUS_PREFIX
from tests.simulator.conftest import ALL_APPS, Api, events_source, source

EVENTS = events_source(period="dayRange", first="now()", count=-7)


def quoted(text: str) -> str:
    """A filter string literal: JSON escaping is exactly the C-style escaping Pendo's expressions take."""
    return json.dumps(text, ensure_ascii=False)


@pytest.fixture(scope="module")
def all_events(small_server):
    return Api(small_server.url).rows([EVENTS])


@pytest.mark.parametrize(
    ("expression", "check"),
    [
        ("numEvents >= 20", lambda r: r["numEvents"] >= 20),
        ("numEvents > 20 && numMinutes < 10", lambda r: r["numEvents"] > 20 and r["numMinutes"] < 10),
        ("numEvents < 5 || numEvents > 60", lambda r: r["numEvents"] < 5 or r["numEvents"] > 60),
        ("!(numEvents < 5) && (appId == -323232 || numMinutes != 3)", lambda r: r["numEvents"] >= 5 and (
            r["appId"] == -323232 or r["numMinutes"] != 3)),
        ("accountId == \"\"", lambda r: r["accountId"] == ""),
        ("accountId != ``", lambda r: r["accountId"] != ""),
        ("isNull(pageId)", lambda r: r["pageId"] is None),
        ("!isNull(parameters) && parameters.report == `weekly`",
         lambda r: r["parameters"] is not None and r["parameters"]["report"] == "weekly"),
        ('startsWith(visitorId, "_PENDO_T_")', lambda r: r["visitorId"].startswith("_PENDO_T_")),
        ('contains(userAgent, "Firefox")', lambda r: "Firefox" in r["userAgent"]),
        ("len(visitorId) > 20", lambda r: len(r["visitorId"]) > 20),
        ("lastTime - firstTime >= 10 * 60 * 1000", lambda r: r["lastTime"] - r["firstTime"] >= 600_000),
        ("numEvents % 2 == 1", lambda r: r["numEvents"] % 2 == 1),
        ("numEvents / 2 > 1e1", lambda r: r["numEvents"] / 2 > 10),
        ("if(appId == -323232, numEvents > 30, numEvents < 30)",
         lambda r: r["numEvents"] > 30 if r["appId"] == -323232 else r["numEvents"] < 30),
        ('visitorId > "user-00050"', lambda r: r["visitorId"] > "user-00050"),
        ("day >= now() - 3 * 86400000", None),
        ('numEvents > "5"', lambda r: False),  # a number never compares with a string
        ("noSuchField == null", lambda r: True),
        ("isNull(noSuch.nested.path)", lambda r: True),
    ],
)  # fmt: skip
def test_filter_matches_python(api, all_events, small_world, expression, check):
    if check is None:
        now = small_world.now_ms
        check = lambda r: r["day"] >= now - 3 * 86_400_000  # noqa: E731
    expected = [row for row in all_events if check(row)]
    assert api.rows([EVENTS, {"filter": expression}]) == expected


def test_filter_selects_each_hostile_id_with_escaped_strings(api, small_world):
    visitors = {v.visitor_id for v in small_world.visitors}
    hostile = [v for v in HOSTILE_VISITOR_IDS if v in visitors]
    assert len(hostile) == len(HOSTILE_VISITOR_IDS)
    for visitor_id in hostile:
        rows = api.rows([source("visitors"), {"filter": f"visitorId == {quoted(visitor_id)}"}])
        assert [row["visitorId"] for row in rows] == [visitor_id]
        if "`" not in visitor_id:
            rows = api.rows([source("visitors"), {"filter": f"visitorId == `{visitor_id}`"}])
            assert [row["visitorId"] for row in rows] == [visitor_id]
    # Escapes: \" \\ \n \t \/ and \u, in a string with quotes and backslashes
    rows = api.rows([source("visitors"), {"filter": r'visitorId == "\"quoted\"\\visitor"'}])
    assert [row["visitorId"] for row in rows] == ['"quoted"\\visitor']
    rows = api.rows([source("visitors"), {"filter": r'visitorId == "tab\tand\nnewline"'}])
    assert [row["visitorId"] for row in rows] == ["tab\tand\nnewline"]
    rows = api.rows([source("visitors"), {"filter": r'visitorId == "\u7528\u6237-42" || visitorId == "a\/b"'}])
    assert [row["visitorId"] for row in rows] == ["用户-42"]
    # an id with `&&` inside a literal is data, not an operator
    rows = api.rows([source("visitors"), {"filter": 'visitorId == "visitor && true || false"'}])
    assert [row["visitorId"] for row in rows] == ["visitor && true || false"]


def test_dotted_paths_and_list_indexes(api, small_world):
    guides = api.rows([source("guides", {"appId": ALL_APPS}), {"filter": "len(polls) > 0"}])
    assert len(guides) == 1
    poll_id = guides[0]["polls"][0]["id"]
    found = api.rows([source("guides", {"appId": ALL_APPS}), {"filter": f"polls[0].id == `{poll_id}`"}])
    assert [g["id"] for g in found] == [guides[0]["id"]]
    steps = api.rows([source("guides", {"appId": ALL_APPS}), {"select": {"id": "id", "second": "steps[1].id"}}])
    assert all(("second" in s) for s in steps)
    role = api.rows([source("visitors"), {"filter": 'metadata.custom.role == "admin"'}])
    expected = {
        v.visitor_id
        for v in small_world.visitors
        if v.role == "admin" and not v.is_anonymous and small_world.visitor_exists(v)
    }
    assert expected and {r["visitorId"] for r in role} == expected


def test_sort_multi_key_descending_and_stable(api, all_events):
    by_account_then_events = api.rows([EVENTS, {"sort": ["accountId", "-numEvents"]}])
    python = sorted(all_events, key=lambda r: -r["numEvents"])
    python = sorted(python, key=lambda r: r["accountId"])
    assert by_account_then_events == python
    by_app = api.rows([EVENTS, {"sort": ["appId"]}])
    assert by_app == sorted(all_events, key=lambda r: r["appId"])  # ties keep the source order
    descending = api.rows([EVENTS, {"sort": ["-visitorId"]}])
    assert descending == sorted(all_events, key=lambda r: r["visitorId"], reverse=True)
    nested = api.rows([source("visitors"), {"sort": ["-metadata.auto.lastvisit", "visitorId"]}, {"limit": 5}])
    lastvisits = [r["metadata"]["auto"]["lastvisit"] for r in nested]
    assert lastvisits == sorted(lastvisits, reverse=True)


def test_sort_puts_nulls_first(api, all_events):
    rows = api.rows([EVENTS, {"sort": ["pageId"]}])
    page_ids = [r["pageId"] for r in rows]
    nulls = page_ids.count(None)
    assert nulls > 0 and page_ids[:nulls] == [None] * nulls
    assert page_ids[nulls:] == sorted(page_ids[nulls:])


@pytest.mark.parametrize(("skip", "limit"), [(0, 10), (5, 10), (0, 0), (3, 100_000), (100_000, 5)])
def test_sort_skip_limit_equals_slicing_the_sorted_rows(api, all_events, skip, limit):
    ordered = sorted(all_events, key=lambda r: (r["lastTime"], r["visitorId"]))
    stages = [{"sort": ["lastTime", "visitorId"]}, {"skip": skip}, {"limit": limit}]
    assert api.rows([EVENTS, *stages]) == ordered[skip : skip + limit]
    assert api.rows([EVENTS, {"sort": ["lastTime", "visitorId"]}, {"limit": limit}]) == ordered[:limit]


def test_limit_and_skip_without_sort(api, all_events):
    assert api.rows([EVENTS, {"limit": 7}]) == all_events[:7]
    assert api.rows([EVENTS, {"skip": 7}]) == all_events[7:]
    assert api.rows([EVENTS, {"skip": 3}, {"limit": 2}]) == all_events[3:5]


def test_keyset_paging_returns_every_row_once(api, small_world):
    """The extractor's pattern: count, then sort + filter `key > last` + limit, page after page."""
    total = api.rows([source("visitors"), {"count": None}])[0]["count"]
    seen: list[str] = []
    last = None
    while True:
        stages = [{"sort": ["visitorId"]}, {"limit": 17}]
        if last is not None:
            stages.insert(0, {"filter": f"visitorId > {quoted(last)}"})
        page = [row["visitorId"] for row in api.rows([source("visitors"), *stages])]
        if not page:
            break
        seen.extend(page)
        last = page[-1]
    assert len(seen) == total == len(set(seen))
    assert seen == sorted(seen)
    assert set(seen) == {v.visitor_id for v in small_world.visitors if small_world.visitor_exists(v)}


def test_select_and_eval(api, all_events):
    selected = api.rows([EVENTS, {"select": {"who": "visitorId", "double": "numEvents * 2", "app": "appId"}}])
    assert selected == [{"who": r["visitorId"], "double": r["numEvents"] * 2, "app": r["appId"]} for r in all_events]
    assert api.rows([EVENTS, {"select": ["visitorId", "day"]}]) == [
        {"visitorId": r["visitorId"], "day": r["day"]} for r in all_events
    ]
    evaluated = api.rows([EVENTS, {"eval": {"perMinute": "numEvents / numMinutes", "numEvents": "numEvents + 1"}}])
    assert evaluated == [
        {**r, "perMinute": (r["numEvents"] / r["numMinutes"]) if r["numEvents"] % r["numMinutes"] else
         r["numEvents"] // r["numMinutes"], "numEvents": r["numEvents"] + 1}
        for r in all_events
    ]  # fmt: skip
    assert api.rows([EVENTS, {"eval": {"bad": "numEvents / 0", "text": "visitorId + `!`"}}, {"limit": 1}]) == [
        {**all_events[0], "bad": None, "text": all_events[0]["visitorId"] + "!"}
    ]


def test_identified_splits_anonymous_and_identified(api, all_events):
    identified = api.rows([EVENTS, {"identified": "visitorId"}])
    anonymous = api.rows([EVENTS, {"identified": "!visitorId"}])
    assert identified == [r for r in all_events if not r["visitorId"].startswith(ANONYMOUS_PREFIX)]
    assert anonymous == [r for r in all_events if r["visitorId"].startswith(ANONYMOUS_PREFIX)]
    assert identified and anonymous
    with_account = api.rows([EVENTS, {"identified": "accountId"}])
    assert with_account == [r for r in all_events if r["accountId"]]
    assert len(with_account) < len(identified)  # some identified visitors have no account
    visitors = api.rows([source("visitors", {"identified": True})])
    assert visitors and not any(v["visitorId"].startswith(ANONYMOUS_PREFIX) for v in visitors)
    everyone = api.rows([source("visitors", {"identified": False})])
    assert everyone and all(v["visitorId"].startswith(ANONYMOUS_PREFIX) for v in everyone)


def test_count(api, all_events):
    assert api.rows([EVENTS, {"count": None}]) == [{"count": len(all_events)}]
    assert api.rows([EVENTS, {"filter": "isNull(pageId)"}, {"count": None}]) == [
        {"count": sum(1 for r in all_events if r["pageId"] is None)}
    ]
    assert api.rows([EVENTS, {"count": "pageId"}]) == [{"count": sum(1 for r in all_events if r["pageId"])}]
    assert api.rows([EVENTS, {"filter": "false"}, {"count": None}]) == [{"count": 0}]


@pytest.mark.parametrize("as_list", [False, True])
def test_group_with_every_aggregator(api, all_events, as_list):
    fields = {
        "rows": {"count": None},
        "visitors": {"count": "visitorId"},
        "events": {"sum": "numEvents"},
        "fewest": {"min": "numMinutes"},
        "most": {"max": "numMinutes"},
        "mean": {"avg": "numEvents"},
        "firstDay": {"first": "day"},
        "days": {"list": "day"},
    }
    spec = [{k: v} for k, v in fields.items()] if as_list else fields
    grouped = api.rows([EVENTS, {"group": {"group": ["accountId", "appId"], "fields": spec}}])
    expected: dict[tuple, dict] = {}
    for r in all_events:
        g = expected.setdefault(
            (r["accountId"], r["appId"]),
            {"accountId": r["accountId"], "appId": r["appId"], "rows": 0, "visitors": set(), "events": 0,
             "fewest": r["numMinutes"], "most": r["numMinutes"], "firstDay": r["day"], "days": []},
        )  # fmt: skip
        g["rows"] += 1
        g["visitors"].add(r["visitorId"])
        g["events"] += r["numEvents"]
        g["fewest"] = min(g["fewest"], r["numMinutes"])
        g["most"] = max(g["most"], r["numMinutes"])
        g["days"].append(r["day"])
    for g in expected.values():
        g["visitors"] = len(g["visitors"])
        g["mean"] = g["events"] / g["rows"]
    assert len(grouped) == len(expected)
    for row in grouped:
        want = expected[(row["accountId"], row["appId"])]
        assert row == {k: want[k] for k in row}
        assert set(row) == {"accountId", "appId", *fields}
    assert [(r["accountId"], r["appId"]) for r in grouped] == list(expected)  # groups in order of first appearance


def test_reduce(api, all_events):
    reduced = api.rows([EVENTS, {"reduce": {"events": {"sum": "numEvents"}, "visitors": {"count": "visitorId"}}}])
    assert reduced == [
        {"events": sum(r["numEvents"] for r in all_events), "visitors": len({r["visitorId"] for r in all_events})}
    ]
    empty = api.rows([EVENTS, {"filter": "false"}, {"reduce": [{"n": {"count": None}}, {"s": {"sum": "numEvents"}}]}])
    assert empty == [{"n": 0, "s": 0}]


def test_unwind_and_cat(api, small_world):
    steps = api.rows([source("guides", {"appId": ALL_APPS}), {"cat": None}, {"unwind": {"field": "steps"}}])
    assert len(steps) == sum(len(g.steps) for g in small_world.guides)
    assert all(isinstance(s["steps"], dict) for s in steps)
    polls = api.rows([source("guides", {"appId": ALL_APPS}), {"unwind": {"field": "polls", "keepEmpty": True}}])
    assert len(polls) == sum(max(1, len(g.polls)) for g in small_world.guides)


def test_stages_chain_in_order(api, all_events):
    rows = api.rows(
        [
            EVENTS,
            {"identified": "visitorId"},
            {"select": {"visitorId": "visitorId", "numEvents": "numEvents", "accountId": "accountId", "day": "day"}},
            {"group": {"group": ["visitorId", "accountId", "day"], "fields": {"total": {"sum": "numEvents"}}}},
            {"sort": ["-total", "visitorId"]},
            {"limit": 3},
        ]
    )
    totals: dict[tuple, int] = {}
    for r in all_events:
        if not r["visitorId"].startswith(ANONYMOUS_PREFIX):
            key = (r["visitorId"], r["accountId"], r["day"])
            totals[key] = totals.get(key, 0) + r["numEvents"]
    expected = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0][0]))[:3]
    assert [(r["visitorId"], r["accountId"], r["day"], r["total"]) for r in rows] == [
        (*key, total) for key, total in expected
    ]
