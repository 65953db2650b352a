"""Case 8 and the security checks: a bad, revoked or other-region key ends the run with one 403 line and no retries;
the key never shows up in any output, log, load package, trace, state or database; no request header is ever
logged; secrets.toml is git-ignored with an example committed; the simulator listens on loopback only."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.extract.support import Extractor
from tests.faults.support import key_leaks, last_line, settings
from tests.helpers import PYTHON, REPO_ROOT

REFUSED = (
    "extract failed: Pendo refused the integration key (403) at {host}: the key is invalid or revoked, or it belongs "
    "to another region's host (set sources.pendo.region or base_url)"
)
HEADER = re.compile("x-pendo-integration-key", re.IGNORECASE)


def _host(url: str) -> str:
    return url.removeprefix("http://")


def _assert_refused_once(log: list[dict], everything: bool = True) -> None:
    """The refused requests were not retried: no source was refused twice (and, for a key refused from the start,
    every request was refused)."""
    refused = [entry for entry in log if entry["status"] == 403]
    assert refused and (not everything or len(refused) == len(log)), log
    sources = [entry["source"] or entry["path"] for entry in refused]
    assert len(sources) == len(set(sources)), sources


def test_a_wrong_key_is_refused_once_in_one_line_and_leaks_nowhere(simulator, tmp_path):
    wrong = "wrong-" + simulator.key[::-1]
    target = Extractor(tmp_path / "run", simulator.url, wrong, settings())
    run = target.run()
    assert last_line(run) == REFUSED.format(host=_host(simulator.url))
    _assert_refused_once(simulator.state()["log"])
    assert not _loaded_anything(target)
    assert key_leaks(wrong, tmp_path, texts=(run.result.stdout, run.result.stderr)) == []


def test_a_key_revoked_mid_run_is_refused_once_and_nothing_partial_is_committed(simulator, extractor):
    simulator.set_faults(revoke_key_after=12)
    target = extractor()
    run = target.run()
    assert last_line(run) == REFUSED.format(host=_host(simulator.url))
    _assert_refused_once(simulator.state()["log"], everything=False)
    assert not _loaded_anything(target)
    assert key_leaks(simulator.key, target.root, texts=(run.result.stdout, run.result.stderr)) == []


def test_a_key_of_another_region_is_refused_once(start_simulator, tmp_path):
    eu = start_simulator("--seed", "3", "--days", "2", "--visitors", "10", "--accounts", "4", "--region", "eu",
                         key="0f3c9a52-5d0e-4bb5-9e57-3a1c2b7d9e10.us")  # fmt: skip
    target = Extractor(tmp_path / "run", eu.url, eu.key, settings())
    run = target.run()
    assert last_line(run) == REFUSED.format(host=_host(eu.url))
    _assert_refused_once(eu.state()["log"])
    assert key_leaks(eu.key, tmp_path, texts=(run.result.stdout, run.result.stderr)) == []


def _loaded_anything(target) -> bool:
    if not target.duckdb_path.exists():
        return False
    tables = target.query("select table_name from information_schema.tables where table_schema = 'pendo_raw'")
    return bool(tables) and bool(target.query("select count(*) from pendo_raw._dlt_loads")[0][0])


def test_with_debug_logging_everywhere_no_header_and_no_key_is_logged_or_stored(simulator, extractor):
    target = extractor()
    # Every Python logger at DEBUG (urllib3, requests, dlt), and dlt's own log level at DEBUG too.
    code = (
        "import logging, runpy, sys; logging.basicConfig(level=logging.DEBUG); sys.argv = ['extract']; "
        "runpy.run_module('extract', run_name='__main__')"
    )
    result = subprocess.run(
        [PYTHON, "-c", code],
        cwd=REPO_ROOT,
        env=target.env(RUNTIME__LOG_LEVEL="DEBUG"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Making POST request" in output and "urllib3.connectionpool" in output  # the debug logs were on
    assert not HEADER.search(output)
    assert key_leaks(simulator.key, target.root, texts=(output,)) == []
    simulator_output = "\n".join(simulator.stderr_tail)
    assert simulator.key not in simulator_output and not HEADER.search(simulator_output)


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("git") is None or _git("rev-parse").returncode != 0, reason="not a git checkout")
def test_secrets_toml_is_git_ignored_and_only_its_example_is_committed():
    assert _git("check-ignore", "-q", ".dlt/secrets.toml").returncode == 0
    assert _git("ls-files", "--error-unmatch", ".dlt/secrets.toml.example").returncode == 0
    assert _git("ls-files", ".dlt/secrets.toml").stdout == ""
    example = (REPO_ROOT / ".dlt" / "secrets.toml.example").read_text()
    assert 'integration_key = "00000000-0000-0000-0000-000000000000.us"' in example  # a placeholder, not a key


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp and tcp6 (hex, little-endian)."""
    found = set()
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net")
def test_the_simulator_listens_on_loopback_only_and_refuses_other_addresses(simulator):
    port = int(simulator.url.rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1
    result = subprocess.run(
        [PYTHON, "-m", "pendo_simulator", "serve", "--host", "0.0.0.0", "--key", "k", "--days", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "pendo_simulator: the simulator only binds to loopback addresses, not '0.0.0.0'"
