"""Foreseeable failures as the one line a user reads: what went wrong, where, and what to do.

`explain(error)` walks the exception chain dlt wraps around the real cause (PipelineStepFailed → ResourceExtraction…
→ the cause) and returns one line for a cause it knows, or None for a bug (which keeps its traceback). No line ever
carries the integration key or a database password.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

NO_KEY = (
    "No Pendo integration key: set integration_key under [sources.pendo] in .dlt/secrets.toml "
    "or export SOURCES__PENDO__INTEGRATION_KEY (or try `make demo` to run against the simulator)."
)
KEY_ENV = "SOURCES__PENDO__INTEGRATION_KEY"
_DUCKDB_LOCK = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)'
)
_TOML_POSITION = re.compile(r"line (\d+),? col(?:umn)? (\d+)")
_COMMAND_CHARS = 120


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then its causes (explicit or implicit), each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def explain(error: BaseException) -> str | None:
    """One line for a foreseeable failure, or None when the error is not one (a bug keeps its traceback)."""
    for cause in chain(error):
        line = _line(cause)
        if line is not None:
            return _scrub(line)
    return None


def _line(cause: BaseException) -> str | None:
    from dlt.common.configuration.exceptions import ConfigFieldMissingException, ConfigValueCannotBeCoercedException
    from dlt.common.configuration.providers.toml import TomlProviderReadException

    from extract.config import ConfigError, coercion_message, is_source_field
    from extract.load.lock import AlreadyRunning
    from extract.load.quarantine import Quarantined
    from extract.load.state_sync import StaleDataset
    from extract.pendo.client import PendoError
    from extract.pendo.keyset import KeysetStuck
    from extract.resources.arrow import UnexpectedValue

    if isinstance(cause, ConfigFieldMissingException):
        if "integration_key" in cause.fields:
            return NO_KEY
        return f"missing setting: {', '.join(cause.fields)} under [sources.pendo]"
    if isinstance(cause, ConfigValueCannotBeCoercedException):
        if is_source_field(cause.field_name):
            return f"extract failed: {coercion_message(cause.field_name, cause.field_value)}"
        return f"invalid value {cause.field_value!r} for {cause.field_name}: expected {cause.hint}"
    if isinstance(cause, TomlProviderReadException):
        return _unreadable_toml(cause)
    if isinstance(cause, AlreadyRunning | Quarantined):
        return str(cause)
    if isinstance(cause, OSError) and (line := _os_error(cause)) is not None:
        return line
    if isinstance(cause, ConfigError | PendoError | KeysetStuck | UnexpectedValue | StaleDataset):
        return f"extract failed: {_first_line(cause)}"
    text = str(cause)
    if "No space left on device" in text:
        return _no_space(None)
    if "Read-only file system" in text or "Permission denied" in text:
        return _not_writable(None, _first_line(cause))
    if "not a valid DuckDB database file" in text:
        from extract.load.destination import duckdb_path

        return f"extract failed: {duckdb_path()} is not a DuckDB database: point DUCKDB_PATH at a DuckDB file"
    if "Could not set lock on file" in text:
        return _duckdb_locked(text)
    if text.startswith("Out of Memory Error"):
        return _duckdb_out_of_memory(text)
    if _is_connection_failure(cause):
        return _cannot_connect(cause)
    return None


def _os_error(cause: OSError) -> str | None:
    """A full disk or a path that cannot be written: where, and what to do (never a traceback)."""
    if cause.errno == errno.ENOSPC:
        return _no_space(cause.filename)
    if cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _not_writable(cause.filename, cause.strerror or "not writable")
    return None


def _no_space(path: Any) -> str:
    where = f" ({path})" if path else ""
    return (
        f"extract failed: no space left on the device{where}: free some space where DLT_DATA_DIR and DUCKDB_PATH "
        "live, then run again; loads already committed stay, the rest is read again"
    )


def _not_writable(path: Any, reason: str) -> str:
    where = f"{path}: " if path else ""
    return (
        f"extract failed: cannot write {where}{reason}: DLT_DATA_DIR and the folder of DUCKDB_PATH must be "
        "writable by this user; nothing was loaded"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _unreadable_toml(cause: BaseException) -> str:
    """Which file is broken and where, never its content (a TOML error may quote the line, the key included)."""
    paths = [Path(p).resolve() for p in getattr(cause, "full_paths", [])]
    broken = next((p for p in paths if p.is_file()), None)
    name = str(broken) if broken else getattr(cause, "file_name", "a .dlt/*.toml file")
    match = _TOML_POSITION.search(str(cause))
    where = f" (line {match.group(1)}, column {match.group(2)})" if match else ""
    example = " (see .dlt/secrets.toml.example)" if name.endswith("secrets.toml") else ""
    return f"extract failed: {name} is not valid TOML{where}: fix it and run again{example}"


def _duckdb_locked(text: str) -> str:
    match = _DUCKDB_LOCK.search(text)
    if not match:
        return (
            "extract failed: another process holds the DuckDB file (a DuckDB shell, a notebook, a BI tool or dbt); "
            "close it and run again; nothing was lost"
        )
    pid = int(match.group("pid"))
    holder = _process_command(pid) or match.group("exe")
    return (
        f"extract failed: {match.group('path')} is open in another process, PID {pid} ({holder}): close it (a "
        "DuckDB shell, a notebook, a BI tool or a running dbt) and run again; nothing was lost"
    )


def _duckdb_out_of_memory(text: str) -> str:
    from extract.load.destination import describe

    return (
        f"extract failed: DuckDB ran out of its memory_limit while loading into {describe()} "
        f"({_first_line(Exception(text)).removeprefix('Out of Memory Error: ')}): raise memory_limit under "
        "[destination.duckdb.credentials] global_config in .dlt/config.toml, or lower sources.pendo.rows_per_load, "
        "then run again; the extracted rows are kept and load first"
    )


def _process_command(pid: int) -> str | None:
    """The command line of a local process, shortened; None when it cannot be read (another host or container)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    if not parts:
        return None
    command = " ".join([os.path.basename(parts[0]), *parts[1:]])
    command = " ".join(command.split())
    return command[:_COMMAND_CHARS] + ("…" if len(command) > _COMMAND_CHARS else "")


