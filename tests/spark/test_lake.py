"""The lake destination without Spark: where it is, what dbt is told, and the files an extract writes there.

These run everywhere (no pyspark needed): settings are resolved in fresh processes, as a run resolves them, and the
extract is real, over HTTP against the simulator, into a local lake folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import duckdb

from pendo_simulator.process import SimulatorProcess
from tests.helpers import FIXED_NOW, PYTHON, run
from tests.publish.elt import EltWorkspace

RESOLVE = (
    "import json; from elt import steps; from extract.load import destination as d; env = steps.environment(); "
    "print(json.dumps({'url': d.lake_url(), 'describe': d.describe(), 'target': env['DBT_TARGET'], "
    "'spark_dir': env['SPARK_DIR']}))"
)


def _resolved(workspace: EltWorkspace, **settings: str) -> dict[str, str]:
    no_simulator = SimpleNamespace(url="http://127.0.0.1:9", key="unused")  # nothing is requested here
    env = workspace.env(no_simulator, DESTINATION="lake", **settings)  # type: ignore[arg-type]
    result = run([PYTHON, "-c", RESOLVE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_default_lake_and_spark_folder_are_beside_the_database(tmp_path: Path) -> None:
    workspace = EltWorkspace(tmp_path)
    resolved = _resolved(workspace)
    assert resolved["url"] == (tmp_path / "lake").as_uri()
    assert resolved["spark_dir"] == str(tmp_path / "spark")
    assert resolved["target"] == "spark"  # DESTINATION=lake is built by the spark output of profiles.yml


def test_dlt_bucket_url_sets_the_lake_and_messages_never_show_its_credentials(tmp_path: Path) -> None:
    workspace = EltWorkspace(tmp_path)
    relative = _resolved(workspace, DESTINATION__FILESYSTEM__BUCKET_URL="some/folder")
    assert relative["url"].startswith("file:///") and relative["url"].endswith("/some/folder")
    bucket = _resolved(workspace, DESTINATION__FILESYSTEM__BUCKET_URL="s3://key:hunter2@bucket/pendo/")
    assert bucket["url"] == "s3://key:hunter2@bucket/pendo"  # what dlt and Spark get
    assert bucket["describe"] == "s3://bucket/pendo"


def test_an_extract_writes_parquet_and_an_empty_file_with_the_columns_of_every_table_it_did_not_load(
    tmp_path: Path,
) -> None:
    workspace = EltWorkspace(tmp_path)
    world = ("--seed", "3", "--days", "3", "--visitors", "20", "--now", FIXED_NOW)
    with SimulatorProcess("lake-key", world, python=PYTHON) as sim:
        env = workspace.env(sim, DESTINATION="lake", EXTRACT_NOW=FIXED_NOW, SOURCES__PENDO__START_DATE="2026-03-01")
        result = run([PYTHON, "-m", "extract", "--resources", "events"], env)
    assert result.returncode == 0, result.stderr
    raw = tmp_path / "lake" / "pendo_raw"
    assert [path.name for path in (raw / "events").glob("*.parquet")] != ["empty.parquet"]
    with duckdb.connect() as connection:
        loaded = connection.execute(f"select count(*) from read_parquet('{raw}/events/*.parquet')").fetchone()
        assert loaded is not None and loaded[0] > 0
        for table, column in (("visitors", "visitor_id"), ("guides__steps", "_dlt_parent_id"), ("pages", "id")):
            assert [path.name for path in (raw / table).iterdir()] == ["empty.parquet"]
            columns = connection.execute(f"describe select * from read_parquet('{raw}/{table}/empty.parquet')")
            names = [name for name, *_ in columns.fetchall()]
            assert column in names and "_dlt_id" in names
            count = connection.execute(f"select count(*) from read_parquet('{raw}/{table}/empty.parquet')").fetchone()
            assert count == (0,)
    assert not workspace.duckdb_path.exists()
