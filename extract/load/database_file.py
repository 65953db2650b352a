"""Is a path a DuckDB database? Read from its first bytes, before DuckDB opens it.

DuckDB, handed a file it does not know, may download and load an extension to read it (a SQLite file) or fail deep
inside dlt or dbt. Reading 16 bytes first gives one clear line instead. This module imports nothing heavy, so
`elt/publish.py` can use it too.
"""

from __future__ import annotations

from pathlib import Path

# DuckDB's first bytes: 8 bytes of checksum, then the magic "DUCK"
_DUCKDB_MAGIC = b"DUCK"
_FOREIGN_FILES = ((b"SQLite format 3\x00", "a SQLite database"), (b"PAR1", "a Parquet file"), (b"PK", "a zip file"))


def foreign_file(path: Path) -> str | None:
    """What `path` is when it is not a DuckDB database (None for a DuckDB file, an empty file or no file)."""
    if path.is_dir():
        return "a directory"
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable: DuckDB's own error says why
    if not head or head[8:12] == _DUCKDB_MAGIC:
        return None
    for magic, name in _FOREIGN_FILES:
        if head.startswith(magic):
            return name
    return "a text file" if all(32 <= byte < 127 or byte in (9, 10, 13) for byte in head) else "another kind of file"
