"""`kill -9` of a running extractor at a chosen moment of a chosen stage, and where it really died.

The stages are watched, not timed: the simulator's request counter during extraction, and dlt's load package
folders under the pipeline's working directory for normalize (`load/new/<load id>/new_jobs` filling up) and load
(`load/normalized/<load id>/completed_jobs` filling up). When the chosen moment is seen the process gets SIGKILL at
once; afterwards the folders it left say which stage it died in (`died_in`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pendo_simulator.process import SimulatorProcess
from tests.faults.support import FaultExtractor
from tests.helpers import PYTHON, REPO_ROOT

STAGES = ("extract", "normalize", "load")
POLL_S = 0.0005


@dataclass(frozen=True)
class Moment:
    stage: str
    package: int  # which load package of the run (normalize and load): 1 is the first
    depth: int  # requests answered (extract), files normalized (normalize) or jobs completed (load) before the kill

    def __str__(self) -> str:
        if self.stage == "extract":
            return f"extract after {self.depth} requests"
        return f"{self.stage} of package {self.package} after {self.depth} files"


def seeded_moments(seed: int, count: int) -> list[Moment]:
    """`count` moments, the three stages equally often, in a seeded random order and depth."""
    rng = random.Random(seed)
    stages = [STAGES[i % len(STAGES)] for i in range(count)]
    rng.shuffle(stages)
    # A first package completes about 7 load jobs: one per table file, plus the merge jobs of the tables it merges
    # (event tables whose rows are all new are appended, with no merge job: extract/load/new_rows.py).
    depth = {"extract": (1, 22), "normalize": (0, 4), "load": (0, 6)}
    return [Moment(stage, 1, rng.randint(*depth[stage])) for stage in stages]


@dataclass
class Outcome:
    moment: Moment
    killed: bool
    died_in: str | None  # the stage the folders show, when killed
    returncode: int
    stderr: str


def run_and_kill(target: FaultExtractor, simulator: SimulatorProcess, moment: Moment, timeout: float = 120) -> Outcome:
    """Start `python -m extract` and SIGKILL it at `moment`; a run that ends before the moment is not killed."""
    work = target.data_dir / "pipelines" / "pendo"
    stderr_path = target.root / "victim.stderr"
    requests_before = simulator.state()["counters"]["requests"]
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [PYTHON, "-m", "extract"],
            cwd=REPO_ROOT,
            env=target.env(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        watcher = _Watcher(work, simulator, requests_before, moment)
        deadline = time.monotonic() + timeout
        killed = False
        while process.poll() is None and time.monotonic() < deadline:
            if watcher.reached():
                os.kill(process.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(POLL_S)
        returncode = process.wait(timeout=30)
    return Outcome(moment, killed, died_in(work) if killed else None, returncode, stderr_path.read_text())


class _Watcher:
    def __init__(self, work: Path, simulator: SimulatorProcess, requests_before: int, moment: Moment) -> None:
        self.work = work
        self.simulator = simulator
        self.requests_before = requests_before
        self.moment = moment
        self.packages: list[str] = []  # load ids in the order this stage first showed them
        self._next_http = 0.0
        # A package an earlier kill left behind is resumed by this run: count only the jobs this run adds to it.
        folder, jobs = self._folder()
        self.before = {package: len(_listdir(work / folder / package / jobs)) for package in _packages(work / folder)}

    def _folder(self) -> tuple[str, str]:
        if self.moment.stage == "normalize":
            return "load/new", "new_jobs"
        return "load/normalized", "completed_jobs"

    def reached(self) -> bool:
        stage = self.moment.stage
        if stage == "extract":
            return self._requests_answered() >= self.moment.depth
        folder, jobs = self._folder()
        for package in _packages(self.work / folder):
            if package not in self.packages:
                self.packages.append(package)
        if len(self.packages) < self.moment.package:
            return False
        package = self.packages[self.moment.package - 1]
        done = len(_listdir(self.work / folder / package / jobs))
        before = self.before.get(package)
        if before is None:
            return done >= self.moment.depth
        return done > before and done - before >= self.moment.depth

    def _requests_answered(self) -> int:
        now = time.monotonic()
        if now < self._next_http:
            return -1
        self._next_http = now + 0.003
        return self.simulator.state()["counters"]["requests"] - self.requests_before


def _listdir(path: Path) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _packages(path: Path) -> list[str]:
    """Load package folders (their names are load ids such as 1795707940.0291128; dlt's temporary folders have no
    dot)."""
    return [name for name in _listdir(path) if "." in name]


def died_in(work: Path) -> str:
    """The stage a killed run was in, from the packages it left: one in `load/normalized` was being loaded (or
    waited to be), one in `normalize/extracted` or `load/new` was being normalized, none means extraction."""
    if _packages(work / "load" / "normalized"):
        return "load"
    if _packages(work / "load" / "new") or _packages(work / "normalize" / "extracted"):
        return "normalize"
    return "extract"
