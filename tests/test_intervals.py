"""Best estimates and 90 % intervals over joint office draws (narvaro.analysis.intervals)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import _star
import _synthetic as syn
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from narvaro.analysis import compare, coverage, kommuner_without_presence, national
from narvaro.analysis.intervals import DRAWS_ATTR, summarise
from narvaro.analysis.metrics import group_metric_columns
from narvaro.errors import CoverageInputError
from narvaro.settings import ErrorSources

#: The office draws alone: these tests check the draws' mechanics exactly.
OFFICES_ONLY = ErrorSources.only("offices")

KM, MINS = (10.0, 25.0, 50.0), (30.0, 45.0, 60.0)


@dataclass
class Draws:
    """The duck type coverage(draws=...) takes: offices and a draws x offices mask."""

    offices: gpd.GeoDataFrame
    mask: np.ndarray

    def describe(self) -> str:
        return f"{len(self.mask)} synthetic draws"


def _universe() -> gpd.GeoDataFrame:
    """A1, S1 confirmed; C1 (true office of Cby) and a false candidate B? in Bby unknown."""
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"
    extra = gpd.GeoDataFrame({"office_id": ["B?"], "org": ["af"], "name": ["Candidate Bby"],
                              "kommunkod": ["0002"], "network": ["af_t"], "basis": ["candidate"]},
                             geometry=[Point(syn.X0 + 75e3, syn.Y0 + 25e3)], crs="EPSG:3006")
    return pd.concat([off, extra], ignore_index=True)


def _draws(n: int = 400, p_c1: float = 0.7, p_b: float = 0.2, seed: int = 1) -> Draws:
    off = _universe()
    rng = np.random.default_rng(seed)
    mask = np.ones((n, len(off)), dtype=bool)
    mask[:, 1] = rng.random(n) < p_c1
    mask[:, 3] = rng.random(n) < p_b
    return Draws(off, mask)


def _cov(draws: Draws):
    return coverage(None, syn.demand(), syn.kommuner(), draws=draws, sources=OFFICES_ONLY, thresholds=(KM, MINS))


def test_every_draw_equals_a_coverage_of_its_own_office_set():
    draws = _draws()
    cov = _cov(draws)
    values = cov.attrs[DRAWS_ATTR]
    patterns, inverse = np.unique(draws.mask, axis=0, return_inverse=True)
    assert len(patterns) == 4
    for p, pattern in enumerate(patterns):
        present = draws.offices[pattern].assign(basis="confirmed")
        truth = coverage(present, syn.demand(), syn.kommuner(), thresholds=(KM, MINS))
        rows = np.flatnonzero(inverse.reshape(-1) == p)
        nat_truth = national(truth)
        for gr in ("af", "ssc", "any"):
            for col in group_metric_columns(gr, KM, MINS):
                got = values.per_kommun[col][rows]
                want = truth[col].to_numpy(dtype=float)
                np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-9, err_msg=col)
                if "_median_" not in col and "_p90_" not in col:
                    np.testing.assert_allclose(values.national[col][rows], nat_truth[col], rtol=1e-9, err_msg=col)


def test_plain_column_is_the_median_over_draws_and_lies_inside_interval_and_bounds():
    draws = _draws()
    cov = _cov(draws)
    per = cov.attrs[DRAWS_ATTR].per_kommun
    for col in group_metric_columns("af", KM, MINS, include_office=False):
        best, q05, q95 = summarise(per[col])
        np.testing.assert_allclose(cov[col].to_numpy(dtype=float), best, equal_nan=True)
        ok = ~np.isnan(best)
        assert (cov[col + "_lo"][ok] <= cov[col + "_q05"][ok] + 1e-9).all(), col
        assert (cov[col + "_q05"][ok] <= cov[col][ok] + 1e-9).all(), col
        assert (cov[col][ok] <= cov[col + "_q95"][ok] + 1e-9).all(), col
        assert (cov[col + "_q95"][ok] <= cov[col + "_hi"][ok] + 1e-9).all(), col
    # Cby keeps its office in ~70 % of the draws; Bby gets the false candidate in ~20 %
    share_c1 = draws.mask[:, 1].mean()
    assert cov.loc[2, "af_p_office"] == pytest.approx(share_c1)
    assert cov.loc[1, "af_p_office"] == pytest.approx(draws.mask[:, 3].mean())
    assert cov.loc[0, "af_p_office"] == 1.0
    assert cov["af_has_office"].tolist() == [True, False, True]
    # Cby's residents are beyond 50 km exactly when C1 is missing: best 0, interval 0..500
    assert (cov.loc[2, "af_pop_over_50km"], cov.loc[2, "af_pop_over_50km_q05"],
            cov.loc[2, "af_pop_over_50km_q95"]) == (0.0, 0.0, 500.0)
    nat = national(cov)
    assert nat["af_pop_over_50km_q95"] <= nat["af_pop_over_50km_hi"]
    assert "400 synthetic draws" in cov.attrs["narvaro"]["estimates"]


def test_nearest_office_is_the_best_estimate_not_the_worst_case():
    cov = _cov(_draws(p_c1=0.9))
    # with C1 in most draws, Cby's nearest AF office is C1 (a candidate), not A1 140 km away
    assert cov.loc[2, "af_nearest_office"] == "AF Cby"
    assert cov.loc[2, "af_nearest_office_basis"] == "candidate"
    assert (cov.loc[2, "af_nearest_office_id"], cov.loc[2, "af_nearest_office_kommun"]) == ("C1", "Cby")
    cov = _cov(_draws(p_c1=0.1))
    assert cov.loc[2, "af_nearest_office"] == "AF Aby"


def test_complete_list_collapses_all_three_kinds():
    off = syn.offices()
    draws = Draws(off, np.ones((50, len(off)), dtype=bool))
    cov = _cov(draws)
    plain = coverage(off, syn.demand(), syn.kommuner(), thresholds=(KM, MINS))
    for col in group_metric_columns("any", KM, MINS, include_office=False):
        for suffix in ("", "_q05", "_q95", "_lo", "_hi"):
            np.testing.assert_allclose(cov[col + suffix].to_numpy(dtype=float), plain[col].to_numpy(dtype=float),
                                       err_msg=col + suffix)


def test_columns_are_ordered_by_kind():
    cols = list(_cov(_draws(n=20)).columns)
    i = cols.index("af_dist_mean_km")
    assert cols[i:i + 5] == ["af_dist_mean_km", "af_dist_mean_km_q05", "af_dist_mean_km_q95",
                             "af_dist_mean_km_lo", "af_dist_mean_km_hi"]
    assert cols[cols.index("af_has_office") + 3] == "af_p_office"


def test_same_draws_give_identical_tables():
    a, b = _cov(_draws(seed=3)), _cov(_draws(seed=3))
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))


def test_mask_that_does_not_fit_the_offices_is_refused():
    draws = _draws(n=10)
    with pytest.raises(CoverageInputError, match="draws.mask has 3 columns for 4 offices"):
        _cov(Draws(draws.offices, draws.mask[:, :3]))


def test_summarise_uses_values_that_occur():
    best, lo, hi = summarise(np.array([[1.0], [2.0], [3.0], [10.0]]))
    assert (best[0], lo[0], hi[0]) == (2.5, 1.0, 10.0)
    best, lo, hi = summarise(np.full((5, 1), np.nan))
    assert np.isnan(best[0]) and np.isnan(lo[0]) and np.isnan(hi[0])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.booleans(), min_size=4, max_size=4), st.integers(0, 3))
def test_adding_an_office_never_increases_any_distance_in_any_draw(row, extra):
    """A draw with one more office present: every kommun's distance and time statistics fall or stay."""
    off = _universe()
    base = np.array([True, row[1], True, row[3]])
    more = base.copy()
    more[extra] = True
    cov = _cov(Draws(off, np.vstack([base, more])))
    per = cov.attrs[DRAWS_ATTR].per_kommun
    for col, v in per.items():
        if col.endswith(("_km", "_min")) or "_pop_over_" in col:
            a, b = v[0], v[1]
            ok = ~np.isnan(a) & ~np.isnan(b)
            assert (b[ok] <= a[ok] + 1e-9).all(), col


