"""`make show`: dlt's pipeline dashboard for the demo pipeline in a temp dir answers on its port."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from tests.dashboard.browser import DEEP_TEXT, Browser
from tests.dashboard.conftest import free_port, make_env
from tests.helpers import REPO_ROOT


def show_command(demo_data, port: int) -> list[str]:
    return [
        "make",
        "--no-print-directory",
        "show",
        f"PORT={port}",
        "HEADLESS=1",
        "PIPELINE_NAME=pendo_demo",
        f"DLT_DATA_DIR={demo_data.state_dir}",
        f"DUCKDB_PATH={demo_data.duckdb_path}",
    ]


@pytest.mark.slow
def test_make_show_serves_dlts_dashboard(demo_data, serve):
    port = free_port()
    with serve(show_command(demo_data, port), port, make_env()) as log:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            page = response.read().decode()
        assert "<title>dlt workspace dashboard</title>" in page
        assert f"pipeline `pendo_demo` ({demo_data.duckdb_path})" in log.read_text()


@pytest.mark.slow
def test_dlts_dashboard_finds_the_demo_pipeline(demo_data, serve, chromium, tmp_path):
    """The page shows the pipeline's last run from the temp state dir: dlt found the pipeline we pointed it at."""
    port = free_port()
    with serve(show_command(demo_data, port), port, make_env()), Browser(chromium, tmp_path / "profile") as browser:
        browser.open(f"http://127.0.0.1:{port}/")
        # The pipeline's name, its last run's status and a table of its schema, all read from the temp state dir.
        text = browser.wait_for(
            f"(() => {{ const text = {DEEP_TEXT}; return /Pipeline\\s+pendo_demo/.test(text) && "
            "['succeeded', 'guide_events'].every((word) => text.includes(word)) && text; })()",
            timeout=60,
        )
        assert "Last execution ID" in text


def test_show_without_a_pipeline_is_one_line_and_exit_1(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.dlt_show", "--pipeline", "pendo", "--pipelines-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"no dlt pipeline `pendo` in {tmp_path}; run `make elt`" in result.stderr


def test_demo_1_points_both_targets_at_the_demo():
    dry_runs = [
        subprocess.run(
            ["make", "--no-print-directory", "-n", target, "DEMO=1"],
            cwd=REPO_ROOT,
            env=make_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for target in ("show", "dashboard")
    ]
    show, dashboard = dry_runs
    assert f"DLT_DATA_DIR={REPO_ROOT}/.demo/dlt" in show
    assert "--pipeline pendo_demo" in show
    assert f"--duckdb-path {REPO_ROOT}/demo.duckdb" in show
    assert f"DUCKDB_PATH={REPO_ROOT}/demo.duckdb" in dashboard
    assert "--host 127.0.0.1" in dashboard
