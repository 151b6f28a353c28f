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
from narvaro.network.pbf import location_id_lonlat, segment_length_m

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
    g = RoadGraph.from_pbf(path, osm_ids=True)
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
    g = RoadGraph.from_pbf(path, osm_ids=True).drop_small_components(50)
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
    g = RoadGraph.from_pbf(osm_path(name), osm_ids=True)
    assert (g.n_nodes, g.n_edges) == (nodes, edges)
    c = contract(g)
    G, C = g.to_networkx(), c.to_networkx()  # noqa: N806
    for s in c.node_ids[:10].tolist():
        truth = nx.single_source_dijkstra_path_length(G, s, weight="length")
        short = nx.single_source_dijkstra_path_length(C, s, weight="length")
        for k, v in short.items():
            assert v == pytest.approx(truth[k], abs=1e-6)


def test_clipped_way_keeps_located_nodes():
    g = RoadGraph.from_pbf(osm_path("uddevalla_ljungskile_partial.osm.pbf"), osm_ids=True)
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


@pytest.mark.parametrize("name", ["stockholm_sodermalm.osm.pbf", "synth"])
def test_reader_lengths_are_geodesic(name, synth):
    # the reader scales by the mean of the two ends' scale factors; the location ids give the
    # nodes' exact WGS84 coordinates to check against
    arrays = read_pbf(synth[0] if name == "synth" else osm_path(name))
    lon, lat = location_id_lonlat(arrays.node_ids)
    geod = pyproj.Geod(ellps="WGS84")
    expected = geod.inv(lon[arrays.u], lat[arrays.u], lon[arrays.v], lat[arrays.v])[2]
    assert len(expected) > 250 and np.allclose(arrays.length_m, expected, rtol=5e-7, atol=1e-6)


def test_unfiltered_file_reads_same_roads(tmp_path, synth):
    path, _ = synth
    full = tmp_path / "with_buildings.osm.pbf"
    synth_pbf.write(synth_pbf.build(SCALE, seed=3, buildings=1.0), full, progress=False)
    a, b = read_pbf(path), read_pbf(full)
    assert np.array_equal(a.node_ids, b.node_ids) and np.array_equal(a.u, b.u) and np.allclose(a.length_m, b.length_m)
    # the building ways are dropped by libosmium's tag filter: none reaches the Python callback
    assert b.metadata["ways_read"] == a.metadata["ways_read"] == a.metadata["ways_kept"] + _dropped_by_rules(a)


def _dropped_by_rules(arrays) -> int:
    """Ways with a kept highway value (or route=ferry) that the Python tag rules still drop."""
    net = synth_pbf.build(SCALE, seed=3)
    keep = np.isin(net["way_class"], list(settings.DRIVABLE_HIGHWAYS))
    dropped = keep & ~net["ferry"] & (net["private"] | net["no_motor"] | net["area"] | net["driveway"])
    return int(dropped.sum() + net["ferry"].sum())


def _edge_table(arrays) -> np.ndarray:
    """Directed edges as rows (x_u, y_u, x_v, y_v, length, time), sorted: independent of node ids."""
    rows = np.column_stack([arrays.x[arrays.u], arrays.y[arrays.u], arrays.x[arrays.v], arrays.y[arrays.v],
                            arrays.length_m, arrays.time_s])
    return rows[np.lexsort(rows.T[::-1])]


@pytest.mark.parametrize("name", ["stockholm_sodermalm.osm.pbf", "uddevalla_ljungskile_partial.osm.pbf", "synth"])
def test_location_ids_give_the_same_graph_as_osm_ids(name, synth):
    path = synth[0] if name == "synth" else osm_path(name)
    by_loc, by_id = read_pbf(path), read_pbf(path, osm_ids=True)
    assert by_loc.metadata["node_ids"] == "location" and by_id.metadata["node_ids"] == "osm"
    # no two OSM nodes share a location in these files, so the nodes correspond one to one
    assert len(by_loc.node_ids) == len(by_id.node_ids)
    assert np.array_equal(_edge_table(by_loc), _edge_table(by_id))
    # the location ids decode to the nodes' coordinates
    lon, lat = location_id_lonlat(by_loc.node_ids)
    x, y = pyproj.Transformer.from_crs(4326, 3006, always_xy=True).transform(lon, lat)
    assert np.allclose(x, by_loc.x, atol=1e-6) and np.allclose(y, by_loc.y, atol=1e-6)


def test_duplicate_nodes_at_one_location_become_one_node(tmp_path):
    import osmium

    path = tmp_path / "dup.osm.pbf"
    node, way = osmium.osm.mutable.Node, osmium.osm.mutable.Way
    with osmium.SimpleWriter(str(path)) as w:
        for i, (lon, lat) in enumerate([(18.0, 59.3), (18.001, 59.3), (18.001, 59.3), (18.002, 59.3)], start=1):
            w.add_node(node(id=i, location=(lon, lat)))
        w.add_way(way(id=1, nodes=[1, 2], tags={"highway": "residential"}))
        w.add_way(way(id=2, nodes=[3, 4], tags={"highway": "residential"}))  # node 3 duplicates node 2
    by_loc, by_id = RoadGraph.from_pbf(path), RoadGraph.from_pbf(path, osm_ids=True)
    assert (by_loc.n_nodes, by_id.n_nodes) == (3, 4)
    # by location the two ways join: 1 -> 4 is routable; by OSM id they stay apart
    assert by_loc.largest_component().n_nodes == 3 and by_id.largest_component().n_nodes == 2


def test_sparse_osm_ids_read_the_same_graph(tmp_path, synth):
    # real extracts have sparse node ids (libosmium's flex_mem index then stays sparse)
    path, net = synth
    sparse = tmp_path / "sparse_ids.osm.pbf"
    synth_pbf.write(net, sparse, progress=False, id_stride=131)
    a, b = read_pbf(path), read_pbf(sparse)
    assert np.array_equal(a.node_ids, b.node_ids) and np.array_equal(_edge_table(a), _edge_table(b))
    assert np.array_equal(read_pbf(sparse, osm_ids=True).node_ids, read_pbf(path, osm_ids=True).node_ids * 131)


@pytest.mark.parametrize("ferries", [False, True])
def test_one_node_ways_are_skipped(tmp_path, ferries):
    import osmium

    path = tmp_path / "one.osm.pbf"
    node, way = osmium.osm.mutable.Node, osmium.osm.mutable.Way
    with osmium.SimpleWriter(str(path)) as w:
        for i, (lon, lat) in enumerate([(18.0, 59.3), (18.001, 59.3), (18.002, 59.3)], start=1):
            w.add_node(node(id=i, location=(lon, lat)))
        w.add_way(way(id=1, nodes=[1, 2], tags={"highway": "residential"}))
        w.add_way(way(id=2, nodes=[3], tags={"highway": "residential"}))  # broken: one node
        w.add_way(way(id=3, nodes=[3], tags={"route": "ferry"}))
    arrays = read_pbf(path, ferries=ferries)
    assert (len(arrays.node_ids), len(arrays.u), arrays.metadata["ways_kept"]) == (2, 2, 1)
    assert (arrays.metadata["ferries_found"], arrays.metadata["ferries_used"]) == (1, 0)
