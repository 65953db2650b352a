"""Loading a package that an interrupted run left behind: never twice, never a row twice.

A run killed after dlt's normalize moved a package to `load/normalized` (an atomic rename) but before it deleted the
extracted copy leaves the package in both places; dlt would normalize the copy again on the next run and fail for
good on the existing `load/normalized/<load id>` ("Directory not empty"). The normalized package is complete (the
rename is atomic), so the stale extracted copy is deleted (`drop_normalized_duplicates`).

The event tables tell dlt that their staged rows are unique (dlt's `deduplicated` merge option, stored as the table
hint `x-stage-data-deduplicated`; see settings.MERGE_STAGED_UNIQUE), so the merge skips its de-duplication pass over
the staging table. That holds for a package loaded in one go. But a
run killed after a staging insert was committed, and before dlt recorded that job as done, leaves a package whose
insert dlt runs again on resume: the staging table then holds those rows twice, and a merge that trusts the hint
writes them twice. So before a pending package is loaded, the hint is taken out of its schema, and its merges
de-duplicate on `row_key` (only that package pays for the extra pass).

For the same reason an event table the interrupted run had switched to `append` (its rows were all new,
`new_rows.py`) is merged again: the rows that run may already have appended are replaced, not written twice. dlt
sets up a package's tables (the staging ones of a merge among them) on its first load attempt only, when that table
was appended, so its empty staging table is made here (`new_rows.make_staging_tables`).
"""

from __future__ import annotations

import dlt
from dlt.common.schema.typing import MERGE_DISPOSITION_HINTS

from extract.load.dlt_storage import extracted_packages, normalized_packages
from extract.load.new_rows import make_staging_tables, merge_again

# The table hint dlt stores the `deduplicated` merge option in.
STAGED_ROWS_UNIQUE = MERGE_DISPOSITION_HINTS["deduplicated"]


def drop_normalized_duplicates(pipeline: dlt.Pipeline) -> list[str]:
    """Delete extracted packages that were already normalized (or loaded); returns their load ids."""
    done = set(pipeline.list_normalized_load_packages()) | set(pipeline.list_completed_load_packages())
    stale = [load_id for load_id in pipeline.list_extracted_load_packages() if load_id in done]
    extracted = extracted_packages(pipeline)
    for load_id in stale:
        extracted.delete_package(load_id, not_exists_ok=True)
    return stale


def deduplicate_pending_loads(pipeline: dlt.Pipeline) -> list[str]:
    """Drop the hint from every normalized package waiting to be loaded, and merge again the event tables it
    appended; returns the load ids changed."""
    packages = normalized_packages(pipeline)
    changed = []
    for load_id in pipeline.list_normalized_load_packages():
        schema = packages.load_schema(load_id)
        hinted = [table for table in schema.tables.values() if table.pop(STAGED_ROWS_UNIQUE, None)]  # type: ignore[misc]
        appended = [table for table in schema.tables.values() if merge_again(table)]
        if hinted or appended:
            packages.save_schema(load_id, schema)
            changed.append(load_id)
        if appended:
            make_staging_tables(pipeline, [table["name"] for table in appended])
    return changed
