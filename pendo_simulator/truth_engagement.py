"""The truth of the engagement metrics that product teams know from other Pendo models (pages, features, accounts,
guides), each following its doc block in `transform/models/_pendo__metrics.md`. `truth.compute` adds these sections:

- `page_days` / `feature_days`: one object per page (feature) and local day it was used: `visitors`, `accounts`,
  `first_time_accounts`, `returning_accounts` (`metric_first_time_accounts`), `page_views` (`feature_clicks`).
- `account_engagement`: one object per account with activity or an NPS answer: `active_months`
  (`metric_active_months`), `nps_respondents`, `min_nps_score`, `max_nps_score`, `avg_nps_score`
  (`metric_account_nps_range`).
- `guide_accounts`: one object per guide and account whose visitors saw it: `visitors_seen`, `days_seen`
  (`metric_guide_accounts`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pendo_simulator.world import World


def _usage_days(usage: dict[tuple[str, str], dict[str, Any]], id_name: str, events_name: str) -> list[dict[str, Any]]:
    """Per (object, day): distinct visitors and accounts, and which accounts had their first day on the object."""
    first_day: dict[tuple[str, str], str] = {}
    for (object_id, day), record in sorted(usage.items(), key=lambda item: item[0][1]):
        for account_id in record["accounts"]:
            first_day.setdefault((object_id, account_id), day)
    out = []
    for (object_id, day), record in sorted(usage.items()):
        first_time = sum(1 for account_id in record["accounts"] if first_day[(object_id, account_id)] == day)
        out.append(
            {
                id_name: object_id,
                "activity_date": day,
                "visitors": len(record["visitors"]),
                "accounts": len(record["accounts"]),
                "first_time_accounts": first_time,
                "returning_accounts": len(record["accounts"]) - first_time,
                events_name: record["events"],
            }
        )
    return out


def _new_usage() -> dict[str, Any]:
    return {"visitors": set(), "accounts": set(), "events": 0}


def page_and_feature_days(world: World) -> dict[str, list[dict[str, Any]]]:
    pages: dict[tuple[str, str], dict[str, Any]] = defaultdict(_new_usage)
    features: dict[tuple[str, str], dict[str, Any]] = defaultdict(_new_usage)
    for visitor in world.visitors:
        for day_index, day in enumerate(world.days):
            for visit in world.visits(visitor.index, day_index):
                if visit.page_id is not None:
                    _count(pages[(visit.page_id, day.isoformat())], visitor.visitor_id, visitor.account_id, visit)
            for click in world.feature_clicks(visitor.index, day_index):
                _count(features[(click.feature_id, day.isoformat())], visitor.visitor_id, visitor.account_id, click)
    return {
        "page_days": _usage_days(pages, "page_id", "page_views"),
        "feature_days": _usage_days(features, "feature_id", "feature_clicks"),
    }


def _count(record: dict[str, Any], visitor_id: str, account_id: str, row: Any) -> None:
    record["visitors"].add(visitor_id)
    if account_id:
        record["accounts"].add(account_id)
    record["events"] += row.num_events


def account_engagement(world: World) -> list[dict[str, Any]]:
    months: dict[str, set[str]] = defaultdict(set)
    for visitor in world.visitors:
        if not visitor.account_id:
            continue
        for day_index, day in enumerate(world.days):
            if world.visits(visitor.index, day_index):
                months[visitor.account_id].add(day.isoformat()[:7])
    latest: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)  # account -> visitor -> (time, score)
    for event in world.poll_events:
        account_id = event.visitor.account_id
        if not account_id or event.poll.kind != "NPSRating" or not event.response.strip().isdigit():
            continue
        previous = latest[account_id].get(event.visitor.visitor_id)
        if previous is None or event.timestamp >= previous[0]:
            latest[account_id][event.visitor.visitor_id] = (event.timestamp, int(event.response))
    out = []
    for account_id in sorted(set(months) | set(latest)):
        scores = [score for _, score in latest.get(account_id, {}).values()]
        out.append(
            {
                "account_id": account_id,
                "active_months": len(months.get(account_id, ())),
                "nps_respondents": len(scores),
                "min_nps_score": min(scores) if scores else None,
                "max_nps_score": max(scores) if scores else None,
                "avg_nps_score": sum(scores) / len(scores) if scores else None,
            }
        )
    return out


def guide_accounts(world: World) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: {"visitors": set(), "days": set()})
    for event in world.guide_events:
        if event.type != "guideSeen" or not event.visitor.account_id:
            continue
        record = seen[(event.guide.guide_id, event.visitor.account_id)]
        record["visitors"].add(event.visitor.visitor_id)
        record["days"].add(world.clock.local_date(event.timestamp).isoformat())
    return [
        {
            "guide_id": guide_id,
            "account_id": account_id,
            "visitors_seen": len(record["visitors"]),
            "days_seen": len(record["days"]),
        }
        for (guide_id, account_id), record in sorted(seen.items())
    ]


def compute(world: World) -> dict[str, list[dict[str, Any]]]:
    return {
        **page_and_feature_days(world),
        "account_engagement": account_engagement(world),
        "guide_accounts": guide_accounts(world),
    }