def _is_connection_failure(cause: BaseException) -> bool:
    from dlt.destinations.exceptions import DestinationConnectionError

    if isinstance(cause, DestinationConnectionError):
        return True
    kind = type(cause)
    return kind.__name__ == "OperationalError" and kind.__module__.startswith("psycopg")


def _cannot_connect(cause: BaseException) -> str:
    from extract.load.destination import describe

    reason = cause.inner_exc if getattr(cause, "inner_exc", None) is not None else cause  # type: ignore[attr-defined]
    lines = [line.strip() for line in str(reason).splitlines() if line.strip()]
    detail = lines[0] if lines else type(reason).__name__
    detail = detail.split("failed: ", 1)[-1].replace("FATAL:  ", "")
    return f"extract failed: cannot connect to {describe()}: {detail}"


def _scrub(line: str) -> str:
    """Never print a secret, even one that found its way into an error message (a password in a URL included)."""
    from extract.pendo.urls import redact_text

    line = redact_text(line)
    for secret in _secrets():
        if secret and len(secret) >= 4:
            line = line.replace(secret, "***")
    return line


def _secrets() -> list[str]:
    found = [os.environ.get(KEY_ENV, ""), os.environ.get("POSTGRES_PASSWORD", "")]
    try:
        import dlt

        from extract.load.destination import destination_name, postgres_settings

        found.append(str(dlt.secrets.get("sources.pendo.integration_key") or ""))
        if destination_name() == "postgres":
            found.append(postgres_settings()["POSTGRES_PASSWORD"])
    except Exception:  # a secret that cannot be resolved cannot be in the message either
        pass
    return found


def secrets_warning() -> str | None:
    """One line when `.dlt/secrets.toml` can be read by other users (the integration key is in it)."""
    path = Path(os.environ.get("DLT_PROJECT_DIR") or ".") / ".dlt" / "secrets.toml"
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return f"warning: {path} is readable by other users (mode {mode:04o}): run `chmod 600 {path}`"
