"""Every raw table exists from the first run, with its pinned columns, even for resources `--resources` left out;
and a later run loads into those empty tables (child tables included) as into any other."""

from __future__ import annotations

from extract.resources.registry import ENTITIES, EVENT_TABLES, METADATA_SCHEMA_COLUMNS, METADATA_SCHEMAS
from tests.extract.support import first_sim_day, sim_args, truth_rows

WORLD = sim_args(days=3, visitors=30)
SETTINGS = {"SOURCES__PENDO__START_DATE": first_sim_day(3).isoformat()}


def _expected_columns() -> dict[str, set[str]]:
    expected: dict[str, set[str]] = {name: {"row_key", "_dlt_load_id", *t.hints} for name, t in EVENT_TABLES.items()}
    for spec in ENTITIES.values():
        expected[spec.name] = {"_dlt_id", "_dlt_load_id", *spec.columns}
        for child, hints in (spec.nested or {}).items():
            expected[f"{spec.name}__{child}"] = {"_dlt_parent_id", "_dlt_list_idx", "_dlt_id", *hints["columns"]}
    expected.update({name: set(METADATA_SCHEMA_COLUMNS) for name in METADATA_SCHEMAS})
    return expected


def test_resources_left_out_get_their_tables_and_a_later_run_loads_into_them(start_simulator, extractor):
    simulator = start_simulator(*WORLD)
    target = extractor(simulator, **SETTINGS)
    run = target.run("--resources", "events")
    assert run.ok, run.describe()
    assert "created empty tables" in run.result.stderr
    columns: dict[str, set[str]] = {}
    for table, column in target.query(
        "select table_name, column_name from information_schema.columns where table_schema = 'pendo_raw'"
    ):
        columns.setdefault(table, set()).add(column)
    expected = _expected_columns()
    assert {
        t: sorted(want - columns.get(t, set())) for t, want in expected.items() if want - columns.get(t, set())
    } == {}
    assert target.query("select count(*) from pendo_raw.guides__steps") == [(0,)]
    assert target.query("select count(*) from pendo_raw.events")[0][0] > 0

    again = target.run()  # every resource now: rows merge into the tables the first run created empty
    assert again.ok, again.describe()
    assert "created empty tables" not in again.result.stderr
    guides = truth_rows(WORLD, "guides")
    assert target.query("select count(*) from pendo_raw.guides") == [(len(guides),)]
    steps = sum(len(guide["steps"]) for guide in guides)
    assert target.query("select count(*) from pendo_raw.guides__steps") == [(steps,)]
    linked = target.query(
        "select count(*) from pendo_raw.guides__steps s join pendo_raw.guides g on s._dlt_parent_id = g._dlt_id"
    )
    assert linked == [(steps,)]
    assert target.query("select count(*) from pendo_raw.visitors")[0][0] == len(truth_rows(WORLD, "visitors"))
