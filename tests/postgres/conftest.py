from __future__ import annotations

import os

import pytest

from tests.postgres import server


@pytest.fixture(scope="session")
def postgres_server() -> None:
    """Skips the test, saying why, on a machine without a Postgres server; fails it instead where one is required."""
    reason = server.unreachable_reason()
    if reason is None:
        return
    if os.environ.get(server.REQUIRE_VARIABLE):
        pytest.fail(f"{reason} ({server.REQUIRE_VARIABLE} is set: .ci/run should have started one)")
    pytest.skip(f"{reason}; start one (see .ci/ensure-postgres) to run the Postgres tests")
