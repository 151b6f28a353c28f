"""Tests for the streaming PBF reader (narvaro.network.pbf) on a synthetic PBF and the real fixtures."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest

from narvaro import settings
from narvaro.network import RoadGraph, contract, read_pbf
from narvaro.network.osm import edge_speed_kmh
from narvaro.network.pbf import segment_length_m

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synth_pbf  # noqa: E402

SCALE = 0.004  # ~42,000 OSM nodes, ~6,000 ways


def osm_path(name: str) -> Path:
    from narvaro.data import fetch

    return fetch(f"osm/{name}")


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.osm.pbf"
    net = synth_pbf.build(SCALE, seed=3)
    synth_pbf.write(net, path, progress=False)
    return path, net


def _expected_edges(net) -> dict[tuple[int, int], tuple[str, str]]:
    """Directed edges the tag rules keep, computed straight from the generator's arrays."""
    keep = set(settings.DRIVABLE_HIGHWAYS)
    out: dict[tuple[int, int], tuple[str, str]] = {}
    off, refs = net["way_offsets"], net["way_refs"]
    for i, cls in enumerate(net["way_class"]):
        if (cls not in keep or net["private"][i] or net["no_motor"][i] or net["area"][i] or net["ferry"][i]
                or net["driveway"][i]):
            continue
        r = refs[off[i]:off[i + 1]].tolist()
        ow = net["oneway"][i]
        for a, b in zip(r[:-1], r[1:], strict=True):
            info = (cls, net["maxspeed"][i])
            if ow == 2:
                out[(b, a)] = info
            elif ow == 1 or net["roundabout"][i] or cls == "motorway":
                out[(a, b)] = info
            else:
                out[(a, b)] = out[(b, a)] = info
    return out


def test_synthetic_pbf_tag_rules_lengths_and_speeds(synth):
    path, net = synth
    g = RoadGraph.from_pbf(path)
    exp = _expected_edges(net)
    coo = g.length.tocoo()
    got = set(zip(g.node_ids[coo.row].tolist(), g.node_ids[coo.col].tolist(), strict=True))
    assert got == set(exp)
    assert g.metadata["ferries_found"] == int(net["ferry"].sum())
    # lengths: WGS84 geodesic within 1e-6; times: maxspeed or class default
    geod = pyproj.Geod(ellps="WGS84")
    lon, lat = pyproj.Transformer.from_crs(3006, 4326, always_xy=True).transform(g.x, g.y)
    rows, cols = coo.row[::37], coo.col[::37]
    ref = geod.inv(lon[rows], lat[rows], lon[cols], lat[cols])[2]
    assert np.allclose(np.asarray(g.length[rows, cols]).ravel(), ref, rtol=1e-6)
    for r, c in zip(rows[:300], cols[:300], strict=True):
        cls, ms = exp[(int(g.node_ids[r]), int(g.node_ids[c]))]
        speed = edge_speed_kmh(ms or None, cls)
        assert g.time[r, c] == pytest.approx(g.length[r, c] / (speed / 3.6), rel=1e-12)


