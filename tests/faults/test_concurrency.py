"""Cases 6 and 7: a second run while one runs is refused by the run lock (and a lock never outlives a killed run);
a DuckDB file held open by another process ends the run with a line naming that process, loses nothing, and the
next run succeeds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.faults.support import differences, last_line
from tests.helpers import PYTHON, REPO_ROOT

SLOW_SIMULATOR = {"latency_ms": 150}  # every request takes 150 ms, so a run lasts a few seconds


def _lock_file(target) -> Path:
    return target.data_dir / "pipelines" / "pendo.lock"


def _wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _lock_held_by(target, pid: int) -> bool:
    try:
        return _lock_file(target).read_text().startswith(f"PID {pid},")
    except OSError:
        return False


def _start(target, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(command) or [PYTHON, "-m", "extract"],
        cwd=REPO_ROOT,
        env=target.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_run_is_refused_while_one_runs_and_a_killed_run_leaves_no_lock(simulator, extractor, reference):
    simulator.set_faults(hang_seconds=20, scripts=[{"target": "events", "steps": ["hang"]}])  # the first run waits
    target = extractor(RUNTIME__REQUEST_TIMEOUT="120")
    first = _start(target)
    _wait_for(lambda: _lock_held_by(target, first.pid), "the first run to take the lock")
    requests_before = simulator.state()["counters"]["requests"]

    second = target.run()
    line = last_line(second)
    assert line.startswith(f"pipeline pendo is already running (PID {first.pid}, `python")
    assert "-m extract" in line and line.endswith(
        "this extract changed nothing; wait for that run to finish, then run again"
    )
    assert second.result.stderr.strip() == line  # one line, nothing else
    assert first.poll() is None  # the first run goes on

    first.send_signal(signal.SIGKILL)  # the lock dies with its process
    first.communicate()
    assert simulator.state()["counters"]["requests"] > requests_before  # the first run was working
    assert _lock_file(target).exists()  # the file stays; the OS lock on it is gone

    simulator.admin("reset", {})
    third = target.run()
    assert third.ok, third.describe()
    assert differences(target.digest(), reference.raw) == {}


def test_make_elts_lock_spans_the_whole_command_and_its_own_extract_runs_inside_it(simulator, extractor, reference):
    simulator.set_faults(**SLOW_SIMULATOR)
    target = extractor()
    # what `make elt` runs: python -m elt run (extract, transform, publish under one lock); here the extract alone
    wrapper = _start(target, PYTHON, "-m", "elt", "run", "--steps", "extract")
    _wait_for(lambda: _lock_held_by(target, wrapper.pid), "the wrapper to take the lock")
    refused = target.run()
    assert last_line(refused).startswith(f"pipeline pendo is already running (PID {wrapper.pid}, ")
    out, err = wrapper.communicate(timeout=120)
    assert wrapper.returncode == 0, err[-3000:]  # the extract inside the wrapper found the lock its own
    assert "Pendo extract run finished" in out
    assert differences(target.digest(), reference.raw) == {}


@contextmanager
def _reader(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with a read-only DuckDB connection open on `path` (a notebook, a BI tool), until the block
    ends."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); input()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "open"
    try:
        yield process
    finally:
        process.communicate("\n", timeout=30)


def _expected_holder_line(path: Path, reader: subprocess.Popen[str]) -> str:
    return (
        f"extract failed: {path} is open in another process, PID {reader.pid} ({os.path.basename(sys.executable)} -c "
    )


def test_a_reader_holding_the_database_is_named_and_the_next_run_succeeds(simulator, extractor, reference):
    target = extractor()
    target.root.mkdir(parents=True, exist_ok=True)
    shutil.copy(reference.extractor.duckdb_path, target.duckdb_path)  # a loaded database, no local state yet
    with _reader(target.duckdb_path) as reader:
        run = target.run()
        line = last_line(run)
        assert line.startswith(_expected_holder_line(target.duckdb_path, reader)), line
        assert line.endswith(
            "close it (a DuckDB shell, a notebook, a BI tool or a running dbt) and run again; nothing was lost"
        )
        assert simulator.state()["counters"]["requests"] == 0  # it stopped before reading anything
    rerun = target.run()
    assert rerun.ok, rerun.describe()
    assert differences(target.digest(), reference.raw) == {}


def test_a_reader_that_opens_the_database_mid_run_delays_the_load_and_loses_nothing(simulator, extractor, reference):
    simulator.set_faults(**SLOW_SIMULATOR)
    target = extractor()
    target.root.mkdir(parents=True, exist_ok=True)
    shutil.copy(reference.extractor.duckdb_path, target.duckdb_path)  # loaded before: this run re-reads the lookback
    run = _start(target)
    # extraction is under way: dlt has synced with the database and let go of it; the load will need it again
    _wait_for(lambda: simulator.state()["counters"]["requests"] >= 3, "the run to be extracting")
    with _reader(target.duckdb_path) as reader:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 1, err[-3000:]
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith(_expected_holder_line(target.duckdb_path, reader))
    simulator.admin("reset", {})
    rerun = target.run()
    assert rerun.ok, rerun.describe()
    assert "loading the package an interrupted run left behind" in rerun.result.stderr  # the package was kept
    assert differences(target.digest(), reference.raw) == {}
