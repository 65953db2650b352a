"""Aggregated rows without firstTime/lastTime (real subscriptions send some): a day too slow to answer is still cut
into hour slices by lastTime, the rows without one go to the day's first slice, and every row lands once."""

from __future__ import annotations

from collections import Counter

from extract.resources.registry import EVENT_TABLES
from tests.extract.support import canonical, first_sim_day, local_midnight, sim_args, truth_rows

DAYS = 4
WORLD = sim_args("--profile", "sparse", days=DAYS, visitors=50)
START = local_midnight(first_sim_day(DAYS))
UNTIL = local_midnight(first_sim_day(1))
EVENTS = EVENT_TABLES["events"]


def test_a_day_of_rows_without_last_time_is_sliced_without_losing_or_doubling_a_row(start_simulator, extractor):
    expected_rows = truth_rows(WORLD, "events", START, UNTIL - 1)
    assert expected_rows and all("lastTime" not in row for row in expected_rows)
    simulator = start_simulator(*WORLD, "--script", "events=hang", "--hang-seconds", "3")
    target = extractor(
        simulator, RUNTIME__REQUEST_TIMEOUT="1", SOURCES__PENDO__START_DATE=first_sim_day(DAYS).isoformat()
    )
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert run.stat("events", "splits") == 1  # the first day, cut into slices by lastTime
    columns = ", ".join(f'"{f.column}"' for f in EVENTS.fields)
    landed = Counter(
        tuple(canonical(v) for v in row) for row in target.query(f"select {columns} from pendo_raw.events")
    )
    expected = Counter(tuple(canonical(row.get(f.source)) for f in EVENTS.fields) for row in expected_rows)
    assert landed == expected
    (total, distinct) = target.query("select count(*), count(distinct row_key) from pendo_raw.events")[0]
    assert total == distinct
