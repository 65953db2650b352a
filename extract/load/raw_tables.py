"""Every raw table exists from the first run, with its pinned columns, whatever Pendo returned.

dlt creates a table when rows for it are loaded. A subscription that never tagged a track event, runs no polls or has
no events yet returns nothing for those sources, and `--resources` may leave a resource out; the dbt sources and
staging models still read every table of `pendo_raw`, so a missing one fails the whole build ("Table with name
track_types does not exist").

After every run, the tables that no load has created yet are added to dlt's schema from the resources' own hints
(the pinned columns of `resources/registry.py`, write disposition, keys, the nested child tables) plus the columns
dlt adds itself (`_dlt_load_id`, and `_dlt_id` on tables loaded from dicts, the parent/root links on child tables),
and `pipeline.sync_schema()` lets dlt write the DDL for the destination (DuckDB or Postgres alike). No rows, no load
package and no cursor are involved, so the next load with data merges into the table as if it had made it itself.

On the lake (dlt's `filesystem` destination) DDL creates nothing but the table's folder, and a folder without a file
gives a reader no columns (Spark cannot infer a schema from it). So there each such table also gets one empty parquet
file, `empty.parquet` (not `_…`: Spark skips such names), holding its columns: readers see an empty table with the
pinned columns, as on a database.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.schema.typing import TColumnSchema, TTableSchema
from dlt.common.schema.utils import has_table_seen_data
from dlt.extract.source import DltSource

from extract.load.destination import destination_name
from extract.resources.registry import EVENT_RESOURCES

_LOAD_ID: TColumnSchema = {"name": "_dlt_load_id", "data_type": "text", "nullable": False}
_ROW_ID: TColumnSchema = {"name": "_dlt_id", "data_type": "text", "nullable": False, "unique": True, "row_key": True}
_CHILD_LINKS: tuple[TColumnSchema, ...] = (
    {"name": "_dlt_root_id", "data_type": "text", "nullable": False, "root_key": True},
    {"name": "_dlt_parent_id", "data_type": "text", "nullable": False, "parent_key": True},
    {"name": "_dlt_list_idx", "data_type": "bigint", "nullable": False},
    _ROW_ID,
)


def raw_table_schemas(source: DltSource) -> list[TTableSchema]:
    """The schema of every table the source's resources load, parents before their child tables."""
    naming = source.schema.naming
    tables: list[TTableSchema] = []
    for name, resource in source.resources.items():
        root = resource.compute_table_schema()
        root.pop("resource", None)
        # Event resources yield Arrow tables: dlt adds the load id only. Entities are dicts: dlt adds a row id too.
        system = (_LOAD_ID,) if name in EVENT_RESOURCES else (_LOAD_ID, _ROW_ID)
        tables.append(_with_columns(root, system))
        for nested in resource.compute_nested_table_schemas(root["name"], naming):
            tables.append(_with_columns(nested, _CHILD_LINKS))
    return tables


def _with_columns(table: TTableSchema, extra: tuple[TColumnSchema, ...]) -> TTableSchema:
    columns: dict[str, Any] = {name: {**column, "name": name} for name, column in table.get("columns", {}).items()}
    for column in extra:
        columns.setdefault(column["name"], dict(column))
    table["columns"] = columns
    return table


def missing_tables(pipeline: dlt.Pipeline, source: DltSource) -> list[TTableSchema]:
    """Tables of the source that no load has created in the destination yet."""
    known = pipeline.default_schema.tables if pipeline.default_schema_name else {}
    return [
        table
        for table in raw_table_schemas(source)
        if table["name"] not in known or not has_table_seen_data(known[table["name"]])
    ]


def create_missing_tables(pipeline: dlt.Pipeline, source: DltSource) -> list[str]:
    """Create the source's tables that do not exist yet (empty, with their pinned columns); returns their names."""
    missing = missing_tables(pipeline, source)
    if not missing:
        return []
    schema = pipeline.default_schema
    for table in missing:
        schema.update_table(table)
    pipeline.sync_schema()
    names = [table["name"] for table in missing]
    if destination_name() == "lake":
        write_empty_lake_files(pipeline, names)
    return names


EMPTY_LAKE_FILE = "empty.parquet"


def write_empty_lake_files(pipeline: dlt.Pipeline, names: list[str]) -> None:
    """One empty parquet file with the table's columns in each table folder of the lake that has no parquet file."""
    import pyarrow.parquet as pq
    from dlt.common.libs.pyarrow import columns_to_arrow

    schema = pipeline.default_schema
    with pipeline.destination_client() as client:
        filesystem = client.fs_client  # type: ignore[attr-defined]
        for name in names:
            folder = client.get_table_dir(name)  # type: ignore[attr-defined]
            filesystem.makedirs(folder, exist_ok=True)
            if any(str(path).endswith(".parquet") for path in filesystem.ls(folder, detail=False)):
                continue
            columns = columns_to_arrow(schema.get_table_columns(name), client.capabilities, "UTC")
            with filesystem.open(f"{folder}/{EMPTY_LAKE_FILE}", "wb") as file:
                pq.write_table(columns.empty_table(), file)
