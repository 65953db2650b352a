"""Replay mode (`serve --fixtures DIR`): serve rows recorded from, or shaped after, real Pendo answers.

The generated worlds are our own idea of Pendo data; fixtures are rows in the shapes real subscriptions return (no
`firstTime`/`lastTime`, no track types, poll events typed `ui:web:pollResponse` with a null `appId`, ...). The
directory holds one JSON array per row source, named after it (`pageEvents.json`, `visitors.json`, ...; a missing
file is a source that returns nothing), and `metadata_schema_visitor.json` / `metadata_schema_account.json` for the
metadata schema endpoints. Rows are served as they are, through the same request validation and pipeline operators
(filter, sort, limit) as generated rows; event rows are cut to the query's window by their own `day` (aggregated
sources) or `guideTimestamp` (guide and poll events).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Fixtures:
    directory: Path

    def __post_init__(self) -> None:
        if not self.directory.is_dir():
            raise ValueError(f"fixture directory not found: {self.directory}")

    def _load(self, name: str) -> Any:
        path = self.directory / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def entity_rows(self, source: str) -> Iterator[Row]:
        yield from self._load(source) or []

    def event_rows(self, source: str, start_ms: int, end_ms: int) -> Iterator[Row]:
        field = "guideTimestamp" if source in ("guideEvents", "pollEvents") else "day"
        for row in self._load(source) or []:
            if start_ms <= row.get(field, -1) < end_ms:
                yield row

    def metadata_schema(self, kind: str) -> Row:
        return self._load(f"metadata_schema_{kind}") or {}
