"""The on-disk cache of proven CBC optima is safe for threads and processes at once."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from narvaro.analysis import constrained


def _programmes() -> list[tuple]:
    """Six small covering programmes with known optima (overlapping keys below)."""
    out = []
    for m in (1, 2, 3):
        weights = np.array([5.0, 3.0, 2.0, 7.0])
        sets = [np.array([0]), np.array([1]), np.array([0, 2]), np.array([3])]
        fac = np.zeros(4, dtype=int)
        for maximise in (True, False):
            out.append((weights, sets, fac, {0: m}, maximise, 30.0))
    return out


#: Hand-computed: best (max) and worst (min) residents covered with m of 4 facilities open.
#: Facility j covers the points whose sets contain j; weights 5, 3, 2, 7.
EXPECTED = [7.0, 2.0, 14.0, 5.0, 17.0, 10.0]


def _solve_all_in_threads(cache: str) -> list[float]:
    os.environ["NARVARO_CACHE_DIR"] = cache
    progs = _programmes()
    jobs = [progs[i % len(progs)] for i in range(24)]  # every key asked four times
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda p: constrained._solve(*p), jobs))
    return got[: len(progs)] if all(
        got[i] == got[i % len(progs)] for i in range(len(got))) else [float("nan")]


def test_hand_computed_optima(tmp_path, monkeypatch):
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path))
    assert [constrained._solve(*p) for p in _programmes()] == EXPECTED


@pytest.mark.slow
def test_cache_survives_eight_threads_and_two_processes(tmp_path):
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as procs:  # two processes, reused: each trial gives both the same fresh cache
        for trial in range(20):
            cache = str(tmp_path / f"trial{trial}")
            results = procs.map(_solve_all_in_threads, [cache, cache], chunksize=1)
            assert results == [EXPECTED, EXPECTED], f"trial {trial}: {results}"
            files = sorted(p.name for p in (tmp_path / f"trial{trial}" / "solutions").iterdir())
            assert len(files) == len(EXPECTED)
            assert all(f.endswith(".json") for f in files), f"left-over temporary files: {files}"