def test_compare_takes_differences_within_each_draw():
    before = _draws(seed=5)
    after = Draws(before.offices, before.mask.copy())
    after.mask[:, 0] = False  # AF Aby closes in every draw; the unknowns stay what they were
    cb, ca = _cov(before), _cov(after)
    cmp = compare(cb, ca)
    per_b, per_a = cb.attrs[DRAWS_ATTR].per_kommun, ca.attrs[DRAWS_ATTR].per_kommun
    col = "af_pop_over_25km"
    diff = per_a[col] - per_b[col]
    best, q05, q95 = summarise(diff)
    np.testing.assert_allclose(cmp[col + "_delta"].iloc[:3], best)
    np.testing.assert_allclose(cmp[col + "_delta_q05"].iloc[:3], q05)
    # closing an office never brings anyone closer: every draw's change is >= 0
    assert (diff >= 0).all() and (cmp[col + "_delta_q05"].iloc[:3] >= 0).all()
    # Aby: the 100 residents 0.5 km from A1 move beyond 25 km (the next AF office is 42+ km away);
    # its other 300 live 23 km straight x 1.22 = 28.1 km from A1, beyond 25 km already
    assert cmp.loc[0, col + "_delta"] == 100
    nat = cmp.iloc[-1]
    assert nat[col + "_delta"] == pytest.approx(float(np.median(diff.sum(axis=1))))
    assert cmp.loc[0, "af_lost_last_office"] and cmp.loc[0, "af_p_lost_last_office"] == 1.0


