"""The six event resources: each Pendo event source queried once per time window, across every app and entity.

Inside a window, rows come page by page (keyset paging) and stream into Arrow tables. When Pendo says a window is
too large or too slow, or does not answer in time, the window is cut in half and both halves are read, down to one
hour; a window that still fails at one hour ends the run with a message naming the resource and the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from extract.load.progress import TableStats
from extract.load.window_hashes import WindowHashes
from extract.load.window_plan import RunPlan
from extract.pendo.client import (
    InvalidAnswer,
    PendoError,
    ResponseInterrupted,
    WindowTooLarge,
)
from extract.pendo.keyset import Bound, Position, TablePager, keyset_condition
from extract.pendo.queries import Stage, all_of, event_source_stage, paged
from extract.resources.arrow import ArrowConverter, UnexpectedValue
from extract.resources.reading import ReadContext
from extract.resources.registry import EventTable
from extract.resources.windows import Calendar, Window
from extract.settings import ANSWER_PIECE_BYTES, MERGE_STAGED_UNIQUE, ROW_KEY


class WindowFailed(PendoError):
    """A one-hour window that Pendo still cannot answer."""


@dataclass(kw_only=True)
class EventContext(ReadContext):
    plan: RunPlan


class WindowReader:
    """Reads the rows of one event table for one window, splitting it when Pendo asks for less."""

    def __init__(self, table: EventTable, context: EventContext, stats: TableStats) -> None:
        assert context.plan.settings is not None
        self.table = table
        self.settings = context.plan.settings
        self.calendar: Calendar = context.plan.calendar
        self.unit = context.plan.bucket_unit(table)
        self.stats = stats
        self.context = context
        self.progress = context.progress
        self.client = context.client(stats.counts)
        self.converter = ArrowConverter(table)
        columns = {f.source: f.column for f in table.fields}
        self._sort_columns = tuple(columns[name] for name in table.sort(self.unit))
        self._stopped_at = Position()

    def read(self, window: Window) -> Iterator[pa.Table]:
        """Every row of `window` once. A failed read resumes where it stopped: on the same window after a cut-off
        response, on both halves after a "too large" answer; rows handed over before are never read again."""
        pending: list[tuple[Window, Position]] = [(window, Position())]
        retries = self.context.retries(self.stats.counts)
        while pending:
            current, start = pending[0]
            try:
                yield from self._read_once(current, start)
            except InvalidAnswer as error:  # retried like a 5xx, then the run stops here: the cursor stays
                retries.after_malformed(error)
                pending[0] = (current, self._stopped_at.copy())
                continue
            except WindowTooLarge as error:
                pending[0:1] = [(half, self._stopped_at.copy()) for half in self._halves(current, str(error))]
                retries.reset(malformed=False)
                continue
            except ResponseInterrupted as error:
                if retries.after_interrupted():
                    pending[0] = (current, self._stopped_at.copy())
                    continue
                pending[0:1] = [(half, self._stopped_at.copy()) for half in self._halves(current, str(error))]
                retries.reset(malformed=False)
                continue
            pending.pop(0)
            retries.reset()

    def _halves(self, window: Window, reason: str) -> tuple[Window, Window]:
        halves = self.calendar.split(window, self.unit)
        if halves is None:
            hint = " (with period = day, try period = hour)" if self.table.aggregated and self.unit == "day" else ""
            raise WindowFailed(
                f"{self.table.name}: Pendo cannot answer the window {self.calendar.label(window)} even at one hour "
                f"({reason}); raise RUNTIME__REQUEST_TIMEOUT or lower sources.pendo.page_size{hint}"
            )
        self.stats.splits += 1
        self.progress.say(f"{self.table.name}: splitting {self.calendar.label(window)} in two ({reason})")
        return halves

    def _read_once(self, window: Window, start: Position) -> Iterator[pa.Table]:
        self.stats.position = self.calendar.label(window)
        base: list[Stage] = [
            event_source_stage(self.table.source, self.settings.app_ids, self.unit, window.start, window.end)
        ]
        if not self.settings.include_anonymous:
            base.append({"identified": "visitorId"})
        in_window = self._window_condition(window)
        sort = self.table.sort(self.unit)
        integer_fields = self.converter.integer_fields

        def query(bound: Bound | None, limit: int) -> Iterator[pa.Table]:
            self.stats.pages += 1
            pipeline = paged(base, all_of(in_window, keyset_condition(sort, bound)), sort, limit)
            for piece in self.client.aggregate_pieces(pipeline, integer_fields, ANSWER_PIECE_BYTES):
                try:
                    yield self.converter.convert(piece)
                except UnexpectedValue as error:  # this piece is not handed over: the read resumes before it
                    raise InvalidAnswer(str(error)) from None

        pager = TablePager(query, sort, self._sort_columns, ROW_KEY, self.settings.page_size, start)
        self._stopped_at = start
        try:
            for table in pager.tables():
                self.stats.rows += table.num_rows
                self.progress.note(self.stats)
                yield table
        except PendoError:
            self._stopped_at = pager.position()  # the tables handed over so far are loaded, not read again
            raise
        finally:
            self.stats.repeated += pager.repeated

    def _window_condition(self, window: Window) -> str:
        """The rows that belong to `window`, by a field of their own, so that windows never share a row."""
        cursor = self.table.cursor(self.unit)  # the bucket start of aggregates, the event time of single events
        if window.bucket is None:
            return f"{cursor} >= {window.start} && {cursor} < {window.end}"
        # A slice of one day bucket: the day's rows told apart by their last activity, open at the day's edges.
        # (Were Pendo to move a row's lastTime into a later slice while the slices are read, that row would come
        # twice in one load; it happens only on days already cut for being too large, and the next run mends it.)
        # Rows without a lastTime (real subscriptions send some) belong to the day's first slice, so every slice
        # still selects a disjoint part of the day and together they select all of it.
        bucket_start, bucket_end = window.bucket
        parts = [f"day == {bucket_start}"]
        if window.start > bucket_start:
            parts.append(f"lastTime >= {window.start}")
        if window.end < bucket_end:
            upper = f"lastTime < {window.end}"
            parts.append(f"({upper} || isNull(lastTime))" if window.start == bucket_start else upper)
        return " && ".join(parts)


def event_resource(table: EventTable, context: EventContext) -> DltResource:
    """A dlt resource for one event table: windows from the run plan, merged on row_key."""

    # The reader hands every row over once per load (see pendo/keyset.py), so dlt's merge can skip de-duplicating the
    # staged rows: that ROW_NUMBER() pass held the whole load in DuckDB's memory (1.2 GB for 1M rows).
    @dlt.resource(
        name=table.name,
        write_disposition=MERGE_STAGED_UNIQUE,
        primary_key=ROW_KEY,
        columns=table.hints,
        parallelized=True,
    )
    def read_events() -> Iterator[pa.Table]:
        state = dlt.current.resource_state(table.name)
        plan = context.plan
        assert plan.settings is not None
        stats = context.progress.table(table.name)
        windows = plan.windows(table, state)
        stats.windows_planned = stats.windows + len(windows)
        reader = WindowReader(table, context, stats)
        hashes = WindowHashes(state, backfill=plan.backfill is not None)
        if windows and table.name not in plan.resume:  # the first load of this invocation starts at the lookback
            hashes.forget_before(windows[0].start)
        rows_at_start = stats.rows
        for index, window in enumerate(windows):
            yield from hashes.changed(window, reader.read(window))
            plan.window_done(table, state, window)
            stats.windows += 1
            stats.unchanged += hashes.skipped
            if stats.rows - rows_at_start >= plan.settings.rows_per_load and index + 1 < len(windows):
                plan.deferred.add(table.name)  # commit this load; the next one resumes at the next window
                context.progress.note(stats, force=True)
                return
        stats.done = True
        context.progress.note(stats, force=True)

    return read_events
