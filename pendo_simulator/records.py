"""The records of the simulated subscription: plain values that `world.World` generates and the rest consumes.

Kept apart from the generator so `rows.py`, `truth.py`, `entities.py` and `guide_walks.py` can name the shapes
they read without importing the generation logic, and so the generator reads as logic, not as declarations.
Entities (accounts, visitors, pages, features, track types, guides with their steps and polls) are frozen
dataclasses; the many activity records (visits, feature clicks, track hits) are NamedTuples, the cheapest
immutable record in CPython, because a window of the API builds hundreds of thousands of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "Account",
    "Device",
    "Feature",
    "FeatureClick",
    "Guide",
    "GuideEvent",
    "GuideStep",
    "Page",
    "Poll",
    "PollEvent",
    "TrackHit",
    "TrackType",
    "Visit",
    "Visitor",
    "VisitorSpan",
]


@dataclass(frozen=True, eq=False)  # identity equality: a cheap hash when rows group by device
class Device:
    server: str
    remote_ip: str
    browser: str
    browser_version: str
    operating_system: str
    user_agent: str


@dataclass(frozen=True)
class Account:
    account_id: str
    index: int
    plan: str
    industry: str
    name: str
    created_ms: int
    seats: int


@dataclass(frozen=True)
class Visitor:
    visitor_id: str
    index: int
    account_id: str  # "" when the visitor has no account (every anonymous visitor, and a few identified ones)
    is_anonymous: bool
    first_day: int  # index into World.days of the first day the visitor can be active
    existing: bool  # first visited before the simulated period; otherwise new on `first_day`
    churn_day: int | None  # index of the first day the visitor is gone for good
    activity: float  # base probability of being active on a weekday
    apps: tuple[int, ...]
    devices: tuple[Device, ...]
    do_not_process: bool  # metadata.pendo.donotprocess: Pendo collects no events for this visitor
    email: str | None
    language: str
    role: str
    department: str | None
    geo: tuple[str | None, str | None, float | None, float | None]
    prior_first_visit: int  # for existing visitors: their first visit, before the period


@dataclass(frozen=True)
class Page:
    page_id: str
    app_id: int
    name: str
    path: str
    created_ms: int
    updated_ms: int
    parameter: str | None  # a tracked URL parameter that splits aggregated rows


@dataclass(frozen=True)
class Feature:
    feature_id: str
    app_id: int
    page_id: str
    name: str
    created_ms: int
    updated_ms: int


@dataclass(frozen=True)
class TrackType:
    track_type_id: str
    app_id: int
    name: str
    created_ms: int
    updated_ms: int


@dataclass(frozen=True)
class Poll:
    poll_id: str
    question: str
    kind: str  # "NPSRating" or "FreeForm"


@dataclass(frozen=True)
class GuideStep:
    step_id: str
    guide_id: str
    number: int  # 1-based position
    poll_ids: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    guide_id: str
    index: int
    app_id: int
    name: str
    state: str
    launch_method: str
    steps: tuple[GuideStep, ...]
    polls: tuple[Poll, ...]
    publish_day: int  # index into World.days; before it the guide is not shown
    created_ms: int
    updated_ms: int
    audience_share: float
    control_share: float  # share of the audience in the control group (guideNotSeen)
    advance_rate: float
    dismiss_rate: float
    snooze_rate: float
    branch: tuple[int, int] | None = None  # (from, to) step numbers: a share of advances from `from` jump to `to`
    reset_ms: int | None = None  # when the guide was reset (Pendo's resetAt); None: never


class Visit(NamedTuple):
    """One visitor on one page (None: untagged) of one app and device within one local hour."""

    visitor_index: int
    day_index: int
    ordinal: int  # position within the visitor's day: the record's identity for late arrival
    hour_ms: int
    app_id: int
    device: Device
    page_id: str | None
    parameters: str | None  # "name=value" of a tracked URL parameter, or None
    num_events: int
    num_minutes: int
    first_time: int
    last_time: int


class FeatureClick(NamedTuple):
    visitor_index: int
    day_index: int
    ordinal: int
    hour_ms: int
    app_id: int
    device: Device
    feature_id: str
    num_events: int
    num_minutes: int
    first_time: int
    last_time: int


class TrackHit(NamedTuple):
    visitor_index: int
    day_index: int
    ordinal: int
    hour_ms: int
    app_id: int
    device: Device
    track_type_id: str
    properties: dict[str, object] | None
    time: int


@dataclass(frozen=True, slots=True)
class GuideEvent:
    timestamp: int
    type: str
    guide: Guide
    step: GuideStep
    visitor: Visitor
    device: Device
    reason: str | None
    ordinal: int  # position in the visitor's walk through the guide: the record's identity
    destination: GuideStep | None = None  # a branching guideAdvanced: the step it jumps to (destinationStepId)


@dataclass(frozen=True, slots=True)
class PollEvent:
    timestamp: int
    guide: Guide
    step: GuideStep
    poll: Poll
    visitor: Visitor
    device: Device
    response: str
    ordinal: int


@dataclass(frozen=True)
class VisitorSpan:
    """When a visitor was first and last seen, overall and per app (epoch ms)."""

    first_visit: int
    last_visit: int
    per_app: dict[int, tuple[int, int]]
