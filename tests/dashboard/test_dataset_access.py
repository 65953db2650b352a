"""The Python recipes of docs/reading-the-data.md, run as a user would against the demo data: dlt's `dataset()` for
the raw tables, plain DuckDB SQL for the marts."""

from __future__ import annotations

import json
import subprocess
import textwrap

import duckdb
import pytest

from tests.helpers import PYTHON

DATASET_RECIPE = textwrap.dedent(
    """
    import json
    from pathlib import Path

    import dlt

    # Absolute paths: dlt resolves a relative DuckDB path against the directory the pipeline last ran from.
    pipeline = dlt.pipeline(
        "pendo_demo",
        pipelines_dir=str(Path("dlt/pipelines").resolve()),
        destination=dlt.destinations.duckdb(str(Path("demo.duckdb").resolve())),
    )
    raw = pipeline.dataset()
    counts = dict(raw.row_counts().fetchall())
    sample = raw.events.select("visitor_id", "num_events").limit(5).arrow()
    top = raw(
        "select visitor_id, sum(num_events) as events from events group by 1 order by 2 desc, 1 limit 3"
    ).fetchall()
    print(json.dumps({"counts": counts, "sample_rows": sample.num_rows, "sample_columns": sample.column_names,
                      "top": [[visitor, int(events)] for visitor, events in top]}))
    """
)


@pytest.mark.slow
def test_dlt_dataset_reads_the_raw_tables(demo_data):
    result = subprocess.run(
        [PYTHON, "-c", DATASET_RECIPE], cwd=demo_data.root, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])

    with duckdb.connect(str(demo_data.duckdb_path), read_only=True) as connection:
        events = connection.execute("select count(*) from pendo_raw.events").fetchall()[0][0]
        top = connection.execute(
            "select visitor_id, sum(num_events) from pendo_raw.events group by 1 order by 2 desc, 1 limit 3"
        ).fetchall()
    assert read["counts"]["events"] == events > 0
    assert read["sample_rows"] == 5
    assert read["sample_columns"] == ["visitor_id", "num_events"]
    assert read["top"] == [[visitor, int(total)] for visitor, total in top]
