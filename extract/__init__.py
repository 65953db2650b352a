"""dlt extraction layer: pulls Pendo's Aggregation API and lands raw rows in the `pendo_raw` dataset.

Three jobs, one subpackage each:

- `extract.pendo`: talking to Pendo. The HTTP client (`client`), aggregation request bodies (`queries`), keyset
  paging (`keyset`) and the streamed parse of an answer's rows (`rows`).
- `extract.resources`: describing and producing dlt resources. `registry` names every resource with its keys,
  columns and nested hints; `events` and `entities` produce them, `windows` tiles time, `arrow` converts rows.
- `extract.load`: running a load. `pipeline` runs the source; `state_sync`, `pending_packages` and `window_plan`
  handle the pipeline state; `lock`, `progress`, `messages` and `destination` do what their names say.

`source.py` holds the `pendo` dlt source, `settings.py` the constants (every setting's default among them) and
`config.py` the parsing of the `[sources.pendo]` settings; `python -m extract` (`__main__.py`) is the command line.

`from extract import pendo` gives the source. It is imported on first use, not here: the command line checks its
arguments without loading dlt and pyarrow (about three seconds).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "pendo":
        from extract.source import pendo

        return pendo
    raise AttributeError(f"module 'extract' has no attribute {name!r}")
