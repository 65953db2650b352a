"""The true metrics of a simulated subscription, computed from the world's records and never through the API.

Each number follows a definition of `docs/metrics.md`, written once for the dbt project as the doc blocks
`metric_<name>` in `transform/models/_pendo__metrics.md`; the docstrings below name the block. The truth is the
world's *final state*: every event before `now`, whatever ingest lag or late arrival the server is told to show.

Output (`python -m pendo_simulator truth …`, one JSON object):
- `params`: the world flags.
- `daily`: one object per local day of the data, oldest first: `activity_date`, `active_visitors`,
  `active_identified_visitors`, `active_accounts`, `events`, `minutes`, `wau`, `mau`, `wau_identified`,
  `mau_identified`, `stickiness`, `stickiness_identified`, `wau_complete`, `mau_complete`, and per new-visitor rule
  `new_visitors`, `returning_visitors`, `new_identified_visitors`, `returning_identified_visitors` (Pendo's first
  visit, the default) and the same four suffixed `_first_in_data`.
- `guide_steps`: one object per guide step: `guide_id`, `guide_step_id`, `step_number`, `visitors_seen`,
  `visitors_advanced`, `visitors_dismissed`, `visitors_reached`, `visitors_reached_later_step`, `step_conversion`,
  `cumulative_conversion`, `drop_off`, `drop_off_last_step_advanced`.
- `guides`: one object per guide: `guide_id`, `app_id`, `name`, `steps`, `branching`, `reset`, `control_visitors`,
  `visitors_seen`,
  `entered`, `completed_last_step_seen`, `completed_last_step_advanced`, `outcomes_last_step_seen` and
  `outcomes_last_step_advanced` (counts of completed/dismissed/snoozed/in_progress).
- `guide_visitors`: one object per (guide, non-control visitor with a guideSeen): `guide_id`, `visitor_id`,
  `entered_at`, `steps_reached` (the furthest step reached), per rule `outcome…`, `completed_at…`,
  `time_to_complete_ms…`.
- `guide_daily`: one object per (guide, local day with an event of the guide): `guide_id`, `activity_date`, `events`,
  `visitors_seen` (non-control), `visitors_in_control_group`.
- `polls`: one object per poll: `guide_id`, `poll_id`, `poll_type`, `response_events`, `visitors`, and for NPS
  polls `responses`, `promoters`, `passives`, `detractors`, `nps`.
- `retention`: one object per (cohort week, week number) of the data's weeks: `cohort_week` (Monday), `week_number`,
  `cohort_visitors`, `retained_visitors`, `cohort_identified_visitors`, `retained_identified_visitors`, `complete`,
  `left_censored`; cohorts by Pendo's first visit (the default rule). `retention_first_in_data`: the same by the
  first active day in the data.
- `pages`, `features`, `visitors`, `accounts`: every id the entity source lists or any event uses, with `is_listed`
  (false for ids seen only on events, the `orphans` profile), and `page_views` / `clicks` for pages and features.
  `guide_steps` rows of a step removed from its guide have `step_number` null and `is_listed` false; `guides` rows
  say whether the guide was ever `published`.
- `attribute_changes` (`changes.py`): `at` (epoch ms, null without `--attribute-change-at`), `applied` (the
  world's `now` is at or after it), `accounts` and `visitors` (id, `field`, `before`, `after`), `renamed` (per kind
  `page`, `feature`, `guide`: the `id` and the current `name`).
- `page_days`, `feature_days`, `account_engagement`, `guide_accounts`: see `truth_engagement.py`.
- `rows` (only with `--source`): `{"source", "startTime", "window": [start, end) | null, "count", "results"}`:
  exactly the rows the source returns for that window in the final state, before any pipeline operator.
Ratios are floats, null when the denominator is 0; times are epoch ms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pendo_simulator import changes, rows, timeseries, truth_engagement
from pendo_simulator.expressions import Context
from pendo_simulator.visibility import View
from pendo_simulator.world import World

if TYPE_CHECKING:
    from pendo_simulator.records import Guide, GuideEvent, GuideStep

PROFILE_KNOBS = (
    "events",
    "track_events",
    "polls",
    "event_times",
    "anonymous_only",
    "orphans",
    "drafts",
    "odd_poll_type",
)
COMPLETION_RULES = ("last_step_seen", "last_step_advanced")
OUTCOMES = ("completed", "dismissed", "snoozed", "in_progress")


def compute(world: World, source_query: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every truth section; `source_query` (keys `source`, `time_series`, `app_ids`) adds the `rows` section."""
    config = world.config
    activity = _activity(world)
    guides, steps, guide_visitors = guide_funnels(world)
    result: dict[str, Any] = {
        "params": {
            "seed": config.seed,
            "visitors": config.visitors,
            "accounts": config.accounts,
            "days": config.days,
            "apps": config.apps,
            "guides": config.guides,
            "profile": {name: getattr(config, name) for name in PROFILE_KNOBS},
            "timezone": config.timezone,
            "now": config.now.isoformat(),
        },
        "daily": daily_activity(world, activity),
        "guide_steps": steps,
        "guides": guides,
        "guide_visitors": guide_visitors,
        "polls": polls(world),
        "guide_daily": guide_daily(world),
        "retention": weekly_retention(world, activity),
        "retention_first_in_data": weekly_retention(world, activity, first_visit=False),
        **listings(world),
        "attribute_changes": changes.truth(world),
        **truth_engagement.compute(world),
    }
    if source_query is not None:
        result["rows"] = source_rows(world, **source_query)
    return result


