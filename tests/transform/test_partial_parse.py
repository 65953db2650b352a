"""dbt reuses its saved parse across `python -m elt dbt` runs.

dbt parses the whole project again (seconds on every run) unless the command-line vars equal those of the run that
saved `partial_parse.msgpack`, so every command that parses gets the same `--vars` from `python -m elt dbt`
(elt/dbt.py), `dbt parse` included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PYTHON, run
from tests.transform.warehouse import DbtWorkspace

pytestmark = pytest.mark.slow

FULL_PARSE = "Unable to do partial parsing"


def elt_dbt(workspace: DbtWorkspace, *args: str) -> str:
    """`python -m elt dbt ARGS…` on the workspace; returns what this run wrote to dbt's log."""
    log = workspace.root / "dbt-logs" / "dbt.log"
    log.unlink(missing_ok=True)
    ran = run([PYTHON, "-m", "elt", "dbt", *args], workspace.env())
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    return log.read_text()


def test_runs_after_the_first_reuse_its_parse(tmp_path: Path) -> None:
    workspace = DbtWorkspace(tmp_path)
    first = elt_dbt(workspace, "ls", "--quiet")
    assert f"{FULL_PARSE} because saved manifest not found" in first  # the log says when dbt parses everything
    assert (workspace.target_path / "partial_parse.msgpack").exists()
    for args in (("parse",), ("ls", "--quiet"), ("compile", "--quiet", "--select", "stg_pendo__events")):
        log = elt_dbt(workspace, *args)
        assert FULL_PARSE not in log, (args, [line for line in log.splitlines() if FULL_PARSE in line])
