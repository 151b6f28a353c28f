"""Ranges under incomplete office lists: simple range, count-constrained range, unknowns, certainty."""

from __future__ import annotations

import _synthetic as syn
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from narvaro.analysis import coverage, national
from narvaro.analysis.bounds import unknowns
from narvaro.analysis.constrained import constrained_range
from narvaro.analysis.metrics import group_metric_columns
from narvaro.analysis.presence import compare, kommuner_without_presence
from narvaro.errors import CoverageInputError
from narvaro.offices import published_kommun_count
from narvaro.settings import ErrorSources

#: The office draws alone: these tests check the draws' mechanics exactly.
OFFICES_ONLY = ErrorSources.only("offices")

KM, MINS = (10.0, 25.0, 50.0), (30.0, 45.0, 60.0)


def _hidden_c1(extra_candidate: bool = False) -> gpd.GeoDataFrame:
    """AF office C1 of unknown status (candidate at its true place); optionally a false candidate in Bby."""
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"
    if extra_candidate:
        extra = gpd.GeoDataFrame({"office_id": ["B?"], "org": ["af"], "name": ["Candidate Bby"],
                                  "kommunkod": ["0002"], "network": ["af_t"], "basis": ["candidate"]},
                                 geometry=[Point(syn.X0 + 75e3, syn.Y0 + 25e3)], crs="EPSG:3006")
        off = pd.concat([off, extra], ignore_index=True)
    return off


def test_simple_range_hand_computed():
    cov = coverage(_hidden_c1(), syn.demand(), syn.kommuner(), bounds=True)
    assert cov["af_status"].tolist() == ["confirmed", "none", "unknown"]
    assert cov["any_status"].tolist() == ["confirmed", "confirmed", "unknown"]
    # Cby with A1 only: 95 and 100 km straight; with C1: 42.7 and 36.6 km
    assert cov.loc[2, "af_dist_mean_km_lo"] == pytest.approx(41.48)
    # no draws: no best estimate, and the confirmed-only figure is not passed off as one
    assert "af_dist_mean_km" not in cov.columns and "af_has_office" not in cov.columns
    assert "ssc_dist_mean_km" in cov.columns  # SSC is complete: its one number stays
    # 95 km straight x circuity 1.21 - (95 - 74.1) / 23.3 x 0.05 = 110.689 km (pop 400);
    # 100 km x 1.16 + 2.6 / 64.7 x 0.02 = 116.080 km (pop 100): mean 111.768 km
    assert cov.loc[2, "af_dist_mean_km_hi"] == pytest.approx(
        (400 * 95 * (1.21 - 20.9 / 23.3 * 0.05) + 100 * 100 * (1.16 + 2.6 / 64.7 * 0.02)) / 500)
    assert (cov.loc[2, "af_pop_over_50km_lo"], cov.loc[2, "af_pop_over_50km_hi"]) == (0, 500)
    assert (cov.loc[2, "af_has_office_lo"], cov.loc[2, "af_has_office_hi"]) == (False, True)
    assert (cov.loc[2, "af_n_offices_lo"], cov.loc[2, "af_n_offices_hi"]) == (0, 1)
    # SSC has nothing unknown: one number
    assert (cov["ssc_dist_mean_km_lo"] == cov["ssc_dist_mean_km_hi"]).all()
    nat = national(cov)
    assert (nat["af_pop_over_50km_lo"], nat["af_pop_over_50km_hi"]) == (pytest.approx(450), pytest.approx(950))
    assert "office status known for 2 of 3 kommuner" in cov.attrs["narvaro"]["offices"][-2]["label"]


def test_presence_certainty():
    cov = coverage(_hidden_c1(), syn.demand(), syn.kommuner(), bounds=True)
    lst = kommuner_without_presence(cov, "no_office_inside")
    assert lst["kommunkod"].tolist() == ["0002", "0003"]
    assert lst["certainty"].tolist() == ["certain", "depends_on_unknown"]
    af_def = kommuner_without_presence(cov, "af_definition")
    assert af_def["kommunkod"].tolist() == ["0003"] and af_def["certainty"].tolist() == ["depends_on_unknown"]


