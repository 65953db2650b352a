from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

REQUIRE_VARIABLE = "REQUIRE_SPARK"  # CI (.ci/run) sets it: there a missing Spark is a failure, not a skip


def missing_reason() -> str | None:
    """Why the Spark target cannot run here, or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        return "dbt-spark is not installed"
    if shutil.which("java") is None:
        return "no Java runtime (java) on PATH"
    return None


@pytest.fixture(scope="session")
def spark_available() -> None:
    """Skips the test, saying why, without pyspark, dbt-spark or Java; fails it instead where Spark is required."""
    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE} is set: .ci/run should have run `make setup-spark`)")
    pytest.skip(f"{reason}; `make setup-spark` (and a Java 17+ runtime) runs the Spark tests")
