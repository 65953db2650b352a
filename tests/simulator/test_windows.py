"""timeSeries windows: bucket truncation, count ±, inclusive last, expressions, clipping, DST and time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pendo_simulator.world import World, WorldConfig
from tests.simulator.conftest import ALL_APPS, NOW, source

NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3_600_000


def local_ms(*parts: int, tz: ZoneInfo = NEW_YORK) -> int:
    return int(datetime(*parts, tzinfo=tz).timestamp() * 1000)


def window_of(api, period: str, **time_series) -> tuple[int, list[int]]:
    """(startTime, [window start, window end)) of an events request, the window as the server logged it."""
    response = api.aggregate([source("events", {"appId": ALL_APPS}, period=period, **time_series)])
    assert response.status_code == 200, response.text
    window = api.admin("faults")["log"][-1]["window"]
    return response.json()["startTime"], window


@pytest.mark.parametrize(
    ("time_series", "expected"),
    [
        # count > 0: `count` buckets from the one holding `first`
        ({"first": local_ms(2026, 3, 10, 15, 30), "count": 2}, (local_ms(2026, 3, 10), local_ms(2026, 3, 12))),
        # count < 0: the buckets ending just before the one holding `first` (here across the 23-hour March 8)
        ({"first": local_ms(2026, 3, 10, 15, 30), "count": -2}, (local_ms(2026, 3, 8), local_ms(2026, 3, 10))),
        # last: through the bucket holding `last`, inclusive
        ({"first": "date(2026, 3, 1)", "last": "date(2026, 3, 3, 12)"}, (local_ms(2026, 3, 1), local_ms(2026, 3, 4))),
        # `first: now(), count: -1` is yesterday in the subscription's time zone (now is 08:00 EDT on the 15th)
        ({"first": "now()", "count": -1}, (local_ms(2026, 3, 14), local_ms(2026, 3, 15))),
        # a future `last` is clipped at the end of the server clock's bucket
        ({"first": "date(2026, 3, 14)", "last": "date(2026, 4, 1)"}, (local_ms(2026, 3, 14), local_ms(2026, 3, 16))),
        ({"first": str(local_ms(2026, 3, 12, 23)), "count": 1}, (local_ms(2026, 3, 12), local_ms(2026, 3, 13))),
        ({"first": 'date("2026-03-12")', "count": 1}, (local_ms(2026, 3, 12), local_ms(2026, 3, 13))),
        ({"first": "date(`2026-03-12T18:00:00`)", "count": 1}, (local_ms(2026, 3, 12), local_ms(2026, 3, 13))),
        (
            {"first": "now() - 30 * 1000 * 60 *60 * 24", "count": 1},
            (local_ms(2026, 2, 13), local_ms(2026, 2, 14)),
        ),
        (
            {"first": 'dateAdd(date(2026, 3, 10), 2, "days")', "count": 1},
            (local_ms(2026, 3, 12), local_ms(2026, 3, 13)),
        ),
        ({"first": 'dateAdd(now(), -1, "months")', "count": 1}, (local_ms(2026, 2, 15), local_ms(2026, 2, 16))),
        # startOfPeriod: weeks start on local Sunday midnight, months on the first
        (
            {"first": 'startOfPeriod("weekly", date(2026, 3, 11, 9))', "count": 1},
            (local_ms(2026, 3, 8), local_ms(2026, 3, 9)),
        ),
        ({"first": 'startOfPeriod("monthly", now())', "count": 1}, (local_ms(2026, 3, 1), local_ms(2026, 3, 2))),
        ({"first": "(now() - now() % 1) - 86400000 * 2", "count": -1}, (local_ms(2026, 3, 12), local_ms(2026, 3, 13))),
    ],
)
def test_day_windows(api, time_series, expected):
    start_time, window = window_of(api, "dayRange", **time_series)
    assert tuple(window) == expected
    assert start_time == expected[0]


def test_hour_windows(api):
    t = local_ms(2026, 3, 12, 10, 45)
    assert window_of(api, "hourRange", first=t, count=3)[1] == [local_ms(2026, 3, 12, 10), local_ms(2026, 3, 12, 13)]
    assert window_of(api, "hourRange", first=t, count=-3)[1] == [local_ms(2026, 3, 12, 7), local_ms(2026, 3, 12, 10)]
    assert window_of(api, "hourRange", first=str(t), last=str(t))[1] == [
        local_ms(2026, 3, 12, 10),
        local_ms(2026, 3, 12, 11),
    ]
    # the current hour is the last one there is: now is 12:00Z, so the window ends at 13:00Z
    end = window_of(api, "hourRange", first="now()", last="dateAdd(now(), 5, `hours`)")[1][1]
    assert end == int(NOW.timestamp() * 1000) + HOUR


@pytest.mark.parametrize(
    ("day", "hours"),
    [((2026, 3, 8), 23), ((2025, 11, 2), 25), ((2026, 3, 9), 24)],
)
def test_dst_days_last_23_or_25_hours(long_api, day, hours):
    midnight = local_ms(*day)
    _, window = window_of(long_api, "dayRange", first=f"date({day[0]}, {day[1]}, {day[2]}, 12)", count=1)
    next_midnight = window[1]
    assert window[0] == midnight
    assert next_midnight - midnight == hours * HOUR
    _, hour_window = window_of(long_api, "hourRange", first=midnight, last=next_midnight - 1)
    assert hour_window == [midnight, next_midnight]
    rows = long_api.rows([source("events", {"appId": ALL_APPS}, period="hourRange", first=midnight, count=hours)])
    assert rows
    assert {row["day"] for row in rows} == {midnight}
    assert all(midnight <= row["hour"] < next_midnight and (row["hour"] - midnight) % HOUR == 0 for row in rows)
    day_rows = long_api.rows([source("events", {"appId": ALL_APPS}, period="dayRange", first=midnight, count=1)])
    assert {row["day"] for row in day_rows} == {midnight}
    assert sum(r["numEvents"] for r in day_rows) == sum(r["numEvents"] for r in rows)


def test_rows_of_a_window_are_inside_it(api, small_world):
    start, end = local_ms(2026, 3, 9), local_ms(2026, 3, 12)
    rows = api.rows([source("events", {"appId": ALL_APPS}, period="dayRange", first=start, last=end - 1)])
    assert {row["day"] for row in rows} == {local_ms(2026, 3, 9), local_ms(2026, 3, 10), local_ms(2026, 3, 11)}
    assert all(start <= row["firstTime"] <= row["lastTime"] < end for row in rows)
    guide_rows = api.rows([source("guideEvents", {"appId": ALL_APPS}, period="dayRange", first=start, last=end - 1)])
    assert guide_rows and all(start <= row["guideTimestamp"] < end for row in guide_rows)
    everything = api.rows([source("guideEvents", {"appId": ALL_APPS}, period="dayRange", first="now()", count=-14)])
    inside = [row for row in everything if start <= row["guideTimestamp"] < end]
    assert guide_rows == inside


def test_buckets_follow_the_configured_time_zone(serve):
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local midnight and local hours fall at :30 UTC
    world = World(WorldConfig(seed=3, visitors=30, days=4, timezone="Asia/Kolkata", now=NOW))
    api = serve(world)
    rows = api.rows([source("events", {"appId": ALL_APPS}, period="hourRange", first="now()", count=-48)])
    assert rows
    for row in rows:
        day = datetime.fromtimestamp(row["day"] / 1000, tz=kolkata)
        hour = datetime.fromtimestamp(row["hour"] / 1000, tz=kolkata)
        assert (day.hour, day.minute, hour.minute) == (0, 0, 0)
        assert datetime.fromtimestamp(row["hour"] / 1000, tz=UTC).minute == 30
        assert day.date() == hour.date()
