"""A BI tool holds the published copy open, read-only, in its own process, during a whole `make elt`.

The load must not notice it (DuckDB: one writer, and any open reader blocks it, which is why BI tools read a copy),
the reader must keep answering from the copy it opened, and on reopening it must see the new load.
"""

from __future__ import annotations

import pytest

from tests.helpers import FIXED_NOW, query
from tests.publish.elt import EltWorkspace, output
from tests.publish.holder import HeldOpen, as_json

# A small world; the first load stops three days before the simulator's now, the second catches up.
WORLD = ("--seed", "3", "--days", "8", "--visitors", "40", "--accounts", "10", "--now", FIXED_NOW)
FIRST_NOW = "2026-03-12T12:00:00Z"
SETTINGS = {"SOURCES__PENDO__START_DATE": "2026-03-07", "PENDO_TIMEZONE": "America/New_York"}
ACTIVITY = (
    "select max(activity_date), count(*), sum(total_events), sum(active_visitors) from marts.fct_active_visitors_daily"
)


@pytest.mark.slow
def test_a_reader_of_the_published_marts_does_not_block_make_elt(tmp_path, start_simulator) -> None:
    simulator = start_simulator(*WORLD)
    workspace = EltWorkspace(tmp_path)
    first = workspace.make("elt", env=workspace.env(simulator, EXTRACT_NOW=FIRST_NOW, **SETTINGS))
    assert first.returncode == 0, output(first)

    with HeldOpen(workspace.marts_path, ACTIVITY) as bi_tool:
        second = workspace.make("elt", env=workspace.env(simulator, EXTRACT_NOW=FIXED_NOW, **SETTINGS))
        assert second.returncode == 0, output(second)
        assert f"marts to {workspace.marts_path}" in second.stdout
        # Still open, still answering, from the copy it opened: the swap did not pull the file from under it.
        assert bi_tool.ask_again() == bi_tool.first_answer
        assert bi_tool.close() == 0

    tables = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    assert query(workspace.marts_path, tables) == query(workspace.duckdb_path, tables)
    reopened = as_json(query(workspace.marts_path, ACTIVITY))
    assert reopened == as_json(query(workspace.duckdb_path, ACTIVITY)), "the copy is the new build"
    assert reopened[0][0] > bi_tool.first_answer[0][0], "the second load added days"
    assert reopened[0][2] > bi_tool.first_answer[0][2]
