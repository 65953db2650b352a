"""The simulated Pendo subscription: every record the fake API serves, generated deterministically from a seed.

Nothing here knows about HTTP. The server turns these records into Pendo-shaped rows, and `truth.py` computes the
true metrics from the same records, so the two can never disagree by construction of a second code path.

Randomness is keyed, not sequential: each decision draws from a hash of (seed, what, who, when). So any day of any
visitor can be generated on its own, in any order, and a window of the API is generated lazily without
materialising the whole history. The same seed and config always give the same records.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache

from pendo_simulator.clock import HOUR_MS, Clock, utc_to_ms

DEFAULT_APP_ID = -323232
SECOND_APP_ID = 5668600916475904
APP_IDS = (DEFAULT_APP_ID, SECOND_APP_ID, 6305832717574144, 4923551432163328)

GUIDE_EVENT_TYPES = (
    "guideSeen",
    "guideAdvanced",
    "guideDismissed",
    "guideSnoozed",
    "guideTimeout",
    "guideActivity",
    "guideSnoozeCanceled",
    "guideNotSeen",
)

# Ids that break naive extractors: quotes and backslashes end filter string literals (estuary #4477), `&&` and
# newlines confuse hand-made parsers, non-ASCII tests encodings, and a very long id tests key hashing and columns.
HOSTILE_ACCOUNT_IDS = (
    'O\'Reilly "Quoted" Ltd',
    "back\\slash\\corp",
    "Ünïcødé Straße GmbH",
    "a && b || !c",
    "line\nbreak inc",
    "long-" + "x" * 300,
)
HOSTILE_VISITOR_IDS = (
    "jane.o'neil@example.com",
    '"quoted"\\visitor',
    "用户-42",
    "visitor && true",
    "tab\tand\nnewline",
)
HOSTILE_GUIDE_IDS = ('Guide "with" quotes', "guide\\backslash")

BROWSERS = (
    (
        "Chrome",
        "124.0.6367",
        "Mac OS X",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36",
    ),
    (
        "Chrome",
        "123.0.6312",
        "Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/123.0.6312.122 Safari/537.36",
    ),
    ("Firefox", "125.0", "Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (
        "Safari",
        "17.4",
        "iOS",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    ),
    (
        "Edge",
        "124.0.2478",
        "Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    ),
)
PAGE_NAMES = (
    "Dashboard",
    "Reports",
    "Settings",
    "Billing",
    "Team members",
    "Integrations",
    "Search results",
    "Project list",
    "Project detail",
    "Onboarding checklist",
    "Help center",
    "Notifications",
    "Profile",
    "Audit log",
    "Export",
    "Calendar",
)
FEATURE_VERBS = (
    "Click",
    "Open",
    "Save",
    "Export",
    "Filter",
    "Share",
    "Invite",
    "Toggle",
    "Download",
    "Create",
)
TRACK_TYPE_NAMES = (
    "Signed Up",
    "Report Exported",
    "Plan Upgraded",
    "Invite Sent",
    "File Uploaded",
    "API Key Created",
)
PLANS = ("free", "starter", "growth", "enterprise")
INDUSTRIES = ("software", "finance", "healthcare", "retail", "education", "manufacturing")
ROLES = ("admin", "analyst", "viewer", "owner", "engineer")
LANGUAGES = ("en-US", "en-GB", "de-DE", "fr-FR", "ja-JP", "es-419")
GEO = (
    ("US", "nc", 35.8235, -78.8256),
    ("US", "ca", 37.7749, -122.4194),
    ("GB", "eng", 51.5072, -0.1276),
    ("DE", "be", 52.52, 13.405),
    ("JP", "13", 35.6762, 139.6503),
    (None, None, None, None),
)
WEEKDAY_FACTOR = (1.0, 1.05, 1.05, 1.0, 0.9, 0.3, 0.25)  # Monday .. Sunday


def _digest(parts: tuple[object, ...]) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def unit(*parts: object) -> float:
    """A uniform number in [0, 1) fixed by `parts`."""
    return _digest(parts) / 2**64


def rng(*parts: object) -> random.Random:
    """A random generator fixed by `parts`."""
    return random.Random(_digest(parts))


def pendo_id(*parts: object) -> str:
    """A 27-character URL-safe id, shaped like Pendo's object ids."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=21).digest()
    return base64.urlsafe_b64encode(digest).decode()[:27]


