"""`python -m bench.event_path` compares the event path with native JSON readers; these tests keep it working and
show why the DuckDB variant is not the extractor's: its keys equal `row_key` only for some values.

No timing is looked at.
"""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest

from bench.event_path import Answer, DuckDBJson, column_mismatches, current, key_mismatches, pyarrow_json
from extract.resources.registry import EVENT_TABLES
from tests.helpers import REPO_ROOT

EVENTS = EVENT_TABLES["events"]


def _answer(*rows: dict) -> Answer:
    return Answer(EVENTS, orjson.dumps({"startTime": 0, "results": list(rows)}))


def _row(**values: object) -> dict:
    return {
        "appId": -323232,
        "visitorId": "user-1",
        "accountId": "acct-1",
        "day": 1773028800000,
        "pageId": "page-1",
        "numEvents": 3,
        "numMinutes": 1,
        "firstTime": 1773028800001,
        "lastTime": 1773028800002,
        "server": "app.example.com",
        "remoteIp": "10.0.0.1",
        "userAgent": "Mozilla/5.0",
        "parameters": None,
    } | values


def test_every_variant_agrees_with_the_current_path_on_plain_rows():
    answer = _answer(_row(), _row(visitorId="user-2", parameters={"a": "x"}))
    assert key_mismatches(current, [answer]) == (0, 2)
    assert key_mismatches(DuckDBJson(keys=True), [answer]) == (0, 2)
    assert column_mismatches(pyarrow_json, [answer]) == (0, 2)
    assert column_mismatches(DuckDBJson(keys=False), [answer]) == (0, 2)


def test_duckdb_key_text_differs_from_row_key_when_an_objects_keys_are_not_sorted():
    answer = _answer(_row(parameters={"b": 1, "a": 2}))
    assert key_mismatches(current, [answer]) == (0, 1)
    assert key_mismatches(DuckDBJson(keys=True), [answer]) == (1, 1)


@pytest.mark.slow
def test_the_event_path_benchmark_renders_a_tiny_world_and_checks_every_key(tmp_path):
    scale = ("--visitors", "100", "--days", "1", "--repeat", "1", "--cache-dir", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "bench.event_path", *scale],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    current_line = next(line for line in result.stdout.splitlines() if line.startswith("| current: event path"))
    assert "keys differing: 0 (" in current_line
