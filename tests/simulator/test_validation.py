"""Aggregation requests Pendo refuses get 400 with a short message; well-formed variants are accepted."""

from __future__ import annotations

import pytest

from tests.simulator.conftest import ALL_APPS, events_source, source

WINDOW = {"period": "dayRange", "first": "now()", "count": -1}


def _body(pipeline):
    return {"response": {"mimeType": "application/json"}, "request": {"pipeline": pipeline}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"response": {}}, "'request' object"),
        ({"request": {}}, "request.pipeline"),
        ({"request": {"pipeline": []}}, "request.pipeline"),
        ({"request": {"pipeline": {"source": {}}}}, "request.pipeline"),
        (_body([{"filter": "true"}]), "first pipeline stage must be 'source'"),
        (_body([{"source": {"events": None}, "filter": "x"}]), "exactly one operator"),
        (_body([source("nope", None, **WINDOW)]), "unknown row source: nope"),
        (_body([source("singleEvents", None, **WINDOW)]), "singleEvents is not supported"),
        (_body([{"source": {"events": None, "pages": None}}]), "exactly one row source"),
        (_body([{"source": {"events": None}}]), "requires a timeSeries"),
        (_body([{"source": {"guideEvents": {"appId": ALL_APPS}}}]), "requires a timeSeries"),
        (_body([source("events", "all", **WINDOW)]), "must be an object or null"),
        (_body([source("events", None, period="fortnight", first="now()", count=1)]), "invalid timeSeries.period"),
        (_body([source("events", None, period="weekRange", first="now()", count=1)]), "weekRange is not supported"),
        (_body([source("events", None, period="daily", first="now()", count=1)]), "daily is not supported"),
        (_body([source("events", None, period="dayRange", count=1)]), "timeSeries.first is required"),
        (_body([source("events", None, period="dayRange", first="now()")]), "exactly one of count or last"),
        (
            _body([source("events", None, period="dayRange", first="now()", count=-1, last="now()")]),
            "exactly one of count or last",
        ),
        (_body([source("events", None, period="dayRange", first="now()", count=0)]), "non-zero integer"),
        (_body([source("events", None, period="dayRange", first="now()", count="7")]), "non-zero integer"),
        (_body([source("events", None, period="dayRange", first="yesterday", count=1)]), "timeSeries.first"),
        (_body([source("events", None, period="dayRange", first="now(", count=1)]), "timeSeries.first"),
        (_body([source("events", None, period="dayRange", first="bogus(1)", count=1)]), "unknown function"),
        (_body([source("events", None, period="dayRange", first='"text"', count=1)]), "does not evaluate"),
        (_body([source("events", None, period="dayRange", first=True, count=1)]), "timeSeries.first"),
        (_body([source("events", None, period="dayRange", first="now()", last="now() +")]), "timeSeries.last"),
        (
            _body([source("events", None, period="dayRange", first="now()", last="dateAdd(now(), -3, `days`)")]),
            "before timeSeries.first",
        ),
        (_body([source("events", {"appId": "abc"}, **WINDOW)]), "invalid appId"),
        (_body([source("events", {"appId": 'expandAppIds("web")'}, **WINDOW)]), "invalid appId"),
        (_body([source("events", {"appId": []}, **WINDOW)]), "appId"),
        (_body([source("events", {"appId": [True]}, **WINDOW)]), "invalid appId"),
        (_body([source("pageEvents", {"pageId": 5}, **WINDOW)]), "pageId must be a string"),
        (_body([source("events", {"blacklist": "maybe"}, **WINDOW)]), "invalid blacklist"),
        (_body([source("events", {"eventClass": "web"}, **WINDOW)]), "eventClass"),
        (_body([source("visitors", {"identified": "yes"})]), "identified must be true or false"),
        ({"response": {"mimeType": "text/xml"}, "request": {"pipeline": [source("pages")]}}, "mimeType"),
        ({"response": "json", "request": {"pipeline": [source("pages")]}}, "response must be an object"),
        (_body([source("pages"), {"filter": 'name == "Dashboard'}]), "unterminated string"),
        (_body([source("pages"), {"filter": "name = `Dashboard`"}]), "unexpected character"),
        (_body([source("pages"), {"filter": "name == `Dashboard"}]), "unterminated backtick"),
        (_body([source("pages"), {"filter": 'name == "a\\qb"'}]), "bad escape"),
        (_body([source("pages"), {"filter": "name =="}]), "end of expression"),
        (_body([source("pages"), {"filter": "(name == `a`"}]), "expected ')'"),
        (_body([source("pages"), {"filter": "lower(name) == `a`"}]), "unknown function lower()"),
        (_body([source("pages"), {"filter": "isNull()"}]), "isNull() takes 1 arguments"),
        (_body([source("pages"), {"filter": 42}]), "expression string"),
        (_body([source("pages"), {"eval": {"x": "1 +"}}]), "eval.x"),
        (_body([source("pages"), {"select": {"x": "id.["}}]), "select.x"),
        (_body([source("pages"), {"select": {}}]), "select takes"),
        (_body([source("pages"), {"frobnicate": {}}]), "unknown pipeline operator: frobnicate"),
        (_body([source("pages"), {"merge": {"fields": ["id"], "pipeline": []}}]), "merge is not supported"),
        (_body([source("pages"), {"bulkExpand": {}}]), "bulkExpand is not supported"),
        (_body([{"spawn": [[source("pages")]]}]), "spawn is not supported"),
        (_body([source("pages"), {"limit": -1}]), "limit takes a non-negative integer"),
        (_body([source("pages"), {"limit": "10"}]), "limit takes a non-negative integer"),
        (_body([source("pages"), {"skip": 1.5}]), "skip takes a non-negative integer"),
        (_body([source("pages"), {"sort": []}]), "sort takes"),
        (_body([source("pages"), {"sort": ["name + 1"]}]), "sort takes field names"),
        (_body([source("pages"), {"identified": 1}]), "identified takes a field name"),
        (_body([source("pages"), {"count": 3}]), "count takes null or a field name"),
        (_body([source("pages"), {"group": {"group": ["appId"], "fields": {"n": {"median": "id"}}}}]), "aggregator"),
        (_body([source("pages"), {"group": {"group": "", "fields": {}}}]), "group.group"),
        (_body([source("pages"), {"reduce": {"n": {"sum": None}}}]), "needs a field"),
        (_body([source("pages"), {"reduce": {}}]), "at least one field"),
        (_body([source("pages"), {"unwind": {"keepEmpty": True}}]), "unwind takes"),
    ],
)
def test_malformed_requests_get_400_with_a_short_message(api, body, message):
    response = api.post(body)
    assert response.status_code == 400
    assert message in response.text
    assert len(response.text) < 200 and "\n" not in response.text and "Traceback" not in response.text


