"""Benchmarks run only on demand: `pytest -m bench` (as `make bench` does) or BENCH=1."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = "bench" in (config.getoption("-m") or "") or os.environ.get("BENCH") == "1"
    skip = pytest.mark.skipif(not wanted, reason="benchmark: run with `make bench`, `pytest -m bench` or BENCH=1")
    for item in items:
        if item.get_closest_marker("bench"):
            item.add_marker(skip)
