"""Case 5: `kill -9` at seeded random moments of extract, normalize and load, each followed by a rerun (which is the
next run killed); the final run's raw tables, and the marts dbt builds from them, equal one clean run's."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter

import pytest

from tests.faults.killing import STAGES, run_and_kill, seeded_moments
from tests.faults.support import START_DATE, clone, differences, digest, key_leaks
from tests.helpers import PYTHON, REPO_ROOT

SEED = int(os.environ.get("FAULTS_KILL_SEED", "20260315"))  # set it to explore other moments
KILLS = 10
MAX_ATTEMPTS = 20


@pytest.mark.slow
def test_runs_killed_at_random_moments_resume_to_the_clean_result(simulator, extractor, reference, reference_marts):
    # Several packages per run (rows_per_load), so a kill also lands after a package was committed.
    target = extractor(SOURCES__PENDO__ROWS_PER_LOAD="300")
    moments = seeded_moments(SEED, MAX_ATTEMPTS)
    outcomes = []
    for moment in moments:
        outcome = run_and_kill(target, simulator, moment)
        outcomes.append(outcome)
        if not outcome.killed:  # the run ended before the moment came: it must have ended well
            assert outcome.returncode == 0, (str(moment), outcome.stderr[-2000:])
        died = Counter(o.died_in for o in outcomes if o.killed)
        if sum(died.values()) >= KILLS and all(died[stage] >= 2 for stage in STAGES):
            break
    died = Counter(o.died_in for o in outcomes if o.killed)
    report = [f"{o.moment} -> {o.died_in if o.killed else 'finished'}" for o in outcomes]
    print("\n".join(report))  # shown with pytest -s
    assert sum(died.values()) >= KILLS and all(died[stage] >= 2 for stage in STAGES), report

    final = target.run()
    assert final.ok, final.describe()
    assert "already running" not in final.result.stderr  # a lock never outlives its process
    assert differences(target.digest(), reference.raw) == {}, report
    assert all(target.unique_keys().values()), target.unique_keys()

    # the key in none of the packages, traces or state those runs left behind
    assert key_leaks(target.key, target.root) == []

    build = target.dbt_build()
    assert build.returncode == 0, build.stdout[-3000:]
    assert differences(digest(target.duckdb_path, "marts"), reference_marts) == {}


def _killed_at(target, *moment: str) -> None:
    killed = subprocess.run(
        [PYTHON, "-m", "tests.faults.kill_at", *moment],
        cwd=REPO_ROOT,
        env=target.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]


def test_a_kill_between_a_staging_insert_and_its_bookkeeping_doubles_nothing(extractor, reference):
    target = extractor()
    clone(target, reference.extractor)  # rows already loaded: a backfill of them is merged, through staging
    _killed_at(target, "staging-insert", "events", "--start", START_DATE, "--end", START_DATE)
    run = target.run()
    assert run.ok, run.describe()
    assert "loading the package an interrupted run left behind" in run.result.stderr
    assert all(target.unique_keys().values()), target.unique_keys()  # the insert ran twice; the rows are there once
    assert differences(target.digest(), reference.raw) == {}


def test_a_kill_between_an_appended_insert_and_its_bookkeeping_doubles_nothing(extractor, reference):
    # A first load: every event row is new, so the tables are appended (extract/load/new_rows.py), and the kill
    # comes right after the events rows were inserted into the table itself.
    target = extractor()
    _killed_at(target, "staging-insert", "events")
    assert target.query("select count(*) from pendo_raw.events")[0][0] > 0  # the appended rows were committed
    run = target.run()
    assert run.ok, run.describe()
    assert "loading the package an interrupted run left behind" in run.result.stderr
    assert run.summary is not None and run.summary["appended"] == []  # the package left behind is merged again
    assert all(target.unique_keys().values()), target.unique_keys()
    assert differences(target.digest(), reference.raw) == {}


def test_a_kill_between_normalize_moving_a_package_and_deleting_its_copy_blocks_nothing(extractor, reference):
    target = extractor()
    clone(target, reference.extractor)  # a loaded dataset: dlt keeps what a killed run left (see state_sync.py)
    _killed_at(target, "normalized")
    work = target.data_dir / "pipelines" / "pendo"
    (load_id,) = [p.name for p in (work / "load" / "normalized").iterdir() if "." in p.name]
    assert (work / "normalize" / "extracted" / load_id).is_dir()  # the package is in both places
    run = target.run()
    assert run.ok, run.describe()  # dlt alone would fail here, and on every run after, with "Directory not empty"
    assert differences(target.digest(), reference.raw) == {}
