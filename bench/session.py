"""The plumbing every measurement shares: the work directory, the replay server and its cache, warm-ups, timed
passes, and recording a failed measurement without stopping the others.

Rendered answers are kept between runs, one cache directory per world (its flags and the simulator's code), so a
second `make bench` skips the warm-ups; a warm-up is also skipped when it already ran with the same extractor code.
A timed pass that asks the server for anything not rendered before is reported (`misses`), never hidden.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.model import Options, Results
from bench.processes import REPO_ROOT
from bench.replay import LoggedRequest, ResponseCache
from bench.runs import PYTHON, Endpoint, ExtractRun, Workspace, run_extractor
from bench.scale import Scale
from pendo_simulator.process import ServerProcess

T = TypeVar("T")


def code_hash(*paths: Path) -> str:
    """A hash of the Python sources (and config files) under `paths`: a cache is only reused for the same code."""
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(REPO_ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def load_average() -> float:
    """The 1-minute load average: other work on the machine shows up here (each run's figures are ratios anyway)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class Session:
    """One benchmark run's shared state: its options, its results so far, its work directory and its key."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.results = Results(options)
        self.started = time.perf_counter()
        self.workdir = options.workdir or Path(
            subprocess.run(["mktemp", "-d", "/tmp/pendo-bench-XXXXXX"], capture_output=True, text=True).stdout.strip()
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.key = secrets.token_hex(16)
        self.simulator_code = code_hash(REPO_ROOT / "pendo_simulator")
        self.extractor_code = code_hash(REPO_ROOT / "extract", REPO_ROOT / ".dlt" / "config.toml")
        self.results.load_average.append(load_average())

    def extract(self, endpoint: Endpoint, scale: Scale, workspace: Workspace, *args: Any, **kwargs: Any) -> ExtractRun:
        """Our extractor, with the settings given by --set on top of the project's (and of `extra_env`)."""
        extra_env = kwargs.pop("extra_env", {}) | self.options.extractor_settings
        return run_extractor(endpoint, scale, workspace, *args, extra_env=extra_env, **kwargs)

    def say(self, message: str) -> None:
        print(f"[bench {time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def step(self, name: str, action: Callable[..., T], *args: Any) -> T | None:
        """Run one measurement; a failure is recorded (reason in the report, traceback in failures.log)."""
        try:
            return action(*args)
        except Exception as error:  # every failure is reported, and the other measurements still run
            reason = first_line(error)
            self.results.failures.append(f"{name}: {reason}")
            with (self.workdir / "failures.log").open("a") as log:
                log.write(f"== {name}\n{traceback.format_exc()}\n")
            self.say(f"FAILED {name}: {reason}")
            return None

    def workspace(self, name: str) -> Workspace:
        path = self.workdir / name
        if path.exists():
            shutil.rmtree(path)
        return Workspace(path)

    def world_cache(self, scale: Scale) -> ResponseCache:
        now = scale.now.strftime("%Y%m%dT%H%M")
        world = f"s{scale.seed}-v{scale.visitors}-a{scale.accounts}-d{scale.days}-{now}-{self.simulator_code}"
        directory = self.options.cache_root / world
        if self.options.fresh_cache and directory.exists():
            shutil.rmtree(directory)
        return ResponseCache(directory)

    def replay_server(self, scale: Scale, cache: ResponseCache) -> ServerProcess:
        command = [PYTHON, "-m", "bench.replay", "--cache-dir", str(cache.directory), "--key", self.key]
        return ServerProcess([*command, *scale.world_flags()])

    def warm_up(self, name: str, cache: ResponseCache, action: Callable[[], Any], code: str) -> None:
        """Send a client's requests once so that the server renders them; skipped when already done for `code`."""
        marker = cache.directory / f"warm-{name}-{code}"
        if marker.exists():
            self.say(f"warm-up {name}: done by an earlier run with the same code, skipped")
            return
        self.say(f"warm-up {name}: the server renders and stores its answers")
        try:
            action()
        except Exception as error:  # the timed pass that follows measures (and reports) the client's failure
            self.results.notes.append(
                f"warm-up {name} ({cache.directory.name}) ended with an error: {first_line(error)}"
            )
            return
        marker.touch()

    def timed_pass(self, name: str, cache: ResponseCache, action: Callable[[], T]) -> tuple[T, list[LoggedRequest]]:
        """Run `action()`; record how many of its requests the server had to render live (should be none)."""
        offset = cache.log_size()
        result = action()
        logged = cache.logged_since(offset)
        misses = sum(not entry.hit for entry in logged)
        self.results.misses[name] = misses
        if misses:
            self.results.notes.append(f"{name}: {misses} of {len(logged)} answers were rendered live, not replayed")
        return result, logged
