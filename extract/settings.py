"""The extractor's constants: the default of every `[sources.pendo]` setting, Pendo's hosts, names, batch sizes.

Each default is defined here and only here. The source's configuration (config.py) takes its defaults from this
module; `.dlt/config.toml` shows them as comments, and a test checks that those comments match. The dbt project
repeats one of them, the time zone, as the fallback of `PENDO_TIMEZONE` in transform/dbt_project.yml (dbt cannot
import Python); the same test checks that it matches too.
"""

from __future__ import annotations

# --- defaults of the [sources.pendo] settings (README.md, "Configuration", says why each is what it is) ---
DEFAULT_REGION = "us"
DEFAULT_START_DATE = "2024-01-01"
DEFAULT_PERIOD = "day"
DEFAULT_WINDOW = "1d"
DEFAULT_LOOKBACK = "10d"
DEFAULT_HORIZON = "8h"
DEFAULT_PAGE_SIZE = 50_000
DEFAULT_APP_IDS = "*"  # every app of the subscription
DEFAULT_INCLUDE_ANONYMOUS = True
DEFAULT_TIMEZONE = "America/New_York"  # used when neither sources.pendo.timezone nor PENDO_TIMEZONE is set
DEFAULT_ROWS_PER_LOAD = 2_000_000
# Limits on one answer, whatever the host sends (docs/hostile-hosts.md): over one, the window is split.
DEFAULT_ANSWER_DEADLINE = 900  # seconds for the whole body
DEFAULT_MAX_ANSWER_BYTES = 1 << 30  # 1 GiB, decompressed
DEFAULT_MAX_ROW_BYTES = 16 << 20  # 16 MiB

# --- what a setting may be ---
# Pendo's API host per region. A key only works against its own region's host.
REGION_HOSTS = {
    "us": "https://app.pendo.io",
    "us1": "https://us1.app.pendo.io",
    "eu": "https://app.eu.pendo.io",
    "jp": "https://app.jpn.pendo.io",
    "au": "https://app.au.pendo.io",
}
PERIODS = ("day", "hour")
MAX_PAGE_SIZE = 1_000_000
MAX_ROWS_PER_LOAD = 10**12
MAX_ANSWER_DEADLINE = 7 * 86400
MAX_BYTES = 1 << 40

# --- environment variables ---
TIMEZONE_ENV = "PENDO_TIMEZONE"  # the same variable the dbt project reads
NOW_ENV = "EXTRACT_NOW"  # tests and reproducible demos pin the extractor's clock with an ISO 8601 instant
PIPELINE_NAME_ENV = "PIPELINE_NAME"

# --- names in dlt and in the destination ---
SOURCE_NAME = "pendo"  # the dlt source, its config section ([sources.pendo]) and its state
DEFAULT_PIPELINE_NAME = "pendo"
RAW_DATASET = "pendo_raw"
# Guide steps and polls (and page rules) become child tables whose own objects are flattened (`attributes__type`);
# lists inside them stay JSON.
MAX_TABLE_NESTING = 2
ROW_KEY = "row_key"  # the merge key of the event tables: a hash of every field of a row's grain
MERGE = {"disposition": "merge", "strategy": "delete-insert"}
# For resources that hand every row over once per load (keyset paging, see pendo/keyset.py): dlt's merge skips its
# de-duplication pass over the staged rows (a ROW_NUMBER() that held a whole load in DuckDB's memory). A package left
# behind by a killed run may hold rows twice; load/pending_packages.py takes the option back out of it.
MERGE_STAGED_UNIQUE = {**MERGE, "deduplicated": True}

# --- batch sizes ---
ANSWER_PIECE_BYTES = 4 << 20  # bytes of an answer parsed into one Arrow table of event rows
DICT_BATCH_ROWS = 5_000  # entity rows per list of dicts handed to dlt
