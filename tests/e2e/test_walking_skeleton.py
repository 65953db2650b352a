"""Simulator -> dlt -> DuckDB -> dbt, end to end, checked against the simulator's own truth."""

from __future__ import annotations

import pytest

from tests.helpers import FIXED_NOW, dbt_build, extract, query, truth

SIMULATOR_ARGS = ("--seed", "7", "--days", "21", "--visitors", "150", "--now", FIXED_NOW)


@pytest.mark.slow
def test_marts_equal_the_simulators_truth(start_simulator, workspace):
    simulator = start_simulator(*SIMULATOR_ARGS)
    env = workspace.env(simulator.url, simulator.key, SOURCES__PENDO__START_DATE="2026-02-15")

    extracted = extract(env)
    assert extracted.returncode == 0, extracted.stderr
    built = dbt_build(env)
    assert built.returncode == 0, built.stdout[-3000:]

    expected = truth(*SIMULATOR_ARGS)
    daily = {row["activity_date"]: row["active_visitors"] for row in expected["daily"] if row["active_visitors"]}
    marts = {
        day.isoformat(): visitors
        for day, visitors in query(
            workspace.duckdb_path,
            "select activity_date, active_visitors from marts.fct_active_visitors_daily",
        )
    }
    assert marts == daily

    steps = {
        (row["guide_id"], row["guide_step_id"], row["step_number"]): row["visitors_seen"]
        for row in expected["guide_steps"]
    }
    funnel = {
        (guide_id, step_id, number): seen
        for guide_id, step_id, number, seen in query(
            workspace.duckdb_path,
            "select guide_id, guide_step_id, step_number, visitors_seen from marts.fct_guide_step_funnel",
        )
    }
    assert funnel == steps
    assert sum(steps.values()) > 0
