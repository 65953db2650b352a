"""Where the Postgres connection comes from, for dlt and for dbt alike (no server needed).

dbt runs through `python -m elt dbt …` on Postgres (the Makefile does it), which sets POSTGRES_*
for dbt from what dlt resolves: POSTGRES_* variables, else `[destination.postgres.credentials]` in secrets.toml,
else a local server's defaults. These tests run that wrapper (`python -m elt.dbt -- COMMAND`) around a command that
prints what it was given.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.helpers import PYTHON, run

PRINT_SETTINGS = (
    "import json, os; print(json.dumps({name: os.environ.get(name) for name in "
    "('POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB')}))"
)
PASSWORD = "pw-c0rrect-h0rse"


def _wrapped(tmp_path: Path, secrets_toml: str | None, **env: str) -> subprocess.CompletedProcess[str]:
    settings_dir = tmp_path / "project" / ".dlt"
    settings_dir.mkdir(parents=True)
    if secrets_toml is not None:
        (settings_dir / "secrets.toml").write_text(secrets_toml)
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POSTGRES_", "DESTINATION__")) and name != "DLT_PROJECT_DIR"
    }
    command = [PYTHON, "-m", "elt.dbt", "--", PYTHON, "-c", PRINT_SETTINGS]
    return run(command, inherited | {"DLT_PROJECT_DIR": str(tmp_path / "project"), **env})


def _settings(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_without_settings_dbt_gets_the_local_server(tmp_path: Path) -> None:
    assert _settings(_wrapped(tmp_path, None)) == {
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_DB": "test",
    }


def test_secrets_toml_fields_reach_dbt_and_postgres_variables_win(tmp_path: Path) -> None:
    secrets_toml = (
        "[destination.postgres.credentials]\n"
        f'host = "db.internal"\nport = 6543\nusername = "loader"\npassword = "{PASSWORD}"\ndatabase = "analytics"\n'
    )
    assert _settings(_wrapped(tmp_path, secrets_toml, POSTGRES_DB="analytics_dev")) == {
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "loader",
        "POSTGRES_PASSWORD": PASSWORD,
        "POSTGRES_DB": "analytics_dev",
    }


def test_a_connection_string_in_secrets_toml_reaches_dbt(tmp_path: Path) -> None:
    secrets_toml = (
        f'[destination.postgres]\ncredentials = "postgresql://loader:{PASSWORD}%40x@db.internal:6543/pendo"\n'
    )
    assert _settings(_wrapped(tmp_path, secrets_toml)) == {
        "POSTGRES_HOST": "db.internal",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "loader",
        "POSTGRES_PASSWORD": f"{PASSWORD}@x",
        "POSTGRES_DB": "pendo",
    }


def test_a_malformed_connection_string_is_one_line_without_the_password(tmp_path: Path) -> None:
    secrets_toml = f'[destination.postgres]\ncredentials = "postgres:loader:{PASSWORD}@db.internal"\n'
    result = _wrapped(tmp_path, secrets_toml)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "invalid [destination.postgres.credentials]: expected the fields host, port, username, password and "
        "database, or one string postgresql://username:password@host:port/database"
    )
