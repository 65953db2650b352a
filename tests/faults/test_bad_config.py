"""Case 9 and destination failures: bad settings end the run with one line and a non-zero exit, before any request,
with nothing written (no database, no pipeline state, no lock file).

Like `make extract`, these runs find `.dlt/` in their working directory: each test runs `python -m extract` in a
project directory of its own holding a copy of the committed config.toml (edited) and its own secrets.toml (the bad
region and the malformed secrets.toml show that those files are the ones read).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from tests.extract.support import TIMEZONE
from tests.faults.support import START_DATE
from tests.helpers import FIXED_NOW, PYTHON, REPO_ROOT

_LEAKY = ("SOURCES__", "RUNTIME__", "NORMALIZE__", "LOAD__", "EXTRACT__", "DESTINATION", "POSTGRES_", "DLT_")


class Project:
    """A directory to run the extractor in, with its own `.dlt/config.toml` and `.dlt/secrets.toml`."""

    def __init__(self, root: Path, simulator_url: str, key: str) -> None:
        self.root = root
        self.dlt = root / "project" / ".dlt"
        self.dlt.mkdir(parents=True)
        self.config = (REPO_ROOT / ".dlt" / "config.toml").read_text()
        self.set(base_url=simulator_url, start_date=START_DATE, timezone=TIMEZONE)
        self.secrets(f'[sources.pendo]\nintegration_key = "{key}"\n')

    def set(self, **values: str | None) -> None:
        """Set (or, with None, remove) keys of [sources.pendo] in config.toml."""
        for name, value in values.items():
            self.config = re.sub(rf"(?m)^#? ?{name} = .*\n", "", self.config)
            if value is not None:
                self.config = self.config.replace("[sources.pendo]\n", f'[sources.pendo]\n{name} = "{value}"\n', 1)
        (self.dlt / "config.toml").write_text(self.config)

    def secrets(self, text: str) -> None:
        path = self.dlt / "secrets.toml"
        path.write_text(text)
        path.chmod(0o600)  # as the README's set-up creates it (a readable one gets a warning line first)

    @property
    def written(self) -> list[str]:
        """What a run left outside the project's .dlt directory."""
        project = self.dlt.parent
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if project not in (p, *p.parents))

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        base = {name: value for name, value in os.environ.items() if not name.startswith(_LEAKY)}
        environment = base | {
            "PYTHONPATH": str(REPO_ROOT),
            "DUCKDB_PATH": str(self.root / "pendo.duckdb"),
            "DLT_DATA_DIR": str(self.root / "dlt"),
            "EXTRACT_NOW": FIXED_NOW,
            **env,
        }
        return subprocess.run(
            [PYTHON, "-m", "extract", *args],
            cwd=self.dlt.parent,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _only_line(result: subprocess.CompletedProcess[str], exit_code: int = 1) -> str:
    assert result.returncode == exit_code, result.stderr[-3000:]
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


@pytest.fixture
def project(tmp_path, simulator) -> Project:
    return Project(tmp_path, simulator.url, simulator.key)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"region": "moon", "base_url": None},
            "extract failed: invalid sources.pendo.region 'moon': expected one of us, us1, eu, jp, au",
        ),
        (
            {"window": "0"},
            "extract failed: invalid sources.pendo.window '0': expected whole hours or days, such as 6h or 1d",
        ),
        (
            {"start_date": "2026-04-01"},
            "extract failed: invalid sources.pendo.start_date '2026-04-01': it is in the future (today is 2026-03-15 "
            "in America/New_York); set the first day to load",
        ),
    ],
    ids=["unknown-region", "window-0", "start-date-in-the-future"],
)
def test_a_bad_setting_is_one_line_before_any_request_and_nothing_is_written(project, simulator, changes, expected):
    project.set(**changes)
    assert _only_line(project.run()) == expected
    assert simulator.state()["counters"]["requests"] == 0
    assert project.written == []


def test_a_backfill_that_ends_before_it_starts_is_a_usage_error(project, simulator):
    line = _only_line(project.run("--start", "2026-03-12", "--end", "2026-03-10"), exit_code=2)
    assert line == "a backfill's --start (2026-03-12) is after its --end (2026-03-10)"
    assert simulator.state()["counters"]["requests"] == 0
    assert project.written == []


def test_a_malformed_secrets_toml_names_the_file_and_place_but_never_its_content(project, simulator):
    project.secrets(f'[sources.pendo]\nintegration_key = "{simulator.key}\n')  # the closing quote is missing
    result = project.run()
    line = _only_line(result)
    place = re.fullmatch(
        rf"extract failed: {re.escape(str(project.dlt / 'secrets.toml'))} is not valid TOML \(line 2, column (\d+)\): "
        r"fix it and run again \(see \.dlt/secrets\.toml\.example\)",
        line,
    )
    assert place, line
    assert simulator.key not in result.stdout + result.stderr
    assert simulator.state()["counters"]["requests"] == 0
    assert project.written == []


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def test_an_unreachable_postgres_is_one_line_naming_it_without_the_password(project):
    result = project.run(DESTINATION="postgres", POSTGRES_PORT="1", POSTGRES_PASSWORD="hunter2-not-shown")
    line = _only_line(result)
    assert line.startswith("extract failed: cannot connect to postgres://postgres@127.0.0.1:1/test: ")
    assert "hunter2" not in result.stdout + result.stderr


@pytest.mark.skipif(
    not _postgres_answers() and not os.environ.get("REQUIRE_POSTGRES"), reason="no Postgres on 127.0.0.1:5432"
)
def test_a_postgres_database_that_does_not_exist_is_one_line(project):
    result = project.run(DESTINATION="postgres", POSTGRES_DB="no_such_database", POSTGRES_PASSWORD="hunter2-not-shown")
    assert _only_line(result) == (
        "extract failed: cannot connect to postgres://postgres@127.0.0.1:5432/no_such_database: database "
        '"no_such_database" does not exist'
    )
    assert "hunter2" not in result.stdout + result.stderr


def test_a_duckdb_path_in_a_missing_directory_is_one_line(project, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "pendo.duckdb"
    line = _only_line(project.run(DUCKDB_PATH=str(missing)))
    assert line.startswith(f"extract failed: cannot connect to {missing}: ")
    assert not missing.parent.exists()
