"""Case 10: schema drift between runs. A new custom metadata field becomes a new column; a field retyped from number
to string keeps its column and type for the values that are numbers, and the others are kept whole in the row's
`metadata_misfits` (never in a variant column); every other table is unchanged and the staging models still build."""

from __future__ import annotations

import shutil

from pendo_simulator.entities import DRIFT_SEATS_TEXT, DRIFT_VISITOR_FIELD
from tests.extract.support import truth_rows
from tests.faults.support import WORLD, differences

DRIFTED = {"visitors", "accounts", "visitor_metadata_schema", "account_metadata_schema"}
# the staging models (and their tests) that read the drifted tables
STAGING = (
    "stg_pendo__visitors",
    "stg_pendo__accounts",
    "stg_pendo__visitor_metadata_fields",
    "stg_pendo__account_metadata_fields",
)


def _columns(target, table: str) -> dict[str, str]:
    return dict(
        target.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = 'pendo_raw' and table_name = '{table}'"
        )
    )


def test_a_new_field_and_a_retyped_field_load_and_staging_still_builds(simulator, extractor, reference):
    target = extractor()
    target.root.mkdir(parents=True, exist_ok=True)
    shutil.copy(reference.extractor.duckdb_path, target.duckdb_path)  # loaded before the drift
    simulator.set_faults(schema_drift=True)
    run = target.run()
    assert run.ok, run.describe()

    column = f"metadata__custom__{DRIFT_VISITOR_FIELD}"
    assert _columns(target, "visitors")[column] == "VARCHAR"
    segments = dict(target.query(f"select visitor_id, {column} from pendo_raw.visitors"))
    identified = {v for v in segments if not v.startswith("_PENDO_T_")}
    assert {v for v, segment in segments.items() if segment} == identified

    accounts = _columns(target, "accounts")
    assert accounts["metadata__custom__seats"] == "BIGINT"  # the column keeps its type ...
    assert not [name for name in accounts if "__v_" in name]  # ... and no variant column appears
    seats = {row["accountId"]: row["metadata"]["custom"]["seats"] for row in truth_rows(WORLD, "accounts")}
    loaded = {
        account: (number, misfits)
        for account, number, misfits in target.query(
            "select account_id, metadata__custom__seats, metadata_misfits from pendo_raw.accounts"
        )
    }
    assert loaded.keys() == seats.keys()
    text = f'{{"seats":"{DRIFT_SEATS_TEXT}"}}'
    assert all(value in ((int(seats[a]), None), (None, text)) for a, value in loaded.items()), loaded
    assert {misfits for _, misfits in loaded.values()} == {None, text}  # the text that is no number is kept
    types = dict(
        target.query("select field_name, type from pendo_raw.account_metadata_schema where group_name = 'custom'")
    )
    assert types["seats"] == "string"

    unchanged = {name: value for name, value in target.digest().items() if name not in DRIFTED}
    assert differences(unchanged, {n: v for n, v in reference.raw.items() if n not in DRIFTED}) == {}

    build = target.dbt_build("--select", *STAGING)
    assert build.returncode == 0, build.stdout[-3000:]
