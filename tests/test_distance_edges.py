"""Edges of narvaro.network.distance that the broader tests leave open (found by mutation testing).

Every expected value is worked out by hand on a small graph: input errors that name every bad row
with the exact message, trips that start or end inside a contracted chain, access legs at an unusual
speed, snap and trip limits met exactly at their edge, ``always_present`` given as 0/1, with an island
or with points trapped on a one-way spur (and the dtype asked for), OD passes spread over worker
processes, and the provenance and dtypes of the results.
"""

from __future__ import annotations

import _star as star
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from narvaro.errors import GeometryError, OfficeListError, UnreachableError
from narvaro.network import RoadGraph, contract
from narvaro.network.distance import nearest_office, od_arrays, od_matrix

# SWEREF 99 TM, inside Sweden's bounding box
X0, Y0 = 500_000.0, 6_500_000.0
inf = np.inf


def _points(x, y, index=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=3006, index=index)


def _offices(x, y, ids) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"office_id": ids, "org": "af", "name": [f"Office {i}" for i in ids]},
                            geometry=gpd.points_from_xy(x, y), crs=3006)


def _line(n: int, step_m: float = 1000.0, step_s: float = 100.0) -> RoadGraph:
    """Nodes 0 .. n-1 on a line ``step_m`` apart, two-way roads of ``step_s`` seconds between neighbours."""
    u = list(range(n - 1)) + list(range(1, n))
    v = list(range(1, n)) + list(range(n - 1))
    return RoadGraph.from_edges(np.arange(n), X0 + np.arange(n) * step_m, np.full(n, Y0), u, v,
                                [step_m] * len(u), [step_s] * len(u), {"source": "hand-built line"})


# --- input checks: the exact message and every offending row -------------------------------------

def test_missing_columns_are_each_named():
    offices = _offices([X0], [Y0], ["a"]).drop(columns=["org", "name"])
    with pytest.raises(OfficeListError, match=r"^The office list lacks required columns\. \(2 row") as err:
        nearest_office(_points([X0], [Y0]), offices)
    assert err.value.problems.to_dict("records") == [
        {"row": "columns", "id": "org", "problem": "missing column"},
        {"row": "columns", "id": "name", "problem": "missing column"},
    ]


def test_bad_office_rows_are_each_named_with_their_label():
    offices = gpd.GeoDataFrame(
        {"office_id": ["a", "b", "a", None, "c"], "org": "af", "name": list("vwxyz")},
        geometry=[Point(X0, Y0), None, Point(X0 + 1, Y0), Point(X0 + 2, Y0), Point(X0 + 3, Y0)],
        crs=3006, index=["r0", "r1", "r2", "r3", "r4"])
    with pytest.raises(OfficeListError, match=r"^The office list has bad rows\. \(4 row") as err:
        nearest_office(_points([X0], [Y0]), offices)
    assert err.value.problems.to_dict("records") == [
        {"row": "r1", "id": "b", "problem": "missing geometry"},
        {"row": "r0", "id": "a", "problem": "duplicate office_id"},
        {"row": "r2", "id": "a", "problem": "duplicate office_id"},
        {"row": "r3", "id": "", "problem": "missing office_id"},
    ]
    assert "  row r3: missing office_id" in str(err.value)


def test_demand_abroad_is_named_row_by_row_with_the_way_out():
    abroad = gpd.GeoDataFrame(geometry=gpd.points_from_xy([10.0, 18.0, 2.35], [50.0, 59.3, 48.85]), crs=4326,
                              index=["p", "q", "r"])
    message = (r"^Demand points lie outside Sweden's bounding box \(pass check_extent=False for points abroad "
               r"on purpose\)\. \(2 row")
    with pytest.raises(GeometryError, match=message) as err:
        nearest_office(abroad, _offices([X0], [Y0], ["a"]))
    assert err.value.problems.to_dict("records") == [
        {"row": "p", "id": "", "problem": "outside Sweden"},
        {"row": "r", "id": "", "problem": "outside Sweden"},
    ]


def test_offices_abroad_are_named_with_their_ids():
    offices = gpd.GeoDataFrame({"office_id": ["a", "b", "c"], "org": "af", "name": "x"},
                               geometry=gpd.points_from_xy([10.0, 18.0, 2.35], [50.0, 59.3, 48.85]), crs=4326)
    with pytest.raises(OfficeListError, match=r"^Offices lie outside Sweden's bounding box") as err:
        nearest_office(_points([X0], [Y0]), offices)
    assert err.value.problems.to_dict("records") == [
        {"row": 0, "id": "a", "problem": "outside Sweden"},
        {"row": 2, "id": "c", "problem": "outside Sweden"},
    ]


