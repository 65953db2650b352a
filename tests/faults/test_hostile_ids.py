"""Case 12: ids with quotes, backslashes, `&&`, newlines, tabs, non-ASCII and hundreds of characters go through
keyset filters (one row per page, so every id is a page bound) and row keys intact."""

from __future__ import annotations

from pendo_simulator.vocabulary import HOSTILE_ACCOUNT_IDS, HOSTILE_GUIDE_IDS, HOSTILE_VISITOR_IDS
from tests.extract.support import truth_rows
from tests.faults.support import WORLD, differences

ENTITIES = ("visitors", "accounts", "guides", "guides__steps", "guides__polls")
EVENTS = ("guide_events", "poll_events")


def test_hostile_ids_survive_paging_filters_and_keys(extractor, reference):
    target = extractor()
    entities = target.run("--resources", "visitors,accounts,guides", SOURCES__PENDO__PAGE_SIZE="1")
    assert entities.ok, entities.describe()
    events = target.run("--resources", ",".join(EVENTS), SOURCES__PENDO__PAGE_SIZE="7")
    assert events.ok, events.describe()
    assert "is ahead of the data" not in events.result.stderr  # state and data agree: no second-guessing

    visitors = {v for (v,) in target.query("select visitor_id from pendo_raw.visitors")}
    accounts = {a for (a,) in target.query("select account_id from pendo_raw.accounts")}
    guides = {g for (g,) in target.query("select id from pendo_raw.guides")}
    assert set(HOSTILE_VISITOR_IDS) <= visitors and set(HOSTILE_ACCOUNT_IDS) <= accounts
    assert set(HOSTILE_GUIDE_IDS) <= guides
    assert visitors == {row["visitorId"] for row in truth_rows(WORLD, "visitors")}
    assert accounts == {row["accountId"] for row in truth_rows(WORLD, "accounts")}
    assert entities.stat("visitors", "pages") > len(visitors)  # one row per page: every id was a filter's bound

    hostile = set(HOSTILE_VISITOR_IDS) | set(HOSTILE_ACCOUNT_IDS) | set(HOSTILE_GUIDE_IDS)
    (hostile_events,) = target.query(
        "select count(*) from pendo_raw.guide_events where list_contains($ids, visitor_id) "
        "or list_contains($ids, account_id) or list_contains($ids, guide_id)".replace("$ids", _list(hostile))
    )[0]
    assert hostile_events > 0
    tables = (*ENTITIES, *EVENTS)
    mine = {name: value for name, value in target.digest().items() if name in tables}
    assert differences(mine, {name: reference.raw[name] for name in tables}) == {}
    assert all(target.unique_keys().values())


def _list(values: set[str]) -> str:
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values)) + "]"
