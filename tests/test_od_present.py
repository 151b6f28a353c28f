"""od_arrays(always_present=...): limits derived from the offices present in every draw.

A hand-built graph of two weakly connected pieces: a mainland line of 10 nodes 1 km apart
(two-way; an always-present office at node 4, candidates at nodes 0 and 9) and an island line
of 5 nodes 10 km apart (a candidate at node 12, no always-present office). Every node is a demand point.
The limited arrays must give the same nearest office and cost as the unlimited ones for every
office set that contains the always-present office.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from narvaro.network import RoadGraph, od_arrays

X0, Y0 = 400_000.0, 6_500_000.0


def _world(trap: bool = False, contract_it: bool = False):
    u, v, km = [], [], []
    for a, b in [(i, i + 1) for i in range(9)] + [(i, i + 1) for i in range(10, 14)]:
        u += [a, b]
        v += [b, a]
        km += [1.0, 1.0] if a < 10 else [10.0, 10.0]
    n = 15
    x = [X0 + i * 1e3 for i in range(10)] + [X0 + 30e3 + i * 10e3 for i in range(5)]
    y = [Y0] * n
    if trap:  # a one-way spur 9 -> 15 -> 16: from 15 only node 16 (a candidate office) is reachable
        u += [9, 15]
        v += [15, 16]
        km += [2.0, 20.0]
        x += [X0 + 9e3, X0 + 9e3]
        y += [Y0 + 2e3, Y0 + 22e3]
        n += 2
    graph = RoadGraph.from_edges(np.arange(n), x, y, u, v, [k * 1e3 for k in km], [k * 60.0 for k in km])
    if contract_it:
        from narvaro.network import contract

        graph = contract(graph)
    at = [4, 0, 9, 12] + ([16] if trap else [])
    offices = gpd.GeoDataFrame(
        {"office_id": [f"o{i}" for i in at], "org": "af", "name": [f"Office {i}" for i in at]},
        geometry=[Point(x[i], y[i]) for i in at], crs="EPSG:3006")
    points = gpd.GeoDataFrame({"id": np.arange(n)}, geometry=[Point(x[i], y[i]) for i in range(n)], crs="EPSG:3006")
    return graph, offices, points


PRESENT = np.array([True, False, False, False])


def _present(offices) -> np.ndarray:
    return np.r_[PRESENT, np.zeros(len(offices) - len(PRESENT), dtype=bool)]


@pytest.mark.parametrize("trap", [False, True])
@pytest.mark.parametrize("contract_it", [False, True])
def test_limited_arrays_keep_every_nearest_office(trap, contract_it):
    graph, offices, points = _world(trap, contract_it)
    full = od_arrays(points, offices, graph, n_jobs=1, progress=False, check_extent=False)
    given = od_arrays(points, offices, graph, always_present=_present(offices), n_jobs=1, progress=False,
                      check_extent=False)
    for metric in ("distance_km", "time_min"):
        f, g = getattr(full, metric), getattr(given, metric)
        # a pair is exact, or inf where it is longer than the point's trip to the present office
        exact = np.isclose(f, g) | (np.isinf(f) & np.isinf(g))
        assert (exact | (np.isinf(g) & (f > f[0][None, :]))).all()
        for extra in itertools.product([False, True], repeat=len(offices) - 1):
            s = np.r_[True, extra]
            assert np.array_equal(f[s].min(axis=0), g[s].min(axis=0))
            both = np.isfinite(f[s].min(axis=0))
            assert np.array_equal(f[s].argmin(axis=0)[both], g[s].argmin(axis=0)[both])


def test_limits_cut_the_mainland_and_spare_the_island():
    graph, offices, points = _world()
    given = od_arrays(points, offices, graph, always_present=PRESENT, n_jobs=1, progress=False, check_extent=False)
    d = given.distance_km
    # the farthest mainland point (node 9) is 5 km from the present office: the limit. The
    # candidate at node 9 is 9 km from point 0: cut (inf); 4 km from point 5: exact. The
    # island has no present office: unlimited, so its points 20 km from their candidate keep
    # their distance
    assert d[0, 9] == pytest.approx(5.0) and d[2, 5] == pytest.approx(4.0) and np.isinf(d[2, 0])
    assert np.isinf(d[1, 9]) and d[1, 1] == pytest.approx(1.0)
    assert np.allclose(d[3, 10:15], [20.0, 10.0, 0.0, 10.0, 20.0])
    assert np.isinf(d[:3, 10:15]).all() and np.isinf(d[3, :10]).all()


def test_a_trapped_point_keeps_its_long_trip():
    # point 15 cannot reach the present office (the spur is one-way) but reaches the candidate
    # at node 16 after 20 km, far beyond the 5 km limit: that candidate searches unlimited,
    # the others keep the limit
    graph, offices, points = _world(trap=True)
    given = od_arrays(points, offices, graph, always_present=_present(offices), n_jobs=1, progress=False,
                      check_extent=False)
    d = given.distance_km
    assert d[4, 15] == pytest.approx(20.0) and np.isinf(d[:4, 15]).all()
    assert np.isinf(d[2, 0])  # candidate 9 -> point 0 (9 km) is still cut


def test_always_present_is_checked():
    graph, offices, points = _world()
    with pytest.raises(ValueError, match="one value per office"):
        od_arrays(points, offices, graph, always_present=[True], progress=False, check_extent=False)
    with pytest.raises(ValueError, match="not both"):
        od_arrays(points, offices, graph, always_present=PRESENT, limit_km=5.0, progress=False, check_extent=False)
