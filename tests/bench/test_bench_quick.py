"""`make bench-quick` runs every measurement of the benchmark at a tiny scale and writes its report.

Nothing here looks at a timing: the test fails when the benchmark's code fails (a measurement that errors, a
report without its sections), when a timed pass was not served from the replay cache, or when the clients did not
read the same rows, never because something was slow.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.slow

SECTIONS = (
    "## Machine",
    "## 1. Extraction throughput",
    "## 2. Peak memory",
    "## 3. dbt",
    "## 4. No-op `make elt`",
    "## 5. Scaling",
    "## Targets",
)


def test_bench_quick_measures_everything_and_writes_the_report(tmp_path):
    report = tmp_path / "report.md"
    args = f"--cache-dir {tmp_path / 'cache'} --workdir {tmp_path / 'work'} --out {report}"
    result = subprocess.run(
        ["make", "--no-print-directory", "bench-quick", f"BENCH_ARGS={args}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    text = report.read_text()
    assert text.strip() in result.stdout  # the same table is printed
    for section in SECTIONS:
        assert section in text, section
    assert "## Failed measurements" not in text
    assert "answers rendered live during timed passes: 0)" in text  # every timed pass was replayed
    assert "rows, ours" not in text  # the ceiling and the baseline read exactly our rows
    throughput = dict(re.findall(r"^\| \*{0,2}(\w+)\*{0,2} \| ([\d,]+) \|", text, re.MULTILINE))
    assert {"events", "guide_events", "entities", "total"} <= set(throughput)
    assert all(int(rows.replace(",", "")) > 0 for rows in throughput.values())
    targets = re.findall(r"^\| (≥|≤|peak|incremental|no-op|growth)[^|]*\| [^|]+ \| (yes|\*\*no\*\*) \|", text, re.M)
    # every target is evaluated (met or not): rows/s, baseline, ceiling, memory, dbt, no-op, growth of extract and dbt
    assert len(targets) == 8
