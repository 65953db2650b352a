"""Where our extractor's time goes: one full backfill under py-spy, summarised by function and by component.

py-spy samples the thread that holds the GIL (`--gil`), so the shares add up to the time the process spends in
Python code on its one busy core: exactly what bounds extraction. py-spy is a dev dependency (`make setup` installs
it); where it is missing or cannot attach, the report says so and the other measurements stand.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.processes import REPO_ROOT

SAMPLES_PER_SECOND = 100
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^():]+)(?::\d+)?\)$")
OUR_CODE = {
    "extract/pendo/rows.py": "parsing the answers (pendo/rows.py: orjson on row-aligned pieces)",
    "extract/resources/arrow.py": "row keys and Arrow conversion (resources/arrow.py)",
    "extract/pendo/keyset.py": "keyset paging (pendo/keyset.py)",
    "extract/pendo/client.py": "HTTP (pendo/client.py, requests, urllib3)",
}
HTTP = ("urllib3/", "requests/", "http/", "socket.py", "ssl.py")


def py_spy() -> str | None:
    local = Path(REPO_ROOT / ".venv" / "bin" / "py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def record(command: Sequence[str], env: dict[str, str], stacks: Path) -> None:
    """Run `command` under py-spy, GIL holder only, collapsed stacks into `stacks`."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed")
    rate = str(SAMPLES_PER_SECOND)
    prefix = [spy, "record", "--gil", "-r", rate, "--format", "raw", "-o", str(stacks), "--"]
    result = subprocess.run([*prefix, *command], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not stacks.exists():
        raise RuntimeError(f"py-spy failed: {(result.stderr or result.stdout).strip()[-300:]}")


def _parse(stacks: Path) -> list[tuple[list[tuple[str, str]], int]]:
    samples = []
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for frame in stack.split(";"):
            match = _FRAME.match(frame)
            frames.append((match["function"], match["path"]) if match else (frame, ""))
        samples.append((frames, int(count)))
    return samples


def _short(path: str) -> str:
    """The path from the package root: py-spy writes our code relative to the working directory (the repository)
    and installed packages from site-packages already, but absolute paths where it cannot shorten them."""
    for marker in ("site-packages/", str(REPO_ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def component(frames: list[tuple[str, str]]) -> str:
    """Who a sample's time belongs to: from the innermost frame outwards, the first frame of HTTP code, of our
    code or of dlt decides (pyarrow, orjson and hashlib count for whoever called them)."""
    if any("importlib" in path for _, path in frames):
        return "start-up (imports)"
    for _, path in reversed(frames):
        short = _short(path)
        if short.startswith(HTTP) or "/http/" in path:
            return OUR_CODE["extract/pendo/client.py"]
        if short in OUR_CODE:
            return OUR_CODE[short]
        if short.startswith("extract/"):
            return "the rest of the extractor (resources, windows, plan)"
        if short.startswith("dlt/"):
            return "dlt (extract pipe, parquet files, normalize, load)"
    return "other"


def summarise(stacks: Path, top: int = 12) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """Seconds sampled, the top functions by own time and the components, each as a share of the samples."""
    samples = _parse(stacks)
    total = sum(count for _, count in samples) or 1
    functions: Counter[str] = Counter()
    components: Counter[str] = Counter()
    for frames, count in samples:
        function, path = frames[-1]
        functions[f"{function} ({_short(path)})"] += count
        components[component(frames)] += count
    share = [(name, count / total) for name, count in functions.most_common(top)]
    parts = [(name, count / total) for name, count in components.most_common()]
    return total / SAMPLES_PER_SECOND, share, parts
