"""`python -m elt dbt ARGS…`: dbt on the project, connected where dlt loads.

dbt works in the extractor's subscription time zone: the commands that read vars get `--vars {pendo_timezone: …}`
resolved by dlt from `[sources.pendo] timezone` (or its environment variable), so one setting serves both layers;
vars the caller passes win. dbt needs no lookback: its incremental models rebuild what was loaded since their last
run (transform/macros/pendo_incremental.sql).

On Postgres, dbt's profile reads the connection from the POSTGRES_* variables, but the password may only be in
`.dlt/secrets.toml`, which dbt cannot read. So dbt runs with POSTGRES_* set from the connection dlt resolves
(`extract.load.destination.postgres_settings`): both layers always connect to the same database, and the password is
only ever passed in the environment of that one process, never printed. On Spark (the `spark` target, which reads
the lake of `DESTINATION=lake`), dbt gets the lake's URL as dlt resolves it in `PENDO_LAKE_URL`, where the raw tables
are registered (transform/macros/spark_lake.sql). On DuckDB, dbt runs as is.

`python -m elt.dbt -- COMMAND…` runs any command with that environment (the tests look at what dbt would get).
"""

from __future__ import annotations

import json
import os
import sys

import yaml

from elt import steps

EXIT_FAILED = 1
EXIT_USAGE = 2
# dbt commands that parse the project, all of which take `--vars`. Every one gets the same vars: dbt reuses its saved
# parse (target/partial_parse.msgpack) only when the command-line vars equal those of the run that saved it, so a
# `dbt parse` or `dbt source freshness` without them would make the next `dbt build` parse everything again.
VARS_COMMANDS = frozenset(
    {
        "build",
        "run",
        "test",
        "compile",
        "seed",
        "snapshot",
        "show",
        "docs",
        "list",
        "ls",
        "run-operation",
        "retry",
        "parse",
        "source",
        "clone",
    }
)


def with_settings(args: list[str], timezone: str) -> list[str]:
    """ARGS with `pendo_timezone` added to their `--vars` (merged: a var the caller passes wins), for a dbt command
    that takes vars; other commands unchanged."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command not in VARS_COMMANDS:
        return list(args)
    merged: dict[str, object] = {"pendo_timezone": timezone}
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--vars" and index + 1 < len(args):
            merged |= yaml.safe_load(args[index + 1]) or {}
            index += 2
            continue
        if arg.startswith("--vars="):
            merged |= yaml.safe_load(arg.removeprefix("--vars=")) or {}
        else:
            rest.append(arg)
        index += 1
    return [*rest, "--vars", json.dumps(merged)]


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
    from extract.config import ConfigError, subscription_timezone

    environment = steps.environment()
    try:
        timezone = subscription_timezone()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    command = dbt_command(with_settings(args, timezone))
    return exec_with_connection(command, environment, environment["DBT_TARGET"])


def _wrap(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m elt.dbt -- COMMAND [ARGS…]", file=sys.stderr)
        return EXIT_USAGE
    return exec_with_connection(command, dict(os.environ), "postgres")


if __name__ == "__main__":
    sys.exit(_wrap(sys.argv[1:]))
