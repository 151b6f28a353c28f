"""Shared test fixtures."""

from __future__ import annotations

import os

import pytest

# Tests never write to the user's real cache: every session gets its own.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    if "NARVARO_CACHE_DIR" not in os.environ:
        os.environ["NARVARO_CACHE_DIR"] = str(tmp_path_factory.mktemp("narvaro-cache"))
    yield
