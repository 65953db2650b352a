"""Case 11: pipeline state that no longer matches the data. A deleted database, or `DUCKDB_PATH` at a new file, while
the local state remains: the next run backfills from start_date. Local state lost, database kept: the run continues
from the state stored with the data. A database restored from an older copy (the local state ahead of it, nothing
pending): the state stored with the data wins. And raw tables of an older extractor that required `_dlt_id`: one
line saying what to do, nothing changed, and doing it works."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from tests.extract.support import first_sim_day, local_midnight
from tests.faults.support import WINDOWS, clone, differences, digest, last_line
from tests.helpers import FIXED_NOW

EVENT_TABLES = ("events", "page_events", "feature_events", "track_events", "guide_events", "poll_events")
RESTORED = "is ahead of the data"


def _windows(run) -> set[int]:
    return {run.windows(table) for table in EVENT_TABLES}


def test_a_new_or_deleted_database_with_local_state_left_backfills_from_start_date(extractor, reference):
    target = extractor()
    clone(target, reference.extractor)
    # DUCKDB_PATH now points at a new file; the local state still has every cursor at its end
    moved = type(target)(target.root, target.url, target.key, target.settings, database="elsewhere.duckdb")
    run = moved.run()
    assert run.ok, run.describe()
    assert _windows(run) == {WINDOWS}  # every window from start_date, not the lookback of a stale cursor
    assert differences(moved.digest(), reference.raw) == {}

    moved.duckdb_path.unlink()  # and that file is deleted, the local state kept again
    run = moved.run()
    assert run.ok, run.describe()
    assert _windows(run) == {WINDOWS}
    assert differences(moved.digest(), reference.raw) == {}


def test_local_state_lost_continues_from_the_state_stored_with_the_data(extractor, reference):
    target = extractor()
    clone(target, reference.extractor)
    shutil.rmtree(target.data_dir)
    run = target.run()
    assert run.ok, run.describe()
    assert _windows(run) == {2}  # the 2-day lookback from the cursor committed with the data
    assert differences(target.digest(), reference.raw) == {}


def test_a_database_restored_from_an_older_copy_is_believed_over_the_local_state(extractor, reference):
    target = extractor()
    three_days_earlier = (datetime.fromisoformat(FIXED_NOW.replace("Z", "+00:00")) - timedelta(days=3)).isoformat()
    early = target.run(EXTRACT_NOW=three_days_earlier)  # loads the first day only
    assert early.ok, early.describe()
    assert target.cursor("events") == local_midnight(first_sim_day(4))
    backup = target.root / "backup.duckdb"
    shutil.copy(target.duckdb_path, backup)
    caught_up = target.run()
    assert caught_up.ok, caught_up.describe()
    assert RESTORED not in caught_up.result.stderr  # state and data agree: dlt's own sync, nothing more
    shutil.copy(backup, target.duckdb_path)  # the database goes back three days; the local state does not

    run = target.run()
    assert run.ok, run.describe()
    assert RESTORED in run.result.stderr
    # from the restored cursor (day one) minus the 2-day lookback, clamped at start_date: every window
    assert _windows(run) == {WINDOWS}
    assert differences(target.digest(), reference.raw) == {}


def test_tables_of_an_older_extractor_that_require_dlt_id_end_in_one_line_saying_what_to_do(extractor, reference):
    target = extractor()
    old = target.run(NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID="true")  # event tables get a NOT NULL _dlt_id
    assert old.ok, old.describe()
    before = digest(target.duckdb_path)

    run = target.run()
    assert last_line(run) == (
        f"extract failed: {target.duckdb_path} holds pendo_raw tables written by an older version of the extractor "
        "(events requires a _dlt_id column that event tables no longer have): move or delete "
        f"{target.duckdb_path} (`make clean` does it for the demo), then run again; the next run reloads everything "
        "from start_date"
    )
    assert digest(target.duckdb_path) == before  # nothing changed ...
    work = target.data_dir / "pipelines" / "pendo"
    assert not any((work / "load" / "normalized").iterdir())  # ... and nothing is left half-loaded

    target.duckdb_path.unlink()  # what the line says
    fixed = target.run()
    assert fixed.ok, fixed.describe()
    assert differences(target.digest(), reference.raw) == {}
