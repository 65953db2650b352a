"""One run at a time per pipeline: an OS file lock (`fcntl.flock`) held for the whole run.

Two extracts of one pipeline at once would interleave their load packages and state. The lock file sits beside the
pipeline's working directory (`<pipelines dir>/<pipeline>.lock`, not inside it: dlt may wipe and recreate that
directory during a run). The operating system releases the lock when its process ends in any way, `kill -9` included,
so a lock is never stale; the file itself stays and names the last holder.

`python -m elt run` (`make elt`) holds the lock while it runs extract, transform and publish, so a second `make elt` is
refused as a whole (elt/run.py). The extract it starts finds the lock already held by its parent through an inherited
file descriptor (`EXTRACT_RUN_LOCK_FD`) and runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from extract.settings import DEFAULT_PIPELINE_NAME, PIPELINE_NAME_ENV

INHERITED_FD_ENV = "EXTRACT_RUN_LOCK_FD"
_HOLDER_CHARS = 300


class AlreadyRunning(Exception):
    """Another process holds the pipeline's run lock; the message is one line naming it."""


def pipeline_name() -> str:
    return os.environ.get(PIPELINE_NAME_ENV, DEFAULT_PIPELINE_NAME)


def lock_path(name: str | None = None) -> Path:
    """`<pipelines dir>/<pipeline>.lock`, where dlt keeps the pipeline's working directory (`DLT_DATA_DIR`)."""
    from dlt.common.pipeline import get_dlt_pipelines_dir

    return Path(get_dlt_pipelines_dir()) / f"{name or pipeline_name()}.lock"


def _inherited(path: Path) -> bool:
    """Whether a parent (`python -m elt run`) holds this lock and handed us its descriptor."""
    text = os.environ.get(INHERITED_FD_ENV, "")
    if not text.isdigit():
        return False
    try:
        held, current = os.fstat(int(text)), path.stat()
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def _holder(fd: int) -> str:
    """What the lock file says about the process holding it."""
    try:
        text = os.pread(fd, _HOLDER_CHARS, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return " ".join(text.split()) or "unknown process"


@contextlib.contextmanager
def exclusive_run(path: Path, what: str = "extract") -> Iterator[int | None]:
    """Hold the run lock at `path` for the block; raise `AlreadyRunning` at once when another process holds it.

    Yields the locked file descriptor (None when a parent holds the lock for us)."""
    if _inherited(path):
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"pipeline {path.stem} is already running ({_holder(fd)}): this {what} changed nothing; "
                "wait for that run to finish, then run again"
            ) from None
        argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
        command = shlex.join([os.path.basename(argv[0]), *argv[1:]])[:200]
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"PID {os.getpid()}, `{command}`, started {started}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