@pytest.mark.parametrize("speed", [0.0, -5.0, float("nan")])
def test_access_speed_must_be_positive(speed):
    g = _line(2)
    with pytest.raises(ValueError, match="^access_speed_kmh must be positive$"):
        nearest_office(_points([X0], [Y0]), _offices([X0], [Y0], ["a"]), g, access_speed_kmh=speed)


def test_a_slow_access_speed_below_one_kmh_is_allowed():
    # point 300 m off node 1, office 100 m off node 0, 1 km of road (100 s) between them; the
    # 400 m of access legs at 0.5 km/h take 400 / (0.5 / 3.6) = 2880 s
    g = _line(4)
    res = nearest_office(_points([X0 + 1000.0], [Y0 + 300.0]), _offices([X0], [Y0 - 100.0], ["a"]), g,
                         access_speed_kmh=0.5)
    assert res["distance_km"].iloc[0] == pytest.approx(1.4, rel=1e-12)
    assert res["time_min"].iloc[0] == pytest.approx((100.0 + 2880.0) / 60.0, rel=1e-12)


# --- trips inside contracted chains ----------------------------------------------------------------

def _tee():
    """A T of two-way roads, 100 m and 10 s per segment: 0-1-2-3-4-5-6 along x and 3-7-8 up from 3.

    Contraction keeps the junction 3 and the dead ends 0, 6 and 8: nodes 1, 2, 4, 5 and 7 become
    interior vertices of three chains. Offices at 1 and 7 (both interior), a point on every node.
    """
    x = [X0 + 100.0 * i for i in range(7)] + [X0 + 300.0, X0 + 300.0]
    y = [Y0] * 7 + [Y0 + 100.0, Y0 + 200.0]
    pairs = [(i, i + 1) for i in range(6)] + [(3, 7), (7, 8)]
    u = [a for a, b in pairs] + [b for a, b in pairs]
    v = [b for a, b in pairs] + [a for a, b in pairs]
    g = RoadGraph.from_edges(np.arange(9), x, y, u, v, [100.0] * len(u), [10.0] * len(u))
    return g, _points(x, y), _offices([x[1], x[7]], [y[1], y[7]], ["o1", "o7"])


# metres from every node (column) to the office at node 1 and at node 7 (rows); 10 m per second
TEE_M = np.array([[100, 0, 100, 200, 300, 400, 500, 300, 400],
                  [400, 300, 200, 100, 200, 300, 400, 0, 100]], dtype=float)


@pytest.mark.parametrize("contracted", [False, True])
def test_nearest_office_from_and_to_interior_vertices(contracted):
    g, pts, offices = _tee()
    if contracted:
        g = contract(g)
        assert g.n_nodes == 4 and len(g.interior) == 5
    res = nearest_office(pts, offices, g)
    best = TEE_M.min(axis=0)
    # node 2 -> office 1 stays on their chain (100 m; 300 m by either end of the chain); the
    # points past the junction reach office 7 by leaving their chain and entering office 7's
    assert res["distance_km"].tolist() == pytest.approx((best / 1000.0).tolist(), rel=1e-12, abs=1e-12)
    assert res["time_min"].tolist() == pytest.approx((best / 10.0 / 60.0).tolist(), rel=1e-12, abs=1e-12)
    expected = ["o1", "o1", "o1", "o7", "o7", "o7", "o7", "o7", "o7"]
    assert res["office_id"].tolist() == expected and res["office_id_by_distance"].tolist() == expected


@pytest.mark.parametrize("contracted", [False, True])
def test_od_arrays_from_and_to_interior_vertices(contracted):
    g, pts, offices = _tee()
    if contracted:
        g = contract(g)
    od = od_arrays(pts, offices, g, n_jobs=1, progress=False, dtype=np.float64)
    assert od.distance_km.dtype == np.float64 and od.time_min.dtype == np.float64
    assert np.allclose(od.distance_km, TEE_M / 1000.0, rtol=1e-12, atol=1e-12)
    assert np.allclose(od.time_min, TEE_M / 10.0 / 60.0, rtol=1e-12, atol=1e-12)


# --- access legs, limits, always_present -------------------------------------------------------------