def test_uncoupled_draws_are_not_differenced():
    cb, ca = _cov(_draws(n=30, seed=1)), _cov(_draws(n=40, seed=2))
    cmp = compare(cb, ca)
    assert "af_pop_over_25km_delta_q05" not in cmp.columns


def test_presence_probabilities_and_counts():
    draws = _draws(seed=7)
    cov = _cov(draws)
    lst = kommuner_without_presence(cov, "no_office_inside", group="af")
    p_b = 1 - draws.mask[:, 3].mean()   # Bby has an AF office only when the false candidate B? is drawn
    p_c = 1 - draws.mask[:, 1].mean()
    assert lst["kommunkod"].tolist() == ["0002", "0003"]
    np.testing.assert_allclose(lst["p_without"], [p_b, p_c])
    count = lst.attrs["narvaro"]["count"]
    assert count["expected"] == pytest.approx(p_b + p_c)
    assert (count["lo"], count["hi"]) == (0, 2)
    per_draw = (~draws.mask[:, 3]).astype(int) + (~draws.mask[:, 1]).astype(int)
    assert (count["best"], count["q05"], count["q95"]) == tuple(float(x) for x in summarise(per_draw))


def _random_world(seed: int):
    """Three synthetic kommuner, 36 demand points (some without residents), 2 confirmed AF
    offices and 6 candidates scattered among them, and 25 random draws."""
    rng = np.random.default_rng(seed)
    kom = syn.kommuner()
    n = 36
    kod = np.repeat(["0001", "0002", "0003"], n // 3)
    x = syn.X0 + (np.repeat([0, 50e3, 100e3], n // 3) + rng.uniform(1e3, 49e3, n))
    y = syn.Y0 + rng.uniform(1e3, 49e3, n)
    pop = np.where(rng.random(n) < 0.15, 0.0, rng.integers(1, 400, n).astype(float))
    demand = gpd.GeoDataFrame({"demand_id": [f"d{i}" for i in range(n)], "kommunkod": kod, "population": pop},
                              geometry=gpd.points_from_xy(x, y), crs="EPSG:3006")
    kom["population"] = [float(pop[kod == k].sum()) for k in kom["kommunkod"]]
    m = 8
    ox = syn.X0 + rng.uniform(2e3, 148e3, m)
    oy = syn.Y0 + rng.uniform(2e3, 48e3, m)
    okod = np.array(["0001", "0002", "0003"])[np.minimum((ox - syn.X0) // 50e3, 2).astype(int)]
    offices = gpd.GeoDataFrame({"office_id": [f"o{i}" for i in range(m)], "org": "af",
                                "name": [f"Office {i}" for i in range(m)], "kommunkod": okod,
                                "basis": ["confirmed"] * 2 + ["candidate"] * (m - 2)},
                               geometry=gpd.points_from_xy(ox, oy), crs="EPSG:3006")
    mask = np.ones((25, m), dtype=bool)
    mask[:, 2:] = rng.random((25, m - 2)) < rng.uniform(0.2, 0.8, m - 2)
    return demand, kom, offices, mask


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_worlds_every_draw_equals_its_own_coverage(seed):
    """Many candidates nearer than the confirmed offices, residents-less points, exact per draw."""
    demand, kom, offices, mask = _random_world(seed)
    th = ((5.0, 15.0, 30.0), (5.0, 15.0, 30.0))
    cov = coverage(None, demand, kom, draws=Draws(offices, mask), sources=OFFICES_ONLY, thresholds=th)
    values = cov.attrs[DRAWS_ATTR]
    for r in range(len(mask)):
        truth = coverage(offices[mask[r]].assign(basis="confirmed"), demand, kom, thresholds=th)
        nat_truth = national(truth)
        for col in group_metric_columns("af", *th):
            got = values.per_kommun[col][r]
            np.testing.assert_allclose(got, truth[col].to_numpy(dtype=float), rtol=1e-9, equal_nan=True,
                                       err_msg=f"draw {r} {col}")
            if "_median_" not in col and "_p90_" not in col:
                np.testing.assert_allclose(values.national[col][r], float(nat_truth[col]), rtol=1e-9,
                                           err_msg=f"draw {r} national {col}")


# --------------------------------------------------------------------------------------
# Edges: order statistics, road mode, unreachable and resident-less points, the memo
# --------------------------------------------------------------------------------------
def test_summarise_order_statistics_by_hand():
    # 100 values: median between the 50th and 51st, 5th and 95th percentile are the 5th and 95th value
    best, lo, hi = summarise(np.arange(1.0, 101.0))
    assert (float(best), float(lo), float(hi)) == (50.5, 5.0, 95.0)
    # an odd count: the middle value; 5 values: the 5 % point is the first, the 95 % point the last
    best, lo, hi = summarise(np.array([3.0, 1.0, 2.0, 5.0, 4.0]))
    assert (float(best), float(lo), float(hi)) == (3.0, 1.0, 5.0)
    # per column, NaN draws left out: one value among NaNs is best, q05 and q95 at once
    best, lo, hi = summarise(np.array([[np.nan, 1.0], [7.0, 2.0], [np.nan, 3.0]]))
    np.testing.assert_array_equal(best, [7.0, 2.0])
    np.testing.assert_array_equal(lo, [7.0, 1.0])
    np.testing.assert_array_equal(hi, [7.0, 3.0])


def _draw_truths(offices, demand, kom, mask, th, graph=None):
    """coverage() of each draw's own office set (the oracle the per-draw values must equal)."""
    return [coverage(offices[mask[r]].assign(basis="confirmed"), demand, kom, graph=graph, thresholds=th)
            for r in range(len(mask))]


def _assert_draws_equal_truths(values, truths, th, group="af"):
    for r, truth in enumerate(truths):
        nat_truth = national(truth)
        for col in group_metric_columns(group, *th):
            np.testing.assert_allclose(values.per_kommun[col][r], truth[col].to_numpy(dtype=float), rtol=1e-9,
                                       equal_nan=True, err_msg=f"draw {r} {col}")
            if "_median_" not in col and "_p90_" not in col:
                np.testing.assert_allclose(values.national[col][r], float(nat_truth[col]), rtol=1e-9,
                                           equal_nan=True, err_msg=f"draw {r} national {col}")


def test_small_and_resident_less_kommuner_in_every_draw():
    """Estimate mode. Kommun 1 has one demand point with a single resident (a candidate C near it),
    kommun 2 only points without residents (all nearest office B, the second in the list), kommun 3
    two points with 100 residents each (the median is the nearer one: its cumulative share is
    exactly 0.5). Every draw equals a coverage of its own offices, without a numpy warning."""
    kom = _star.kommuner(3)
    ym = _star.YM
    pts = [("0001", 33.0, 1.0), ("0002", 70.0, 0.0), ("0002", 80.0, 0.0), ("0003", 110.0, 100.0),
           ("0003", 125.0, 100.0)]
    demand = gpd.GeoDataFrame({"demand_id": [f"d{i}" for i in range(len(pts))], "kommunkod": [p[0] for p in pts],
                               "population": [p[2] for p in pts]},
                              geometry=[Point(_star.X0 + p[1] * 1e3, ym) for p in pts], crs="EPSG:3006")
    kom["population"] = [1, 0, 200]
    offices = gpd.GeoDataFrame({"office_id": ["A", "B", "C"], "org": "af", "name": ["AF A", "AF B", "AF C"],
                                "kommunkod": ["0001", "0002", "0001"],
                                "basis": ["confirmed", "confirmed", "candidate"]},
                               geometry=[Point(_star.X0 + x * 1e3, ym) for x in (10.0, 75.0, 30.0)], crs="EPSG:3006")
    mask = np.ones((6, 3), dtype=bool)
    mask[::2, 2] = False  # C in draws 1, 3, 5
    th = ((25.0, 40.0), (25.0, 40.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cov = coverage(None, demand, kom, draws=Draws(offices, mask), sources=OFFICES_ONLY, thresholds=th)
    values = cov.attrs[DRAWS_ATTR]
    _assert_draws_equal_truths(values, _draw_truths(offices, demand, kom, mask, th), th)
    # the single resident of kommun 1: 23 km straight from A (x 1.22 = 28.06 km) or 3 km from C
    per = values.per_kommun
    assert per["af_dist_mean_km"][0, 0] == pytest.approx(23 * 1.22)
    assert per["af_dist_mean_km"][1, 0] < 5.0
    np.testing.assert_array_equal(per["af_share_over_25km"][:, 0], [1.0, 0.0] * 3)
    # kommun 2 has no residents: no mean, median or share, nobody beyond
    for col in ("af_dist_mean_km", "af_dist_median_km", "af_time_p90_min", "af_dist_max_km", "af_share_over_25km"):
        assert np.isnan(per[col][:, 1]).all(), col
    assert (per["af_pop_over_25km"][:, 1] == 0).all()
    assert cov.loc[1, "af_nearest_office"] == "AF B"
    # kommun 3: residents 35 and 50 km straight from B; half of them at the nearer -> median 35 x 1.22
    assert per["af_dist_median_km"][0, 2] == pytest.approx(35 * 1.22)
    assert per["af_dist_p90_km"][0, 2] == pytest.approx(50 * 1.22)


def test_nearest_office_is_the_one_nearest_most_residents_not_most_points():
    """One point with 2 residents nearest A, four points without residents nearest B: A is named."""
    kom = _star.kommuner(1)
    xs, pops = [12.0, 40.0, 41.0, 42.0, 43.0], [2.0, 0.0, 0.0, 0.0, 0.0]
    demand = gpd.GeoDataFrame({"demand_id": [f"d{i}" for i in range(5)], "kommunkod": "0001", "population": pops},
                              geometry=[Point(_star.X0 + x * 1e3, _star.YM) for x in xs], crs="EPSG:3006")
    kom["population"] = [2]
    offices = gpd.GeoDataFrame({"office_id": ["A", "B"], "org": "af", "name": ["AF A", "AF B"],
                                "kommunkod": "0001", "basis": ["confirmed", "candidate"]},
                               geometry=[Point(_star.X0 + x * 1e3, _star.YM) for x in (10.0, 45.0)], crs="EPSG:3006")
    cov = coverage(None, demand, kom, draws=Draws(offices, np.ones((3, 2), dtype=bool)), sources=OFFICES_ONLY, thresholds=((25.0,), (25.0,)))
    truth = coverage(offices.assign(basis="confirmed"), demand, kom, thresholds=((25.0,), (25.0,)))
    assert cov.loc[0, "af_nearest_office"] == truth.loc[0, "af_nearest_office"] == "AF A"


def _road_world():
    """Road stars (exact km and minutes). F (confirmed, kommun 1) and C (candidate, kommun 2).

    Kommun 1: a (100 residents, 10 km to F) and u (300 residents, no road at all: unreachable).
    Kommun 2: b (200 residents) 40 km / 40 min to F, 5 km but 50 min (a slow track) to C.
    """
    offices = [dict(office_id="F", kommunkod="0001", x_km=0.0, basis="confirmed"),
               dict(office_id="C", kommunkod="0002", x_km=60.0, basis="candidate")]
    points = [dict(id="a", kommunkod="0001", x_km=5.0, population=100), dict(id="u", kommunkod="0001", x_km=20.0,
                                                                          population=300),
              dict(id="b", kommunkod="0002", x_km=55.0, population=200)]
    roads = [("a", "F", 10.0), ("b", "F", 40.0), ("b", "C", 5.0, 50.0)]
    return _star.country(offices, points, roads, 2)


def test_road_draws_with_unreachable_residents_and_a_nearer_but_slower_candidate():
    off, dem, kom, graph = _road_world()
    mask = np.array([[True, False], [True, True], [True, False], [True, True], [True, True]])
    th = ((10.0, 25.0), (40.0, 45.0))
    cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=th)
    values = cov.attrs[DRAWS_ATTR]
    _assert_draws_equal_truths(values, _draw_truths(off, dem, kom, mask, th, graph=graph), th)
    per, nat = values.per_kommun, values.national
    # b: 40 km / 40 min by F; with C 5 km (nearest by distance) but still 40 min (F is quicker)
    np.testing.assert_array_equal(per["af_dist_mean_km"][:, 1], [40.0, 5.0, 40.0, 5.0, 5.0])
    np.testing.assert_array_equal(per["af_time_mean_min"][:, 1], [40.0] * 5)
    # kommun 1: u's 300 residents are unreachable (beyond every threshold), a's 100 are 10 km away
    np.testing.assert_array_equal(per["af_dist_mean_km"][:, 0], [10.0] * 5)
    np.testing.assert_array_equal(per["af_pop_unreachable"][:, 0], [300.0] * 5)
    np.testing.assert_array_equal(per["af_pop_over_25km"][:, 0], [300.0] * 5)
    # exactly at a threshold is not beyond it: a at 10 km, b at 40 min
    np.testing.assert_array_equal(per["af_pop_over_10km"][:, 0], [300.0] * 5)
    np.testing.assert_array_equal(per["af_pop_over_40min"][:, 1], [0.0] * 5)
    np.testing.assert_array_equal(per["af_pop_over_10km"][:, 1], [200.0, 0.0, 200.0, 0.0, 0.0])
    # national mean over the reachable residents only: (100 x 10 + 200 x 40) / 300 = 30 or 23.33
    np.testing.assert_allclose(nat["af_dist_mean_km"], [30.0, 2000 / 300, 30.0, 2000 / 300, 2000 / 300])
    # the unreachable residents vote for no office: kommun 1's nearest is F
    assert cov.loc[0, "af_nearest_office"] == "Office F"


def test_road_draws_without_any_office():
    """F is confirmed but missing from three of five draws, C only in one: in a draw without any
    office every resident is unreachable and there is no mean or maximum, nationally either."""
    off, dem, kom, graph = _road_world()
    mask = np.array([[False, False], [True, False], [False, False], [False, True], [False, False]])
    th = ((25.0,), (45.0,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=th)
    values = cov.attrs[DRAWS_ATTR]
    per, nat = values.per_kommun, values.national
    none = [0, 2, 4]
    for col in ("af_dist_mean_km", "af_time_mean_min", "af_dist_max_km", "af_time_max_min"):
        assert np.isnan(nat[col][none]).all(), col
        assert np.isnan(per[col][none]).all(), col
    np.testing.assert_array_equal(nat["af_pop_unreachable"], [600.0, 300.0, 600.0, 400.0, 600.0])
    np.testing.assert_array_equal(nat["af_pop_over_25km"], [600.0, 300.0 + 200.0, 600.0, 400.0, 600.0])
    assert nat["af_dist_max_km"][1] == 40.0 and nat["af_dist_max_km"][3] == 5.0
    # national medians are per kommun only: one NaN per draw
    assert nat["af_dist_median_km"].shape == (5,) and np.isnan(nat["af_dist_median_km"]).all()
    # in the most frequent pattern (no office) nobody has a nearest office
    assert pd.isna(cov.loc[0, "af_nearest_office"]) and pd.isna(cov.loc[1, "af_nearest_office"])
    # the draws with an office equal a coverage of it
    for r in (1, 3):
        truth = coverage(off[mask[r]].assign(basis="confirmed"), dem, kom, graph=graph, thresholds=th)
        for col in group_metric_columns("af", *th):
            np.testing.assert_allclose(per[col][r], truth[col].to_numpy(dtype=float), equal_nan=True, err_msg=col)


def test_recent_evaluations_are_reused_only_for_the_same_inputs():
    """evaluate_draws remembers recent results; new residents, another graph (or none) or another
    group must each be evaluated afresh."""
    off, dem, kom, graph = _road_world()
    mask = np.array([[True, False], [True, True], [True, True]])
    th = ((25.0,), (45.0,))

    def per(demand, g):
        cov = coverage(None, demand, kom, graph=g, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=th)
        return cov.attrs[DRAWS_ATTR].per_kommun

    def mean_km(demand, g):
        return per(demand, g)["af_dist_mean_km"]

    road = mean_km(dem, graph)
    np.testing.assert_array_equal(road[:, 1], [40.0, 5.0, 5.0])
    # the same points, kommun 1's reachable point a with 300 residents: its mean stays 10 km but
    # the national mean moves to (300 x 10 + 200 x 40) / 500 = 22 km in the draw without C
    more = dem.assign(population=[300.0, 300.0, 200.0])
    cov = coverage(None, more, kom.assign(population=[600, 200]), graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=th)
    assert cov.attrs[DRAWS_ATTR].national["af_dist_mean_km"][0] == pytest.approx(22.0)
    # another road graph over the same nodes: a's road to F is 12 km
    _, _, _, longer = _star.country(
        [dict(office_id="F", kommunkod="0001", x_km=0.0), dict(office_id="C", kommunkod="0002", x_km=60.0)],
        [dict(id="a", kommunkod="0001", x_km=5.0, population=100), dict(id="u", kommunkod="0001", x_km=20.0,
                                                                     population=300),
         dict(id="b", kommunkod="0002", x_km=55.0, population=200)],
        [("a", "F", 12.0), ("b", "F", 40.0), ("b", "C", 5.0, 50.0)], 2)
    np.testing.assert_array_equal(mean_km(dem, longer)[:, 0], [12.0] * 3)
    # no graph: straight lines x circuity, where nobody is unreachable (u's 300 residents count)
    assert (per(dem, None)["af_pop_unreachable"][:, 0] == 0).all()
    assert (per(dem, graph)["af_pop_unreachable"][:, 0] == 300).all()
    np.testing.assert_array_equal(mean_km(dem, graph), road)
    # the same offices evaluated for another group name give that group's columns
    from narvaro.analysis.intervals import evaluate_draws

    w = dem["population"].to_numpy(dtype=float)
    g = np.array([0, 0, 1])
    codes = pd.Index(kom["kommunkod"])
    per_af, _, _ = evaluate_draws(dem, w, g, codes, off, mask, graph, "af", *th)
    per_any, _, _ = evaluate_draws(dem, w, g, codes, off, mask, graph, "any", *th)
    assert "af_dist_mean_km" in per_af and "any_dist_mean_km" in per_any and "af_dist_mean_km" not in per_any
    np.testing.assert_array_equal(per_any["any_dist_mean_km"], per_af["af_dist_mean_km"])


def test_draws_over_an_office_list_without_basis():
    """An analyst's list has no ``basis`` column (all confirmed): the draws still name each
    kommun's nearest office, with no basis."""
    draws = _draws(p_c1=0.9)
    cov = _cov(Draws(draws.offices.drop(columns="basis"), draws.mask))
    assert cov["af_nearest_office"].tolist() == ["AF Aby", "AF Cby", "AF Cby"]  # Bby: 250 of 450 nearer C1
    assert cov["af_nearest_office_basis"].isna().all()


def test_road_draws_cut_at_the_farthest_road_trip_to_a_fixed_office():
    """Every point reaches the fixed office F, so the one many-to-many pass is cut at the farthest
    nearest trip by road (p: 50 km of winding road, 10 km straight); the cut must keep that trip."""
    off, dem, kom, graph = _star.country(
        [dict(office_id="F", kommunkod="0001", x_km=10.0), dict(office_id="C", kommunkod="0001", x_km=40.0,
                                                                basis="candidate")],
        [dict(id="p", kommunkod="0001", x_km=20.0, population=100),
         dict(id="q", kommunkod="0001", x_km=35.0, population=50)],
        [("p", "F", 50.0, 55.0), ("q", "F", 20.0), ("q", "C", 5.0)], 1)
    mask = np.array([[True, False], [True, True], [True, True]])
    th = ((10.0, 30.0), (10.0, 30.0))
    cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=th)
    per = cov.attrs[DRAWS_ATTR].per_kommun
    np.testing.assert_allclose(per["af_dist_max_km"][:, 0], [50.0] * 3)
    np.testing.assert_allclose(per["af_time_max_min"][:, 0], [55.0] * 3)
    np.testing.assert_allclose(per["af_dist_mean_km"][:, 0], [(100 * 50 + 50 * 20) / 150, (100 * 50 + 50 * 5) / 150,
                                                             (100 * 50 + 50 * 5) / 150])
    np.testing.assert_array_equal(per["af_pop_unreachable"][:, 0], [0.0] * 3)
    np.testing.assert_array_equal(per["af_pop_over_10km"][:, 0], [150.0, 100.0, 100.0])
    _assert_draws_equal_truths(cov.attrs[DRAWS_ATTR], _draw_truths(off, dem, kom, mask, th, graph=graph), th)


def test_draws_without_a_description_are_counted_in_the_provenance():
    @dataclass
    class Plain:  # no describe()
        offices: gpd.GeoDataFrame
        mask: np.ndarray

    draws = _draws(n=20)
    cov = _cov(Plain(draws.offices, draws.mask))
    assert cov.attrs["narvaro"]["estimates"] == "20 joint office draws"
