"""Best estimates and 90 % intervals over joint office draws (narvaro.analysis.intervals)."""

from __future__ import annotations

from dataclasses import dataclass

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
    return coverage(None, syn.demand(), syn.kommuner(), draws=draws, thresholds=(KM, MINS))


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
    cov = coverage(None, demand, kom, draws=Draws(offices, mask), thresholds=th)
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
