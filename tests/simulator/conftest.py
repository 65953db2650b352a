"""Fixtures for the simulator's own tests: real servers on loopback, in this process or as child processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from pendo_simulator.server import KEY_HEADER, PendoSimulator
from pendo_simulator.world import World, WorldConfig

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)  # a week after the 2026 US spring-forward (March 8)
KEY = "test-key-1234"
ALL_APPS = 'expandAppIds("*")'
SMALL = WorldConfig(seed=11, visitors=120, accounts=40, days=14, guides=5, now=NOW)
# Long enough to hold both 2025-11-02 (fall back, 25 hours) and 2026-03-08 (spring forward, 23 hours).
LONG = WorldConfig(seed=5, visitors=25, accounts=10, days=140, guides=2, now=NOW)


@dataclass
class Api:
    """A client of one running simulator, speaking plain HTTP with `requests`."""

    url: str
    key: str = KEY

    def post(self, body: Any, key: str | None = None, timeout: float = 30, **kwargs: Any) -> requests.Response:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        headers = {"content-type": "application/json"}
        resolved = self.key if key is None else key
        if resolved:  # key="" sends no key header at all
            headers[KEY_HEADER] = resolved
        return requests.post(f"{self.url}/api/v1/aggregation", data=data, headers=headers, timeout=timeout, **kwargs)

    def aggregate(self, pipeline: list[dict[str, Any]], **kwargs: Any) -> requests.Response:
        return self.post({"response": {"mimeType": "application/json"}, "request": {"pipeline": pipeline}}, **kwargs)

    def rows(self, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.aggregate(pipeline)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"startTime", "results"}
        return body["results"]

    def get(self, path: str, key: str | None = None, **kwargs: Any) -> requests.Response:
        resolved = self.key if key is None else key
        headers = {KEY_HEADER: resolved} if resolved else {}
        return requests.get(f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def admin(self, path: str, body: Any = None) -> dict[str, Any]:
        if body is None:
            response = requests.get(f"{self.url}/_simulator/{path}", timeout=10)
        else:
            response = requests.post(f"{self.url}/_simulator/{path}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def faults(self, **knobs: Any) -> dict[str, Any]:
        return self.admin("faults", knobs)


def source(name: str, params: Any = None, **time_series: Any) -> dict[str, Any]:
    """A `source` stage; keyword arguments become its timeSeries."""
    stage: dict[str, Any] = {name: params}
    if time_series:
        stage["timeSeries"] = time_series
    return {"source": stage}


def events_source(name: str = "events", period: str = "dayRange", params: Any = None, **window: Any):
    window = window or {"first": "now()", "count": -14}
    return source(name, params if params is not None else {"appId": ALL_APPS}, period=period, **window)


@pytest.fixture(scope="session")
def small_world() -> World:
    return World(SMALL)


@pytest.fixture(scope="session")
def long_world() -> World:
    return World(LONG)


def _serve(world: World, **kwargs: Any) -> Iterator[PendoSimulator]:
    server = PendoSimulator(world, key=kwargs.pop("key", KEY), **kwargs)
    server.start_in_thread()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def small_server(small_world: World) -> Iterator[PendoSimulator]:
    yield from _serve(small_world)


@pytest.fixture
def api(small_server: PendoSimulator) -> Iterator[Api]:
    """A client of the shared small server; knobs, counters and clock are reset around every test."""
    small_server.controls.reset()
    yield Api(small_server.url)
    small_server.controls.reset()


@pytest.fixture(scope="session")
def long_server(long_world: World) -> Iterator[PendoSimulator]:
    yield from _serve(long_world)


@pytest.fixture
def long_api(long_server: PendoSimulator) -> Iterator[Api]:
    long_server.controls.reset()
    yield Api(long_server.url)
    long_server.controls.reset()


@pytest.fixture
def serve():
    """Start extra in-process servers (other worlds, keys, regions, knobs); all are stopped after the test."""
    servers: list[PendoSimulator] = []

    def start(world: World, **kwargs: Any) -> Api:
        server = PendoSimulator(world, key=kwargs.pop("key", KEY), **kwargs)
        server.start_in_thread()
        servers.append(server)
        return Api(server.url, key=server.key)

    yield start
    for server in servers:
        server.stop()