def test_constrained_range_hand_computed():
    cov = coverage(_hidden_c1(extra_candidate=True), syn.demand(), syn.kommuner(), bounds=True)
    cr = constrained_range(cov, published={"af_t": 2, "ssc_t": 1}).set_index(["group", "threshold"])
    row = cr.loc[("af", "50km")]
    # beyond 50 km with A1 only: b1, b2, c1, c2 = 950. One of Bby/Cby has the office:
    # the Bby candidate (x=75) brings all four within 50 km, C1 only c1 and c2.
    assert (row["simple_pop_lo"], row["simple_pop_hi"]) == (pytest.approx(0), pytest.approx(950))
    assert (row["pop_lo"], row["pop_hi"]) == (pytest.approx(0), pytest.approx(450))
    assert row["m"] == "af_t=1"
    assert row["range"].startswith("range given the published count of af_t=2")
    clamp = constrained_range(cov, published={"af_t": 10, "ssc_t": 1})
    assert "clamped from 9 to 2" in clamp.loc[0, "note"]


def test_unknowns_ranked_by_marginal_gap():
    cov = coverage(_hidden_c1(extra_candidate=True), syn.demand(), syn.kommuner(), bounds=True)
    unk = unknowns(cov, by="50km")
    assert unk["kommunkod"].tolist() == ["0002", "0003"]
    assert unk["pop_depends_over_50km"].tolist() == [pytest.approx(950), pytest.approx(500)]
    assert unk["rank"].tolist() == [1, 2]
    assert unknowns(cov, by="25km")["pop_depends_over_25km"].tolist() == [pytest.approx(450), pytest.approx(0)]
    with pytest.raises(CoverageInputError, match=r"^this coverage table has no range information; compute it "
                       r"with coverage\(\.\.\., bounds=True\)$"):
        unknowns(coverage(syn.offices(), syn.demand(), syn.kommuner()))


def test_compare_with_ranges():
    before = coverage(syn.offices(), syn.demand(), syn.kommuner(), bounds=True)
    after = coverage(_hidden_c1(), syn.demand(), syn.kommuner(), bounds=True)
    cmp = compare(before, after)
    assert cmp.loc[2, "af_lost_last_office_lo"] == False  # noqa: E712 - not certain
    assert cmp.loc[2, "af_lost_last_office_hi"] == True  # noqa: E712 - possible
    assert cmp.loc[2, "af_pop_over_50km_delta_lo"] == pytest.approx(0)
    assert cmp.loc[2, "af_pop_over_50km_delta_hi"] == pytest.approx(500)


def test_published_counts_have_sources():
    for net, k in (("af_2019", 218), ("af_2020+af_2020_changes", 106), ("ssc_2020", 110)):
        got = published_kommun_count(net)
        assert got is not None and got[0] == k and got[1].startswith("https://")
    # 106 is the 2019 decision's count of *offices* for af_2020, not of kommuner
    assert published_kommun_count("af_2020") is None


# --- property tests ----------------------------------------------------------------------------
GRID = 3
CELL = 30e3
X0, Y0 = 500_000.0, 6_600_000.0
SPOTS = [(0.2, 0.3), (0.7, 0.6), (0.4, 0.8), (0.5, 0.5)]  # fractions of a cell