def test_od_legs_at_both_ends_and_provenance():
    # point 300 m off node 1, office 100 m off node 0 (access at 36 km/h = 10 m/s): 1 km of road in
    # 100 s, plus 30 s and 10 s of access
    g = _line(4)
    pts, offices = _points([X0 + 1000.0], [Y0 + 300.0]), _offices([X0], [Y0 - 100.0], ["a"])
    od = od_arrays(pts, offices, g, access_speed_kmh=36.0, n_jobs=1, progress=False, dtype=np.float64)
    assert od.distance_km[0, 0] == pytest.approx(1.4, rel=1e-12)
    assert od.time_min[0, 0] == pytest.approx(140.0 / 60.0, rel=1e-12)
    assert od.network == g.describe() and od.method == "road"
    m = od_matrix(pts, offices, g, metric="time", access_speed_kmh=36.0, progress=False)
    assert m.iat[0, 0] == pytest.approx(140.0 / 60.0, rel=1e-12)
    assert m.attrs["narvaro"] == {"method": "road", "network": g.describe(), "metric": "time", "unit": "min"}
    res = nearest_office(pts, offices, g, access_speed_kmh=36.0, snap_max_m=250.0)
    assert res["time_min"].iloc[0] == pytest.approx(140.0 / 60.0, rel=1e-12) and not res["snap_ok"].iloc[0]
    assert res.attrs["narvaro"] == {"method": "road", "network": g.describe(), "access_speed_kmh": 36.0,
                                    "snap_max_m": 250.0}


def test_snap_limits_are_inclusive_and_far_offices_are_each_named():
    g = _line(3)
    # an office exactly snap_max_m from its node is kept; two farther ones are named with their distance
    offices = _offices([X0, X0 + 1000.0, X0 + 2000.0], [Y0 - 100.0, Y0 + 2500.4, Y0 - 1234.6], ["a", "b", "c"])
    message = (r"^Offices lie farther than snap_max_m=100 m from the road graph \(wrong coordinates, or a graph "
               r"that does not cover them; pass far_offices='keep' to keep them with their access leg\)\. \(2 row")
    with pytest.raises(UnreachableError, match=message) as err:
        nearest_office(_points([X0], [Y0]), offices, g, snap_max_m=100.0)
    assert err.value.problems.to_dict("records") == [
        {"row": 1, "id": "b", "problem": "nearest road node 2,500 m away"},
        {"row": 2, "id": "c", "problem": "nearest road node 1,235 m away"},
    ]
    # a point exactly snap_max_m from its node is snapped fine; the numbers are float64
    res = nearest_office(_points([X0 + 1000.0, X0 + 2000.0], [Y0 + 100.0, Y0 + 100.5]), offices.iloc[[0]], g,
                         snap_max_m=100.0)
    assert res["snap_ok"].tolist() == [True, False]
    assert res["office_snap_m"].tolist() == [100.0, 100.0]
    for col in ("distance_km", "time_min", "snap_m", "office_snap_m"):
        assert res[col].dtype == np.float64, col


def test_integer_office_ids_label_both_od_results_alike():
    g = _line(3)
    pts, offices = _points([X0, X0 + 2000.0], [Y0, Y0]), _offices([X0 + 1000.0, X0], [Y0, Y0], [7, 3])
    m = od_matrix(pts, offices, g, metric="distance", progress=False)
    a = od_arrays(pts, offices, g, n_jobs=1, progress=False)
    assert a.office_id.dtype == object and a.office_id.tolist() == [7, 3]
    pd.testing.assert_index_equal(m.columns, pd.Index(a.office_id, name="office_id"))
    assert m.to_numpy().tolist() == [[1.0, 0.0], [1.0, 2.0]]


def _star_country():
    """One office, four points with one-way roads to it: 2 km / 120 s, 2.5 km / 121 s, 3 km / 180 s, 1 km / 60 s."""
    return star.country(
        [{"office_id": "A", "kommunkod": "0001", "x_km": 0.0}],
        [{"id": f"p{i}", "kommunkod": "0001", "x_km": float(i + 1), "population": 1} for i in range(4)],
        [("p0", "A", 2.0, 2.0), ("p1", "A", 2.5, 121 / 60), ("p2", "A", 3.0, 3.0), ("p3", "A", 1.0, 1.0)],
        1)


def test_limits_keep_a_trip_exactly_at_the_limit():
    offices, points, _, g = _star_country()
    by_time = od_arrays(points, offices, g, limit_min=2.0, n_jobs=1, progress=False, dtype=np.float64)
    # 120 s is kept, 121 s is beyond; distances are not limited
    assert by_time.time_min[0, [0, 3]].tolist() == [2.0, 1.0] and np.isinf(by_time.time_min[0, [1, 2]]).all()
    assert by_time.distance_km[0].tolist() == [2.0, 2.5, 3.0, 1.0]
    by_km = od_arrays(points, offices, g, limit_km=2.0, n_jobs=1, progress=False, dtype=np.float64)
    assert by_km.distance_km[0, [0, 3]].tolist() == [2.0, 1.0] and np.isinf(by_km.distance_km[0, [1, 2]]).all()
    assert by_km.time_min[0].tolist() == pytest.approx([2.0, 121 / 60, 3.0, 1.0], rel=1e-12)


