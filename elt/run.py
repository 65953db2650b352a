"""`python -m elt run`: the whole ELT under the run locks (pipeline and database): extract, dbt build, publish.

The locks (extract/load/lock.py) are taken once, by this process, before the first step: a second `make elt` is
refused as a whole and changes nothing. The extract started inside finds them already held by its parent through
inherited file descriptors (`EXTRACT_RUN_LOCK_FD`) and runs. A step that fails ends the run with its exit code; the
steps after it do not run.

Finding the pipeline's lock file imports dlt here (about a second of CPU), so the extract is a fork of this process
rather than a new Python that would import dlt again: its memory is still returned when it ends, its exit code and
umask are its own, and it runs `python -m extract`'s own `main` (docs/extraction.md, "Streaming and speed"). Where
forking is not safe (a thread is running, or no `os.fork`), it is started as a new process like the other steps.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import traceback

from elt import steps

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
STEPS = ("extract", "transform", "publish")


def commands(resources: str | None, selected: tuple[str, ...] = STEPS) -> list[list[str]]:
    every = {"extract": steps.extract(resources), "transform": steps.transform(), "publish": steps.publish()}
    return [every[name] for name in selected]


def run_locked(commands: list[list[str]]) -> int:
    """Run `commands` one after another holding the run lock; the first failure's exit code, else 0."""
    environment = steps.environment()  # relative paths resolved from the caller's directory, then:
    os.environ.update(environment)  # dlt, imported below, sees what the steps see (a forked extract inherits it)
    os.chdir(steps.REPO_ROOT)
    from extract.load.lock import INHERITED_FD_ENV, AlreadyRunning, exclusive_run, run_lock_paths

    try:
        with exclusive_run(run_lock_paths(), what="run") as fds:
            pass_fds = tuple(fds)
            if fds:
                environment[INHERITED_FD_ENV] = ",".join(map(str, fds))
            for command in commands:
                print(shlex.join(command), flush=True)  # like make's echo: where each step starts
                if _can_fork(command):
                    returncode = _forked_extract(command[3:], environment)
                else:
                    result = subprocess.run(
                        command, cwd=steps.REPO_ROOT, env=environment, pass_fds=pass_fds, check=False
                    )
                    returncode = result.returncode
                if returncode != 0:
                    return returncode
            return 0
    except AlreadyRunning as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _can_fork(command: list[str]) -> bool:
    """Whether this step is the extract and this process can fork it (one thread, a system with fork)."""
    return command[:3] == steps.extract()[:3] and hasattr(os, "fork") and threading.active_count() == 1


def _forked_extract(args: list[str], environment: dict[str, str]) -> int:
    """`python -m extract ARGS` in a fork of this process, with the step's environment and directory; its exit code
    (minus the signal number when a signal ended it, as subprocess reports it)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the parent's code
        code = 1
        try:
            os.chdir(steps.REPO_ROOT)
            os.environ.clear()
            os.environ.update(environment)
            from extract.__main__ import main

            code = main(args)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
            if not isinstance(exit.code, int | None):
                print(exit.code, file=sys.stderr)
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main(resources: str | None = None, selected: tuple[str, ...] = STEPS) -> int:
    return run_locked(commands(resources, selected))
