"""Time buckets in the subscription's time zone.

Pendo starts every `day` bucket at local midnight of the subscription's time zone, so a day lasts 23 or 25 hours
on DST changes, and every `hour` bucket at a local hour (`../shared/notes/pendo-api.md` §6). All values are epoch
milliseconds, as the API speaks them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def ms_to_utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def utc_to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class Clock:
    """Bucket arithmetic for one subscription time zone."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)

    def local_date(self, ms: int) -> date:
        return ms_to_utc(ms).astimezone(self.tz).date()

    def day_start(self, local_day: date) -> int:
        """Epoch ms of local midnight starting `local_day`."""
        return utc_to_ms(datetime(local_day.year, local_day.month, local_day.day, tzinfo=self.tz))

    def day_bucket(self, ms: int) -> int:
        """Start of the local day that contains `ms`."""
        return self.day_start(self.local_date(ms))

    def hour_bucket(self, ms: int) -> int:
        """Start of the local hour that contains `ms` (whole-hour offsets make this a UTC hour too)."""
        local = ms_to_utc(ms).astimezone(self.tz)
        return utc_to_ms(local.replace(minute=0, second=0, microsecond=0))

    def add_days(self, day_ms: int, days: int) -> int:
        """Local midnight `days` days after the local midnight `day_ms` (DST-aware)."""
        return self.day_start(self.local_date(day_ms) + timedelta(days=days))

    def day_hours(self, local_day: date) -> list[int]:
        """Start of every hour bucket of a local day: 23 on spring-forward days, 25 on fall-back days."""
        start = self.day_start(local_day)
        end = self.day_start(local_day + timedelta(days=1))
        return list(range(start, end, HOUR_MS))
