"""`python -m elt dbt ARGS…`: dbt on the project, connected where dlt loads.

On Postgres, dbt's profile reads the connection from the POSTGRES_* variables, but the password may only be in
`.dlt/secrets.toml`, which dbt cannot read. So dbt runs with POSTGRES_* set from the connection dlt resolves
(`extract.load.destination.postgres_settings`): both layers always connect to the same database, and the password is
only ever passed in the environment of that one process, never printed. On Spark (the `spark` target, which reads
the lake of `DESTINATION=lake`), dbt gets the lake's URL as dlt resolves it in `PENDO_LAKE_URL`, where the raw tables
are registered (transform/macros/spark_lake.sql). On DuckDB, dbt runs as is.

`python -m elt.dbt -- COMMAND…` runs any command with that environment (the tests look at what dbt would get).
"""

from __future__ import annotations

import os
import sys

from elt import steps

EXIT_FAILED = 1
EXIT_USAGE = 2


def dbt_command(args: list[str]) -> list[str]:
    """dbt with plain-text logs, on transform/ with the profiles.yml at the repository root unless ARGS say."""
    project = [] if "--project-dir" in args else list(steps.DBT_PROJECT_ARGS)
    return [steps.dbt_executable(), "--no-use-colors", *args, *project]


def connection_settings(target: str) -> dict[str, str]:
    """What dbt's profile reads for `target`, as dlt resolves it: POSTGRES_* on Postgres, PENDO_LAKE_URL on Spark."""
    if target == "postgres":
        from extract.load.destination import postgres_settings

        return postgres_settings()
    if target == "spark":
        from extract.load.destination import lake_url

        return {"PENDO_LAKE_URL": lake_url()}
    return {}


def exec_with_connection(command: list[str], environment: dict[str, str], target: str) -> int:
    """Replace this process with `command`, with the settings of `target` as dlt resolves them."""
    from extract.config import ConfigError

    try:
        environment = environment | connection_settings(target)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    os.execvpe(command[0], command, environment)
    return EXIT_FAILED  # not reached: execvpe replaces this process


def main(args: list[str]) -> int:
    """`python -m elt dbt ARGS…`; the target is DBT_TARGET (the Makefile derives it from DESTINATION)."""
    environment = steps.environment()
    return exec_with_connection(dbt_command(args), environment, environment["DBT_TARGET"])


def _wrap(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m elt.dbt -- COMMAND [ARGS…]", file=sys.stderr)
        return EXIT_USAGE
    return exec_with_connection(command, dict(os.environ), "postgres")


if __name__ == "__main__":
    sys.exit(_wrap(sys.argv[1:]))
