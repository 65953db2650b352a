"""Operational faults: a load package that can never load, a full disk, read-only paths, a DUCKDB_PATH that is not a
DuckDB file, two runs on one database from two pipeline folders, temporary copies killed publishes left, and the
secrets and file modes. Each ends in one line and a non-zero exit, or cleans up after itself."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.faults.support import FaultExtractor, differences, last_line, settings
from tests.faults.test_concurrency import _lock_held_by, _start, _wait_for
from tests.helpers import PYTHON, REPO_ROOT

IS_ROOT = os.geteuid() == 0
TINY_MEMORY = '{"memory_limit": "1MB", "preserve_insertion_order": false}'


def _mount_tmpfs(path: Path, *options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT or shutil.which("mount") is None:
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)], capture_output=True, check=False
    )
    return result.returncode == 0


@contextlib.contextmanager
def _small_disk(path: Path, size: str) -> Iterator[None]:
    """A real file system of `size` bytes at `path` (a tmpfs; needs root)."""
    if not _mount_tmpfs(path, f"size={size}"):
        pytest.skip("a small file system needs root and mount (tmpfs)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """`path` as a folder nobody can write: a read-only tmpfs for root (who ignores modes), else mode 0555."""
    if IS_ROOT:
        if not _mount_tmpfs(path, "ro", "size=1m"):
            pytest.skip("a read-only folder for root needs mount (tmpfs)")
        try:
            yield
        finally:
            subprocess.run(["umount", "-l", str(path)], check=False)
        return
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    try:
        yield
    finally:
        path.chmod(0o755)


def _stderr_lines(run) -> list[str]:
    return run.result.stderr.strip().splitlines()


# 4. a load package that fails the same way twice


def test_a_package_failing_twice_the_same_way_is_quarantined_and_the_next_run_goes_on(extractor, reference):
    target = extractor()
    tiny = {"DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG": TINY_MEMORY}  # DuckDB cannot load anything
    first = target.run("--resources", "events,visitors", **tiny)
    assert "DuckDB ran out of its memory_limit" in last_line(first)
    second = target.run("--resources", "events,visitors", **tiny)  # the left-behind package fails again
    line = last_line(second)
    quarantine = target.data_dir / "pipelines" / "pendo.quarantine"
    assert line.startswith("extract failed: load package "), line
    assert "failed twice the same way (DuckDB ran out of its memory_limit" in line
    assert f"moved to {quarantine} so the next run goes on" in line and "to retry it, move" in line
    assert [path.suffix for path in quarantine.iterdir()] == [".normalized"]

    healthy = target.run("--resources", "events,visitors")  # nothing blocks it, nothing is lost
    assert healthy.ok, healthy.describe()
    assert "loading the package an interrupted run left behind" not in healthy.result.stderr
    digest = target.digest()
    assert {name: digest[name] for name in ("events", "visitors")} == {
        name: reference.raw[name] for name in ("events", "visitors")
    }


# 9. full disk, read-only paths, a file that is not DuckDB


def test_a_full_disk_ends_in_one_line(extractor, tmp_path):
    target = extractor()
    with _small_disk(target.data_dir, "24k"):
        run = target.run("--resources", "events,visitors")
        line = last_line(run)
    assert line.startswith("extract failed: no space left on the device"), line
    assert len(_stderr_lines(run)) < 10


def test_a_read_only_dlt_data_dir_ends_in_one_line(extractor):
    target = extractor()
    with _read_only(target.data_dir):
        run = target.run("--resources", "events")
        line = last_line(run)
    assert line.startswith("extract failed: cannot write "), line
    assert "DLT_DATA_DIR and the folder of DUCKDB_PATH must be writable by this user; nothing was loaded" in line


def _warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts; create table marts.dim_x as select 1 as id")
    return path


def test_a_read_only_publish_target_ends_in_one_line(tmp_path):
    folder = tmp_path / "bi"
    warehouse = _warehouse(tmp_path / "w.duckdb")
    with _read_only(folder):
        result = subprocess.run(
            [PYTHON, "elt/publish.py", "--duckdb-path", str(warehouse)],
            cwd=REPO_ROOT,
            env=os.environ | {"MARTS_DUCKDB_PATH": str(folder / "marts.duckdb"), "DESTINATION": "duckdb"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("publish: "), lines


def _sqlite_file(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("create table t (a integer)")
        connection.commit()


@pytest.mark.parametrize(("kind", "make"), [
    ("a SQLite database", _sqlite_file),
    ("a text file", lambda path: path.write_text("visitor_id,events\nv1,3\n")),
])  # fmt: skip
def test_a_duckdb_path_that_is_not_duckdb_ends_in_one_line_and_downloads_nothing(extractor, simulator, kind, make):
    target = extractor()
    make(target.duckdb_path)
    before = target.duckdb_path.read_bytes()
    run = target.run("--resources", "events")
    line = last_line(run)
    assert line == (
        f"extract failed: DUCKDB_PATH {target.duckdb_path} is {kind}, not a DuckDB database: point DUCKDB_PATH at a "
        "DuckDB file, or at a path that does not exist yet"
    )
    assert target.duckdb_path.read_bytes() == before  # untouched
    assert simulator.state()["counters"]["requests"] == 0
    publish = subprocess.run(
        [PYTHON, "elt/publish.py", "--duckdb-path", str(target.duckdb_path)],
        cwd=REPO_ROOT,
        env=os.environ | {"DESTINATION": "duckdb"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert publish.returncode == 1 and publish.stderr.strip() == (
        f"publish: {target.duckdb_path} is {kind}, not a DuckDB database: set DUCKDB_PATH to the warehouse"
    )


def test_duckdb_never_installs_or_loads_extensions_at_run_time():
    config = tomllib.loads((REPO_ROOT / ".dlt" / "config.toml").read_text())
    dlt_settings = config["destination"]["duckdb"]["credentials"]["global_config"]
    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())["pendo"]["outputs"]["duckdb"]["settings"]
    for chosen in (dlt_settings, profile):
        assert chosen["autoinstall_known_extensions"] is False and chosen["autoload_known_extensions"] is False
    for source in ("elt/publish.py", "dashboard/marts.py"):
        assert '"autoload_known_extensions": False' in (REPO_ROOT / source).read_text(), source


# 10. one run per database, whatever the pipeline folder


def test_two_runs_on_one_database_with_different_dlt_data_dirs_cannot_interleave(simulator, extractor, tmp_path):
    simulator.set_faults(hang_seconds=20, scripts=[{"target": "events", "steps": ["hang"]}])  # the first run waits
    first_target = extractor("first", RUNTIME__REQUEST_TIMEOUT="120")
    first = _start(first_target)
    try:
        database_lock = first_target.duckdb_path.with_name(f".{first_target.duckdb_path.name}.lock")
        _wait_for(lambda: database_lock.exists() and database_lock.read_text().startswith(f"PID {first.pid},"),
                  "the first run to lock the database")  # fmt: skip
        assert _lock_held_by(first_target, first.pid)
        # the same database, another DLT_DATA_DIR (an absolute `database` wins over the root)
        second_target = FaultExtractor(
            tmp_path / "second", simulator.url, simulator.key, settings(), database=str(first_target.duckdb_path)
        )
        second = second_target.run()
        line = last_line(second)
        assert line.startswith(f"database {first_target.duckdb_path} is in use by another run (PID {first.pid}, ")
        assert line.endswith("this extract changed nothing; wait for that run to finish, then run again")
        assert first.poll() is None
    finally:
        first.kill()
        first.communicate()


# 11. publish removes what killed publishes left


def test_publish_removes_temporary_copies_of_dead_publishes_and_keeps_live_ones(tmp_path):
    warehouse, target = _warehouse(tmp_path / "w.duckdb"), tmp_path / "w_marts.duckdb"
    dead = subprocess.run([PYTHON, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    leftovers = [tmp_path / f".{target.name}.{dead_pid}.tmp", tmp_path / f".{target.name}.{dead_pid}.tmp.wal"]
    for path in leftovers:
        path.write_bytes(b"half a copy")
    live = tmp_path / f".{target.name}.{os.getpid()}.tmp"  # a publish still running (this process)
    live.write_bytes(b"another publish at work")
    result = subprocess.run(
        [PYTHON, "elt/publish.py", "--duckdb-path", str(warehouse), "--marts-path", str(target)],
        cwd=REPO_ROOT,
        env=os.environ | {"DESTINATION": "duckdb"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [path for path in leftovers if path.exists()] == []
    assert live.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([warehouse.name, target.name, live.name])
    assert target.stat().st_mode & 0o777 == 0o600


# 12. secrets hygiene


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("git") is None or _git("rev-parse").returncode != 0, reason="not a git checkout")
@pytest.mark.parametrize(
    "path",
    [".dlt/secrets.toml~", ".dlt/secrets.toml.bak", ".dlt/.secrets.toml.swp", ".dlt/secrets.toml.orig", ".env"],
)
def test_backups_of_secrets_toml_and_env_files_are_git_ignored(path):
    assert _git("check-ignore", "-q", path).returncode == 0, path


def test_the_readme_creates_secrets_toml_readable_by_its_owner_only():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "install -m 600 .dlt/secrets.toml.example .dlt/secrets.toml" in readme
    assert "cp .dlt/secrets.toml.example" not in readme


def test_a_secrets_toml_others_can_read_gets_a_one_line_warning_and_the_database_is_private(extractor, reference):
    target = extractor()
    secrets = target.root / "project" / ".dlt" / "secrets.toml"
    secrets.write_text('[sources.pendo]\nintegration_key = "from-the-environment-wins"\n')
    secrets.chmod(0o644)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    warnings = [line for line in _stderr_lines(run) if line.startswith("warning: ")]
    assert warnings == [f"warning: {secrets} is readable by other users (mode 0644): run `chmod 600 {secrets}`"]
    assert target.duckdb_path.stat().st_mode & 0o777 == 0o600
    assert differences({"events": target.digest()["events"]}, {"events": reference.raw["events"]}) == {}

    secrets.chmod(0o600)
    quiet = target.run("--resources", "events")
    assert quiet.ok and not [line for line in _stderr_lines(quiet) if line.startswith("warning: ")]
