"""Event rows newer than everything in their table are appended, not merged.

dlt's merge (`delete-insert`) copies a package's rows into a staging table, deletes the rows with the same keys from
the table, then inserts them: a pass over the whole table for every event table of every load, even when the rows
are new and there is nothing to delete (a first load, a backfill of days never loaded, the new day of a daily run
whose lookback came back unchanged). Appending them is cheaper, and gives the same table when no row of the table
can have the key of a package row.

That is decided from the data, never from the cursor or the state (which a restored database, a state table
emptied by hand or a quarantined package can make wrong): `row_key` hashes every field of a row's grain, its bucket
(`day`, `hour`) or its time (`guide_timestamp`) included, so two rows with one key have one bucket. When the smallest
bucket among the package's rows of a table is later than the largest bucket already in the table (or the table has
no rows), no key can repeat, and the table is appended in that package. Otherwise it is merged, as before.

The switch is made in the normalized package's schema, right before it loads, by the run that just extracted it;
the pipeline's own schema keeps `merge`. A package that was not loaded whole (a killed run) is loaded on the next run
with every event table merged again (`pending_packages.py`): the rows a killed append may already have written are
then replaced, never doubled. Parquet packages only (DuckDB); CSV packages (Postgres) keep the merge, and the lake
appends everything anyway.
"""

from __future__ import annotations

import dlt
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dlt.common.schema.typing import MERGE_DISPOSITION_HINTS, TTableSchema
from dlt.common.storages.load_package import ParsedLoadJobFileName
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from extract.load.dlt_storage import normalized_packages
from extract.resources.registry import EVENT_TABLES
from extract.settings import MERGE

APPEND = "append"


def bucket_column(table_name: str, period: str) -> str:
    """The column that holds a row's bucket (aggregates: `day` or `hour` by period) or time (single events)."""
    table = EVENT_TABLES[table_name]
    cursor = table.cursor(period if table.aggregated else "hour")
    return next(field.column for field in table.fields if field.source == cursor)


def append_new_rows(pipeline: dlt.Pipeline, load_id: str, period: str) -> list[str]:
    """Switch to `append` the event tables of the normalized package `load_id` whose rows are all newer than the
    table's; returns their names."""
    packages = normalized_packages(pipeline)
    files: dict[str, list[str]] = {}
    for path in packages.list_new_jobs(load_id):
        parsed = ParsedLoadJobFileName.parse(path)
        if parsed.table_name in EVENT_TABLES:
            files.setdefault(parsed.table_name, []).append(packages.storage.make_full_path(path))
    schema = packages.load_schema(load_id)
    oldest: dict[str, int] = {}
    for name, paths in sorted(files.items()):
        table = schema.tables.get(name)
        if table is not None and table.get("write_disposition") == "merge":
            smallest = _oldest_in_files(paths, bucket_column(name, period))
            if smallest is not None:
                oldest[name] = smallest
    if not oldest:
        return []
    newest = _newest_in_tables(pipeline, {name: bucket_column(name, period) for name in oldest})
    appended = [name for name, smallest in oldest.items() if newest[name] is None or smallest > newest[name]]
    for name in appended:
        _set_append(schema.tables[name])
    if appended:
        packages.save_schema(load_id, schema)
    return appended


def merge_again(table: TTableSchema) -> bool:
    """Put an event table switched to `append` back to the merge it is declared with; True when it was switched."""
    if table.get("name") not in EVENT_TABLES or table.get("write_disposition") != APPEND:
        return False
    table["write_disposition"] = MERGE["disposition"]  # type: ignore[typeddict-item]
    table[MERGE_DISPOSITION_HINTS["strategy"]] = MERGE["strategy"]  # type: ignore[literal-required]
    return True


def make_staging_tables(pipeline: dlt.Pipeline, names: list[str]) -> None:
    """Empty staging tables with the columns of these tables, for a package left behind that appended them and now
    merges them: dlt set up that package's tables on its first attempt, when no staging table was needed, and does
    not set them up again. A table not created yet is left to dlt, which then sets up the package on this attempt."""
    with pipeline.sql_client() as client:
        tables = {name: client.make_qualified_table_name(name) for name in names}
        with client.with_staging_dataset():
            if not client.has_dataset():
                client.create_dataset()
            for name, table in tables.items():
                staging = client.make_qualified_table_name(name)
                try:
                    client.execute_sql(f"CREATE OR REPLACE TABLE {staging} AS SELECT * FROM {table} LIMIT 0")
                except DatabaseUndefinedRelation:
                    continue


def _set_append(table: TTableSchema) -> None:
    table["write_disposition"] = APPEND
    for hint in MERGE_DISPOSITION_HINTS.values():
        table.pop(hint, None)  # type: ignore[misc]


def _oldest_in_files(paths: list[str], column: str) -> int | None:
    """The smallest value of `column` in these parquet files; None when a file is not parquet, lacks the column or
    has a null in it (then the table is merged)."""
    oldest = None
    for path in paths:
        if not path.endswith(".parquet"):
            return None
        if column not in pq.read_schema(path).names:
            return None
        values = pq.read_table(path, columns=[column]).column(0)
        if values.null_count:
            return None
        if len(values) == 0:
            continue
        smallest = pc.min(values).as_py()
        oldest = smallest if oldest is None else min(oldest, smallest)
    return oldest


def _newest_in_tables(pipeline: dlt.Pipeline, columns: dict[str, str]) -> dict[str, int | None]:
    """The largest value of each table's column in the destination; None for a missing or empty table."""
    newest: dict[str, int | None] = {}
    with pipeline.sql_client() as client:
        for name, column in columns.items():
            query = f"SELECT max({client.escape_column_name(column)}) FROM {client.make_qualified_table_name(name)}"
            try:
                rows = client.execute_sql(query)
            except DatabaseUndefinedRelation:
                rows = None
            newest[name] = None if not rows or rows[0][0] is None else int(rows[0][0])
    return newest
