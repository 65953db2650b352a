"""The true metrics of a simulated subscription, computed from the world's records and never through the API.

Tests compare the marts against these numbers. The metric definitions are the ones written in the dbt docs
(`transform/models/_metrics__docs.md`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pendo_simulator.world import World


def compute(world: World) -> dict[str, Any]:
    config = world.config
    return {
        "params": {
            "seed": config.seed,
            "visitors": config.visitors,
            "accounts": config.accounts,
            "days": config.days,
            "apps": config.apps,
            "guides": config.guides,
            "timezone": config.timezone,
            "now": config.now.isoformat(),
        },
        "daily": daily_activity(world),
        "guide_steps": guide_steps(world),
    }


def daily_activity(world: World) -> list[dict[str, Any]]:
    """Per local day: a visitor (or account) is active on a day when they have at least one event that day."""
    rows = []
    for day_index, day in enumerate(world.days):
        visitors: set[str] = set()
        identified: set[str] = set()
        accounts: set[str] = set()
        events = minutes = 0
        for visitor in world.visitors:
            activity = world.day_activity(visitor, day_index)
            if activity is None:
                continue
            visitors.add(visitor.visitor_id)
            if not visitor.is_anonymous:
                identified.add(visitor.visitor_id)
            if visitor.account_id:
                accounts.add(visitor.account_id)
            events += sum(c.num_events for c in activity.cells)
            minutes += sum(c.num_minutes for c in activity.cells)
        rows.append(
            {
                "activity_date": day.isoformat(),
                "active_visitors": len(visitors),
                "active_identified_visitors": len(identified),
                "active_accounts": len(accounts),
                "events": events,
                "minutes": minutes,
            }
        )
    return rows


def guide_steps(world: World) -> list[dict[str, Any]]:
    """Per guide step: distinct visitors with a guideSeen, guideAdvanced and guideDismissed event on that step."""
    seen: dict[str, set[str]] = defaultdict(set)
    advanced: dict[str, set[str]] = defaultdict(set)
    dismissed: dict[str, set[str]] = defaultdict(set)
    by_type = {"guideSeen": seen, "guideAdvanced": advanced, "guideDismissed": dismissed}
    for event in world.guide_events:
        target = by_type.get(event.type)
        if target is not None:
            target[event.step.step_id].add(event.visitor.visitor_id)
    return [
        {
            "guide_id": guide.guide_id,
            "guide_step_id": step.step_id,
            "step_number": step.number,
            "visitors_seen": len(seen[step.step_id]),
            "visitors_advanced": len(advanced[step.step_id]),
            "visitors_dismissed": len(dismissed[step.step_id]),
        }
        for guide in world.guides
        for step in guide.steps
    ]
