"""Which windows each event resource reads in this invocation, and how its cursor moves.

The cursor is kept here rather than in `dlt.sources.incremental` because it is not the largest value of a row field
but the end of the last window read whole (however Pendo made us split it), it must step back by the lookback on
every run so that changed rows are read again (incremental would drop them as already seen), and a backfill must
leave it untouched.

Regular runs: the cursor (end of the last loaded window, epoch ms) lives in the resource's dlt state and is committed
with the data. The first run reads from `start_date`; later runs from (cursor - lookback), so data Pendo changed
inside the lookback is read again and merged. Every run stops at (now - horizon), cut to a whole bucket.

Backfills (`make backfill START=… END=…`) read the given days and never touch the cursor.

One invocation may load in several packages (`rows_per_load`): a resource that reaches the limit stops at a window
boundary, its cursor is committed with that load, and the next load resumes from the next window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from extract.config import ConfigError, Settings
from extract.resources.registry import EventTable
from extract.resources.windows import Calendar, Window


@dataclass
class RunPlan:
    """Decided once per invocation and shared by its loads; `settings` and `now_ms` are set by the source."""

    backfill: tuple[date, date] | None = None
    settings: Settings | None = None
    now_ms: int = 0
    resume: dict[str, int] = field(default_factory=dict)  # table -> start of its next window in this invocation
    deferred: set[str] = field(default_factory=set)  # tables that stopped at rows_per_load and want another load

    @property
    def mode(self) -> str:
        return "backfill" if self.backfill else "run"

    @property
    def calendar(self) -> Calendar:
        assert self.settings is not None
        return Calendar(self.settings.timezone)

    def check_dates(self) -> None:
        """A first day after today (in the subscription time zone) is a mistake, not "nothing to load yet": say so
        rather than end a run that loaded nothing with success."""
        assert self.settings is not None
        today = self.calendar.local(self.now_ms).date()
        where = f"today is {today} in {self.settings.timezone}"
        if self.backfill and self.backfill[0] > today:
            raise ConfigError(f"a backfill's --start ({self.backfill[0]}) is in the future ({where})")
        if not self.backfill and self.settings.start_date > today:
            raise ConfigError(
                f"invalid sources.pendo.start_date {self.settings.start_date.isoformat()!r}: it is in the future "
                f"({where}); set the first day to load"
            )

    def bucket_unit(self, table: EventTable) -> str:
        """The bucket rows are grouped by: the period for aggregated sources, the hour for single events."""
        assert self.settings is not None
        return self.settings.period if table.aggregated else "hour"

    def until(self, table: EventTable) -> int:
        """Now minus the horizon, cut down to a whole bucket: an open bucket is never read."""
        assert self.settings is not None
        horizon_ms = int(self.settings.horizon.total_seconds() * 1000)
        return self.calendar.floor(self.now_ms - horizon_ms, self.bucket_unit(table))

    def first_ms(self) -> int:
        assert self.settings is not None
        return self.calendar.midnight(self.settings.start_date)

    def range(self, table: EventTable, state: dict[str, Any]) -> tuple[int, int]:
        """[start, end) of what `table` reads in this load."""
        assert self.settings is not None
        end = self.until(table)
        if self.backfill:
            start = self.calendar.midnight(self.backfill[0])
            end = min(end, self.calendar.midnight(self.backfill[1] + timedelta(days=1)))
        else:
            first = self.first_ms()
            cursor = state.get("cursor")
            if cursor is None or first < state.get("start", first):
                start = first  # a first run, or start_date moved earlier: read from start_date
            else:
                lookback_ms = int(self.settings.lookback.total_seconds() * 1000)
                start = max(first, self.calendar.floor(int(cursor) - lookback_ms, self.settings.window.unit))
        return self.resume.get(table.name, start), end

    def windows(self, table: EventTable, state: dict[str, Any]) -> list[Window]:
        assert self.settings is not None
        start, end = self.range(table, state)
        return self.calendar.tile(start, end, self.settings.window.count, self.settings.window.unit)

    def window_done(self, table: EventTable, state: dict[str, Any], window: Window) -> None:
        """Record a fully read window: resume point for this invocation and, in regular runs, the cursor."""
        assert self.settings is not None
        self.resume[table.name] = window.end
        if self.backfill:
            return
        first = self.first_ms()
        cursor = state.get("cursor")
        if cursor is None or window.end >= int(cursor):
            # Everything from start_date up to here is loaded (a start_date moved earlier is fully re-read).
            state["start"] = min(int(state.get("start", first)), first)
        state["cursor"] = max(int(cursor if cursor is not None else window.end), window.end)
        if table.aggregated:
            state["period"] = self.settings.period