def test_always_present_given_as_zeros_and_ones():
    # a line 0 .. 4 (1 km steps), the present office at node 0, a candidate at node 4: the limit is
    # the farthest point's 4 km to node 0, so the candidate keeps every trip (4, 3, 2, 1, 0 km)
    g = _line(5)
    pts = _points(X0 + np.arange(5) * 1000.0, np.full(5, Y0))
    offices = _offices([X0, X0 + 4000.0], [Y0, Y0], ["present", "candidate"])
    for mask in ([1, 0], np.array([1, 0]), [True, False]):
        od = od_arrays(pts, offices, g, always_present=mask, n_jobs=1, progress=False, dtype=np.float64)
        assert od.distance_km.tolist() == [[0.0, 1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0, 0.0]]
        assert od.time_min[1].tolist() == pytest.approx([400 / 60, 300 / 60, 200 / 60, 100 / 60, 0.0], rel=1e-12)


def test_always_present_cuts_beyond_the_farthest_nearest_trip():
    # a line 0 .. 4 (1 km steps), the present office in the middle (node 2), a candidate at node 0: no
    # point is farther than 2 km from the present office, so the candidate's trips from nodes 3 and 4
    # (3 and 4 km) are cut; no office needs an unlimited search
    g = _line(5)
    pts = _points(X0 + np.arange(5) * 1000.0, np.full(5, Y0))
    offices = _offices([X0 + 2000.0, X0], [Y0, Y0], ["present", "candidate"])
    od = od_arrays(pts, offices, g, always_present=[True, False], n_jobs=1, progress=False, dtype=np.float64)
    assert od.distance_km.tolist() == [[2.0, 1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 2.0, np.inf, np.inf]]
    assert od.time_min[1, :3].tolist() == pytest.approx([0.0, 100 / 60, 200 / 60], rel=1e-12)
    assert np.isinf(od.time_min[1, 3:]).all()


def test_always_present_with_an_island_keeps_the_dtype_asked_for():
    # the same line, 1000.1 m steps (not a float32 number), plus an island 5 - 6 with a candidate at 6
    # and no present office: the island's candidate searches unlimited, the mainland's is cut at
    # 2 steps; float64 values throughout
    n, step = 7, 1000.1
    u, v = [0, 1, 2, 3, 1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 0, 1, 2, 3, 6, 5]
    x = X0 + np.r_[np.arange(5) * step, 50_000.0, 50_000.0 + step]
    g = RoadGraph.from_edges(np.arange(n), x, np.full(n, Y0), u, v, [step] * 10, [100.0] * 10)
    pts = _points(x, np.full(n, Y0))
    offices = _offices(x[[2, 0, 6]], np.full(3, Y0), ["present", "candidate", "island"])
    od = od_arrays(pts, offices, g, always_present=[True, False, False], n_jobs=1, progress=False,
                   dtype=np.float64)
    km = step / 1000.0
    expected = [[2 * km, km, 0.0, km, 2 * km, inf, inf],
                [0.0, km, 2 * km, inf, inf, inf, inf],
                [inf, inf, inf, inf, inf, km, 0.0]]
    assert od.distance_km.dtype == np.float64
    np.testing.assert_allclose(od.distance_km, expected, rtol=1e-13, atol=0)
    od32 = od_arrays(pts, offices, g, always_present=[True, False, False], n_jobs=1, progress=False)
    assert od32.distance_km.dtype == np.float32 and od32.time_min.dtype == np.float32
    np.testing.assert_allclose(od32.distance_km, expected, rtol=1e-6, atol=0)


