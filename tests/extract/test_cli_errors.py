"""Foreseeable faults end the extractor with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from tests.helpers import extract


def test_missing_key_prints_one_line_and_exits_non_zero(workspace):
    env = workspace.env("http://127.0.0.1:9", "")
    env.pop("SOURCES__PENDO__INTEGRATION_KEY")
    result = extract(env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and "integration_key" in lines[0] and "make demo" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not workspace.duckdb_path.exists()
