"""A no-op `make elt` (nothing new since the backfill and its dbt build), timed and split into its phases."""

from __future__ import annotations

import re
import subprocess
import time
from functools import partial

from bench.processes import REPO_ROOT
from bench.replay import ResponseCache
from bench.runs import Endpoint, Workspace, extractor_env, make_command
from bench.scale import Scale
from bench.session import Session

# `python -m elt run` prints each step's command as it starts it, as make echoed them.
PHASE_MARKERS = (("extract", " -m extract"), ("transform", " -m elt dbt build"), ("publish", " -m elt publish"))


def noop_elt(session: Session, endpoint: Endpoint, scale: Scale, workspace: Workspace, cache: ResponseCache) -> None:
    """`make elt` on the loaded and transformed backfill, with the same clock: nothing is new."""
    env = extractor_env(endpoint, scale, workspace) | session.options.extractor_settings
    session.say("no-op make elt (nothing new since the backfill and its dbt build), timed")
    (phases, total), _ = session.timed_pass("no-op make elt", cache, partial(run_make_elt, workspace, env))
    session.results.noop = {"total": total, **phases}


def run_make_elt(workspace: Workspace, env: dict[str, str]) -> tuple[dict[str, float], float]:
    """`make elt`, timed; the phases start when `python -m elt run` echoes their commands (extract, dbt, publish)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        make_command("elt", workspace),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    marks: dict[str, float] = {}
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        for phase, marker in PHASE_MARKERS:
            if phase not in marks and marker in line and not line.startswith("["):
                marks[phase] = time.perf_counter() - started
    process.wait()
    total = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"make elt exited {process.returncode}:\n{''.join(lines[-60:])}")
    order = [phase for phase, _ in PHASE_MARKERS if phase in marks]
    phases = {}
    for index, phase in enumerate(order):
        end = marks[order[index + 1]] if index + 1 < len(order) else total
        phases[phase] = end - marks[phase]
    phases["make and setup"] = marks[order[0]] if order else total
    reread = next((m for line in lines if (m := re.match(r"total\s+([\d,]+)\s", line))), None)
    if reread:
        phases["rows re-read"] = float(reread.group(1).replace(",", ""))
    unchanged_line = re.compile(r"([\d,]+) window\(s\) read again and unchanged")
    unchanged = next((m for line in lines if (m := unchanged_line.match(line))), None)
    phases["windows unchanged"] = float(unchanged.group(1).replace(",", "")) if unchanged else 0.0
    return phases, total
