"""`python -m extract`: run the extraction, reporting foreseeable faults in one line and a non-zero exit."""

from __future__ import annotations

import argparse
import sys

from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.pipeline.exceptions import PipelineStepFailed

from extract.client import PendoAuthError

NO_KEY = (
    "No Pendo integration key: set integration_key under [sources.pendo] in .dlt/secrets.toml "
    "or export SOURCES__PENDO__INTEGRATION_KEY (or try `make demo` to run against the simulator)."
)


def _root_cause(error: BaseException) -> BaseException:
    while True:
        nested = error.__cause__ or error.__context__
        if nested is None or isinstance(error, PendoAuthError | ConfigFieldMissingException):
            return error
        error = nested


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extract", description="Extract Pendo into pendo_raw.")
    parser.add_argument("--resources", help="comma-separated resources to extract (default: all)")
    args = parser.parse_args(argv)
    resources = [r.strip() for r in args.resources.split(",") if r.strip()] if args.resources else None

    from extract.pipeline import run

    try:
        info = run(resources)
    except (ConfigFieldMissingException, PipelineStepFailed, PendoAuthError) as error:
        cause = _root_cause(error)
        if isinstance(cause, ConfigFieldMissingException) and "integration_key" in cause.fields:
            print(NO_KEY, file=sys.stderr)
        else:
            print(f"extract failed: {cause}".splitlines()[0], file=sys.stderr)
        return 1
    print(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
