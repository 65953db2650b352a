"""The profile summary attributes py-spy samples to the component whose code spent them."""

from __future__ import annotations

from bench.processes import REPO_ROOT
from bench.profile import OUR_CODE, summarise

ROOT = f"<module> ({REPO_ROOT}/extract/__main__.py:97)"
READ = f"read_events ({REPO_ROOT}/extract/resources/events.py:165)"


def test_samples_go_to_the_innermost_of_our_code_or_dlt(tmp_path):
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "\n".join(
            [
                f"{ROOT};{READ};_cut ({REPO_ROOT}/extract/pendo/rows.py:98) 30",
                f"{ROOT};{READ};convert ({REPO_ROOT}/extract/resources/arrow.py:89) 20",
                f"{ROOT};{READ};result_rows ({REPO_ROOT}/extract/pendo/rows.py:70);"
                "read (/x/site-packages/urllib3/response.py:900) 10",
                f"{ROOT};run ({REPO_ROOT}/extract/load/pipeline.py:105);"
                "write_table (/x/site-packages/pyarrow/parquet/core.py:1225) 0",
                f"{ROOT};run ({REPO_ROOT}/extract/load/pipeline.py:105);"
                "extract (/x/site-packages/dlt/extract/extract.py:608);"
                "write_table (/x/site-packages/pyarrow/parquet/core.py:1225) 25",
                f"{ROOT};_find_and_load (<frozen importlib._bootstrap>:1176) 15",
            ]
        )
    )
    seconds, functions, components = summarise(stacks, top=3)
    shares = dict(components)
    assert seconds == 1.0  # 100 samples at 100 samples/s
    assert shares[OUR_CODE["extract/pendo/rows.py"]] == 0.30
    assert shares[OUR_CODE["extract/resources/arrow.py"]] == 0.20
    assert shares[OUR_CODE["extract/pendo/client.py"]] == 0.10  # reading the socket is HTTP, not parsing
    assert shares["dlt (extract pipe, parquet files, normalize, load)"] == 0.25
    assert shares["start-up (imports)"] == 0.15
    assert functions[0] == ("_cut (extract/pendo/rows.py)", 0.30)
    assert len(functions) == 3


def test_paths_as_py_spy_writes_them_relative_to_the_repository(tmp_path):
    stacks = tmp_path / "stacks.txt"
    root = "<module> (extract/__main__.py:97);run (extract/load/pipeline.py:108)"
    stacks.write_text(
        f"{root};convert (extract/resources/arrow.py:89) 3\n"
        f"{root};_flatten (dlt/normalize/items.py:40) 1\n"
        f"{root};read (urllib3/response.py:900) 1\n"
    )
    _, functions, components = summarise(stacks)
    shares = dict(components)
    assert shares[OUR_CODE["extract/resources/arrow.py"]] == 0.6
    assert shares["dlt (extract pipe, parquet files, normalize, load)"] == 0.2
    assert shares[OUR_CODE["extract/pendo/client.py"]] == 0.2
    assert functions[0] == ("convert (extract/resources/arrow.py)", 0.6)