# ------------------------------------------------------------------------------------------ activity


def _activity(world: World) -> list[dict[str, Any]]:
    """Per day: active visitors (id → anonymous?), accounts, events, minutes — from the visits (`events` rows)."""
    days = []
    for day_index in range(len(world.days)):
        visitors: dict[str, bool] = {}
        accounts: set[str] = set()
        events = minutes = 0
        for visitor in world.visitors:
            visits = world.visits(visitor.index, day_index)
            if not visits:
                continue
            visitors[visitor.visitor_id] = visitor.is_anonymous
            if visitor.account_id:
                accounts.add(visitor.account_id)
            events += sum(v.num_events for v in visits)
            minutes += sum(v.num_minutes for v in visits)
        days.append({"visitors": visitors, "accounts": accounts, "events": events, "minutes": minutes})
    return days


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def daily_activity(world: World, activity: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per local day, following the doc blocks:
    `metric_active_visitor` (active_visitors with anonymous visitors, active_identified_visitors without),
    `metric_active_account`, `metric_events_minutes_per_day`, `metric_wau_mau` (wau/mau/stickiness, trailing
    windows clipped to the data's first day) and `metric_new_returning_visitor`.
    """
    activity = activity if activity is not None else _activity(world)
    out = []
    seen_before: set[str] = set()
    first_active = first_active_dates(world, activity)
    for day_index, day in enumerate(world.days):
        today = activity[day_index]
        visitors = today["visitors"]
        identified = {v for v, anonymous in visitors.items() if not anonymous}
        week = _union(a["visitors"] for a in activity[max(0, day_index - 6) : day_index + 1])
        month = _union(a["visitors"] for a in activity[max(0, day_index - 27) : day_index + 1])
        week_identified = {v for v in week if not _is_anonymous_id(v)}
        month_identified = {v for v in month if not _is_anonymous_id(v)}
        new_in_data = {v for v in visitors if v not in seen_before}
        new = {v for v in visitors if first_active[v] == day}
        seen_before.update(visitors)
        out.append(
            {
                "activity_date": day.isoformat(),
                "active_visitors": len(visitors),
                "active_identified_visitors": len(identified),
                "active_accounts": len(today["accounts"]),
                "events": today["events"],
                "minutes": today["minutes"],
                "wau": len(week),
                "mau": len(month),
                "wau_identified": len(week_identified),
                "mau_identified": len(month_identified),
                "stickiness": _ratio(len(visitors), len(month)),
                "stickiness_identified": _ratio(len(identified), len(month_identified)),
                "wau_complete": day_index >= 6,
                "mau_complete": day_index >= 27,
                "new_visitors": len(new),
                "returning_visitors": len(visitors) - len(new),
                "new_identified_visitors": len(new & identified),
                "returning_identified_visitors": len(identified - new),
                "new_visitors_first_in_data": len(new_in_data),
                "returning_visitors_first_in_data": len(visitors) - len(new_in_data),
                "new_identified_visitors_first_in_data": len(new_in_data & identified),
                "returning_identified_visitors_first_in_data": len(identified - new_in_data),
            }
        )
    return out


def first_active_dates(world: World, activity: list[dict[str, Any]], first_visit: bool = True) -> dict[str, date]:
    """`metric_new_returning_visitor`: each active visitor's first active day, by Pendo's first visit (the local day
    of `firstvisit` on the visitors source, when listed and earlier than the data) or by the data alone.

    The data's days are the world's days: truth compares only the days the marts hold, which start on the first
    world day with activity."""
    first: dict[str, date] = {}
    for day_index, day in enumerate(world.days):
        for visitor_id in activity[day_index]["visitors"]:
            first.setdefault(visitor_id, day)
    if first_visit:
        for row in rows.entity_rows(world, "visitors", None):
            visitor_id = row["visitorId"]
            first_visit_ms = row["metadata"]["auto"]["firstvisit"]
            if visitor_id in first and first_visit_ms:
                first[visitor_id] = min(first[visitor_id], world.clock.local_date(first_visit_ms))
    return first


def _union(sets: Iterable[dict[str, bool]]) -> set[str]:
    out: set[str] = set()
    for visitors in sets:
        out.update(visitors)
    return out


def _is_anonymous_id(visitor_id: str) -> bool:
    return visitor_id.startswith("_PENDO_T_")


def weekly_retention(
    world: World, activity: list[dict[str, Any]] | None = None, first_visit: bool = True
) -> list[dict[str, Any]]:
    """`metric_weekly_retention`: cohorts by the Monday-starting week of each visitor's first active day, cells for the
    weeks of the data (from the week of its first active day to that of its last)."""
    activity = activity if activity is not None else _activity(world)
    active_weeks: dict[str, set[date]] = defaultdict(set)
    active_days = [day for day_index, day in enumerate(world.days) if activity[day_index]["visitors"]]
    for day_index, day in enumerate(world.days):
        for visitor_id in activity[day_index]["visitors"]:
            active_weeks[visitor_id].add(_week(day))
    if not active_days:
        return []
    first_day, last_day = active_days[0], active_days[-1]
    data_weeks = sorted({_week(first_day + timedelta(days=n)) for n in range((last_day - first_day).days + 1)})
    cohorts: dict[date, list[str]] = defaultdict(list)
    for visitor_id, first in first_active_dates(world, activity, first_visit).items():
        cohorts[_week(first)].append(visitor_id)
    out = []
    for cohort_week in sorted(cohorts):
        members = cohorts[cohort_week]
        identified = [v for v in members if not _is_anonymous_id(v)]
        for week in data_weeks:
            if week < cohort_week:
                continue
            retained = [v for v in members if week in active_weeks[v]]
            out.append(
                {
                    "cohort_week": cohort_week.isoformat(),
                    "week_number": (week - cohort_week).days // 7,
                    "cohort_visitors": len(members),
                    "retained_visitors": len(retained),
                    "cohort_identified_visitors": len(identified),
                    "retained_identified_visitors": sum(1 for v in retained if not _is_anonymous_id(v)),
                    "complete": week >= first_day and week + timedelta(days=6) <= last_day,
                    "left_censored": cohort_week <= first_day,
                }
            )
    return out


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ------------------------------------------------------------------------------------------ guides


def _closed_funnel(first_seen: dict[int, int], n_steps: int) -> set[int]:
    """`metric_step_reached`: the steps the visitor reached: step 1 seen, then every seen step first seen not before
    the earlier seen ones, up to the first that breaks the order; a step never seen (a branch skipped it) is not
    reached but does not stop the path."""
    if 1 not in first_seen:
        return set()
    reached: set[int] = set()
    latest = None
    for number in range(1, n_steps + 1):
        at = first_seen.get(number)
        if at is None:
            continue
        if latest is not None and at < latest:
            break
        reached.add(number)
        latest = at
    return reached


_OPEN_COUNTED = ("guideSeen", "guideAdvanced", "guideDismissed")


def _events_by_guide_and_visitor(world: World) -> dict[str, dict[str, list[GuideEvent]]]:
    """Guide events grouped by guide, then by visitor, each visitor's events in the world's order."""
    by_guide: dict[str, dict[str, list[GuideEvent]]] = defaultdict(lambda: defaultdict(list))
    for event in world.guide_events:
        by_guide[event.guide.guide_id][event.visitor.visitor_id].append(event)
    return by_guide


def _open_counts(per_visitor: dict[str, list[GuideEvent]], control: set[str]) -> dict[str, dict[int, set[str]]]:
    """`metric_step_seen_advanced_dismissed`: per event type and step number, the visitors outside the control group
    with such an event, whatever order they came in."""
    counts: dict[str, dict[int, set[str]]] = {kind: defaultdict(set) for kind in _OPEN_COUNTED}
    for visitor_id, events in per_visitor.items():
        if visitor_id in control:
            continue
        for event in events:
            if event.type in counts:
                counts[event.type][event.step.number].add(visitor_id)
    return counts


def _first_seen(events: list[GuideEvent]) -> dict[int, int]:
    """Step number -> the visitor's first guideSeen of it (epoch ms)."""
    first: dict[int, int] = {}
    for event in events:
        if event.type == "guideSeen":
            number = event.step.number
            first[number] = min(first.get(number, event.timestamp), event.timestamp)
    return first


def _visitor_walk(
    guide_id: str, visitor_id: str, events: list[GuideEvent], n_steps: int, last: int
) -> dict[str, Any] | None:
    """One (guide, visitor) row: steps reached on the closed funnel, and per completion rule the completion time,
    the time to complete and the outcome (`metric_guide_completed`, `metric_guide_outcome`). None when the visitor
    never saw a step (e.g. a guideTimeout only): no outcome then."""
    first_seen = _first_seen(events)
    if not first_seen:
        return None
    reached = _closed_funnel(first_seen, n_steps)
    entered_at = first_seen.get(1) if reached else None
    finished = n_steps in reached
    advanced_last = [e.timestamp for e in events if e.type == "guideAdvanced" and e.step.number == last]
    rule_times = {
        "last_step_seen": first_seen[last] if finished else None,
        "last_step_advanced": min((t for t in advanced_last if t >= first_seen[last]), default=None)
        if finished
        else None,
    }
    dismissed_at = min((e.timestamp for e in events if e.type == "guideDismissed"), default=None)
    dismissed = dismissed_at is not None
    # A dismissal before the completion wins (metric_guide_outcome).
    completed_at = {
        rule: at if at is not None and (dismissed_at is None or at <= dismissed_at) else None
        for rule, at in rule_times.items()
    }
    snoozed = any(e.type == "guideSnoozed" for e in events)
    record: dict[str, Any] = {
        "guide_id": guide_id,
        "visitor_id": visitor_id,
        "entered_at": entered_at,
        "steps_reached": max(reached, default=0),
        "reached": reached,
    }
    for rule in COMPLETION_RULES:
        done = completed_at[rule] is not None
        outcome = "completed" if done else "dismissed" if dismissed else "snoozed" if snoozed else "in_progress"
        suffix = _rule_suffix(rule)
        record[f"outcome{suffix}"] = outcome
        record[f"completed_at{suffix}"] = completed_at[rule]
        record[f"time_to_complete_ms{suffix}"] = (
            completed_at[rule] - entered_at if done and entered_at is not None else None
        )
    return record


def _rule_suffix(rule: str) -> str:
    """Column suffix of a completion rule in the truth: none for `last_step_seen` (the truth's names predate the
    dbt default, `last_step_advanced`)."""
    return "" if rule == "last_step_seen" else "_last_step_advanced"


def _step_rows(
    guide: Guide,
    listed: tuple[GuideStep, ...],
    open_counts: dict[str, dict[int, set[str]]],
    reached_counts: list[int],
    later_counts: list[int],
    completed: dict[str, int],
) -> list[dict[str, Any]]:
    """`metric_step_conversion`: one row per step, the steps removed from the guide first (open counts only, never on
    the closed funnel), then the listed steps in order."""
    n_steps = len(listed)
    rows_out: list[dict[str, Any]] = []
    for step in guide.steps[n_steps:]:
        rows_out.append(
            {
                "guide_id": guide.guide_id,
                "guide_step_id": step.step_id,
                "step_number": None,
                "visitors_seen": len(open_counts["guideSeen"][step.number]),
                "visitors_advanced": len(open_counts["guideAdvanced"][step.number]),
                "visitors_dismissed": len(open_counts["guideDismissed"][step.number]),
                "visitors_reached": 0,
                "visitors_reached_later_step": None,
                "step_conversion": None,
                "cumulative_conversion": None,
                "drop_off": None,
                "drop_off_last_step_advanced": None,
                "is_listed": False,
            }
        )
    for step in listed:
        number = step.number
        reached = reached_counts[number]
        following = later_counts[number] if number < n_steps else None
        rows_out.append(
            {
                "guide_id": guide.guide_id,
                "guide_step_id": step.step_id,
                "step_number": number,
                "visitors_seen": len(open_counts["guideSeen"][number]),
                "visitors_advanced": len(open_counts["guideAdvanced"][number]),
                "visitors_dismissed": len(open_counts["guideDismissed"][number]),
                "visitors_reached": reached,
                "visitors_reached_later_step": following,
                "step_conversion": _ratio(following, reached) if following is not None else None,
                "cumulative_conversion": _ratio(reached, reached_counts[1]),
                "drop_off": reached - (following if following is not None else completed["last_step_seen"]),
                "drop_off_last_step_advanced": reached
                - (following if following is not None else completed["last_step_advanced"]),
                "is_listed": True,
            }
        )
    return rows_out


def guide_funnels(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Per guide, per step and per (guide, visitor), following `metric_guide_control_group`,
    `metric_step_seen_advanced_dismissed` (open counts), `metric_step_reached` (closed funnel),
    `metric_guide_completed` (both rules), `metric_guide_outcome` and `metric_step_conversion`.
    """
    by_guide = _events_by_guide_and_visitor(world)
    guides_out, steps_out, visitors_out = [], [], []
    for guide in world.guides:
        # The funnel follows the steps `guides` lists; a step removed from its guide (orphans) keeps its open counts.
        listed = world.listed_steps(guide)
        n_steps = len(listed)
        per_visitor = by_guide.get(guide.guide_id, {})
        control = _control_group(guide, per_visitor)
        walks = [
            walk
            for visitor_id, events in per_visitor.items()
            if visitor_id not in control
            and (walk := _visitor_walk(guide.guide_id, visitor_id, events, n_steps, listed[-1].number)) is not None
        ]
        reached_counts = [0] * (n_steps + 1)
        later_counts = [0] * (n_steps + 1)
        completed = dict.fromkeys(COMPLETION_RULES, 0)
        outcomes = {rule: dict.fromkeys(OUTCOMES, 0) for rule in COMPLETION_RULES}
        for walk in walks:
            reached = walk.pop("reached")
            for number in reached:
                reached_counts[number] += 1
                later_counts[number] += number < walk["steps_reached"]
            for rule in COMPLETION_RULES:
                suffix = _rule_suffix(rule)
                outcomes[rule][walk[f"outcome{suffix}"]] += 1
                completed[rule] += walk[f"completed_at{suffix}"] is not None
        visitors_out.extend(walks)
        steps_out.extend(
            _step_rows(guide, listed, _open_counts(per_visitor, control), reached_counts, later_counts, completed)
        )
        guides_out.append(
            {
                "guide_id": guide.guide_id,
                "app_id": guide.app_id,
                "name": guide.name,
                "steps": n_steps,
                "branching": guide.branch is not None,
                "reset": guide.reset_ms is not None,
                "published": world.is_published(guide),
                "control_visitors": len(control),
                "visitors_seen": len(walks),
                "entered": reached_counts[1],
                "completed_last_step_seen": completed["last_step_seen"],
                "completed_last_step_advanced": completed["last_step_advanced"],
                "outcomes_last_step_seen": outcomes["last_step_seen"],
                "outcomes_last_step_advanced": outcomes["last_step_advanced"],
            }
        )
    return guides_out, steps_out, visitors_out


def _control_group(guide: Guide, per_visitor: dict[str, list[GuideEvent]]) -> set[str]:
    """`metric_guide_control_group`: visitors with a guideNotSeen at or after the guide's last reset."""
    since = guide.reset_ms or 0
    return {
        visitor_id
        for visitor_id, events in per_visitor.items()
        if any(e.type == "guideNotSeen" and e.timestamp >= since for e in events)
    }


def guide_daily(world: World) -> list[dict[str, Any]]:
    """Per guide and local day with any of its events: all events, and the distinct visitors who saw it and those held
    out, the control group left out of the seen count (`metric_guide_control_group`)."""
    by_guide = _events_by_guide_and_visitor(world)
    out = []
    for guide in world.guides:
        per_visitor = by_guide.get(guide.guide_id, {})
        control = _control_group(guide, per_visitor)
        days: dict[date, dict[str, Any]] = defaultdict(lambda: {"events": 0, "seen": set(), "held_out": set()})
        for visitor_id, events in per_visitor.items():
            for event in events:
                day = days[world.clock.local_date(event.timestamp)]
                day["events"] += 1
                if event.type == "guideSeen" and visitor_id not in control:
                    day["seen"].add(visitor_id)
                if event.type == "guideNotSeen" and visitor_id in control:
                    day["held_out"].add(visitor_id)
        out.extend(
            {
                "guide_id": guide.guide_id,
                "activity_date": day.isoformat(),
                "events": counts["events"],
                "visitors_seen": len(counts["seen"]),
                "visitors_in_control_group": len(counts["held_out"]),
            }
            for day, counts in sorted(days.items())
        )
    return out


def guide_steps(world: World) -> list[dict[str, Any]]:
    return guide_funnels(world)[1]


# ------------------------------------------------------------------------------------------ polls


def polls(world: World) -> list[dict[str, Any]]:
    """Per poll; NPS polls follow `metric_nps` (each visitor's latest numeric response counts once)."""
    by_poll: dict[str, list] = defaultdict(list)
    for event in world.poll_events:
        by_poll[event.poll.poll_id].append(event)
    out = []
    for guide in world.guides:
        for poll in guide.polls:
            events = by_poll.get(poll.poll_id, [])
            record: dict[str, Any] = {
                "guide_id": guide.guide_id,
                "poll_id": poll.poll_id,
                "poll_type": poll.kind,
                "response_events": len(events),
                "visitors": len({e.visitor.visitor_id for e in events}),
            }
            if poll.kind == "NPSRating":
                latest: dict[str, tuple[int, int]] = {}
                for event in events:
                    if not event.response.strip().isdigit():
                        continue
                    previous = latest.get(event.visitor.visitor_id)
                    if previous is None or event.timestamp >= previous[0]:
                        latest[event.visitor.visitor_id] = (event.timestamp, int(event.response))
                scores = [score for _, score in latest.values()]
                promoters = sum(1 for s in scores if s >= 9)
                detractors = sum(1 for s in scores if s <= 6)
                record.update(
                    responses=len(scores),
                    promoters=promoters,
                    passives=len(scores) - promoters - detractors,
                    detractors=detractors,
                    nps=100 * (promoters - detractors) / len(scores) if scores else None,
                )
            out.append(record)
    return out


# ------------------------------------------------------------------------------------------ listed and orphan ids


def listings(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every page, feature, visitor and account that the entity sources list or any event uses, with `is_listed`
    (false for ids seen only on events: deleted pages and features, visitors and accounts the sources leave out),
    and the page views and feature clicks of each page and feature, from the events."""
    page_views: dict[str, int] = defaultdict(int)
    clicks: dict[str, int] = defaultdict(int)
    active_visitors: set[str] = set()
    event_accounts: set[str] = set()
    for visitor in world.visitors:
        for day_index in range(len(world.days)):
            visits = world.visits(visitor.index, day_index)
            if not visits:
                continue
            active_visitors.add(visitor.visitor_id)
            if visitor.account_id:
                event_accounts.add(visitor.account_id)
            for visit in visits:
                if visit.page_id is not None:
                    page_views[visit.page_id] += visit.num_events
            for click in world.feature_clicks(visitor.index, day_index):
                clicks[click.feature_id] += click.num_events
    active_visitors.update(event.visitor.visitor_id for event in world.guide_events)
    active_visitors.update(event.visitor.visitor_id for event in world.poll_events)
    listed_visitors = {row["visitorId"] for row in rows.entity_rows(world, "visitors", None)}
    listed_accounts = {row["accountId"] for row in rows.entity_rows(world, "accounts", None)}
    return {
        "pages": [
            {
                "page_id": page.page_id,
                "is_listed": world.is_page_listed(page.page_id),
                "page_views": page_views[page.page_id],
            }
            for page in world.pages
            if world.is_page_listed(page.page_id) or page.page_id in page_views
        ],
        "features": [
            {
                "feature_id": feature.feature_id,
                "is_listed": world.is_feature_listed(feature),
                "clicks": clicks[feature.feature_id],
            }
            for feature in world.features
            if world.is_feature_listed(feature) or feature.feature_id in clicks
        ],
        "visitors": [
            {"visitor_id": visitor_id, "is_listed": visitor_id in listed_visitors}
            for visitor_id in sorted(listed_visitors | active_visitors)
        ],
        "accounts": [
            {"account_id": account_id, "is_listed": account_id in listed_accounts}
            for account_id in sorted(listed_accounts | event_accounts)
        ],
    }


# ------------------------------------------------------------------------------------------ rows of a source


def source_rows(
    world: World, source: str, time_series: dict[str, Any] | None, app_ids: tuple[int, ...] | None = None
) -> dict[str, Any]:
    """The rows `source` returns for one window in the final state, before any pipeline operator.

    `time_series` is a Pendo `timeSeries` object (needed for event sources, ignored for entities); `app_ids`
    defaults to every app, as `expandAppIds("*")` asks.
    """
    final = View(world.seed, world.now_ms)
    apps = app_ids if app_ids is not None else world.app_ids
    time_window = None
    if source in rows.ENTITY_SOURCES:
        scope = apps if source in rows.APP_SCOPED_ENTITIES else None
        results = list(rows.entity_rows(world, source, scope))
    elif source in rows.EVENT_SOURCES:
        time_window = timeseries.window(time_series, Context(world.clock, world.now_ms))
        start, end = time_window.start_ms, time_window.end_ms
        if source in rows.AGGREGATED_SOURCES:
            results = list(rows.aggregated_rows(world, source, time_window.period, start, end, apps, final))
        elif source == "guideEvents":
            results = list(rows.guide_event_rows(world, start, end, apps, final))
        else:
            results = list(rows.poll_event_rows(world, start, end, apps, final))
    else:
        raise ValueError(f"unknown row source: {source}")
    return {
        "source": source,
        "startTime": time_window.start_ms if time_window else 0,
        "window": [time_window.start_ms, time_window.end_ms] if time_window else None,
        "count": len(results),
        "results": results,
    }
