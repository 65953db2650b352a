"""`make elt` as a user runs it, in a hermetic workspace, for the publish and Postgres tests.

Each workspace has its own database files, dlt state, dlt project directory (a copy of the committed
`.dlt/config.toml`, plus a `secrets.toml` when a test writes one), and dbt logs and artifacts. Settings a developer
may have exported (or passed to an outer `make`) never leak in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pendo_simulator.process import SimulatorProcess
from tests.helpers import REPO_ROOT, run

_LEAKY_PREFIXES = ("SOURCES__", "RUNTIME__", "NORMALIZE__", "LOAD__", "EXTRACT__", "DESTINATION__", "POSTGRES_")
_LEAKY_NAMES = (
    *("EXTRACT_NOW", "PENDO_TIMEZONE", "PIPELINE_NAME", "DLT_PROJECT_DIR", "DLT_DATA_DIR", "DUCKDB_PATH"),
    *("MARTS_DUCKDB_PATH", "DESTINATION", "DBT_TARGET", "SPARK_DIR", "PENDO_LAKE_URL", "MAKEFLAGS", "MFLAGS"),
    "MAKELEVEL",
)


@dataclass(frozen=True)
class EltWorkspace:
    root: Path

    def __post_init__(self) -> None:
        self.settings_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / ".dlt" / "config.toml", self.settings_dir / "config.toml")

    @property
    def settings_dir(self) -> Path:
        """The `.dlt` directory dlt reads here (DLT_PROJECT_DIR), instead of the repository's."""
        return self.root / "project" / ".dlt"

    @property
    def duckdb_path(self) -> Path:
        return self.root / "pendo.duckdb"

    @property
    def marts_path(self) -> Path:
        """Where `make publish` writes by default: `<db>_marts.duckdb` beside the database."""
        return self.root / "pendo_marts.duckdb"

    @property
    def dbt_target_path(self) -> Path:
        return self.root / "dbt-target"

    def write_secrets(self, text: str) -> None:
        (self.settings_dir / "secrets.toml").write_text(text)

    def env(self, simulator: SimulatorProcess, **settings: str) -> dict[str, str]:
        base = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(_LEAKY_PREFIXES) and name not in _LEAKY_NAMES
        }
        return base | {
            "SOURCES__PENDO__BASE_URL": simulator.url,
            "SOURCES__PENDO__INTEGRATION_KEY": simulator.key,
            "DUCKDB_PATH": str(self.duckdb_path),
            "DLT_DATA_DIR": str(self.root / "dlt"),
            "DLT_PROJECT_DIR": str(self.root / "project"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **settings,
        }

    def make_command(self, *targets: str) -> list[str]:
        """`make <targets>` with dbt's logs and artifacts in this workspace (the Makefile sets them with `:=`, so
        they are passed as make variables)."""
        variables = [f"DBT_LOG_PATH={self.root / 'dbt-logs'}", f"DBT_TARGET_PATH={self.dbt_target_path}"]
        return ["make", "--no-print-directory", *targets, *variables]

    def make(self, *targets: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return run(self.make_command(*targets), env)

    def start_make(self, *targets: str, env: dict[str, str]) -> subprocess.Popen[str]:
        """`make` in the background, for two independent runs at once; finish it with `finish`."""
        return subprocess.Popen(
            self.make_command(*targets),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def finish(process: subprocess.Popen[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def output(result: subprocess.CompletedProcess[str]) -> str:
    """The end of a run's output, for assertion messages."""
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-3000:]}"
