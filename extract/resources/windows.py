"""Time windows in the subscription's time zone: tiling a range, and halving a window that Pendo finds too large.

Pendo buckets `day` at local midnight and `hour` at the local hour of the subscription's time zone, and truncates
`timeSeries.first` to the start of its bucket (docs/pendo-api.md#time-buckets-and-time-zones). Windows are
aligned to those buckets so each query asks for exactly its own buckets. Correctness does not depend on the
alignment: every row is assigned to a window by a field of its own (its bucket, or its timestamp), so a wrong time
zone costs queries that touch two buckets, never rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Window:
    """[start, end) in epoch ms. `bucket` is set when the window is a slice of one day bucket (after a split)."""

    start: int
    end: int
    bucket: tuple[int, int] | None = None

    @property
    def hours(self) -> float:
        return (self.end - self.start) / HOUR_MS


class Calendar:
    """Bucket arithmetic in one IANA time zone."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)

    def local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(self.tz)

    def midnight(self, day: date) -> int:
        """Epoch ms of local midnight at the start of `day`."""
        return _ms(datetime(day.year, day.month, day.day, tzinfo=self.tz))

    def floor(self, ms: int, unit: str) -> int:
        """Start of the local day or hour that contains `ms`."""
        if unit == "day":
            return self.midnight(self.local(ms).date())
        local = self.local(ms)
        return _ms(local.replace(minute=0, second=0, microsecond=0))

    def add(self, ms: int, count: int, unit: str) -> int:
        """`count` local days after the local midnight `ms` (23 or 25 hours on DST days), or `count` hours."""
        if unit == "day":
            return self.midnight(self.local(ms).date() + timedelta(days=count))
        return ms + count * HOUR_MS

    def tile(self, start: int, end: int, count: int, unit: str) -> list[Window]:
        """Consecutive windows of `count` units from `start` to `end`, with no gap and no overlap."""
        windows = []
        low = start
        while low < end:
            # A `low` inside a unit (a backfill from mid-day) gives a short first window, then aligned ones.
            high = min(self.add(self.floor(low, unit), count, unit), end)
            windows.append(Window(low, high))
            low = high
        return windows

    def split(self, window: Window, unit: str) -> tuple[Window, Window] | None:
        """Two halves of `window` cut on a bucket (or, inside one day bucket, an hour) boundary; None at one hour.

        `unit` is the bucket the rows are grouped by: "day" or "hour" for aggregated sources, "hour" for single
        events. A window of several buckets is cut between buckets. A single day bucket is cut into hour slices
        that keep `bucket`, so the rows can still be told apart by their timestamps.
        """
        if window.end - window.start <= HOUR_MS:
            return None
        if window.bucket is None:
            first_bucket_end = self.add(self.floor(window.start, unit), 1, unit)
            if first_bucket_end < window.end:
                middle = self.floor(window.start + (window.end - window.start) // 2, unit)
                middle = max(middle, first_bucket_end)
                return Window(window.start, middle), Window(middle, window.end)
            if unit == "hour":
                return None
        bucket = window.bucket or (window.start, window.end)
        middle = self.floor(window.start + (window.end - window.start) // 2, "hour")
        if middle <= window.start:
            middle = window.start + HOUR_MS
        return Window(window.start, middle, bucket), Window(middle, window.end, bucket)

    def label(self, window: Window) -> str:
        """`2026-03-08 00:00 → 2026-03-09 00:00 (America/New_York)` for messages and progress."""
        return f"{self._local_text(window.start)} → {self._local_text(window.end)} ({self.timezone})"

    def _local_text(self, ms: int) -> str:
        return self.local(ms).strftime("%Y-%m-%d %H:%M")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def to_ms(moment: datetime) -> int:
    return _ms(moment)
