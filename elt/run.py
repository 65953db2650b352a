"""`python -m elt run`: the whole ELT under the run locks (pipeline and database): extract, dbt build, publish.

The locks (extract/load/lock.py) are taken once, by this process, before the first step: a second `make elt` is
refused as a whole and changes nothing. The extract started inside finds them already held by its parent through
inherited file descriptors (`EXTRACT_RUN_LOCK_FD`) and runs. A step that fails ends the run with its exit code; the
steps after it do not run.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

from elt import steps

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
STEPS = ("extract", "transform", "publish")


def commands(resources: str | None, selected: tuple[str, ...] = STEPS) -> list[list[str]]:
    every = {"extract": steps.extract(resources), "transform": steps.transform(), "publish": steps.publish()}
    return [every[name] for name in selected]


def run_locked(commands: list[list[str]]) -> int:
    """Run `commands` one after another holding the run lock; the first failure's exit code, else 0."""
    from extract.load.lock import INHERITED_FD_ENV, AlreadyRunning, exclusive_run, run_lock_paths

    environment = steps.environment()
    try:
        with exclusive_run(run_lock_paths(), what="run") as fds:
            pass_fds = tuple(fds)
            if fds:
                environment[INHERITED_FD_ENV] = ",".join(map(str, fds))
            for command in commands:
                print(shlex.join(command), flush=True)  # like make's echo: where each step starts
                result = subprocess.run(command, cwd=steps.REPO_ROOT, env=environment, pass_fds=pass_fds, check=False)
                if result.returncode != 0:
                    return result.returncode
            return 0
    except AlreadyRunning as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def main(resources: str | None = None, selected: tuple[str, ...] = STEPS) -> int:
    return run_locked(commands(resources, selected))