def _spur():
    """A mainland and a one-way spur off it, one office per row of SPUR_KM (60 km/h: minutes = km).

    Mainland (two-way): Q -3 km- P -1 km- m and P -1 km- r; P is always present, Q a candidate.
    Spur (one-way, 10 km per step): m -> s1 -> s2 -> s3 -> s4 -> e, candidates at s3 and at the
    dead end e. Points on every vertex (columns Q, P, m, r, s1, s2, s3, s4, e). Contraction keeps
    Q, P, m, r and e and turns s1 .. s4 into interior vertices of one one-way chain.
    """
    names = ["Q", "P", "m", "r", "s1", "s2", "s3", "s4", "e"]
    x = X0 + np.array([-3.0, 0.0, 1.0, 0.0, 11.0, 21.0, 31.0, 41.0, 51.0]) * 1000.0
    y = Y0 + np.array([0.0, 0.0, 0.0, 1000.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    at = {n: i for i, n in enumerate(names)}
    two_way = [("Q", "P", 3.0), ("P", "m", 1.0), ("P", "r", 1.0)]
    one_way = [("m", "s1", 10.0), ("s1", "s2", 10.0), ("s2", "s3", 10.0), ("s3", "s4", 10.0), ("s4", "e", 10.0)]
    edges = two_way + [(b, a, km) for a, b, km in two_way] + one_way
    u, v = [at[a] for a, _, _ in edges], [at[b] for _, b, _ in edges]
    km = np.array([k for _, _, k in edges])
    g = RoadGraph.from_edges(np.arange(len(names)), x, y, u, v, km * 1000.0, km * 60.0)
    rows = ["P", "Q", "s3", "e"]
    return g, _points(x, y), _offices(x[[at[n] for n in rows]], y[[at[n] for n in rows]], rows)


# km from every point (column) to every office (row), as od_arrays gives them with P always present:
# the mainland limit is Q's 3 km to P, which cuts Q's own trips from m and r (4 km); the spur's points
# cannot reach P, so the two offices they can reach (s3 along the chain, e by its end) search
# unlimited
SPUR_KM = np.array([[3, 0, 1, 1, inf, inf, inf, inf, inf],
                    [0, 3, inf, inf, inf, inf, inf, inf, inf],
                    [34, 31, 30, 32, 20, 10, 0, inf, inf],
                    [54, 51, 50, 52, 40, 30, 20, 10, 0]])


@pytest.mark.parametrize("contracted", [False, True])
def test_points_trapped_on_a_one_way_spur_keep_their_trips(contracted):
    g, pts, offices = _spur()
    if contracted:
        g = contract(g)
        assert g.n_nodes == 5 and len(g.interior) == 4
    od = od_arrays(pts, offices, g, always_present=[True, False, False, False], n_jobs=1, progress=False,
                   dtype=np.float64)
    assert od.distance_km.tolist() == SPUR_KM.tolist()
    np.testing.assert_allclose(od.time_min, SPUR_KM, rtol=1e-12, atol=0)
    # one trapped point alone (s1: on the contracted graph the first interior vertex) frees the same offices
    one = od_arrays(pts.iloc[[0, 4]], offices, g, always_present=[True, False, False, False], n_jobs=1,
                    progress=False, dtype=np.float64)
    assert one.distance_km.tolist() == SPUR_KM[:, [0, 4]].tolist()


def test_no_point_reaching_a_present_office_means_no_limit():
    # only the spur's points: none reaches P, so nothing is cut (Q is reached from nowhere)
    g, pts, offices = _spur()
    od = od_arrays(pts.iloc[4:], offices, g, always_present=[True, False, False, False], n_jobs=1,
                   progress=False, dtype=np.float64)
    assert od.distance_km.tolist() == SPUR_KM[:, 4:].tolist()


def test_always_present_with_limits_is_refused_by_name():
    g = _line(2)
    with pytest.raises(ValueError, match="^give always_present or limit_km/limit_min, not both$"):
        od_arrays(_points([X0], [Y0]), _offices([X0], [Y0], ["a"]), g, always_present=[True], limit_min=5.0,
                  progress=False)


# --- worker processes -------------------------------------------------------------------------------

def test_od_spread_over_two_workers_equals_one_process():
    # 10 offices over 2 workers: batches of ceil(10 / 8) = 2 offices, 5 tasks per metric
    g = _line(12)
    pts = _points(X0 + np.arange(12) * 1000.0, np.full(12, Y0))
    at = np.arange(1, 11)
    offices = _offices(X0 + at * 1000.0, np.full(10, Y0), [f"o{i}" for i in at])
    two = od_arrays(pts, offices, g, n_jobs=2, progress=False, dtype=np.float64)
    expected = np.abs(at[:, None] - np.arange(12)[None, :]).astype(float)
    assert np.array_equal(two.distance_km, expected)
    assert np.allclose(two.time_min, expected * 100.0 / 60.0, rtol=1e-12)
    one = od_arrays(pts, offices, g, n_jobs=1, progress=False, dtype=np.float64)
    assert np.array_equal(one.time_min, two.time_min)