def _grid_country():
    codes = [f"{i + 1:04d}" for i in range(GRID * GRID)]
    cells = [(i % GRID, i // GRID) for i in range(GRID * GRID)]
    kom = gpd.GeoDataFrame(
        {"kommunkod": codes, "kommunnamn": [f"K{c}" for c in codes], "population": 0},
        geometry=[box(X0 + cx * CELL, Y0 + cy * CELL, X0 + (cx + 1) * CELL, Y0 + (cy + 1) * CELL) for cx, cy in cells],
        crs="EPSG:3006")
    rng = np.random.default_rng(7)
    rows = []
    for code, (cx, cy) in zip(codes, cells, strict=True):
        for _ in range(5):
            fx, fy = rng.uniform(0.05, 0.95, 2)
            rows.append((code, Point(X0 + (cx + fx) * CELL, Y0 + (cy + fy) * CELL), float(rng.integers(10, 1000))))
    dem = gpd.GeoDataFrame({"kommunkod": [r[0] for r in rows], "population": [r[2] for r in rows]},
                           geometry=[r[1] for r in rows], crs="EPSG:3006")
    kom["population"] = kom["kommunkod"].map(dem.groupby("kommunkod")["population"].sum()).astype(int)
    return kom, dem, cells


def _spot(cell, k):
    fx, fy = SPOTS[k]
    return Point(X0 + (cell[0] + fx) * CELL, Y0 + (cell[1] + fy) * CELL)


@st.composite
def _scenario(draw):
    n = GRID * GRID
    has = {org: draw(st.lists(st.booleans(), min_size=n, max_size=n)) for org in ("af", "ssc")}
    spot = {org: draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)) for org in ("af", "ssc")}
    hide = {org: draw(st.lists(st.booleans(), min_size=n, max_size=n)) for org in ("af", "ssc")}
    for org in ("af", "ssc"):  # kommun 1 keeps a known office of each org
        has[org][0], hide[org][0] = True, False
    return has, spot, hide


def _lists(has, spot, hide, cells):
    codes = [f"{i + 1:04d}" for i in range(GRID * GRID)]
    truth, known = [], []
    for org in ("af", "ssc"):
        for i, code in enumerate(codes):
            row = {"office_id": f"{org}{code}", "org": org, "name": f"{org} {code}", "kommunkod": code,
                   "network": f"{org}_h"}
            if has[org][i]:
                truth.append({**row, "basis": "confirmed", "geometry": _spot(cells[i], spot[org][i])})
            if hide[org][i]:  # unknown status: a candidate at the true place, else at the centre
                geom = _spot(cells[i], spot[org][i]) if has[org][i] else _spot(cells[i], 3)
                known.append({**row, "basis": "candidate", "geometry": geom})
            elif has[org][i]:
                known.append({**row, "basis": "confirmed", "geometry": _spot(cells[i], spot[org][i])})
    return (gpd.GeoDataFrame(truth, geometry="geometry", crs="EPSG:3006"),
            gpd.GeoDataFrame(known, geometry="geometry", crs="EPSG:3006"))


def _metric_columns(cov):
    return [c for g in ("af", "ssc", "any") for c in group_metric_columns(g, KM, MINS)]


@settings(max_examples=12, deadline=None)
@given(_scenario())
def test_truth_lies_within_the_ranges(scn):
    has, spot, hide = scn
    kom, dem, cells = _grid_country()
    truth_list, known_list = _lists(has, spot, hide, cells)
    truth = coverage(truth_list, dem, kom)
    cov = coverage(known_list, dem, kom, bounds=True)
    tol = 1e-9
    for col in _metric_columns(cov):
        t = truth[col].astype(float).to_numpy()
        lo, hi = cov[col + "_lo"].astype(float).to_numpy(), cov[col + "_hi"].astype(float).to_numpy()
        ok = np.isnan(t) | ((lo - tol <= t) & (t <= hi + tol))
        assert ok.all(), col
    nt, nc = national(truth), national(cov)
    for col in _metric_columns(cov):
        assert nc[col + "_lo"] - tol <= nt[col] <= nc[col + "_hi"] + tol, col
    # the range given the true count lies within the simple range and holds the truth
    published = {f"{org}_h": int(sum(has[org])) for org in ("af", "ssc")}
    cr = constrained_range(cov, published=published)
    for r in cr.itertuples():
        assert r.simple_pop_lo - 1e-6 <= r.pop_lo <= r.pop_hi <= r.simple_pop_hi + 1e-6
        true_pop = nt[f"{r.group}_pop_over_{r.threshold}"]
        assert r.pop_lo - 1e-6 <= true_pop <= r.pop_hi + 1e-6, (r.group, r.threshold)
        assert r.simple_pop_hi == pytest.approx(nc[f"{r.group}_pop_over_{r.threshold}_hi"])
        assert r.simple_pop_lo == pytest.approx(nc[f"{r.group}_pop_over_{r.threshold}_lo"])


