"""Peak memory of our extractor for one window returning about a million rows in one response."""

from __future__ import annotations

import shutil
from functools import partial

import ijson

from bench.model import Figure
from bench.replay import LoggedRequest, ResponseCache
from bench.runs import Endpoint
from bench.scale import Scale
from bench.session import Session

ONE_WINDOW_PAGE_SIZE = 1_000_000  # the extractor's largest page: one window of a million rows in one response


def one_window(session: Session, endpoint: Endpoint, scale: Scale, cache: ResponseCache) -> None:
    settings = {"window": f"{scale.days}d", "page_size": str(ONE_WINDOW_PAGE_SIZE)}
    warm = partial(session.extract, endpoint, scale, session.workspace("one-window-warm-up"), ["events"], **settings)
    session.warm_up("one-window", cache, warm, session.extractor_code)
    session.say(f"memory: events as one {scale.days}-day window (page size {ONE_WINDOW_PAGE_SIZE:,}), measured")
    space = session.workspace("one-window")
    run, logged = session.timed_pass(
        "ours: events in one window", cache, partial(session.extract, endpoint, scale, space, ["events"], **settings)
    )
    largest = largest_response_rows(cache, logged)
    label = f"events, one {scale.days}-day window (largest response {largest:,} rows)"
    session.results.memory[label] = Figure(run.table_rows.get("events", 0), run.seconds, run.peak_rss_mb)
    shutil.rmtree(space.root, ignore_errors=True)


def largest_response_rows(cache: ResponseCache, logged: list[LoggedRequest]) -> int:
    """Rows of the largest answer (by bytes) in a pass, counted by parsing its stored body."""
    paths = {cache.body_path(entry.key) for entry in logged}
    if not paths:
        return 0
    largest = max(paths, key=lambda path: path.stat().st_size)
    with largest.open("rb") as body:
        return sum(1 for _ in ijson.items(body, "results.item"))
