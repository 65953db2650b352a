"""What the API shows at one moment: ingest lag, the partial current hour, and late-arriving records.

The world is the final state: everything that happened before `now`. The server shows a `View` of it:
- a record is processed only `ingest_lag` after it happens, so events after `cutoff = server clock - lag` are
  hidden, and a visit that straddles the cutoff is shown in part (its numEvents/numMinutes/lastTime grow on later
  calls, see `world.cut`);
- with `late_share > 0`, that share of records (chosen by a hash of the seed and the record's identity) arrives
  between one hour and `late_max` (default 9 days, Pendo's reprocessing horizon) after it happened: they appear in
  past buckets only once the cutoff has passed their arrival, so a later call sees rows an earlier one missed.

Advancing the server clock (`POST /_simulator/clock`) moves the cutoff; once it is past `now + late_max` the view is
the final state, the one `truth` describes. Without lag and late rows the view is the final state from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from pendo_simulator.clock import DAY_MS, HOUR_MS
from pendo_simulator.world import cut, unit

DEFAULT_LATE_MAX_MS = 9 * DAY_MS


@dataclass(frozen=True)
class View:
    seed: int
    cutoff_ms: int  # events at or after this instant are not processed yet
    late_share: float = 0.0  # share of records that arrive late
    late_max_ms: int = DEFAULT_LATE_MAX_MS
    complete: bool = True  # nothing is hidden: the view is the world's final state
    schema_drift: bool = False  # entity rows carry the metadata drift (entities.py, the `schema_drift` knob)

    @classmethod
    def at(
        cls,
        seed: int,
        world_now_ms: int,
        server_now_ms: int,
        lag_ms: int,
        late_share: float,
        late_max_ms: int,
        schema_drift: bool = False,
    ):
        cutoff = server_now_ms - lag_ms
        complete = cutoff >= world_now_ms and (late_share <= 0 or cutoff >= world_now_ms + late_max_ms)
        return cls(seed, cutoff, late_share, late_max_ms, complete, schema_drift)

    def arrival_delay(self, identity: tuple) -> int:
        """How long after it happened the record with this identity is processed beyond the normal lag."""
        if self.late_share <= 0:
            return 0
        draw = unit(self.seed, "late", *identity)
        if draw >= self.late_share:
            return 0
        return HOUR_MS + int(draw / self.late_share * (self.late_max_ms - HOUR_MS))

    def span(self, identity: tuple, first: int, last: int, events: int, minutes: int) -> tuple[int, int, int] | None:
        """(events, minutes, last) of the visible part of a span record, or None when none of it is visible."""
        delay = self.arrival_delay(identity)
        if delay and last + delay >= self.cutoff_ms:
            return None
        return cut(first, last, events, minutes, self.cutoff_ms)

    def instant(self, identity: tuple, timestamp: int) -> bool:
        """Whether a one-moment record (a guide or poll event) is visible."""
        return timestamp + self.arrival_delay(identity) < self.cutoff_ms