@settings(max_examples=5, deadline=None)
@given(_scenario())
def test_nothing_hidden_gives_single_numbers(scn):
    has, spot, _ = scn
    kom, dem, cells = _grid_country()
    nothing = {org: [False] * (GRID * GRID) for org in ("af", "ssc")}
    truth_list, known_list = _lists(has, spot, nothing, cells)
    truth = coverage(truth_list, dem, kom)
    cov = coverage(known_list, dem, kom, bounds=True)
    for col in _metric_columns(cov):
        pd.testing.assert_series_equal(cov[col + "_lo"], truth[col], check_names=False, check_dtype=False)
        pd.testing.assert_series_equal(cov[col + "_hi"], truth[col], check_names=False, check_dtype=False)
        pd.testing.assert_series_equal(cov[col], truth[col], check_names=False, check_dtype=False)
    assert unknowns(cov).empty
    assert not (cov[["af_status", "ssc_status", "any_status"]] == "unknown").any().any()


def test_complete_analyst_list_has_no_unknowns(tmp_path):
    from narvaro.data.layers import load_demand_points, load_kommuner
    from narvaro.offices.lists import read_offices
    from narvaro.offices.load import load_offices

    af = load_offices("af_2020")
    path = tmp_path / "my_complete_af_list.csv"
    pd.DataFrame({"office_id": af["office_id"], "org": af["org"], "name": af["name"], "town": af["town"],
                  "kommunkod": af["kommunkod"], "lat": af["lat"], "lon": af["lon"]}).to_csv(path, index=False)
    mine = read_offices(path)
    cov = coverage(mine, load_demand_points(), load_kommuner(), bounds=True)
    assert unknowns(cov).empty
    assert set(cov["af_status"]) <= {"confirmed", "none"}
    for col in ("af_dist_mean_km", "af_share_over_25km", "af_has_office"):
        assert (cov[col + "_lo"] == cov[col + "_hi"]).all()
    without = kommuner_without_presence(cov)
    assert len(without) == 290 - af["kommunkod"].nunique()
    assert set(without["certainty"]) == {"certain"}


def test_compare_tightened_when_the_offices_are_shared():
    part = coverage(_hidden_c1(), syn.demand(), syn.kommuner(), bounds=True)
    same = compare(part, part)
    for col in ("af_pop_over_50km", "ssc_dist_mean_km", "any_time_p90_min"):
        assert (same[col + "_delta_lo"] == 0).all() and (same[col + "_delta_hi"] == 0).all()
    assert not same["af_lost_last_office_hi"].iloc[:3].any()
    only_af = coverage(_hidden_c1().iloc[[0, 1]], syn.demand(), syn.kommuner(), bounds=True, name="af only")
    added = compare(only_af, part, groups={"af": "any"})
    assert added.attrs["narvaro"]["compared_groups"] == {"any": "af"}
    # AF only before, AF or SSC after: offices are only added, so nothing gets worse
    assert (added["any_dist_mean_km_delta_hi"].iloc[:3] <= 0).all()
    assert (added["any_pop_over_50km_delta_hi"] <= 0).all()
    assert added.loc[1, "any_pop_over_50km_delta_lo"] == pytest.approx(-450)
    assert "any_pop_over_50km_before" not in added.columns  # ranges without draws: no plain value
    independent = compare(only_af, part, groups={"af": "ssc"})
    assert (independent["ssc_pop_over_50km_delta_hi"] > 0).any()


