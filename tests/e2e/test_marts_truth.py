"""Simulator -> extractor -> dbt, for two seeds: the marts equal the simulator's truth (docs/metrics.md).

Each scenario runs the real pipeline once (module-scoped fixture): `python -m pendo_simulator serve`, `python -m
extract` over HTTP into a DuckDB file, `dbt build` with every test. Then every number the truth states is compared
with the marts: activity per day (WAU/MAU completeness, new visitors by either rule), guide step counts and the
closed funnel (a branching guide among them), completions and outcomes (one scenario per completion rule), each
visitor's guide outcome, guide days without the control group (a guide reset among them), NPS per poll and weekly
retention (one scenario per new-visitor rule).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pendo_simulator.process import SimulatorProcess
from tests.helpers import FIXED_NOW, PYTHON, Workspace, dbt_build, extract, query, truth

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Scenario:
    seed: int
    timezone: str
    completion_rule: str  # dbt var pendo_guide_completion_rule: each scenario checks one rule against the truth
    new_visitor_rule: str  # dbt var pendo_new_visitor_rule, likewise
    visitors: int = 150
    days: int = 21

    @property
    def simulator_args(self) -> tuple[str, ...]:
        return (
            *("--seed", str(self.seed), "--days", str(self.days), "--visitors", str(self.visitors)),
            *("--timezone", self.timezone, "--now", FIXED_NOW),
        )


SCENARIOS = {
    # 21 days up to 2026-03-15 span the US spring-forward night (2026-03-08 has 23 hours in New York).
    "seed7-new-york": Scenario(
        seed=7, timezone="America/New_York", completion_rule="last_step_seen", new_visitor_rule="first_visit"
    ),
    # Another world, a subscription time zone east of UTC (local days start the evening before in UTC), and the
    # other completion rule.
    "seed11-berlin": Scenario(
        seed=11,
        timezone="Europe/Berlin",
        completion_rule="last_step_advanced",
        new_visitor_rule="first_in_data",
        visitors=120,
    ),
}


@dataclass(frozen=True)
class Built:
    """One scenario after simulator -> extract -> dbt build: the database and the truth to compare it with."""

    scenario: Scenario
    database: Path
    truth: dict[str, Any]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return query(self.database, sql)

    def by_rule(self, record: dict[str, Any], field: str) -> Any:
        """A guide visitor's `field` under this scenario's completion rule (the truth suffixes the other rule's)."""
        suffix = "" if self.scenario.completion_rule == "last_step_seen" else "_last_step_advanced"
        return record[f"{field}{suffix}"]

    def by_visitor_rule(self, record: dict[str, Any], field: str) -> Any:
        """A day's `field` under this scenario's new-visitor rule (the truth suffixes `first_in_data`)."""
        suffix = "" if self.scenario.new_visitor_rule == "first_visit" else "_first_in_data"
        return record[f"{field}{suffix}"]


@pytest.fixture(scope="module", params=list(SCENARIOS), ids=list(SCENARIOS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    scenario = SCENARIOS[request.param]
    workspace = Workspace(tmp_path_factory.mktemp(request.param))
    with SimulatorProcess(secrets.token_hex(16), scenario.simulator_args, python=PYTHON) as simulator:
        env = workspace.env(
            simulator.url,
            simulator.key,
            SOURCES__PENDO__START_DATE="2026-02-01",
            PENDO_TIMEZONE=scenario.timezone,
        )
        extracted = extract(env)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    dbt_vars = {
        "pendo_guide_completion_rule": scenario.completion_rule,
        "pendo_new_visitor_rule": scenario.new_visitor_rule,
    }
    built_marts = dbt_build(env, "--vars", json.dumps(dbt_vars))
    assert built_marts.returncode == 0, built_marts.stdout[-5000:]
    # Warn-level tests (guide event types from Pendo's fixed list, step order vs rank) hold on this data too.
    assert " WARN=0 ERROR=0 " in built_marts.stdout, built_marts.stdout[-5000:]
    return Built(scenario=scenario, database=workspace.duckdb_path, truth=truth(*scenario.simulator_args))


def _by_date(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {day.isoformat(): tuple(values) for day, *values in rows}


def _truth_days_outside(built: Built, mart_days: set[str]) -> list[dict[str, Any]]:
    return [day for day in built.truth["daily"] if day["activity_date"] not in mart_days]


def test_active_visitors_and_accounts_per_day(built: Built) -> None:
    marts = _by_date(
        built.rows(
            "select activity_date, active_visitors, active_identified_visitors, active_accounts "
            "from marts.fct_active_visitors_daily"
        )
    )
    expected = {
        day["activity_date"]: (day["active_visitors"], day["active_identified_visitors"], day["active_accounts"])
        for day in built.truth["daily"]
        if day["activity_date"] in marts
    }
    assert marts == expected
    assert len(marts) >= 14, "the data should cover most of the simulated days"
    # Days without a mart row lie outside the data's range, so nobody can have been active on them.
    assert all(day["active_visitors"] == 0 for day in _truth_days_outside(built, set(marts)))


def test_events_and_minutes_per_day(built: Built) -> None:
    marts = _by_date(
        built.rows("select activity_date, total_events, total_minutes from marts.fct_active_visitors_daily")
    )
    expected = {day["activity_date"]: (day["events"], day["minutes"]) for day in built.truth["daily"]}
    assert marts == {day: expected[day] for day in marts}
    assert sum(events for events, _ in marts.values()) > 0


def test_wau_mau_stickiness_and_new_visitors_per_day(built: Built) -> None:
    marts = _by_date(
        built.rows(
            "select activity_date, weekly_active_visitors, monthly_active_visitors, stickiness, new_visitors, "
            "returning_visitors, is_wau_complete, is_mau_complete from marts.fct_active_visitors_daily"
        )
    )
    expected = {
        day["activity_date"]: (
            day["wau"],
            day["mau"],
            day["stickiness"],
            built.by_visitor_rule(day, "new_visitors"),
            built.by_visitor_rule(day, "returning_visitors"),
            day["wau_complete"],
            day["mau_complete"],
        )
        for day in built.truth["daily"]
    }
    assert {day: (*values[:2], pytest.approx(values[2]), *values[3:]) for day, values in marts.items()} == {
        day: expected[day] for day in marts
    }
    # The first days' windows are cut at the data's start: flagged, never silently complete.
    assert {values[-2] for values in marts.values()} == {True, False}
    if built.scenario.new_visitor_rule == "first_visit":
        # Visitors who first visited before the data are returning, not new, on their first day in the data.
        assert sum(d["new_visitors"] for d in built.truth["daily"]) < sum(
            d["new_visitors_first_in_data"] for d in built.truth["daily"]
        )


def test_seen_advanced_and_dismissed_per_step(built: Built) -> None:
    marts = {
        (guide_id, step_id, number): counts
        for guide_id, step_id, number, *counts in built.rows(
            "select guide_id, guide_step_id, step_number, visitors_seen, visitors_advanced, visitors_dismissed "
            "from marts.fct_guide_step_funnel"
        )
    }
    expected = {
        (step["guide_id"], step["guide_step_id"], step["step_number"]): [
            step["visitors_seen"],
            step["visitors_advanced"],
            step["visitors_dismissed"],
        ]
        for step in built.truth["guide_steps"]
    }
    assert marts == expected
    assert sum(counts[0] for counts in expected.values()) > 0


def test_closed_funnel_per_step(built: Built) -> None:
    marts = {
        step_id: (reached, later, dropped, pytest.approx(conversion), pytest.approx(cumulative))
        for step_id, reached, later, dropped, conversion, cumulative in built.rows(
            "select guide_step_id, visitors_reached, visitors_reached_later_step, visitors_dropped_off, "
            "step_conversion_rate, cumulative_conversion_rate from marts.fct_guide_step_funnel"
        )
    }
    expected = {
        step["guide_step_id"]: (
            step["visitors_reached"],
            step["visitors_reached_later_step"],
            step["drop_off"]
            if built.scenario.completion_rule == "last_step_seen"
            else step["drop_off_last_step_advanced"],
            step["step_conversion"],
            step["cumulative_conversion"],
        )
        for step in built.truth["guide_steps"]
    }
    assert marts == expected
    # A branching guide: visitors sent past step 2 still reach step 3, so step 2 has fewer than step 3.
    branching = {guide["guide_id"] for guide in built.truth["guides"] if guide["branching"]}
    reached = {
        (step["guide_id"], step["step_number"]): step["visitors_reached"]
        for step in built.truth["guide_steps"]
        if step["guide_id"] in branching
    }
    assert branching
    assert any(reached[(guide_id, 2)] < reached[(guide_id, 3)] for guide_id in branching)


def test_guide_days_leave_the_control_group_out(built: Built) -> None:
    marts = {
        (guide_id, day.isoformat()): values
        for guide_id, day, *values in built.rows(
            "select guide_id, activity_date, guide_events, visitors_seen, visitors_in_control_group "
            "from marts.fct_guide_daily"
        )
    }
    expected = {
        (day["guide_id"], day["activity_date"]): [day["events"], day["visitors_seen"], day["visitors_in_control_group"]]
        for day in built.truth["guide_daily"]
    }
    assert marts == expected
    assert any(guide["reset"] for guide in built.truth["guides"]), "a guide reset should be simulated"


def test_completions_and_outcomes_per_guide(built: Built) -> None:
    guides = {
        guide_id: values
        for guide_id, *values in built.rows(
            "select guide_id, visitors_seen, visitors_entered, visitors_completed, visitors_in_control_group, "
            "visitors_dismissed, visitors_snoozed, visitors_in_progress from marts.dim_guides"
        )
    }
    expected = {}
    for guide in built.truth["guides"]:
        outcomes = guide[f"outcomes_{built.scenario.completion_rule}"]
        expected[guide["guide_id"]] = [
            guide["visitors_seen"],
            guide["entered"],
            guide[f"completed_{built.scenario.completion_rule}"],
            guide["control_visitors"],
            outcomes["dismissed"],
            outcomes["snoozed"],
            outcomes["in_progress"],
        ]
    assert guides == expected
    assert sum(values[2] for values in expected.values()) > 0


def test_guide_outcome_of_every_visitor(built: Built) -> None:
    marts = {
        (guide_id, visitor_id): (
            outcome,
            reached,
            entered_ms,
            completed_ms,
            None if seconds is None else round(seconds * 1000),
        )
        for guide_id, visitor_id, outcome, reached, entered_ms, completed_ms, seconds in built.rows(
            "select guide_id, visitor_id, outcome, furthest_step_reached, epoch_ms(entered_at), "
            "epoch_ms(completed_at), seconds_to_complete from marts.fct_guide_visitor_progress"
        )
    }
    expected = {
        (visitor["guide_id"], visitor["visitor_id"]): (
            built.by_rule(visitor, "outcome"),
            visitor["steps_reached"],
            visitor["entered_at"],
            built.by_rule(visitor, "completed_at"),
            built.by_rule(visitor, "time_to_complete_ms"),
        )
        for visitor in built.truth["guide_visitors"]
    }
    assert marts == expected
    assert {outcome for outcome, *_ in expected.values()} >= {"completed", "dismissed"}


def test_nps_per_poll(built: Built) -> None:
    marts = {
        poll_id: values
        for poll_id, *values in built.rows(
            "select poll_id, poll_type, responses, respondents, scored_visitors, promoters, passives, detractors, "
            "lifetime_nps from marts.dim_polls"
        )
    }
    expected = {}
    for poll in built.truth["polls"]:
        nps = poll["poll_type"] == "NPSRating"
        expected[poll["poll_id"]] = [
            poll["poll_type"],
            poll["response_events"],
            poll["visitors"],
            poll["responses"] if nps else 0,
            poll["promoters"] if nps else 0,
            poll["passives"] if nps else 0,
            poll["detractors"] if nps else 0,
            pytest.approx(poll["nps"]) if nps else None,
        ]
    assert marts == expected
    assert any(poll["poll_type"] == "NPSRating" and poll["responses"] > 0 for poll in built.truth["polls"])


def test_weekly_retention(built: Built) -> None:
    marts = {
        (cohort.isoformat(), week): (cohort_visitors, retained, complete, censored)
        for cohort, week, cohort_visitors, retained, complete, censored in built.rows(
            "select cohort_week_start_date, weeks_since_first_active, cohort_visitors, retained_visitors, "
            "is_complete, is_left_censored from marts.fct_visitor_retention_weekly"
        )
    }
    cells = built.truth["retention" if built.scenario.new_visitor_rule == "first_visit" else "retention_first_in_data"]
    expected = {
        (cell["cohort_week"], cell["week_number"]): (
            cell["cohort_visitors"],
            cell["retained_visitors"],
            cell["complete"],
            cell["left_censored"],
        )
        for cell in cells
    }
    assert marts == expected
    assert any(retained < cohort for cohort, retained, _, _ in expected.values())
    # The first week of data starts before the data (a mid-week first day): none of its cells is complete.
    first_day = min(date.fromisoformat(day["activity_date"]) for day in built.truth["daily"] if day["active_visitors"])
    first_week = first_day - timedelta(days=first_day.weekday())
    first_week_cells = [
        complete
        for (cohort, number), (_, _, complete, _) in expected.items()
        if date.fromisoformat(cohort) + timedelta(weeks=number) == first_week
    ]
    assert first_week_cells
    assert not any(first_week_cells) or first_day == first_week
    censored_cohorts = {cohort for (cohort, _), values in expected.items() if values[3]}
    if built.scenario.new_visitor_rule == "first_visit":
        assert len(censored_cohorts) > 1, "visitors who first visited before the data make earlier cohorts"
    else:
        assert len(censored_cohorts) == 1


@pytest.mark.parametrize(("kind", "events"), [("page", "page_views"), ("feature", "feature_clicks")])
def test_first_time_and_returning_accounts_per_page_and_feature(built: Built, kind: str, events: str) -> None:
    marts = {
        (object_id, day.isoformat()): tuple(values)
        for object_id, day, *values in built.rows(
            f"select {kind}_id, activity_date, visitors, accounts, first_time_accounts, returning_accounts, {events}, "
            f"avg_{events}_per_visitor from marts.fct_{kind}_daily_engagement"
        )
    }
    expected = {
        (record[f"{kind}_id"], record["activity_date"]): (
            record["visitors"],
            record["accounts"],
            record["first_time_accounts"],
            record["returning_accounts"],
            record[events],
            pytest.approx(record[events] / record["visitors"]),
        )
        for record in built.truth[f"{kind}_days"]
    }
    assert marts == expected
    # Accounts, not visitors: some day has more visitors than accounts, and some account comes back.
    assert any(visitors > accounts for visitors, accounts, *_ in expected.values())
    assert any(returning > 0 for *_, returning, _, _ in expected.values())


def test_account_active_months_and_nps_range(built: Built) -> None:
    marts = {
        account_id: tuple(values)
        for account_id, *values in built.rows(
            "select account_id, active_months, nps_respondents, min_nps_score, max_nps_score, avg_nps_score "
            "from marts.dim_accounts"
        )
    }
    expected = {
        record["account_id"]: (
            record["active_months"],
            record["nps_respondents"],
            record["min_nps_score"],
            record["max_nps_score"],
            None if record["avg_nps_score"] is None else pytest.approx(record["avg_nps_score"]),
        )
        for record in built.truth["account_engagement"]
    }
    assert {account_id: marts[account_id] for account_id in expected} == expected
    # Accounts the truth does not list had neither activity nor an NPS answer.
    assert all(values[:2] == (0, 0) for account_id, values in marts.items() if account_id not in expected)
    assert any(record["nps_respondents"] > 1 for record in built.truth["account_engagement"])


def test_guide_accounts(built: Built) -> None:
    marts = {
        (guide_id, account_id): (visitors, days)
        for guide_id, account_id, visitors, days in built.rows(
            "select guide_id, account_id, visitors_seen, days_seen from marts.fct_guide_accounts"
        )
    }
    expected = {
        (record["guide_id"], record["account_id"]): (record["visitors_seen"], record["days_seen"])
        for record in built.truth["guide_accounts"]
    }
    assert marts == expected
    assert any(visitors > 1 for visitors, _ in expected.values())