@dataclass(frozen=True)
class WorldConfig:
    """Scale and identity of the simulated subscription. `truth` and `serve` take the same values."""

    seed: int = 1
    visitors: int = 300
    accounts: int = 40
    days: int = 30
    apps: int = 2
    guides: int = 5
    timezone: str = "America/New_York"
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __post_init__(self) -> None:
        if not 1 <= self.apps <= len(APP_IDS):
            raise ValueError(f"apps must be between 1 and {len(APP_IDS)}")
        for name in ("visitors", "accounts", "days", "guides"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.now.tzinfo is None:
            raise ValueError("now must carry a time zone")


@dataclass(frozen=True)
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
    do_not_process: bool
    email: str | None
    language: str
    role: str
    geo: tuple[str | None, str | None, float | None, float | None]


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


@dataclass(frozen=True, slots=True)
class Cell:
    """Aggregated activity of one visitor in one hour on one app, device and page (or untagged, page None)."""

    hour_ms: int
    app_id: int
    device: Device
    page_id: str | None
    parameters: dict[str, str] | None
    num_events: int
    num_minutes: int
    first_time: int
    last_time: int


@dataclass(frozen=True, slots=True)
class FeatureCell:
    hour_ms: int
    app_id: int
    device: Device
    feature_id: str
    num_events: int
    num_minutes: int
    first_time: int
    last_time: int


@dataclass(frozen=True, slots=True)
class TrackCell:
    hour_ms: int
    app_id: int
    device: Device
    track_type_id: str
    properties: dict[str, object] | None
    num_events: int
    num_minutes: int
    first_time: int
    last_time: int


@dataclass(frozen=True, slots=True)
class DayActivity:
    visitor: Visitor
    day_index: int
    day_ms: int
    cells: tuple[Cell, ...]
    features: tuple[FeatureCell, ...]
    tracks: tuple[TrackCell, ...]


@dataclass(frozen=True, slots=True)
class GuideEvent:
    timestamp: int
    type: str
    guide: Guide
    step: GuideStep
    visitor: Visitor
    device: Device
    reason: str


@dataclass(frozen=True, slots=True)
class PollEvent:
    timestamp: int
    guide: Guide
    step: GuideStep
    poll: Poll
    visitor: Visitor
    device: Device
    response: str


class World:
    """All records of one simulated subscription."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.clock = Clock(config.timezone)
        self.now_ms = utc_to_ms(config.now)
        last_day = self.clock.local_date(self.now_ms)
        self.days: tuple[date, ...] = tuple(
            last_day - timedelta(days=offset) for offset in range(config.days - 1, -1, -1)
        )
        self.day_starts: tuple[int, ...] = tuple(self.clock.day_start(d) for d in self.days)
        self.start_ms = self.day_starts[0]
        self.app_ids: tuple[int, ...] = APP_IDS[: config.apps]

    # ------------------------------------------------------------------ entities

    @cached_property
    def accounts(self) -> tuple[Account, ...]:
        seed = self.config.seed
        accounts = []
        for i in range(self.config.accounts):
            account_id = (
                HOSTILE_ACCOUNT_IDS[i // 7] if i % 7 == 3 and i // 7 < len(HOSTILE_ACCOUNT_IDS) else (f"acct-{i:04d}")
            )
            r = rng(seed, "account", i)
            accounts.append(
                Account(
                    account_id=account_id,
                    index=i,
                    plan=r.choice(PLANS),
                    industry=r.choice(INDUSTRIES),
                    name=f"Company {i}",
                    created_ms=self.start_ms - r.randint(30, 900) * 86_400_000,
                )
            )
        return tuple(accounts)

    @cached_property
    def visitors(self) -> tuple[Visitor, ...]:
        seed = self.config.seed
        n_days = len(self.days)
        visitors = []
        for i in range(self.config.visitors):
            r = rng(seed, "visitor", i)
            anonymous = r.random() < 0.15
            if anonymous:
                visitor_id = f"_PENDO_T_{pendo_id(seed, 'anon', i)[:12]}"
                account_id = ""
            else:
                hostile = i % 11 == 5 and i // 11 < len(HOSTILE_VISITOR_IDS)
                visitor_id = HOSTILE_VISITOR_IDS[i // 11] if hostile else f"user-{i:05d}"
                # Heavy-tailed account sizes: a few big accounts, many small ones.
                account_id = (
                    ""
                    if r.random() < 0.05
                    else self.accounts[
                        min(int(r.paretovariate(1.2)) - 1, len(self.accounts) - 1)
                        if r.random() < 0.5
                        else r.randrange(len(self.accounts))
                    ].account_id
                )
            existing = r.random() < 0.6  # visited before the simulated period began
            first_day = 0 if existing else r.randrange(n_days)
            churn_day = r.randrange(first_day + 1, n_days + 1) if r.random() < 0.2 else None
            if churn_day == n_days:
                churn_day = None
            # Heavy-tailed engagement: most visitors are occasional, a few use the product every day.
            activity = min(0.95, 0.04 + 0.08 * r.paretovariate(1.5))
            apps = (
                (self.app_ids[0],)
                if len(self.app_ids) == 1 or r.random() < 0.7
                else (tuple(sorted(r.sample(self.app_ids, 2), key=self.app_ids.index)))
            )
            if len(self.app_ids) > 1 and r.random() < 0.1:
                apps = (self.app_ids[1],)
            devices = tuple(self._device(r, n) for n in range(1 if r.random() < 0.8 else 2))
            visitors.append(
                Visitor(
                    visitor_id=visitor_id,
                    index=i,
                    account_id=account_id,
                    is_anonymous=anonymous,
                    first_day=first_day,
                    existing=existing,
                    churn_day=churn_day,
                    activity=activity,
                    apps=apps,
                    devices=devices,
                    do_not_process=(not anonymous) and r.random() < 0.02,
                    email=None if anonymous else f"visitor{i}@example.com",
                    language=r.choice(LANGUAGES),
                    role=r.choice(ROLES),
                    geo=r.choice(GEO),
                )
            )
        return tuple(visitors)

    @staticmethod
    def _device(r: random.Random, n: int) -> Device:
        browser, version, os_name, agent = r.choice(BROWSERS)
        ip = f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        server = "app.example.com" if n == 0 or r.random() < 0.5 else "eu.app.example.com"
        return Device(server, ip, browser, version, os_name, agent)

    @cached_property
    def pages(self) -> tuple[Page, ...]:
        pages = []
        for app_index, app_id in enumerate(self.app_ids):
            for j, name in enumerate(PAGE_NAMES[: 12 if app_index == 0 else 6]):
                r = rng(self.config.seed, "page", app_id, j)
                created = self.start_ms - r.randint(10, 400) * 86_400_000
                pages.append(
                    Page(
                        page_id=pendo_id(self.config.seed, "page", app_id, j),
                        app_id=app_id,
                        name=name if app_index == 0 else f"{name} (mobile)",
                        path="/" + name.lower().replace(" ", "-"),
                        created_ms=created,
                        updated_ms=created + r.randint(0, 9) * 86_400_000,
                        parameter="report" if name == "Reports" else None,
                    )
                )
        return tuple(pages)

    @cached_property
    def features(self) -> tuple[Feature, ...]:
        features = []
        for page in self.pages:
            r = rng(self.config.seed, "features", page.page_id)
            for k in range(r.randint(1, 3)):
                verb = FEATURE_VERBS[(k + page.name.__len__()) % len(FEATURE_VERBS)]
                created = page.created_ms + r.randint(0, 30) * 86_400_000
                features.append(
                    Feature(
                        feature_id=pendo_id(self.config.seed, "feature", page.page_id, k),
                        app_id=page.app_id,
                        page_id=page.page_id,
                        name=f"{page.name}: {verb} button",
                        created_ms=created,
                        updated_ms=created + r.randint(0, 5) * 86_400_000,
                    )
                )
        return tuple(features)

    @cached_property
    def features_by_page(self) -> dict[str, tuple[Feature, ...]]:
        grouped: dict[str, list[Feature]] = {}
        for feature in self.features:
            grouped.setdefault(feature.page_id, []).append(feature)
        return {page_id: tuple(fs) for page_id, fs in grouped.items()}

    @cached_property
    def pages_by_app(self) -> dict[int, tuple[Page, ...]]:
        return {app_id: tuple(p for p in self.pages if p.app_id == app_id) for app_id in self.app_ids}

    @cached_property
    def track_types(self) -> tuple[TrackType, ...]:
        types = []
        for app_index, app_id in enumerate(self.app_ids):
            for j, name in enumerate(TRACK_TYPE_NAMES[: 4 if app_index == 0 else 2]):
                r = rng(self.config.seed, "tracktype", app_id, j)
                created = self.start_ms - r.randint(10, 200) * 86_400_000
                types.append(
                    TrackType(
                        track_type_id=pendo_id(self.config.seed, "tracktype", app_id, j),
                        app_id=app_id,
                        name=name,
                        created_ms=created,
                        updated_ms=created + r.randint(0, 3) * 86_400_000,
                    )
                )
        return tuple(types)

    @cached_property
    def track_types_by_app(self) -> dict[int, tuple[TrackType, ...]]:
        return {app_id: tuple(t for t in self.track_types if t.app_id == app_id) for app_id in self.app_ids}

    @cached_property
    def guides(self) -> tuple[Guide, ...]:
        seed = self.config.seed
        n_days = len(self.days)
        guides = []
        for i in range(self.config.guides):
            r = rng(seed, "guide", i)
            is_nps = i == 1
            if i % 4 == 2 and i // 4 < len(HOSTILE_GUIDE_IDS):
                guide_id = HOSTILE_GUIDE_IDS[i // 4]
            else:
                guide_id = pendo_id(seed, "guide", i)
            app_id = self.app_ids[0] if i % 3 != 2 or len(self.app_ids) == 1 else self.app_ids[1]
            polls: tuple[Poll, ...] = ()
            if is_nps:
                polls = (
                    Poll(
                        pendo_id(seed, "poll", i, 0)[:11],
                        "How likely are you to recommend us to a friend?",
                        "NPSRating",
                    ),
                    Poll(
                        pendo_id(seed, "poll", i, 1)[:11],
                        "What is the main reason for your score?",
                        "FreeForm",
                    ),
                )
                n_steps = 3
            else:
                n_steps = 1 if i % 5 == 4 else r.randint(2, 5)
            steps = tuple(
                GuideStep(
                    step_id=pendo_id(seed, "step", guide_id, s),
                    guide_id=guide_id,
                    number=s + 1,
                    poll_ids=(polls[s].poll_id,) if is_nps and s < len(polls) else (),
                )
                for s in range(n_steps)
            )
            created = self.start_ms - r.randint(1, 60) * 86_400_000
            publish_day = min(n_days - 1, r.randrange(0, max(1, n_days // 2)))
            guides.append(
                Guide(
                    guide_id=guide_id,
                    index=i,
                    app_id=app_id,
                    name="Net Promoter Score survey" if is_nps else f"Guide {i}: {r.choice(PAGE_NAMES)} tour",
                    state="public" if i % 6 != 5 else "disabled",
                    launch_method="auto" if i % 3 != 1 else "badge",
                    steps=steps,
                    polls=polls,
                    publish_day=publish_day,
                    created_ms=created,
                    updated_ms=max(created, self.day_starts[publish_day] - r.randint(0, 3) * 3_600_000),
                    audience_share=0.5 + 0.4 * r.random(),
                    control_share=0.1 if i % 2 == 0 else 0.0,
                    advance_rate=0.55 + 0.3 * r.random(),
                    dismiss_rate=0.1 + 0.15 * r.random(),
                    snooze_rate=0.05 if n_steps > 1 else 0.0,
                )
            )
        return tuple(guides)

    # ------------------------------------------------------------------ activity

    def is_active(self, visitor: Visitor, day_index: int) -> bool:
        """Whether the visitor has any event on this local day."""
        if visitor.do_not_process or day_index < visitor.first_day:
            return False
        if visitor.churn_day is not None and day_index >= visitor.churn_day:
            return False
        if day_index == visitor.first_day and not visitor.existing:
            return True  # a new visitor exists in Pendo because they visited that day
        weekday = self.days[day_index].weekday()
        p = min(0.97, visitor.activity * WEEKDAY_FACTOR[weekday])
        return unit(self.config.seed, "active", visitor.index, day_index) < p

    def day_activity(self, visitor: Visitor, day_index: int) -> DayActivity | None:
        """Every aggregated cell of one visitor on one local day, or None when inactive.

        Only complete hours before `now` exist: the current hour is still being aggregated.
        """
        if not self.is_active(visitor, day_index):
            return None
        return self._day_activity(visitor.index, day_index)

    @lru_cache(maxsize=4096)  # noqa: B019 - one World lives for the life of a server; the cache is bounded
    def _day_activity(self, visitor_index: int, day_index: int) -> DayActivity | None:
        visitor = self.visitors[visitor_index]
        seed = self.config.seed
        r = rng(seed, "day", visitor_index, day_index)
        hours = self.clock.day_hours(self.days[day_index])
        n_hours = len(hours)
        sessions = 1 + min(3, int(r.paretovariate(2.0)) - 1 + (1 if visitor.activity > 0.5 else 0))
        cells: dict[tuple[int, int, int, str | None, str | None], list[int]] = {}
        features: dict[tuple[int, int, int, str], list[int]] = {}
        tracks: dict[tuple[int, int, int, str], list[int]] = {}
        minutes_used: dict[int, int] = {}
        for _ in range(sessions):
            app_id = r.choice(visitor.apps)
            device_index = r.randrange(len(visitor.devices))
            # Working hours in local time, computed as an offset from local midnight so DST days stay right.
            start = min(n_hours - 1, max(0, int(r.gauss(13, 3.5))))
            for hour_index in range(start, min(n_hours, start + r.randint(1, 3))):
                hour_ms = hours[hour_index]
                if hour_ms + HOUR_MS > self.now_ms:
                    continue
                for _page_visit in range(r.randint(1, 3)):
                    free = 60 - minutes_used.get(hour_ms, 0)
                    if free <= 0:
                        break
                    minutes = min(free, r.randint(1, 20))
                    minutes_used[hour_ms] = minutes_used.get(hour_ms, 0) + minutes
                    page = None if r.random() < 0.12 else r.choice(self.pages_by_app[app_id])
                    parameters = (
                        f"{page.parameter}={r.choice(('weekly', 'monthly'))}" if page and page.parameter else None
                    )
                    events = minutes * r.randint(1, 4) + r.randint(0, 3)
                    first = hour_ms + r.randrange(0, (60 - minutes + 1) * 60_000)
                    last = min(hour_ms + HOUR_MS - 1, first + (minutes - 1) * 60_000 + r.randrange(60_000))
                    key = (hour_ms, app_id, device_index, page.page_id if page else None, parameters)
                    _accumulate(cells, key, events, minutes, first, last)
                    if page is not None:
                        for feature in self.features_by_page.get(page.page_id, ()):
                            if r.random() < 0.45:
                                clicks = r.randint(1, 5)
                                click_minutes = min(minutes, r.randint(1, 3))
                                _accumulate(
                                    features,
                                    (hour_ms, app_id, device_index, feature.feature_id),
                                    clicks,
                                    click_minutes,
                                    first,
                                    min(last, first + click_minutes * 60_000),
                                )
                    if r.random() < 0.15 and self.track_types_by_app[app_id]:
                        track = r.choice(self.track_types_by_app[app_id])
                        _accumulate(tracks, (hour_ms, app_id, device_index, track.track_type_id), 1, 1, first, first)
        if not cells:
            return None
        return DayActivity(
            visitor=visitor,
            day_index=day_index,
            day_ms=self.day_starts[day_index],
            cells=tuple(
                Cell(
                    hour_ms=k[0],
                    app_id=k[1],
                    device=visitor.devices[k[2]],
                    page_id=k[3],
                    parameters=dict([k[4].split("=", 1)]) if k[4] else None,
                    num_events=v[0],
                    num_minutes=v[1],
                    first_time=v[2],
                    last_time=v[3],
                )
                for k, v in sorted(cells.items(), key=_cell_order)
            ),
            features=tuple(
                FeatureCell(k[0], k[1], visitor.devices[k[2]], k[3], *v) for k, v in sorted(features.items())
            ),
            tracks=tuple(
                TrackCell(
                    k[0],
                    k[1],
                    visitor.devices[k[2]],
                    k[3],
                    {"plan": self._visitor_plan(visitor), "source": "web"} if visitor.account_id else None,
                    *v,
                )
                for k, v in sorted(tracks.items())
            ),
        )

    def _visitor_plan(self, visitor: Visitor) -> str | None:
        account = self.accounts_by_id.get(visitor.account_id)
        return account.plan if account else None

    @cached_property
    def accounts_by_id(self) -> dict[str, Account]:
        return {a.account_id: a for a in self.accounts}

    def activities(self, start_ms: int, end_ms: int) -> Iterator[DayActivity]:
        """Day activity of every visitor for each local day that overlaps [start_ms, end_ms), day by day."""
        for day_index, day_ms in enumerate(self.day_starts):
            next_day = (
                self.day_starts[day_index + 1]
                if day_index + 1 < len(self.day_starts)
                else (self.clock.add_days(day_ms, 1))
            )
            if next_day <= start_ms or day_ms >= end_ms:
                continue
            for visitor in self.visitors:
                activity = self.day_activity(visitor, day_index)
                if activity is not None:
                    yield activity

    def first_and_last_activity(self, visitor: Visitor) -> tuple[int, int] | None:
        """(first_time, last_time) of the visitor's activity in the simulated period."""
        active = [d for d in range(len(self.days)) if self.is_active(visitor, d)]
        days = [self.day_activity(visitor, d) for d in (active[:2] + active[-2:])] if active else []
        days = [d for d in days if d is not None]
        if not days:
            return None
        return (
            min(c.first_time for d in days for c in d.cells),
            max(c.last_time for d in days for c in d.cells),
        )

    # ------------------------------------------------------------------ guides and polls

    @cached_property
    def guide_events(self) -> tuple[GuideEvent, ...]:
        """Every guide event, sorted by timestamp then type order (one row per event)."""
        events, _ = self._guide_and_poll_events
        return events

    @cached_property
    def poll_events(self) -> tuple[PollEvent, ...]:
        _, polls = self._guide_and_poll_events
        return polls

    @cached_property
    def _guide_and_poll_events(self) -> tuple[tuple[GuideEvent, ...], tuple[PollEvent, ...]]:
        events: list[GuideEvent] = []
        polls: list[PollEvent] = []
        for guide in self.guides:
            for visitor in self.visitors:
                if guide.app_id not in visitor.apps:
                    continue
                self._walk_guide(guide, visitor, events, polls)
        order = {t: n for n, t in enumerate(GUIDE_EVENT_TYPES)}
        events.sort(key=lambda e: (e.timestamp, e.guide.guide_id, e.visitor.visitor_id, e.step.number, order[e.type]))
        polls.sort(key=lambda e: (e.timestamp, e.poll.poll_id, e.visitor.visitor_id))
        return tuple(events), tuple(polls)

    def _exposure_times(self, guide: Guide, visitor: Visitor) -> Iterator[tuple[int, Device]]:
        """Moments the visitor is in the product and could be shown the guide, one per active day."""
        for day_index in range(guide.publish_day, len(self.days)):
            activity = self.day_activity(visitor, day_index)
            if activity is None:
                continue
            cells = [c for c in activity.cells if c.app_id == guide.app_id]
            if cells:
                yield cells[0].first_time, cells[0].device

    def _walk_guide(self, guide: Guide, visitor: Visitor, events: list[GuideEvent], polls: list[PollEvent]) -> None:
        seed = self.config.seed
        r = rng(seed, "walk", guide.guide_id, visitor.index)
        if r.random() >= guide.audience_share:
            return
        exposures = self._exposure_times(guide, visitor)
        first = next(exposures, None)
        if first is None:
            return
        t, device = first
        t += r.randrange(1, 120_000)
        reason = "auto" if guide.launch_method == "auto" else "badge"

        def emit(kind: str, step: GuideStep, at: int) -> None:
            if at < self.now_ms:
                events.append(GuideEvent(at, kind, guide, step, visitor, device, reason))

        if r.random() < guide.control_share:
            emit("guideNotSeen", guide.steps[0], t)
            return
        if r.random() < 0.03:
            emit("guideTimeout", guide.steps[0], t)
            return
        step_index = 1 if len(guide.steps) > 1 and r.random() < 0.04 else 0
        if step_index:
            reason = "launcher"  # opened mid-guide from the resource center
        while step_index < len(guide.steps):
            step = guide.steps[step_index]
            emit("guideSeen", step, t)
            if r.random() < 0.08:
                t += r.randrange(1_000, 600_000)
                emit("guideSeen", step, t)  # shown again, e.g. after a page reload
            if r.random() < 0.2:
                t += r.randrange(500, 30_000)
                emit("guideActivity", step, t)
            t += r.randrange(1_500, 90_000)
            decay = 0.93**step_index
            roll = r.random()
            if roll < guide.advance_rate * decay:
                for poll_id in step.poll_ids:
                    poll = next(p for p in guide.polls if p.poll_id == poll_id)
                    if r.random() < 0.85 and t < self.now_ms:
                        response = (
                            str(min(10, max(0, int(r.gauss(7.5, 2.5)))))
                            if poll.kind == "NPSRating"
                            else r.choice(
                                (
                                    "Love the reports",
                                    "Too slow on Mondays",
                                    "Needs an API",
                                    'Great "support"',
                                    "Pricing is confusing",
                                    "Very easy to use",
                                )
                            )
                        )
                        polls.append(PollEvent(t, guide, step, poll, visitor, device, response))
                emit("guideAdvanced", step, t)
                step_index += 1
                continue  # the next step is seen at the same millisecond as the advance
            if roll < guide.advance_rate * decay + guide.dismiss_rate:
                emit("guideDismissed", step, t)
                return
            if roll < guide.advance_rate * decay + guide.dismiss_rate + guide.snooze_rate:
                emit("guideSnoozed", step, t)
                later = next(exposures, None)
                if later is None or r.random() < 0.5:
                    return
                t, device = later
                t += r.randrange(1, 120_000)
                emit("guideSnoozeCanceled", step, t)
                continue  # shown again on a later day, from the same step
            return  # left without acting: the guide stays in progress


def _accumulate(table: dict, key: tuple, events: int, minutes: int, first: int, last: int) -> None:
    cell = table.get(key)
    if cell is None:
        table[key] = [events, minutes, first, last]
    else:
        cell[0] += events
        cell[1] += minutes
        cell[2] = min(cell[2], first)
        cell[3] = max(cell[3], last)


def _cell_order(item: tuple[tuple, list[int]]) -> tuple:
    (hour_ms, app_id, device, page_id, parameters), _ = item
    return (hour_ms, app_id, device, page_id or "", parameters or "")
