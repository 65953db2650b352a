"""`make show`: dlt's pipeline dashboard (load status, schema, state, a data browser) for the loaded pipeline.

This is the app `dlt pipeline <name> show` starts. In dlt 1.31 that command stops with "Install dlt[hub]" unless the
separate `dlthub` plugin is installed, although the dashboard itself needs only marimo, pyarrow and ibis. So this
starts the same app through dlt's own runner, with the host, port and pipelines directory set explicitly.

dlt keeps no credentials in the pipeline's state, so on its own the dashboard would look for `<pipeline>.duckdb` in
the working directory. The database file is handed over as `DESTINATION__DUCKDB__CREDENTIALS`, the variable dlt
reads for it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dlt.common.pipeline import get_dlt_pipelines_dir

DEFAULT_PORT = 2718  # dlt's own default for this dashboard


def dashboard_command(pipeline: str, pipelines_dir: Path, port: int, *, headless: bool) -> list[str]:
    """dlt's marimo command for its dashboard, run with this interpreter's marimo on 127.0.0.1."""
    from dlt._workspace.helpers.dashboard.runner import run_dashboard_command

    command = run_dashboard_command(
        pipeline, pipelines_dir=str(pipelines_dir), port=port, host="127.0.0.1", headless=headless
    )
    return [sys.executable, "-m", "marimo", *command[1:]]  # command[0] is a bare `marimo`, found only on PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.dlt_show", description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=os.environ.get("PIPELINE_NAME", "pendo"), help="dlt pipeline name")
    parser.add_argument("--pipelines-dir", type=Path, default=None, help="default: dlt's ($DLT_DATA_DIR/pipelines)")
    parser.add_argument("--duckdb-path", type=Path, default=Path(os.environ.get("DUCKDB_PATH", "pendo.duckdb")))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--headless", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)

    pipelines_dir = (args.pipelines_dir or Path(get_dlt_pipelines_dir())).expanduser().resolve()
    duckdb_path = args.duckdb_path.expanduser().resolve()
    fill = "make demo` first, then `make show DEMO=1" if args.pipeline == "pendo_demo" else "make elt"
    if not (pipelines_dir / args.pipeline / "state.json").is_file():
        print(f"show: no dlt pipeline `{args.pipeline}` in {pipelines_dir}; run `{fill}`", file=sys.stderr)
        return 1
    if not duckdb_path.is_file():
        print(f"show: {duckdb_path} does not exist; run `{fill}`", file=sys.stderr)
        return 1

    command = dashboard_command(args.pipeline, pipelines_dir, args.port, headless=args.headless)
    env = os.environ | {"DESTINATION__DUCKDB__CREDENTIALS": str(duckdb_path)}
    print(f"dlt dashboard for pipeline `{args.pipeline}` ({duckdb_path}) on http://127.0.0.1:{args.port}", flush=True)
    os.execve(sys.executable, command, env)  # become the server, so stopping `make show` stops it


if __name__ == "__main__":
    sys.exit(main())