def test_ranges_in_road_mode():
    from narvaro.network.graph import RoadGraph

    # one road through all six points and the three offices (length 1.5 x straight line, 60 km/h)
    xs = [10.0, 10.5, 33.0, 60.0, 60.5, 90.0, 105.0, 110.0, 140.0]
    u, v = list(range(len(xs) - 1)), list(range(1, len(xs)))
    lengths = [(xs[b] - xs[a]) * 1500.0 for a, b in zip(u, v, strict=True)]
    times = [m / (60 / 3.6) for m in lengths]
    graph = RoadGraph.from_edges(np.arange(len(xs)), [syn.X0 + x * 1e3 for x in xs], [syn.Y0 + 25e3] * len(xs),
                                 u + v, v + u, lengths * 2, times * 2)
    cov = coverage(_hidden_c1(), syn.demand(), syn.kommuner(), graph=graph, bounds=True)
    assert set(cov["method"]) == {"road"}
    # Cby: c1 at 105, c2 at 110 -> A1 (x=10): 142.5 and 150 km; C1 (x=140): 52.5 and 45 km
    assert cov.loc[2, "af_dist_mean_km_hi"] == pytest.approx((400 * 142.5 + 100 * 150) / 500)
    assert cov.loc[2, "af_dist_mean_km_lo"] == pytest.approx((400 * 52.5 + 100 * 45) / 500)
    unk = unknowns(cov, by="50km")
    assert unk.loc[0, "pop_depends_over_50km"] == pytest.approx(100)  # only c2 comes within 50 km


def test_constrained_solutions_are_cached_and_reused(tmp_path, monkeypatch):
    from narvaro.analysis import constrained

    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path))
    cov = coverage(_hidden_c1(extra_candidate=True), syn.demand(), syn.kommuner(), bounds=True)
    first = constrained_range(cov, published={"af_t": 2, "ssc_t": 1})
    cached = list((tmp_path / "solutions").glob("*.json"))
    assert cached

    def no_solver(*args, **kwargs):
        raise AssertionError("CBC called although the solution is cached")

    monkeypatch.setattr(constrained, "_solve_cbc", no_solver)
    second = constrained_range(cov, published={"af_t": 2, "ssc_t": 1})
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("org", ["af", "ssc"])
def test_unknowns_ranked_by_how_much_knowing_them_narrows_the_interval(org):
    """Road star, one org only: three unknown kommuner, each with 100, 40 or 20 residents beyond
    25 km unless its candidate exists; the 8 draws are every combination once. The national
    residents beyond 25 km are Y = 160 - 100 x2 - 40 x3 - 20 x4, Var(Y) = (100^2 + 40^2 + 20^2) / 4
    = 3000, and knowing x_k removes b_k^2 / 4 of it; a 90 % interval is 3.29 standard deviations
    wide. A fourth unknown kommun has its office in every draw: knowing it narrows nothing."""
    import itertools
    from dataclasses import dataclass

    import _star as star

    @dataclass
    class Draws:
        offices: gpd.GeoDataFrame
        mask: np.ndarray

    net = f"{org}_t"
    off, dem, kom, graph = star.country(
        [{"office_id": "F", "kommunkod": "0001", "x_km": 0.0, "org": org, "network": net}]
        + [{"office_id": f"C{k}", "kommunkod": f"000{k}", "x_km": 50.0 * k - 25.0, "basis": "candidate",
            "org": org, "network": net} for k in (2, 3, 4, 5)],
        [{"id": "f", "kommunkod": "0001", "x_km": 10.0, "population": 10}]
        + [{"id": f"r{k}", "kommunkod": f"000{k}", "x_km": 50.0 * k - 20.0, "population": pop}
           for k, pop in ((2, 100), (3, 40), (4, 20), (5, 10))],
        [("f", "F", 1.0)] + [(f"r{k}", "F", 100.0) for k in (2, 3, 4, 5)]
        + [(f"r{k}", f"C{k}", 5.0) for k in (2, 3, 4, 5)],
        5)
    kom["lansnamn"] = ["Län A", "Län A", "Län A", "Län B", "Län B"]
    combos = np.array(list(itertools.product([False, True], repeat=3)))
    mask = np.column_stack([np.ones(8, dtype=bool), combos, np.ones(8, dtype=bool)])
    cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=((25.0,), (25.0,)))
    unk = unknowns(cov)
    assert unk["kommunkod"].tolist() == ["0002", "0003", "0004", "0005"]
    assert unk["kommunnamn"].tolist() == ["K0002", "K0003", "K0004", "K0005"]
    assert unk["rank"].tolist() == [1, 2, 3, 4]
    assert unk.index.tolist() == [0, 1, 2, 3]  # rows numbered in rank order
    np.testing.assert_allclose(unk["p_office"], [0.5, 0.5, 0.5, 1.0])
    sd = np.sqrt(3000.0)
    np.testing.assert_allclose(unk["narrows_interval_by"],
                               [3.29 * (sd - np.sqrt(3000 - 2500)), 3.29 * (sd - np.sqrt(3000 - 400)),
                                3.29 * (sd - np.sqrt(3000 - 100)), 0.0], atol=1e-9)
    # one source per län answers its unknowns together: Län A explains 2500 + 400 of the 3000
    label = org.upper() + " offices in Län "
    assert unk["question"].tolist() == [label + "A", label + "A", label + "B", label + "B"]
    np.testing.assert_allclose(unk["question_narrows_interval_by"],
                               [3.29 * (sd - np.sqrt(100.0))] * 2 + [3.29 * (sd - np.sqrt(2900.0))] * 2)
    assert unk["pop_depends_over_25km"].tolist() == [100.0, 40.0, 20.0, 10.0]
    # Y over the draws is 0, 20, ..., 160: median 80, 90 % interval 0..160; each kommun has its
    # office in half of the draws, which makes it the best estimate (the median of 0 and 1 rounds up)
    nat = national(cov)
    assert (nat[f"{org}_pop_over_25km"], nat[f"{org}_pop_over_25km_q05"], nat[f"{org}_pop_over_25km_q95"]) == (80, 0, 160)
    assert cov[f"{org}_has_office"].tolist() == [True] * 5
    assert cov[f"{org}_p_office"].tolist() == [1.0, 0.5, 0.5, 0.5, 1.0]
    assert cov[f"{org}_has_office_q05"].tolist() == [True, False, False, False, True]
    assert cov[f"{org}_has_office_q05"].dtype == bool and cov[f"{org}_has_office_q95"].dtype == bool


