"""dbt works in the extractor's time zone, and refuses to mix two zones in its incremental marts.

`python -m elt dbt` (what `make transform` and `make elt` run) passes dlt's resolved `[sources.pendo] timezone` to
dbt as the var `pendo_timezone`; the incremental marts record the zone they were built in, and a run in another zone
stops with one line saying what to run, until a full refresh rebuilds them in the new zone.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tests.helpers import PYTHON, REPO_ROOT, run
from tests.transform.warehouse import DbtWorkspace

SHOW_DBT_ARGS = (
    "from elt.dbt import with_settings; from extract.config import subscription_timezone; "
    "import json; print(json.dumps(with_settings(['build', '--vars', '{pendo_new_visitor_rule: first_in_data}'], "
    "subscription_timezone())))"
)


def dbt_args(tmp_path: Path, config_toml: str | None = None, **env: str) -> list[str]:
    """The dbt arguments `python -m elt dbt build --vars …` would use, from a project whose .dlt/config.toml is
    `config_toml` (resolved by dlt in a process of its own)."""
    (tmp_path / ".dlt").mkdir(parents=True, exist_ok=True)
    if config_toml is not None:
        (tmp_path / ".dlt" / "config.toml").write_text(config_toml)
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PENDO_TIMEZONE", "SOURCES__PENDO__TIMEZONE")
    }
    environment |= {"DLT_PROJECT_DIR": str(tmp_path), **env}
    shown = subprocess.run(
        [PYTHON, "-c", SHOW_DBT_ARGS], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(shown.stdout)


def test_dbt_gets_the_time_zone_of_config_toml(tmp_path: Path) -> None:
    args = dbt_args(tmp_path, '[sources.pendo]\ntimezone = "Asia/Tokyo"\n')
    assert args[:1] == ["build"]
    # The caller's vars are kept beside it.
    assert json.loads(args[args.index("--vars") + 1]) == {
        "pendo_timezone": "Asia/Tokyo",
        "pendo_new_visitor_rule": "first_in_data",
    }


def test_the_environment_variable_wins_and_the_old_variable_still_works(tmp_path: Path) -> None:
    toml = '[sources.pendo]\ntimezone = "Asia/Tokyo"\n'
    from_env = dbt_args(tmp_path, toml, SOURCES__PENDO__TIMEZONE="Europe/Berlin")
    assert json.loads(from_env[-1])["pendo_timezone"] == "Europe/Berlin"
    deprecated = dbt_args(tmp_path / "old", None, PENDO_TIMEZONE="Australia/Sydney")
    assert json.loads(deprecated[-1])["pendo_timezone"] == "Australia/Sydney"


@pytest.mark.slow
def test_a_time_zone_change_is_refused_until_a_full_refresh(dbt_workspace: Callable[[], DbtWorkspace]) -> None:
    workspace = dbt_workspace()
    models = ("--select", "fct_visitor_daily_activity", "fct_guide_events")

    def elt_dbt(*args: str, timezone: str) -> subprocess.CompletedProcess[str]:
        env = workspace.env(SOURCES__PENDO__TIMEZONE=timezone)
        env.pop("PENDO_TIMEZONE", None)
        return run([PYTHON, "-m", "elt", "dbt", *args], env)

    def built_in() -> str:
        with duckdb.connect(str(workspace.database), read_only=True) as connection:
            (zone,) = connection.execute("select timezone from intermediate.pendo_build_settings").fetchone()
        return zone

    first = elt_dbt("run", timezone="America/New_York")
    assert first.returncode == 0, first.stdout[-5000:]
    assert built_in() == "America/New_York"

    refused = elt_dbt("run", *models, timezone="Pacific/Auckland")
    assert refused.returncode != 0
    lines = [line for line in refused.stdout.splitlines() if "time zone changed" in line]
    assert len(lines) == 1, refused.stdout[-3000:]
    assert "from America/New_York to Pacific/Auckland" in lines[0]
    assert "python -m elt dbt build --full-refresh" in lines[0]
    assert built_in() == "America/New_York"

    rebuilt = elt_dbt("run", "--full-refresh", timezone="Pacific/Auckland")
    assert rebuilt.returncode == 0, rebuilt.stdout[-5000:]
    assert built_in() == "Pacific/Auckland"
    again = elt_dbt("run", *models, timezone="Pacific/Auckland")
    assert again.returncode == 0, again.stdout[-5000:]
