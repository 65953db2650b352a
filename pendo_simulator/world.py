"""The simulated Pendo subscription: every record the fake API serves, generated deterministically from a seed.

The record classes live in `records.py`; this module generates them. Nothing here knows about HTTP. `rows.py` turns
these records into Pendo-shaped rows, and `truth.py` computes the true metrics from the same records, so the two
cannot disagree by having two code paths.

Randomness is keyed, not sequential: each decision draws from a generator seeded by a hash of (seed, what, who,
when). So any day of any visitor can be generated on its own, in any order, and a window of the API is generated
lazily without materialising the whole history. The same seed and config always give the same records.

The unit of activity is a *visit*: one visitor on one page (or untagged, page None) of one app on one device,
inside one local hour, with its events, distinct minutes and first/last timestamps. Aggregated rows (`events`,
`pageEvents`) are sums of visits per bucket and dimensions; feature clicks and track events hang off visits, and
guides are shown at the visitor's first visit of the guide's app on a day. The world ends at `now`: a visit still
running at `now` is cut there (the current hour is partial), and nothing happens after it.

Realism: weekday seasonality (`WEEKDAY_FACTOR`), heavy-tailed engagement and session counts (Pareto),
visitors who are new during the period or churn out of it, anonymous `_PENDO_T_` visitors, identified visitors
without an account (empty `accountId`), two apps, hostile ids, `pendo.donotprocess` visitors (no events at all),
multi-step guides with decaying advance rates, dismissals, snoozes, timeouts and a control group (`guideNotSeen`),
an NPS guide with a 0-10 poll and a free-text follow-up. The guide walks themselves are in `guide_walks.py`.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import operator
import random
from array import array
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from pendo_simulator import changes
from pendo_simulator.clock import DAY_MS, HOUR_MS, MINUTE_MS, Clock, utc_to_ms
from pendo_simulator.records import (
    Account,
    Device,
    Feature,
    FeatureClick,
    Guide,
    GuideEvent,
    GuideStep,
    Page,
    Poll,
    PollEvent,
    TrackHit,
    TrackType,
    Visit,
    Visitor,
    VisitorSpan,
)
from pendo_simulator.vocabulary import (
    APP_IDS,
    BROWSERS,
    DEFAULT_APP_ID,
    DEPARTMENTS,
    FEATURE_VERBS,
    GEO,
    GUIDE_EVENT_TYPES,
    HOSTILE_ACCOUNT_IDS,
    HOSTILE_GUIDE_IDS,
    HOSTILE_VISITOR_IDS,
    INDUSTRIES,
    LANGUAGES,
    PAGE_NAMES,
    PLANS,
    ROLES,
    TRACK_TYPE_NAMES,
    WEEKDAY_FACTOR,
)

if TYPE_CHECKING:
    from pendo_simulator.fixtures import Fixtures

__all__ = ["APP_IDS", "DEFAULT_APP_ID", "GUIDE_EVENT_TYPES", "World", "WorldConfig"]

ANONYMOUS_PREFIX = "_PENDO_T_"


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


_new_tuple = tuple.__new__  # builds a NamedTuple without the Python-level __new__ frame (hot path)
_first_item = operator.itemgetter(0)


def cut(first: int, last: int, events: int, minutes: int, cutoff: int) -> tuple[int, int, int] | None:
    """(events, minutes, last) of the part of a span that happened before `cutoff`, or None if none did.

    Minutes count the distinct minutes started before the cutoff; events shrink in proportion. Both only grow as
    the cutoff moves later, which is how the current hour's aggregates grow on later calls.
    """
    if last < cutoff:
        return events, minutes, last
    if first >= cutoff:
        return None
    seen_minutes = max(1, min(minutes, (cutoff - 1 - first) // MINUTE_MS + 1))
    return max(1, events * seen_minutes // minutes), seen_minutes, cutoff - 1


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
    # Sparse and messy subscriptions (pendo_simulator/profiles.py sets these by name).
    events: bool = True  # False: nobody has visited yet, so no event of any kind
    track_events: bool = True  # False: no track types, so no track events
    polls: bool = True  # False: the NPS guide has no polls, so no poll events
    event_times: bool = True  # False: aggregated rows carry no firstTime/lastTime
    anonymous_only: bool = False  # every visitor anonymous
    orphans: bool = False  # entity sources leave out some pages, features, a guide step, visitors, accounts
    drafts: bool = False  # draft and staged guides, publishedAt 0
    odd_poll_type: bool = False  # poll events typed ui:web:pollResponse with appId null
    # Plans, roles and names that change at this instant (pendo_simulator/changes.py); None: nothing changes.
    attribute_change_at: datetime | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.apps <= len(APP_IDS):
            raise ValueError(f"apps must be between 1 and {len(APP_IDS)}")
        for name in ("visitors", "accounts", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.guides < 0:
            raise ValueError("guides must be at least 0")
        if self.now.tzinfo is None:
            raise ValueError("now must carry a time zone")


class World:
    """All records of one simulated subscription."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.clock = Clock(config.timezone)
        self.now_ms = utc_to_ms(config.now)
        last_day = self.clock.local_date(self.now_ms)
        self.days: tuple[date, ...] = tuple(
            last_day - timedelta(days=offset) for offset in range(config.days - 1, -1, -1)
        )
        self.day_starts: tuple[int, ...] = tuple(self.clock.day_start(d) for d in self.days)
        self.day_ends: tuple[int, ...] = (*self.day_starts[1:], self.clock.day_start(last_day + timedelta(days=1)))
        self.day_hours: tuple[tuple[int, ...], ...] = tuple(tuple(self.clock.day_hours(d)) for d in self.days)
        self.start_ms = self.day_starts[0]
        self.app_ids: tuple[int, ...] = APP_IDS[: config.apps]
        self.fixtures: Fixtures | None = None  # replay mode: serve these rows instead of generated ones

    def day_indexes(self, start_ms: int, end_ms: int) -> range:
        """Indexes of the local days that overlap [start_ms, end_ms)."""
        first = bisect.bisect_right(self.day_ends, start_ms)
        last = bisect.bisect_left(self.day_starts, end_ms)
        return range(first, max(first, last))

    # ------------------------------------------------------------------ entities

    @cached_property
    def accounts(self) -> tuple[Account, ...]:
        accounts = []
        for i in range(self.config.accounts):
            hostile = i % 7 == 3 and i // 7 < len(HOSTILE_ACCOUNT_IDS)
            r = rng(self.seed, "account", i)
            accounts.append(
                Account(
                    account_id=HOSTILE_ACCOUNT_IDS[i // 7] if hostile else f"acct-{i:04d}",
                    index=i,
                    plan=r.choice(PLANS),
                    industry=r.choice(INDUSTRIES),
                    name=f"Company {i}",
                    created_ms=self.start_ms - r.randint(30, 900) * DAY_MS - r.randrange(DAY_MS),
                    seats=int(5 * r.paretovariate(1.1)),
                )
            )
        return tuple(changes.account(self, account) for account in accounts)

    @cached_property
    def accounts_by_id(self) -> dict[str, Account]:
        return {a.account_id: a for a in self.accounts}

    @cached_property
    def visitors(self) -> tuple[Visitor, ...]:
        return tuple(changes.visitor(self, self._visitor(i)) for i in range(self.config.visitors))

    def _visitor(self, i: int) -> Visitor:
        r = rng(self.seed, "visitor", i)
        n_days = len(self.days)
        # Every 11th visitor from the 6th carries a hostile id; they are identified and known to Pendo.
        hostile = i % 11 == 5 and i // 11 < len(HOSTILE_VISITOR_IDS)
        anonymous = (r.random() < 0.15 and not hostile) or self.config.anonymous_only
        hostile = hostile and not anonymous
        if anonymous:
            visitor_id = f"{ANONYMOUS_PREFIX}{pendo_id(self.seed, 'anon', i)[:12]}"
            account_id = ""
        else:
            visitor_id = HOSTILE_VISITOR_IDS[i // 11] if hostile else f"user-{i:05d}"
            # Heavy-tailed account sizes: a few big accounts, many small ones.
            if r.random() < 0.05:
                account_id = ""
            elif r.random() < 0.5:
                account_id = self.accounts[min(int(r.paretovariate(1.2)) - 1, len(self.accounts) - 1)].account_id
            else:
                account_id = self.accounts[r.randrange(len(self.accounts))].account_id
        existing = r.random() < 0.6 or hostile  # visited before the simulated period began
        first_day = 0 if existing else r.randrange(n_days)
        churn_day = r.randrange(first_day + 1, n_days + 1) if r.random() < 0.2 else None
        if churn_day == n_days:
            churn_day = None
        # Heavy-tailed engagement: most visitors are occasional, a few use the product every day.
        activity = min(0.95, 0.04 + 0.08 * r.paretovariate(1.5))
        apps: tuple[int, ...] = (self.app_ids[0],)
        if len(self.app_ids) > 1 and r.random() >= 0.7:
            apps = tuple(sorted(r.sample(self.app_ids, 2), key=self.app_ids.index))
        if len(self.app_ids) > 1 and r.random() < 0.1:
            apps = (self.app_ids[1],)
        devices = tuple(self._device(r, n) for n in range(1 if r.random() < 0.8 else 2))
        return Visitor(
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
            do_not_process=existing and not anonymous and r.random() < 0.03,
            email=None if anonymous else f"visitor{i}@example.com",
            language=r.choice(LANGUAGES),
            role=r.choice(ROLES),
            department=r.choice(DEPARTMENTS),
            geo=r.choice(GEO),
            prior_first_visit=self.start_ms - r.randint(1, 400) * DAY_MS - r.randrange(DAY_MS),
        )

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
                r = rng(self.seed, "page", app_id, j)
                created = self.start_ms - r.randint(10, 400) * DAY_MS
                pages.append(
                    Page(
                        page_id=pendo_id(self.seed, "page", app_id, j),
                        app_id=app_id,
                        name=name if app_index == 0 else f"{name} (mobile)",
                        path="/" + name.lower().replace(" ", "-"),
                        created_ms=created,
                        updated_ms=created + r.randint(0, 9) * DAY_MS,
                        parameter="report" if name == "Reports" else None,
                    )
                )
        return tuple(changes.renamed(self, page, i == 0) for i, page in enumerate(pages))

    @cached_property
    def pages_by_app(self) -> dict[int, tuple[Page, ...]]:
        return {app_id: tuple(p for p in self.pages if p.app_id == app_id) for app_id in self.app_ids}

    @cached_property
    def features(self) -> tuple[Feature, ...]:
        features = []
        for page in self.pages:
            r = rng(self.seed, "features", page.page_id)
            page_name = page.name.removesuffix(changes.RENAMED_SUFFIX)  # a renamed page keeps its features' names
            for k in range(r.randint(1, 3)):
                verb = FEATURE_VERBS[(k + len(page_name)) % len(FEATURE_VERBS)]
                created = page.created_ms + r.randint(0, 30) * DAY_MS
                features.append(
                    Feature(
                        feature_id=pendo_id(self.seed, "feature", page.page_id, k),
                        app_id=page.app_id,
                        page_id=page.page_id,
                        name=f"{page_name}: {verb} button",
                        created_ms=created,
                        updated_ms=created + r.randint(0, 5) * DAY_MS,
                    )
                )
        return tuple(changes.renamed(self, feature, i == 0) for i, feature in enumerate(features))

    @cached_property
    def features_by_page(self) -> dict[str, tuple[Feature, ...]]:
        grouped: dict[str, list[Feature]] = {}
        for feature in self.features:
            grouped.setdefault(feature.page_id, []).append(feature)
        return {page_id: tuple(fs) for page_id, fs in grouped.items()}

    @cached_property
    def track_types(self) -> tuple[TrackType, ...]:
        types: list[TrackType] = []
        if not self.config.track_events:
            return ()
        for app_index, app_id in enumerate(self.app_ids):
            for j, name in enumerate(TRACK_TYPE_NAMES[: 4 if app_index == 0 else 2]):
                r = rng(self.seed, "tracktype", app_id, j)
                created = self.start_ms - r.randint(10, 200) * DAY_MS
                types.append(
                    TrackType(
                        track_type_id=pendo_id(self.seed, "tracktype", app_id, j),
                        app_id=app_id,
                        name=name,
                        created_ms=created,
                        updated_ms=created + r.randint(0, 3) * DAY_MS,
                    )
                )
        return tuple(types)

    @cached_property
    def track_types_by_app(self) -> dict[int, tuple[TrackType, ...]]:
        return {app_id: tuple(t for t in self.track_types if t.app_id == app_id) for app_id in self.app_ids}

    @cached_property
    def guides(self) -> tuple[Guide, ...]:
        return tuple(changes.renamed(self, self._guide(i), i == 0) for i in range(self.config.guides))

    def _guide(self, i: int) -> Guide:
        seed = self.seed
        n_days = len(self.days)
        r = rng(seed, "guide", i)
        is_nps = i == 1
        hostile = i % 4 == 2 and i // 4 < len(HOSTILE_GUIDE_IDS)
        guide_id = HOSTILE_GUIDE_IDS[i // 4] if hostile else pendo_id(seed, "guide", i)
        app_id = self.app_ids[0] if i % 3 != 2 or len(self.app_ids) == 1 else self.app_ids[1]
        polls: tuple[Poll, ...] = ()
        if is_nps and self.config.polls:
            polls = (
                Poll(pendo_id(seed, "poll", i, 0)[:11], "How likely are you to recommend us to a friend?", "NPSRating"),
                Poll(pendo_id(seed, "poll", i, 1)[:11], "What is the main reason for your score?", "FreeForm"),
            )
            n_steps = 3
        else:
            n_steps = 1 if i % 5 == 4 else r.randint(2, 5)
        branches = i % 5 == 0  # every fifth guide branches: step 1 can send the visitor straight to step 3
        if branches:
            n_steps = max(3, n_steps)
        steps = tuple(
            GuideStep(
                step_id=pendo_id(seed, "step", guide_id, s),
                guide_id=guide_id,
                number=s + 1,
                poll_ids=(polls[s].poll_id,) if is_nps and s < len(polls) else (),
            )
            for s in range(n_steps)
        )
        created = self.start_ms - r.randint(1, 60) * DAY_MS
        publish_day = min(n_days - 1, r.randrange(0, max(1, n_days // 2)))
        # Guide 2 of every five (one with a control group) is reset half-way through its life: its held-out visitors
        # are shown it again after the reset.
        reset_day = publish_day + max(1, (n_days - publish_day) // 2)
        reset_ms = self.day_starts[reset_day] + 9 * HOUR_MS if i % 5 == 2 and reset_day < n_days else None
        return Guide(
            guide_id=guide_id,
            index=i,
            app_id=app_id,
            name="Net Promoter Score survey" if is_nps else f"Guide {i}: {r.choice(PAGE_NAMES)} tour",
            state=self._guide_state(i),
            launch_method="auto" if i % 3 != 1 else "badge",
            steps=steps,
            polls=polls,
            publish_day=publish_day,
            created_ms=created,
            updated_ms=max(created, self.day_starts[publish_day] - r.randint(0, 3) * HOUR_MS),
            audience_share=0.5 + 0.4 * r.random(),
            control_share=0.1 if i % 2 == 0 else 0.0,
            advance_rate=0.55 + 0.3 * r.random(),
            dismiss_rate=0.1 + 0.15 * r.random(),
            snooze_rate=0.05 if n_steps > 1 else 0.0,
            branch=(1, 3) if branches else None,
            reset_ms=reset_ms,
        )

    def _guide_state(self, i: int) -> str:
        if self.config.drafts and i % 3 == 0:
            return "draft" if i % 2 == 0 else "staged"
        return "disabled" if i % 5 == 3 else "staged" if i % 7 == 6 else "public"

    @staticmethod
    def is_published(guide: Guide) -> bool:
        """Draft and staged guides have never been published: Pendo sends publishedAt 0 for them."""
        return guide.state not in ("draft", "staged")

    # ------------------------------------------------------------------ orphans (the `orphans` profile)

    def is_page_listed(self, page_id: str) -> bool:
        """Deleted pages (every fifth) keep their old events but are no longer listed by `pages`."""
        return not self.config.orphans or self.pages.index(self._pages_by_id[page_id]) % 5 != 4

    @cached_property
    def _pages_by_id(self) -> dict[str, Page]:
        return {page.page_id: page for page in self.pages}

    def is_feature_listed(self, feature: Feature) -> bool:
        """Features of deleted pages are deleted with them."""
        return self.is_page_listed(feature.page_id)

    def listed_steps(self, guide: Guide) -> tuple[GuideStep, ...]:
        """The steps `guides` lists: with orphans, the last step of a guide of three or more was removed."""
        if self.config.orphans and len(guide.steps) >= 3:
            return guide.steps[:-1]
        return guide.steps

    def is_visitor_listed(self, visitor: Visitor) -> bool:
        """With orphans, every seventh visitor is missing from `visitors` (as donotprocess or unidentified ones are)."""
        return not self.config.orphans or visitor.index % 7 != 2

    def is_account_listed(self, account: Account) -> bool:
        """With orphans, every fourth account is seen only on events."""
        return not self.config.orphans or account.index % 4 != 1

    # ------------------------------------------------------------------ activity

    @lru_cache(maxsize=64)  # noqa: B019 - one World lives as long as its server; the cache is bounded
    def _activity_draws(self, day_index: int) -> array:
        """One uniform draw per visitor for this day (a compact array: cheap even for 100k visitors)."""
        r = rng(self.seed, "active", day_index)
        return array("d", (r.random() for _ in range(self.config.visitors)))

    def is_active(self, visitor_index: int, day_index: int) -> bool:
        """Whether the visitor may have activity this local day (visits() can still be empty after `now`)."""
        visitor = self.visitors[visitor_index]
        if not self.config.events or visitor.do_not_process or day_index < visitor.first_day:
            return False
        if visitor.churn_day is not None and day_index >= visitor.churn_day:
            return False
        if day_index == visitor.first_day and not visitor.existing:
            return True  # a new visitor exists in Pendo because they visited that day
        p = visitor.activity * WEEKDAY_FACTOR[self.days[day_index].weekday()]
        return self._activity_draws(day_index)[visitor_index] < min(0.97, p)

    def visits(self, visitor_index: int, day_index: int) -> tuple[Visit, ...]:
        """Every visit of one visitor on one local day, in time order, cut at `now`; empty when inactive."""
        if not self.is_active(visitor_index, day_index):
            return ()
        return self._visits(visitor_index, day_index)

    @lru_cache(maxsize=8192)  # noqa: B019 - bounded; keeps truth and repeated windows cheap
    def _visits(self, visitor_index: int, day_index: int) -> tuple[Visit, ...]:
        visitor = self.visitors[visitor_index]
        r = rng(self.seed, "day", visitor_index, day_index)
        rand = r.random
        hours = self.day_hours[day_index]
        n_hours = len(hours)
        now = self.now_ms
        apps, devices = visitor.apps, visitor.devices
        sessions = 1 + min(3, int(r.paretovariate(2.0)) - 1 + (1 if visitor.activity > 0.5 else 0))
        minutes_used: dict[int, int] = {}
        drafts: list[tuple[int, int, Device, str | None, str | None, int, int, int, int]] = []
        for _ in range(sessions):
            app_id = apps[int(rand() * len(apps))]
            device = devices[int(rand() * len(devices))]
            pages = self.pages_by_app[app_id]
            # Working hours in local time, as an offset from local midnight so DST days stay right.
            start = min(n_hours - 1, max(0, int(r.gauss(13, 3.5))))
            for hour_index in range(start, min(n_hours, start + 1 + int(rand() * 3))):
                hour_ms = hours[hour_index]
                for _visit in range(1 + int(rand() * 3)):
                    used = minutes_used.get(hour_ms, 0)
                    if used >= 60:
                        break
                    minutes = min(60 - used, 1 + int(rand() * 20))
                    minutes_used[hour_ms] = used + minutes
                    page = None if rand() < 0.12 else pages[int(rand() * len(pages))]
                    parameters = None
                    if page is not None and page.parameter:
                        parameters = f"{page.parameter}={'weekly' if rand() < 0.5 else 'monthly'}"
                    events = minutes * (1 + int(rand() * 4)) + int(rand() * 4)
                    first = hour_ms + int(rand() * (60 - minutes + 1) * MINUTE_MS)
                    last = min(hour_ms + HOUR_MS - 1, first + (minutes - 1) * MINUTE_MS + int(rand() * MINUTE_MS))
                    page_id = page.page_id if page is not None else None
                    drafts.append((first, hour_ms, device, page_id, parameters, events, minutes, last, app_id))
        drafts.sort(key=_first_item)
        visits = []
        for ordinal, (first, hour_ms, device, page_id, parameters, events, minutes, last, app_id) in enumerate(drafts):
            if last >= now:  # still running at `now`: keep the part before it
                seen = cut(first, last, events, minutes, now)
                if seen is None:
                    continue
                events, minutes, last = seen
            visits.append(
                _new_tuple(
                    Visit,
                    (
                        visitor_index,
                        day_index,
                        ordinal,
                        hour_ms,
                        app_id,
                        device,
                        page_id,
                        parameters,
                        events,
                        minutes,
                        first,
                        last,
                    ),
                )
            )
        return tuple(visits)

    def feature_clicks(self, visitor_index: int, day_index: int) -> tuple[FeatureClick, ...]:
        """Clicks on tagged features during the day's visits (inside each visit's time span)."""
        visits = self.visits(visitor_index, day_index)
        if not visits:
            return ()
        r = rng(self.seed, "clicks", visitor_index, day_index)
        rand = r.random
        clicks = []
        for visit in visits:
            if visit.page_id is None:
                continue
            for feature in self.features_by_page.get(visit.page_id, ()):
                if rand() >= 0.45:
                    continue
                count = 1 + int(rand() * 5)
                minutes = min(visit.num_minutes, 1 + int(rand() * 3))
                first = visit.first_time + int(rand() * (visit.last_time - visit.first_time + 1))
                last = min(visit.last_time, first + minutes * MINUTE_MS - 1)
                minutes = min(minutes, (last - first) // MINUTE_MS + 1)
                clicks.append(
                    FeatureClick(
                        visitor_index,
                        day_index,
                        len(clicks),
                        visit.hour_ms,
                        visit.app_id,
                        visit.device,
                        feature.feature_id,
                        count,
                        minutes,
                        first,
                        last,
                    )
                )
        return tuple(clicks)

    def track_hits(self, visitor_index: int, day_index: int) -> tuple[TrackHit, ...]:
        """Track events sent during the day's visits (one event, one minute each)."""
        visits = self.visits(visitor_index, day_index)
        if not visits:
            return ()
        visitor = self.visitors[visitor_index]
        account = self.accounts_by_id.get(visitor.account_id)
        properties = {"plan": account.plan, "source": "web"} if account else None
        r = rng(self.seed, "tracks", visitor_index, day_index)
        rand = r.random
        hits = []
        for visit in visits:
            types = self.track_types_by_app[visit.app_id]
            if rand() >= 0.15 or not types:
                continue
            track = types[int(rand() * len(types))]
            at = visit.first_time + int(rand() * (visit.last_time - visit.first_time + 1))
            hits.append(
                TrackHit(
                    visitor_index,
                    day_index,
                    len(hits),
                    visit.hour_ms,
                    visit.app_id,
                    visit.device,
                    track.track_type_id,
                    properties,
                    at,
                )
            )
        return tuple(hits)

    @lru_cache(maxsize=65536)  # noqa: B019 - bounded; one entry per visitor
    def visitor_span(self, visitor_index: int) -> VisitorSpan | None:
        """First and last visit in the simulated period (None: no activity in it)."""
        first = last = None
        per_app: dict[int, tuple[int, int]] = {}
        for day_index in range(len(self.days)):
            for visit in self.visits(visitor_index, day_index):
                first = visit.first_time if first is None else min(first, visit.first_time)
                last = visit.last_time if last is None else max(last, visit.last_time)
                app_first, app_last = per_app.get(visit.app_id, (visit.first_time, visit.last_time))
                per_app[visit.app_id] = (min(app_first, visit.first_time), max(app_last, visit.last_time))
        if first is None or last is None:
            return None
        return VisitorSpan(first, last, per_app)

    def visitor_exists(self, visitor: Visitor) -> bool:
        """Pendo knows a visitor once they have visited: before the period, or during it before `now`."""
        return visitor.existing or self.visitor_span(visitor.index) is not None

    # ------------------------------------------------------------------ guides and polls

    @cached_property
    def guide_events(self) -> tuple[GuideEvent, ...]:
        """Every guide event in time order (one row per event)."""
        return self._guide_and_poll_events[0]

    @cached_property
    def poll_events(self) -> tuple[PollEvent, ...]:
        return self._guide_and_poll_events[1]

    @cached_property
    def guide_event_times(self) -> list[int]:
        return [event.timestamp for event in self.guide_events]

    @cached_property
    def poll_event_times(self) -> list[int]:
        return [event.timestamp for event in self.poll_events]

    @cached_property
    def _guide_and_poll_events(self) -> tuple[tuple[GuideEvent, ...], tuple[PollEvent, ...]]:
        from pendo_simulator.guide_walks import walk_all  # walks need the whole World, so import late

        return walk_all(self)
