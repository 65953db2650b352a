"""dlt extraction layer: pulls Pendo's Aggregation API and lands raw rows in the `pendo_raw` dataset.

Three jobs, one subpackage each:

- `extract.pendo`: talking to Pendo. The HTTP client (`client`), aggregation request bodies (`queries`), keyset
  paging (`keyset`) and the streamed parse of an answer's rows (`rows`).
- `extract.resources`: describing and producing dlt resources. `registry` names every resource with its keys,
  columns and nested hints; `events` and `entities` produce them, `windows` tiles time, `arrow` converts rows.
- `extract.load`: running a load. `pipeline` runs the source; `state_sync`, `pending_packages` and `window_plan`
  handle the pipeline state; `lock`, `progress`, `messages` and `destination` do what their names say, and
  `dlt_storage` is the one module that calls dlt's private storage functions.

`source.py` holds the `pendo` dlt source, `settings.py` the constants (every setting's default among them) and
`config.py` the typed `[sources.pendo]` configuration and its checks; `python -m extract` (`__main__.py`) is the
command line.

The source is `extract.source.pendo`, not an attribute of this package: a `pendo` here would be shadowed by the
`extract.pendo` subpackage as soon as that is imported, and defining it here would load dlt and pyarrow (about three
seconds) before the command line could answer a usage error.
"""
