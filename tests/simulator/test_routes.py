"""GET routes, 404s, the key header, regions and loopback-only binding."""

from __future__ import annotations

import json

import pytest
import requests

from pendo_simulator.server import PendoSimulator, key_region
from pendo_simulator.world import DEFAULT_APP_ID
from tests.simulator.conftest import ALL_APPS, KEY, Api, source


@pytest.mark.parametrize(("path", "entity"), [("/api/v1/page", "pages"), ("/api/v1/feature", "features"),
                                              ("/api/v1/guide", "guides")])  # fmt: skip
def test_list_endpoints_are_bare_arrays_of_the_default_app_unless_expanded(api, small_world, path, entity):
    default = api.get(path)
    assert default.status_code == 200 and default.headers["Content-Type"] == "application/json"
    objects = default.json()
    assert isinstance(objects, list) and objects
    assert {o["appId"] for o in objects} == {DEFAULT_APP_ID}
    expanded = api.get(path, params={"expand": "*"}).json()
    assert {o["appId"] for o in expanded} == set(small_world.app_ids)
    assert expanded == api.rows([source(entity, {"appId": ALL_APPS})])  # the same objects as the aggregation source
    assert objects == api.rows([source(entity)])
    wanted = [expanded[0]["id"], expanded[-1]["id"]]
    by_id = api.get(path, params={"expand": "*", "id": ",".join(wanted)}).json()
    assert [o["id"] for o in by_id] == wanted
    assert api.get(path, params={"id": "no-such-id"}).json() == []


def test_guide_state_filter_and_shapes(api, small_world):
    public = api.get("/api/v1/guide", params={"expand": "*", "state": "public"}).json()
    assert public and all(g["state"] == "public" for g in public)
    assert len(public) < len(small_world.guides)
    for guide in api.get("/api/v1/guide", params={"expand": "*"}).json():
        assert guide["lastUpdatedAt"] >= guide["createdAt"]
        assert [s["guideId"] for s in guide["steps"]] == [guide["id"]] * len(guide["steps"])
        step_polls = {p for s in guide["steps"] for p in s["pollIds"]}
        assert step_polls == {p["id"] for p in guide["polls"]}
    for page in api.get("/api/v1/page", params={"expand": "*"}).json():
        assert page["kind"] == "Page" and page["lastUpdatedAt"] >= page["createdAt"]
        assert page["rules"][0]["rule"].startswith("//*/")


def test_metadata_schemas_describe_the_entity_rows(api):
    for kind, entity in (("visitor", "visitors"), ("account", "accounts")):
        response = api.get(f"/api/v1/metadata/schema/{kind}")
        assert response.status_code == 200
        schema = response.json()
        allowed_types = {"string", "time", "boolean", "integer", "float", "", "list"}
        assert all(f["Type"] in allowed_types for group in schema.values() for f in group.values())
        rows = api.rows([source(entity)])
        groups_seen = {group for row in rows for group in row["metadata"] if not group.startswith("auto_")}
        assert groups_seen <= set(schema)
        for row in rows:
            for group, fields in row["metadata"].items():
                if group in schema:
                    assert set(fields) <= set(schema[group]), (group, set(fields) - set(schema[group]))


def test_token_verify(api):
    response = api.get("/api/v1/token/verify")
    assert response.status_code == 200
    assert response.json() == {"valid": True, "writeAccess": False}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/api/v1/aggregation"),
        ("GET", "/api/v1/visitor/user-00001"),
        ("GET", "/api/v1/report"),
        ("GET", "/api/v1/pages"),
        ("POST", "/api/v1/page"),
        ("PUT", "/api/v1/aggregation"),
        ("DELETE", "/api/v1/guide"),
        ("GET", "/api/v2/page"),
        ("GET", "/_simulator/nothing"),
    ],
)
def test_anything_else_is_404(api, method, path):
    response = requests.request(method, api.url + path, headers={"x-pendo-integration-key": KEY}, timeout=10)
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize("header", ["x-pendo-integration-key", "X-Pendo-Integration-Key", "X-PENDO-INTEGRATION-KEY"])
def test_the_key_header_is_case_insensitive(api, header):
    response = requests.get(api.url + "/api/v1/token/verify", headers={header: KEY}, timeout=10)
    assert response.status_code == 200


@pytest.mark.parametrize("key", ["", "wrong-key", KEY + " ", KEY.upper()])
def test_a_missing_or_unknown_key_gets_403_with_an_empty_body(api, key):
    for response in (
        api.get("/api/v1/token/verify", key=key),
        api.get("/api/v1/page", key=key),
        api.aggregate([source("pages")], key=key),
        api.post(b"{not json", key=key),  # the key is checked before the body
    ):
        assert response.status_code == 403
        assert response.content == b""
        assert response.headers["Content-Length"] == "0"


def test_keys_are_bound_to_their_region(serve, small_world):
    assert key_region("abc.eu") == "eu" and key_region("abc.jpn") == "jp" and key_region("abc-def") is None
    eu = serve(small_world, key=["k1.eu", "k2.us", "plain"], region="eu")
    assert eu.get("/api/v1/token/verify", key="k1.eu").status_code == 200
    assert eu.get("/api/v1/token/verify", key="plain").status_code == 200  # no suffix: valid anywhere
    wrong_region = eu.get("/api/v1/token/verify", key="k2.us")  # known key, other region
    assert wrong_region.status_code == 403 and wrong_region.content == b""
    us = serve(small_world, key=["k1.eu", "plain"], region="us")
    assert us.get("/api/v1/token/verify", key="k1.eu").status_code == 403
    assert us.get("/api/v1/token/verify", key="plain").status_code == 200


def test_the_server_binds_to_loopback_only(small_world):
    with pytest.raises(ValueError, match="loopback"):
        PendoSimulator(small_world, key=KEY, host="0.0.0.0")
    with pytest.raises(ValueError, match="region"):
        PendoSimulator(small_world, key=KEY, region="mars")
    with pytest.raises(ValueError, match="key"):
        PendoSimulator(small_world, key="")


def test_ipv6_loopback(serve, small_world):
    api = serve(small_world, host="::1")
    assert api.url.startswith("http://[::1]:")
    assert api.get("/api/v1/token/verify").json()["valid"] is True


def test_go_style_escaping_of_html_characters(api):
    raw = api.aggregate([source("accounts"), {"filter": 'accountId == "a && b || !c"'}]).content
    assert b"\\u0026\\u0026" in raw and b"&&" not in raw
    assert json.loads(raw)["results"][0]["accountId"] == "a && b || !c"
    assert "Ünïcødé".encode() in api.aggregate([source("accounts")]).content  # non-ASCII stays UTF-8


class _PreRendered(PendoSimulator):
    """What a benchmark does: serve stored chunks through the same HTTP writer."""

    def render_aggregation(self, query):
        return iter([b'{"startTime":1,"results":[', b'{"a":1},', b'{"a":2}', b"]}"])


class _Broken(PendoSimulator):
    def render_aggregation(self, query):
        raise RuntimeError("boom")


@pytest.mark.parametrize("server_class", [_PreRendered, _Broken])
def test_the_serving_path_is_separable_and_bugs_are_loud(small_world, server_class):
    server = server_class(small_world, key=KEY)
    server.start_in_thread()
    try:
        response = Api(server.url).aggregate([source("pages")])
    finally:
        server.stop()
    if server_class is _PreRendered:
        assert response.status_code == 200 and response.json() == {"startTime": 1, "results": [{"a": 1}, {"a": 2}]}
    else:
        assert response.status_code == 500 and "pendo_simulator internal error" in response.text
