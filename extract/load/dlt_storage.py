"""The one module that reaches into dlt's private storage of a pipeline's load packages.

dlt 1.31 has no public call to delete one extracted package or to rewrite the schema of a normalized package that
waits to be loaded; `pending_packages.py` needs both. `Pipeline._get_normalize_storage()` and
`Pipeline._get_load_storage()` are private, so they may change in any release: this is why pyproject.toml pins
`dlt<1.32`. When raising that pin, check these two functions first (tests/faults/test_kill.py exercises them).
"""

from __future__ import annotations

import dlt
from dlt.common.storages.load_package import PackageStorage


def extracted_packages(pipeline: dlt.Pipeline) -> PackageStorage:
    """The packages dlt extracted and has not normalized yet (`<pipeline dir>/normalize/extracted`)."""
    return pipeline._get_normalize_storage().extracted_packages


def normalized_packages(pipeline: dlt.Pipeline) -> PackageStorage:
    """The packages dlt normalized and has not loaded yet (`<pipeline dir>/load/normalized`)."""
    return pipeline._get_load_storage().normalized_packages