def test_narrowing_without_lan_and_with_uneven_draws():
    """Two unknown AF kommuner without a län, 4 draws with x2 = 1, 0, 0, 0 and x3 = 1, 1, 0, 1:
    Y = 140 - 100 x2 - 40 x3 = 0, 100, 140, 100 (mean 85, Var 2675). Knowing x_k removes
    p (1 - p) (E[Y|x=1] - E[Y|x=0])^2 of it; both together (one question, "AF offices", as there is
    no län) explain all of it."""
    from dataclasses import dataclass

    import _star as star

    @dataclass
    class Draws:
        offices: gpd.GeoDataFrame
        mask: np.ndarray

    off, dem, kom, graph = star.two_unknowns()
    kom = kom.drop(columns=["lansnamn"])
    mask = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0], [1, 0, 1]], dtype=bool)
    cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=((25.0,), (25.0,)))
    unk = unknowns(cov).set_index("kommunkod")
    sd = np.sqrt(2675.0)
    explained2 = 0.25 * 0.75 * (0.0 - 340.0 / 3) ** 2  # x2 = 1 once (Y 0), else Y 100, 140, 100
    explained3 = 0.75 * 0.25 * (200.0 / 3 - 140.0) ** 2  # x3 = 0 once (Y 140), else Y 0, 100, 100
    np.testing.assert_allclose(unk.loc[["0002", "0003"], "narrows_interval_by"],
                               [3.29 * (sd - np.sqrt(2675 - explained2)), 3.29 * (sd - np.sqrt(2675 - explained3))])
    np.testing.assert_allclose(unk.loc[["0002", "0003"], "p_office"], [0.25, 0.75])
    assert unk["question"].tolist() == ["AF offices", "AF offices"]
    np.testing.assert_allclose(unk["question_narrows_interval_by"], [3.29 * sd] * 2)


