"""One run at a time per pipeline and per database: OS file locks (`fcntl.flock`) held for the whole run.

Two extracts of one pipeline at once would interleave their load packages and state. The pipeline's lock file sits
beside its working directory (`<pipelines dir>/<pipeline>.lock`, not inside it: dlt may wipe and recreate that
directory during a run). Two runs with different pipeline directories (another `DLT_DATA_DIR`) on one database would
interleave just as badly in the database (and the second would fail inside dbt), so a run also locks the database:
`.<file>.lock` beside a DuckDB file, and for Postgres a lock file in the system's temporary folder named after the
connection (which keeps out runs on this machine; runs on two machines against one Postgres are not covered).
The operating system releases a lock when its process ends in any way, `kill -9` included, so a lock is never
stale; the file itself stays and names the last holder.

`python -m elt run` (`make elt`) holds the locks while it runs extract, transform and publish, so a second `make elt`
is refused as a whole (elt/run.py). The extract it starts finds the locks already held by its parent through inherited
file descriptors (`EXTRACT_RUN_LOCK_FD`) and runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator, Sequence
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


def database_lock_path() -> Path:
    """The database's lock file: beside a DuckDB file, or in the temporary folder for a Postgres database or a lake."""
    from extract.load.destination import describe, destination_name, duckdb_path

    if destination_name() == "duckdb":
        path = duckdb_path()
        return path.with_name(f".{path.name}.lock")
    digest = hashlib.blake2b(describe().encode(), digest_size=8).hexdigest()
    return Path(tempfile.gettempdir()) / f"pendo-elt-{destination_name()}-{digest}.lock"


def run_lock_paths() -> list[Path]:
    """What a run locks: the pipeline, then the database."""
    return [lock_path(), database_lock_path()]


def _inherited(path: Path) -> bool:
    """Whether a parent (`python -m elt run`) holds this lock and handed us its descriptor."""
    try:
        current = path.stat()
    except OSError:
        return False
    for text in os.environ.get(INHERITED_FD_ENV, "").split(","):
        if not text.strip().isdigit():
            continue
        try:
            held = os.fstat(int(text))
        except OSError:
            continue
        if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
            return True
    return False


def _busy(path: Path) -> str:
    return "already running" if _label(path).startswith("pipeline ") else "in use by another run"


def _label(path: Path) -> str:
    if path.name.startswith("pendo-elt-"):
        from extract.load.destination import describe

        return f"database {describe()}"
    if path.name.startswith(".") and path.name.endswith(".lock"):
        return f"database {path.with_name(path.name[1:].removesuffix('.lock'))}"
    return f"pipeline {path.stem}"


def _holder(fd: int) -> str:
    """What the lock file says about the process holding it."""
    try:
        text = os.pread(fd, _HOLDER_CHARS, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return " ".join(text.split()) or "unknown process"


@contextlib.contextmanager
def exclusive_run(paths: Path | Sequence[Path], what: str = "extract") -> Iterator[list[int]]:
    """Hold the run locks at `paths` for the block; raise `AlreadyRunning` at once when another process holds one.

    Yields the locked file descriptors (without those a parent holds for us)."""
    with contextlib.ExitStack() as stack:
        fds = []
        for path in [paths] if isinstance(paths, Path) else list(paths):
            fd = stack.enter_context(_locked(path, what))
            if fd is not None:
                fds.append(fd)
        yield fds


@contextlib.contextmanager
def _locked(path: Path, what: str) -> Iterator[int | None]:
    if _inherited(path):
        yield None
        return
    if _label(path).startswith("database ") and not path.parent.is_dir():
        yield None  # no database folder: DuckDB's own one-line error says so, and no run can interleave in it
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"{_label(path)} is {_busy(path)} ({_holder(fd)}): this {what} changed nothing; "
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
