"""Foreseeable faults end the extractor with one clear line and a non-zero exit, never a traceback; invalid settings
fail before any request; the integration key never shows up in any output or file."""

from __future__ import annotations

import pytest

from tests.extract.support import Admin, Extractor, sim_args

WORLD = sim_args(days=3, visitors=20, accounts=8)


def _single_line(run) -> str:
    assert run.result.returncode != 0, run.describe()
    assert "Traceback" not in run.result.stderr + run.result.stdout
    lines = run.result.stderr.strip().splitlines()
    assert len(lines) == 1, run.describe()
    return lines[0]


def test_missing_key_prints_one_line_and_exits_non_zero(tmp_path):
    target = Extractor(tmp_path, "http://127.0.0.1:9", "")
    run = target.run(SOURCES__PENDO__INTEGRATION_KEY=None)
    line = _single_line(run)
    assert "integration_key" in line and "make demo" in line
    assert not target.duckdb_path.exists()


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("SOURCES__PENDO__REGION", "moon", "sources.pendo.region"),
        ("SOURCES__PENDO__LOOKBACK", "a while", "sources.pendo.lookback"),
    ],
)
def test_invalid_settings_fail_before_any_request(start_simulator, variable, value, key, tmp_path):
    simulator = start_simulator(*WORLD)
    target = Extractor(tmp_path, simulator.url, simulator.key)
    overrides = {variable: value}
    if variable == "SOURCES__PENDO__REGION":
        overrides["SOURCES__PENDO__BASE_URL"] = None  # the region only counts without a base_url
    line = _single_line(target.run(**overrides))
    assert line.startswith(f"extract failed: invalid {key} ")
    assert Admin(simulator.url).requests_made() == 0
    assert not target.duckdb_path.exists()


def test_unknown_resources_and_half_backfills_are_usage_errors(tmp_path):
    target = Extractor(tmp_path, "http://127.0.0.1:9", "k")
    line = _single_line(target.run("--resources", "events,sessions"))
    assert line.startswith("unknown resource sessions; choose from events, page_events")
    line = _single_line(target.run("--start", "2026-03-01"))
    assert "--start and --end" in line
    line = _single_line(target.run("--start", "2026-03-05", "--end", "2026-03-01"))
    assert "is after its --end" in line
    line = _single_line(target.run("--start", "2026-03-01", "--end", "2026-03-02", "--resources", "visitors"))
    assert "event resources only" in line
    assert not target.duckdb_path.exists()


def test_a_refused_key_ends_in_one_line_that_names_the_host(start_simulator, tmp_path):
    simulator = start_simulator(*WORLD)
    target = Extractor(tmp_path, simulator.url, "not-the-key-" + simulator.key[:6])
    run = target.run("--resources", "events")
    line = _single_line(run)
    assert "refused the integration key (403)" in line
    assert simulator.url.removeprefix("http://") in line and "another region" in line
    assert target.key not in run.result.stdout + run.result.stderr


def test_a_key_of_another_region_is_refused_like_a_wrong_key(start_simulator, tmp_path):
    simulator = start_simulator(*WORLD, "--region", "eu", key="0f3c9a52-5d0e-4bb5-9e57-3a1c2b7d9e10.us")
    line = _single_line(Extractor(tmp_path, simulator.url, simulator.key).run("--resources", "guides"))
    assert "refused the integration key (403)" in line


def test_the_key_appears_in_no_output_log_package_state_or_database(start_simulator, tmp_path):
    simulator = start_simulator(*WORLD)
    target = Extractor(tmp_path, simulator.url, simulator.key)
    run = target.run(RUNTIME__LOG_LEVEL="DEBUG")  # dlt logs requests, headers included, at DEBUG
    assert run.ok, run.describe()
    assert "Making POST request" in run.result.stderr  # the debug log really was on
    key = simulator.key.encode()
    assert key not in (run.result.stdout + run.result.stderr).encode()
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert target.duckdb_path in files and any("load" in str(path) for path in files)
    leaking = [path for path in files if key in path.read_bytes()]
    assert leaking == []


def test_duckdb_out_of_memory_ends_in_one_line_and_the_next_run_loses_and_doubles_nothing(start_simulator, tmp_path):
    simulator = start_simulator(*WORLD)
    target = Extractor(tmp_path / "starved", simulator.url, simulator.key)
    starved = '{"memory_limit": "1MB", "preserve_insertion_order": false}'
    failed = target.run("--resources", "events", DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG=starved)
    assert failed.result.returncode == 1 and "Traceback" not in failed.result.stderr, failed.describe()
    line = failed.result.stderr.strip().splitlines()[-1]  # after the progress lines of the extraction
    assert line.startswith(
        f"extract failed: DuckDB ran out of its memory_limit while loading into {target.duckdb_path} "
    )
    assert "raise memory_limit" in line

    rerun = target.run("--resources", "events")
    assert rerun.ok, rerun.describe()
    reference = Extractor(tmp_path / "reference", simulator.url, simulator.key)
    assert reference.run("--resources", "events").ok
    count = "select count(*), count(distinct row_key), sum(num_events) from pendo_raw.events"
    assert target.query(count) == reference.query(count)
    assert target.query(count)[0][0] > 0
