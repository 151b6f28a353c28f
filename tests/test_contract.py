"""Tests for chain contraction (narvaro.network.contract) and the graph's persistence safety."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from narvaro.network import RoadGraph, contract, nearest_office, od_arrays

X0, Y0 = 500_000.0, 6_500_000.0


def osm_path(name: str) -> Path:
    from narvaro.data import fetch

    return fetch(f"osm/{name}")


@pytest.fixture(scope="module")
def sodermalm() -> RoadGraph:
    return RoadGraph.from_pbf(osm_path("stockholm_sodermalm.osm.pbf"))


def _gdf(x, y, ids=None):
    geom = gpd.points_from_xy(x, y)
    if ids is None:
        return gpd.GeoDataFrame(geometry=geom, crs=3006)
    return gpd.GeoDataFrame({"office_id": ids, "org": "af", "name": ids}, geometry=geom, crs=3006)


def test_contraction_preserves_all_pairwise_distances(sodermalm):
    """Every OSM node (kept or merged) to every OSM node: the same trip costs before and after."""
    g = sodermalm
    c = contract(g)
    assert c.n_nodes < g.n_nodes / 2 and c.n_vertices == g.n_nodes
    pts = _gdf(g.x, g.y)
    offices = _gdf(g.x, g.y, [f"n{i}" for i in range(g.n_nodes)])
    for graph in (g, c):
        od = od_arrays(pts, offices, graph, n_jobs=1, progress=False, check_extent=False)
        for metric, arr, scale in (("length", od.distance_km, 1000.0), ("time", od.time_min, 60.0)):
            truth = dijkstra(g.weights(metric))  # truth[i, j]: trip i -> j
            fin = np.isfinite(truth.T)
            assert (np.isfinite(arr) == fin).all()
            assert np.allclose(arr[fin] * scale, truth.T[fin], rtol=1e-6, atol=1e-3)


def test_nearest_office_equal_on_contracted_graph(sodermalm):
    g, c = sodermalm, contract(sodermalm)
    rng = np.random.default_rng(3)
    demand = _gdf(rng.uniform(g.x.min(), g.x.max(), 300), rng.uniform(g.y.min(), g.y.max(), 300))
    k = rng.choice(g.n_nodes, 3, replace=False)
    offices = _gdf(g.x[k] + 5.0, g.y[k], ["a", "b", "c"])
    a, b = nearest_office(demand, offices, g), nearest_office(demand, offices, c)
    for col in ("distance_km", "time_min", "snap_m"):
        assert np.allclose(a[col], b[col], rtol=1e-9, equal_nan=True)
    assert (a["office_id"].fillna("-") == b["office_id"].fillna("-")).all()
    assert (a["reachable"] == b["reachable"]).all() and a["reachable"].any()


def _line(n_nodes, oneway=False, ring=False):
    x = X0 + np.arange(n_nodes) * 100.0
    u = list(range(n_nodes - 1)) + ([n_nodes - 1] if ring else [])
    v = list(range(1, n_nodes)) + ([0] if ring else [])
    if not oneway:
        u, v = u + v, v + u
    return RoadGraph.from_edges(np.arange(n_nodes) + 10, x, np.full(n_nodes, Y0), u, v,
                                [100.0] * len(u), [10.0] * len(u))


def test_chain_rules_oneway_ring_and_asymmetric():
    c = contract(_line(6))
    assert c.n_nodes == 2 and c.n_edges == 2 and c.length[0, 1] == 500.0 and c.time[1, 0] == 50.0
    one = contract(_line(6, oneway=True))
    assert one.n_nodes == 2 and one.n_edges == 1 and one.length[0, 1] == 500.0
    assert one.interior is not None and not one.interior.chain_two_way.any()
    ring = contract(_line(5, oneway=True, ring=True))  # a ring with no junction keeps its nodes
    assert ring.n_nodes == 5 and ring.metadata["contracted"]["ring_nodes_kept"] == 5
    # a node whose two directions differ (a parallel way in one direction only) is kept
    g = RoadGraph.from_edges(np.arange(3), X0 + np.arange(3) * 100.0, np.full(3, Y0), [0, 1, 1, 2], [1, 0, 2, 1],
                             [100.0, 100.0, 100.0, 90.0], [10.0] * 4)
    assert contract(g).n_nodes == 3
    with pytest.raises(ValueError, match="already"):
        contract(c)


def test_oneway_chain_trips_along_the_chain():
    c = contract(_line(6, oneway=True))
    pts = _gdf(X0 + np.arange(6) * 100.0, np.full(6, Y0))
    offices = _gdf([X0 + 300.0], [Y0], ["o"])
    od = od_arrays(pts, offices, c, n_jobs=1, progress=False)
    assert od.distance_km[0, :4].tolist() == pytest.approx([0.3, 0.2, 0.1, 0.0])
    assert np.isinf(od.distance_km[0, 4:]).all()  # no way back against the one-way chain


def test_save_load_contracted_and_subgraph(tmp_path, sodermalm):
    c = contract(sodermalm)
    path = c.save(tmp_path / "c.npz")
    back = RoadGraph.load(path)
    assert back.is_contracted and back.n_vertices == c.n_vertices
    for k, v in c.interior.arrays().items():
        assert np.array_equal(getattr(back.interior, k), v)
    big = back.largest_component()
    assert big.interior is not None and big.n_vertices <= c.n_vertices
    assert (big.interior.chain_tail < big.n_nodes).all() and (big.interior.chain_head < big.n_nodes).all()


def test_interrupted_save_leaves_no_file(tmp_path, sodermalm, monkeypatch):
    target = tmp_path / "g.npz"

    def broken(fh, **arrays):
        fh.write(b"PK half a graph")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(KeyboardInterrupt):
        sodermalm.save(target)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    sodermalm.save(target)
    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(KeyboardInterrupt):
        sodermalm.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["g.npz"]  # the previous graph is intact
    assert RoadGraph.load(target).n_nodes == sodermalm.n_nodes