def test_synthetic_distances_equal_networkx_uncontracted_and_contracted(synth):
    path, _ = synth
    g = RoadGraph.from_pbf(path).drop_small_components(50)
    c = contract(g)
    assert c.n_nodes * 3 < g.n_nodes  # 3x fewer nodes at least
    G = g.to_networkx()  # noqa: N806  the uncontracted truth
    C = c.to_networkx()  # noqa: N806
    rng = np.random.default_rng(5)
    kept = set(c.node_ids.tolist())
    for s in rng.choice(c.node_ids, 4, replace=False).tolist():
        for w in ("length", "travel_time"):
            truth = nx.single_source_dijkstra_path_length(G, s, weight=w)
            short = nx.single_source_dijkstra_path_length(C, s, weight=w)
            assert {k for k in truth if k in kept} == set(short)
            for k, v in short.items():
                assert v == pytest.approx(truth[k], rel=1e-9, abs=1e-6)
    # snapped points anywhere on the road (interior vertices too): od_arrays on both graphs
    import geopandas as gpd

    i = rng.choice(g.n_nodes, 150, replace=False)
    j = rng.choice(g.n_nodes, 6, replace=False)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(g.x[i], g.y[i]), crs=3006)
    offices = gpd.GeoDataFrame({"office_id": [f"o{k}" for k in range(6)], "org": "af", "name": "x"},
                               geometry=gpd.points_from_xy(g.x[j], g.y[j]), crs=3006)
    from narvaro.network import od_arrays

    full = od_arrays(pts, offices, g, n_jobs=1, progress=False)
    short = od_arrays(pts, offices, c, n_jobs=2, progress=False)
    for k, o in enumerate(g.node_ids[j].tolist()):
        truth_t = nx.single_source_dijkstra_path_length(G.reverse(copy=False), o, weight="travel_time")
        exp = np.array([truth_t.get(int(n), math.inf) for n in g.node_ids[i]]) / 60.0
        fin = np.isfinite(exp)
        assert (np.isfinite(full.time_min[k]) == fin).all() and (np.isfinite(short.time_min[k]) == fin).all()
        assert np.allclose(full.time_min[k][fin], exp[fin], rtol=1e-5)
        assert np.allclose(short.time_min[k][fin], exp[fin], rtol=1e-5)
    assert np.allclose(np.nan_to_num(full.distance_km, posinf=-1), np.nan_to_num(short.distance_km, posinf=-1),
                       rtol=1e-5)


@pytest.mark.parametrize(
    ("name", "nodes", "edges"),
    [("stockholm_sodermalm.osm.pbf", 173, 280), ("uddevalla_ljungskile_partial.osm.pbf", 569, 847)],
)
def test_fixtures_same_graph_as_before_and_networkx(name, nodes, edges):
    """The counts are those of the former pyrosm reader (tests/test_network.py checks its edges)."""
    g = RoadGraph.from_pbf(osm_path(name))
    assert (g.n_nodes, g.n_edges) == (nodes, edges)
    c = contract(g)
    G, C = g.to_networkx(), c.to_networkx()  # noqa: N806
    for s in c.node_ids[:10].tolist():
        truth = nx.single_source_dijkstra_path_length(G, s, weight="length")
        short = nx.single_source_dijkstra_path_length(C, s, weight="length")
        for k, v in short.items():
            assert v == pytest.approx(truth[k], abs=1e-6)


def test_clipped_way_keeps_located_nodes():
    g = RoadGraph.from_pbf(osm_path("uddevalla_ljungskile_partial.osm.pbf"))
    assert g.metadata["ways_clipped"] > 0
    i, j = g.node_index([60718133, 60718135])  # way 9126698's middle node is not in the file
    assert g.length[i, j] > 0 and g.length[j, i] > 0


def test_segment_length_matches_geodesic():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(11, 24, 2000), rng.uniform(55.5, 69, 2000)
    geod = pyproj.Geod(ellps="WGS84")
    lon2, lat2, _ = geod.fwd(lon, lat, rng.uniform(0, 360, 2000), rng.uniform(1, 3000, 2000))
    tr = pyproj.Transformer.from_crs(4326, 3006, always_xy=True)
    x0, y0 = tr.transform(lon, lat)
    x1, y1 = tr.transform(lon2, lat2)
    got = segment_length_m(x0, y0, x1, y1, (lat + lat2) / 2)
    assert np.allclose(got, geod.inv(lon, lat, lon2, lat2)[2], rtol=5e-7)


def test_unfiltered_file_reads_same_roads(tmp_path, synth):
    path, _ = synth
    full = tmp_path / "with_buildings.osm.pbf"
    synth_pbf.write(synth_pbf.build(SCALE, seed=3, buildings=1.0), full, progress=False)
    a, b = read_pbf(path), read_pbf(full)
    assert np.array_equal(a.node_ids, b.node_ids) and np.array_equal(a.u, b.u) and np.allclose(a.length_m, b.length_m)
    assert b.metadata["ways_read"] > a.metadata["ways_read"]