def test_request_keys_pendo_ignores_are_accepted(api):
    body = {
        "channelId": "",
        "response": {"location": "request", "mimeType": "application/json; charset=utf-8"},
        "request": {"name": "", "requestId": "", "sort": ["id"], "pipeline": [source("pages", None)]},
    }
    assert api.post(body).status_code == 200
    no_response = {"request": {"name": "x", "pipeline": [source("pages", None)]}}
    assert api.post(no_response).status_code == 200
    empty_response = {"response": {}, "request": {"pipeline": [source("pages", None)]}}
    assert api.post(empty_response).status_code == 200


def test_entity_sources_ignore_a_time_series(api):
    with_window = api.rows([{"source": {"pages": None, "timeSeries": WINDOW}}])
    assert with_window == api.rows([source("pages")])


@pytest.mark.parametrize(
    "app_id",
    [-323232, "-323232", [-323232], ["-323232"], 'expandAppIds("*")', "expandAppIds(`*`)", ' expandAppIds( "*" ) '],
)
def test_app_id_forms(api, app_id):
    rows = api.rows([events_source(params={"appId": app_id})])
    assert rows
    if "expand" not in str(app_id):
        assert {row["appId"] for row in rows} == {-323232}


def test_all_apps_and_an_unknown_app(api, small_world):
    everything = api.rows([events_source(params={"appId": ALL_APPS})])
    assert {row["appId"] for row in everything} == set(small_world.app_ids) and len(small_world.app_ids) == 2
    assert api.rows([events_source(params={"appId": 12345})]) == []
    default = api.rows([events_source(params={})])
    assert {row["appId"] for row in default} == {-323232}


def test_unknown_ids_and_classes_give_empty_results_not_errors(api):
    assert api.rows([events_source("pageEvents", params={"appId": ALL_APPS, "pageId": "no-such-page"})]) == []
    assert api.rows([events_source(params={"appId": ALL_APPS, "eventClass": ["ios"]})]) == []
    assert api.rows([events_source(params={"appId": ALL_APPS, "blacklist": "only"})]) == []
    assert api.rows([events_source(params={"appId": ALL_APPS, "eventClass": ["web", "ios"]})])


def test_a_window_outside_the_data_is_empty_with_200(api):
    response = api.aggregate([events_source(first="date(2001, 1, 1)", count=3)])
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert response.json()["startTime"] > 0


def test_the_response_has_exactly_start_time_and_results(api):
    response = api.aggregate([events_source()])
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert list(response.json()) == ["startTime", "results"]
