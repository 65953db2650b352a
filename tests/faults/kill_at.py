"""`python -m tests.faults.kill_at MOMENT [TABLE [EXTRACT ARGS…]]`: `python -m extract`, killed with SIGKILL by
itself at a moment no watcher outside the process can hit (microseconds wide). Everything else is the real extractor.

- `staging-insert TABLE`: right after dlt's insert of TABLE's rows commits (into its staging table when the table is
  merged, into the table itself when its rows are new and appended, extract/load/new_rows.py), before dlt records
  that job as done;
- `normalized`: right after normalize moved a package to `load/normalized`, before it deleted the extracted copy.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys

from dlt.common.storages.load_storage import LoadStorage
from dlt.destinations.impl.duckdb import duck


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_after_staging_insert(table: str) -> None:
    insert = duck.DuckDbCopyJob.run

    def insert_then_die(job: duck.DuckDbCopyJob) -> None:
        insert(job)
        if job.load_table_name == table:
            _die()

    duck.DuckDbCopyJob.run = insert_then_die  # type: ignore[method-assign]


def _kill_after_normalized_commit() -> None:
    commit = LoadStorage.commit_new_load_package

    def commit_then_die(storage: LoadStorage, load_id: str) -> None:
        commit(storage, load_id)
        _die()

    LoadStorage.commit_new_load_package = commit_then_die  # type: ignore[method-assign]


if __name__ == "__main__":
    moment = sys.argv[1]
    if moment == "staging-insert":
        _kill_after_staging_insert(sys.argv[2])
    elif moment == "normalized":
        _kill_after_normalized_commit()
    else:
        raise SystemExit(f"unknown moment {moment!r}")
    sys.argv = ["extract", *sys.argv[3:]]
    runpy.run_module("extract", run_name="__main__")
