"""A load package that fails the same way twice is moved aside, so it cannot block every later run.

dlt loads a package left behind by an earlier run before anything else. A package that can never load (a value its
destination cannot hold, a table someone changed by hand) would then fail every run. So every failed load is
recorded (`<pipelines dir>/<pipeline>.failed-load.json`: the pending load ids and the one-line reason), and when the
same packages fail again for the same reason, they are moved to `<pipelines dir>/<pipeline>.quarantine/<load id>`
and the run ends with one line saying where they are and how to retry them. Nothing is lost: the cursor committed
in the database is older than the quarantined package's, so the next run reads those windows from Pendo again
(state_sync.py lets the destination's state win over a local one that is ahead with nothing pending).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dlt

from extract.load.lock import lock_path

REASON_CHARS = 120


class Quarantined(Exception):
    """Packages were moved aside; the message is the one line a user reads."""


def _record_path(pipeline: dlt.Pipeline) -> Path:
    return lock_path(pipeline.pipeline_name).with_suffix(".failed-load.json")


def quarantine_dir(pipeline: dlt.Pipeline) -> Path:
    return lock_path(pipeline.pipeline_name).with_suffix(".quarantine")


def pending_load_ids(pipeline: dlt.Pipeline) -> list[str]:
    return sorted(set(pipeline.list_normalized_load_packages()) | set(pipeline.list_extracted_load_packages()))


def forget_failures(pipeline: dlt.Pipeline) -> None:
    _record_path(pipeline).unlink(missing_ok=True)


def record_failure(pipeline: dlt.Pipeline, reason: str) -> bool:
    """Note that the pending packages failed for `reason`; True when they had failed the same way before."""
    record = _record_path(pipeline)
    current = {"load_ids": pending_load_ids(pipeline), "reason": reason}
    try:
        before = json.loads(record.read_text())
    except (OSError, ValueError):
        before = None
    if not current["load_ids"]:
        return False
    record.write_text(json.dumps(current) + "\n")
    return before == current


def quarantine(pipeline: dlt.Pipeline, reason: str) -> Quarantined:
    """Move every pending package aside; the error to raise says where and how to retry."""
    target = quarantine_dir(pipeline)
    target.mkdir(parents=True, exist_ok=True)
    moved = []
    normalized = pipeline._get_load_storage().normalized_packages
    extracted = pipeline._get_normalize_storage().extracted_packages
    for load_id in pending_load_ids(pipeline):
        for storage, kind in ((normalized, "normalized"), (extracted, "extracted")):
            source = Path(storage.storage.make_full_path(storage.get_package_path(load_id)))
            if source.exists():
                destination = target / f"{load_id}.{kind}"
                shutil.rmtree(destination, ignore_errors=True)
                shutil.move(str(source), destination)
                moved.append(destination.name)
    forget_failures(pipeline)
    home = Path(pipeline.working_dir)
    short = reason if len(reason) <= REASON_CHARS else reason[:REASON_CHARS] + "…"
    return Quarantined(
        f"extract failed: load package {', '.join(moved)} failed twice the same way ({short}); moved to {target} so "
        f"the next run goes on and reads those windows again; to retry it, move <id>.normalized back to "
        f"{home / 'load' / 'normalized'}/<id> and run again"
    )