def test_unknowns_sorted_by_25km_else_the_first_threshold():
    """Bby's candidate brings 450 residents within 25 km and 950 within 50 km, Cby's 0 and 500;
    nobody depends on either within 10 km, where the larger kommun (Cby, 500) ranks first."""
    off = _hidden_c1(extra_candidate=True)

    def order(thresholds):
        cov = coverage(off, syn.demand(), syn.kommuner(), bounds=True, thresholds=thresholds)
        unk = unknowns(cov)
        assert unk.index.tolist() == [0, 1]  # rows numbered in rank order
        return unk["kommunkod"].tolist()

    assert order((KM, MINS)) == ["0002", "0003"]  # by 25 km
    assert order(((10.0, 50.0), (30.0,))) == ["0003", "0002"]  # by 10 km (ties: kommun population)
    assert order(((50.0,), (60.0,))) == ["0002", "0003"]  # by 50 km


def test_unknowns_of_a_complete_list_is_an_empty_table_with_the_columns():
    cov = coverage(syn.offices(), syn.demand(), syn.kommuner(), bounds=True, thresholds=((25.0,), (30.0,)))
    unk = unknowns(cov)
    assert unk.empty
    assert list(unk.columns) == ["rank", "network", "org", "kommunkod", "kommunnamn", "status", "kommun_population",
                                 "candidates", "pop_depends_over_25km", "pop_depends_over_30min"]


def test_unknowns_without_thresholds_by_kommun_population():
    cov = coverage(_hidden_c1(extra_candidate=True), syn.demand(), syn.kommuner(), bounds=True, thresholds=((), ()))
    unk = unknowns(cov)
    assert unk["kommunkod"].tolist() == ["0003", "0002"]  # Cby 500 residents, Bby 450
    assert unk["kommun_population"].tolist() == [500, 450]
    assert not any(c.startswith("pop_depends_over_") for c in unk.columns)


def test_span_is_the_elementwise_min_and_max_ignoring_nan():
    from narvaro.analysis.bounds import span

    lo, hi = span(np.array([True, False, True]), np.array([False, False, True]))
    assert lo.tolist() == [False, False, True] and hi.tolist() == [True, False, True]
    lo, hi = span(np.array([1.0, np.nan, 5.0, np.nan]), np.array([2.0, 3.0, 4.0, np.nan]))
    np.testing.assert_array_equal(lo, [1.0, 3.0, 4.0, np.nan])
    np.testing.assert_array_equal(hi, [2.0, 3.0, 5.0, np.nan])
    assert span(7.0, float("nan")) == (7.0, 7.0) and span(True, False) == (False, True)


def test_candidates_for_the_ranges():
    """Given candidates win; else the list's candidate rows; else the status rules' candidate
    offices of each network in the list (a network without rules is skipped)."""
    from narvaro.analysis.bounds import collect_candidates
    from narvaro.offices import candidate_offices, load_offices

    off = load_offices("af_2020")  # the 40 known offices
    none = np.zeros(len(off), dtype=bool)
    want = candidate_offices("af_2020")["office_id"].tolist()
    assert len(want) > 0
    assert collect_candidates(off, none, None)["office_id"].tolist() == want
    analyst = pd.concat([off.iloc[:1].assign(network="analyst", office_id="X1"), off], ignore_index=True)
    assert collect_candidates(analyst, np.zeros(len(analyst), dtype=bool), None)["office_id"].tolist() == want
    assert collect_candidates(off.drop(columns="network"), none, None).empty
    given = candidate_offices("af_2020").iloc[:3]
    assert collect_candidates(off, none, given)["office_id"].tolist() == want[:3]
    # given in lon/lat: brought to the offices' CRS
    got = collect_candidates(off, none, given.to_crs("EPSG:4326"))
    assert got.crs.equals(off.crs)
    np.testing.assert_allclose(got.geometry.x, given.geometry.x, atol=0.01)
    np.testing.assert_allclose(got.geometry.y, given.geometry.y, atol=0.01)
    with pytest.raises(CoverageInputError, match="candidate offices lack columns") as err:
        collect_candidates(off, none, given.drop(columns=["name", "kommunkod"]))
    assert err.value.problems["id"].tolist() == ["name", "kommunkod"]
