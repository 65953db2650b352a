"""Windows tile time in the subscription's time zone with no gap and no overlap, and split down to one hour."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from extract.resources.windows import HOUR_MS, Calendar, Window

NEW_YORK = Calendar("America/New_York")
SPRING_FORWARD = date(2026, 3, 8)  # 23 hours in New York
FALL_BACK = date(2026, 11, 1)  # 25 hours


def test_day_buckets_are_local_days_of_23_and_25_hours_on_dst_changes():
    spring = NEW_YORK.midnight(SPRING_FORWARD)
    assert NEW_YORK.add(spring, 1, "day") - spring == 23 * HOUR_MS
    fall = NEW_YORK.midnight(FALL_BACK)
    assert NEW_YORK.add(fall, 1, "day") - fall == 25 * HOUR_MS
    assert NEW_YORK.floor(spring + 22 * HOUR_MS + 5, "day") == spring


def test_tiles_cover_the_range_exactly_and_start_at_local_midnight():
    start = NEW_YORK.midnight(date(2026, 3, 1))
    end = NEW_YORK.midnight(date(2026, 3, 15))
    windows = NEW_YORK.tile(start, end, 1, "day")
    assert len(windows) == 14
    assert windows[0].start == start and windows[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert all(NEW_YORK.local(w.start).hour == 0 for w in windows)
    assert sorted(w.hours for w in windows).count(23) == 1


def test_a_range_that_starts_inside_a_day_gets_a_short_first_window_then_aligned_ones():
    start = NEW_YORK.midnight(date(2026, 3, 1)) + 5 * HOUR_MS
    end = NEW_YORK.midnight(date(2026, 3, 4))
    windows = NEW_YORK.tile(start, end, 1, "day")
    assert [w.hours for w in windows] == [19, 24, 24]


def test_multi_day_windows_and_hour_windows():
    start = NEW_YORK.midnight(date(2026, 3, 1))
    end = NEW_YORK.midnight(date(2026, 3, 11))
    assert [round(w.hours) for w in NEW_YORK.tile(start, end, 7, "day")] == [
        7 * 24,
        3 * 24 - 1,
    ]  # the second holds the 23-hour day
    hours = NEW_YORK.tile(start, start + 10 * HOUR_MS, 4, "hour")
    assert [w.hours for w in hours] == [4, 4, 2]


def test_a_multi_day_window_splits_between_days():
    start = NEW_YORK.midnight(date(2026, 3, 1))
    window = Window(start, NEW_YORK.add(start, 4, "day"))
    first, second = NEW_YORK.split(window, "day")
    assert first == Window(start, NEW_YORK.add(start, 2, "day"))
    assert second.start == first.end and second.end == window.end


def test_one_day_splits_into_hour_slices_that_remember_their_day_down_to_one_hour():
    day = Window(NEW_YORK.midnight(SPRING_FORWARD), NEW_YORK.midnight(date(2026, 3, 9)))
    pending = [day]
    leaves = []
    while pending:
        window = pending.pop()
        halves = NEW_YORK.split(window, "day")
        if halves is None:
            leaves.append(window)
        else:
            assert halves[0].end == halves[1].start
            assert all(h.bucket == (day.start, day.end) for h in halves)
            pending.extend(halves)
    assert sorted(w.start for w in leaves) == list(range(day.start, day.end, HOUR_MS))
    assert all(w.hours == 1 for w in leaves) and len(leaves) == 23


def test_hour_buckets_split_down_to_one_hour_and_no_further():
    start = NEW_YORK.midnight(date(2026, 3, 2))
    first, second = NEW_YORK.split(Window(start, start + 3 * HOUR_MS), "hour")
    assert (first.hours, second.hours) == (2, 1) or (first.hours, second.hours) == (1, 2)
    assert first.bucket is None
    assert NEW_YORK.split(Window(start, start + HOUR_MS), "hour") is None
    assert NEW_YORK.split(Window(start, start + HOUR_MS), "day") is None


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Australia/Lord_Howe", "UTC"])
def test_other_zones_tile_without_gaps(zone):
    calendar = Calendar(zone)
    start = calendar.midnight(date(2026, 3, 28))
    end = calendar.midnight(date(2026, 4, 8))
    windows = calendar.tile(start, end, 1, "day")
    assert windows[0].start == start and windows[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert len(windows) == 11


def test_labels_are_local_times():
    start = NEW_YORK.midnight(SPRING_FORWARD)
    label = NEW_YORK.label(Window(start, NEW_YORK.add(start, 1, "day")))
    assert label == "2026-03-08 00:00 → 2026-03-09 00:00 (America/New_York)"
