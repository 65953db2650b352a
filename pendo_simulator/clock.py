"""Time buckets in the subscription's time zone.

Pendo starts every `day` bucket at local midnight of the subscription's time zone, so a day lasts 23 or 25 hours
on DST changes, and every `hour` bucket at a local hour (`docs/pendo-api.md#time-buckets-and-time-zones`).
Weeks start on local Sunday midnight and months on the local first of the month. All values are epoch
milliseconds, as the API speaks them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE_MS = 60_000
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

    def local(self, ms: int) -> datetime:
        return ms_to_utc(ms).astimezone(self.tz)

    def local_date(self, ms: int) -> date:
        return self.local(ms).date()

    def day_start(self, local_day: date) -> int:
        """Epoch ms of local midnight starting `local_day`."""
        return utc_to_ms(datetime(local_day.year, local_day.month, local_day.day, tzinfo=self.tz))

    def local_time(self, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
        """Epoch ms of a local wall-clock time (the earlier instant when the time is ambiguous)."""
        return utc_to_ms(datetime(year, month, day, hour, minute, second, tzinfo=self.tz))

    def day_bucket(self, ms: int) -> int:
        """Start of the local day that contains `ms`."""
        return self.day_start(self.local_date(ms))

    def hour_bucket(self, ms: int) -> int:
        """Start of the local hour that contains `ms` (whole-hour offsets make this a UTC hour too)."""
        local = self.local(ms)
        return utc_to_ms(local.replace(minute=0, second=0, microsecond=0))

    def week_bucket(self, ms: int) -> int:
        """Local Sunday midnight starting the week that contains `ms`."""
        day = self.local_date(ms)
        return self.day_start(day - timedelta(days=(day.weekday() + 1) % 7))

    def month_bucket(self, ms: int) -> int:
        """Local midnight of the first of the month that contains `ms`."""
        return self.day_start(self.local_date(ms).replace(day=1))

    def add_days(self, day_ms: int, days: int) -> int:
        """Local midnight `days` days after the local midnight `day_ms` (DST-aware)."""
        return self.day_start(self.local_date(day_ms) + timedelta(days=days))

    def add_calendar(self, ms: int, amount: int, unit: str) -> int:
        """`ms` moved by whole calendar units, keeping the local wall-clock time for days, weeks and months."""
        if unit == "minutes":
            return ms + amount * MINUTE_MS
        if unit == "hours":
            return ms + amount * HOUR_MS
        local = self.local(ms).replace(tzinfo=None)
        if unit == "days":
            moved = local + timedelta(days=amount)
        elif unit == "weeks":
            moved = local + timedelta(weeks=amount)
        elif unit == "months":
            month_index = local.year * 12 + local.month - 1 + amount
            year, month = divmod(month_index, 12)
            month += 1
            last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
            moved = local.replace(year=year, month=month, day=min(local.day, last_day))
        else:
            raise ValueError(f"unknown calendar unit: {unit}")
        return utc_to_ms(moved.replace(tzinfo=self.tz))

    def day_hours(self, local_day: date) -> list[int]:
        """Start of every hour bucket of a local day: 23 on spring-forward days, 25 on fall-back days."""
        start = self.day_start(local_day)
        end = self.day_start(local_day + timedelta(days=1))
        return list(range(start, end, HOUR_MS))
