"""`python -m elt run` runs the extract in a fork of itself (elt/run.py): the step still answers like `python -m
extract`, with its one-line errors and exit codes, and loads with the environment the steps get."""

from __future__ import annotations

import subprocess

from tests.extract.support import Extractor, sim_args
from tests.helpers import PYTHON, REPO_ROOT


def _elt_run(target: Extractor, *args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "elt", "run", "--steps", "extract", *args],
        cwd=REPO_ROOT,
        env=target.env(**overrides),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_bad_setting_is_one_line_and_exit_1(tmp_path):
    target = Extractor(tmp_path / "run", "http://127.0.0.1:9", "key")
    result = _elt_run(target, SOURCES__PENDO__PAGE_SIZE="0")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "extract failed: invalid sources.pendo.page_size 0: expected a whole number from 1 to 1,000,000"
    )
    assert "Traceback" not in result.stderr
    assert not target.duckdb_path.exists()


def test_a_usage_error_is_exit_2(tmp_path):
    target = Extractor(tmp_path / "run", "http://127.0.0.1:9", "key")
    result = _elt_run(target, "--resources", "nope")
    assert result.returncode == 2
    assert result.stderr.startswith("unknown resource nope; choose from events")


def test_the_extract_step_loads_like_python_m_extract(start_simulator, tmp_path):
    simulator = start_simulator(*sim_args(days=3, visitors=30, accounts=10))
    target = Extractor(tmp_path / "run", simulator.url, simulator.key)
    result = _elt_run(target, "--resources", "events,visitors")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0].endswith("-m extract --resources events,visitors")
    assert "Pendo extract run finished" in result.stdout
    assert target.query("select count(*) from pendo_raw.events")[0][0] > 0
    again = _elt_run(target, "--resources", "events,visitors")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "read again and unchanged" in again.stdout
