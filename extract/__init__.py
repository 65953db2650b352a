"""dlt extraction layer: pulls Pendo's Aggregation API and lands raw rows in the `pendo_raw` dataset.

Three jobs, one subpackage each:

- `extract.pendo`: talking to Pendo. The HTTP client (`client`), aggregation request bodies (`queries`), keyset
  paging (`keyset`), the streamed, checked parse of an answer's rows (`rows`) and the URL checks (`urls`: no
  plain http off loopback, no credentials, redaction).
- `extract.resources`: describing and producing dlt resources. `registry` names every resource with its keys,
  columns and nested hints; `events` and `entities` produce them, `windows` tiles time, `arrow` converts rows,
  `metadata_types` types custom metadata by Pendo's metadata schema.
- `extract.load`: running a load. `pipeline` runs the source; `state_sync`, `pending_packages` and `window_plan`
  handle the pipeline state; `raw_tables` creates the raw tables no load has created yet; `quarantine` moves aside a
  load package that fails twice the same way; `lock`, `progress`, `messages`, `destination` and `database_file` do
  what their names say, and `dlt_storage` is the one module that calls dlt's private storage functions.

`source.py` holds the `pendo` dlt source, `settings.py` the constants (every setting's default among them) and
`config.py` the typed `[sources.pendo]` configuration and its checks; `python -m extract` (`__main__.py`) is the
command line.

The source is `extract.source.pendo`, not an attribute of this package: a `pendo` here would be shadowed by the
`extract.pendo` subpackage as soon as that is imported, and defining it here would load dlt and pyarrow (about three
seconds) before the command line could answer a usage error.
"""
