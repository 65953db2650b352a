"""One window of 1,000,000 rows, streamed by a simulator process whose peak RSS is measured, not assumed."""

from __future__ import annotations

from pathlib import Path

import ijson
import pytest
import requests

from tests.simulator.conftest import ALL_APPS

ROWS = 1_000_000
RSS_CEILING_MB = 200
# 45,000 visitors over 30 days hold about 1.1M hourly `events` rows; the limit takes exactly one million of them.
WORLD = ["--seed", "1", "--visitors", "45000", "--accounts", "500", "--days", "30", "--now", "2026-03-15T12:00:00Z"]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size, from the kernel."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.slow
def test_a_million_row_window_streams_in_bounded_memory(start_simulator, record_property):
    simulator = start_simulator(*WORLD)
    body = {
        "response": {"mimeType": "application/json"},
        "request": {
            "pipeline": [
                {
                    "source": {
                        "events": {"appId": ALL_APPS},
                        "timeSeries": {"period": "hourRange", "first": "date(2026, 2, 14)", "last": "now()"},
                    }
                },
                {"limit": ROWS},
            ]
        },
    }
    headers = {"x-pendo-integration-key": simulator.key}
    with requests.post(
        f"{simulator.url}/api/v1/aggregation", json=body, headers=headers, stream=True, timeout=300
    ) as r:
        assert r.status_code == 200
        assert r.headers["Transfer-Encoding"] == "chunked"
        r.raw.decode_content = True
        count = 0
        hours = set()
        for row in ijson.items(r.raw, "results.item"):
            count += 1
            if count % 1000 == 0:
                hours.add(row["hour"])
                assert row["numEvents"] >= 1 and row["visitorId"]
    peak = peak_rss_mb(simulator.pid)
    record_property("simulator_peak_rss_mb", round(peak, 1))
    print(f"\n1M-row window: simulator peak RSS {peak:.1f} MB")
    assert count == ROWS
    assert len({h // 86_400_000 for h in hours}) >= 28  # the rows span the month, not one repeated bucket
    assert peak < RSS_CEILING_MB
