"""The data a benchmark runs on: a simulated subscription of a given size, and the days the extractor reads of it.

The default scale is 51,000 visitors over 30 days, which holds just over 1,000,000 `events` rows (day buckets, every
app) plus page, feature and track events, guide and poll events and the entities. Scaling multiplies the visitors
(and the accounts with them), so 2x is twice the rows of every table over the same days.

The simulator's clock is pinned (`NOW`), and its world holds one day more than the extractor reads: the day of `NOW`
is still open, and the extractor's horizon leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TIMEZONE = "America/New_York"
DEFAULT_VISITORS = 51_000
DEFAULT_DAYS = 30
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Scale:
    """A world (`visitors`, `days` full days before `now`) and the name results use for it."""

    visitors: int = DEFAULT_VISITORS
    days: int = DEFAULT_DAYS
    seed: int = DEFAULT_SEED
    now: datetime = NOW

    @property
    def accounts(self) -> int:
        return max(40, self.visitors // 100)

    @property
    def first_day(self) -> date:
        """The first day the extractor reads (subscription time zone)."""
        return self.now.astimezone(ZoneInfo(TIMEZONE)).date() - timedelta(days=self.days)

    @property
    def now_text(self) -> str:
        return self.now.isoformat().replace("+00:00", "Z")

    def times(self, factor: int) -> Scale:
        return replace(self, visitors=self.visitors * factor)

    def world_flags(self) -> list[str]:
        """`--seed … --now …` for the simulator: the world holds the read days plus the open day of `now`."""
        return [
            *("--seed", str(self.seed), "--visitors", str(self.visitors), "--accounts", str(self.accounts)),
            *("--days", str(self.days + 1), "--now", self.now_text),
        ]

    def label(self) -> str:
        return f"{self.visitors:,} visitors x {self.days} days"
