"""The distance sources of the 90 % intervals: circuity, speed, demand placement (issue 22).

The coverage tests build a synthetic country whose true road distances are straight line x
circuity with a systematic factor per world and a local quantile per kommun, drawn from the
model :func:`narvaro.circuity` documents; the office list is complete, so the interval comes
from the distance sources alone. With circuity on the interval covers the truth at about the
nominal 90 %; with it off (the office draws alone) it collapses to the point value and almost
never does.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from narvaro import settings
from narvaro.analysis import coverage, national
from narvaro.analysis.intervals import DRAWS_ATTR, DistanceFactors
from narvaro.network.distance import circuity
from narvaro.provenance import describe
from narvaro.settings import ErrorSources

X0, Y0 = 300_000.0, 6_400_000.0
N_KOMMUNER = 30
POINTS_PER_KOMMUN = 12
TH = ((25.0,), (25.0,))


@dataclass
class Draws:
    offices: gpd.GeoDataFrame
    mask: np.ndarray
    seed: int = 0

    def describe(self) -> str:
        return f"{len(self.mask)} synthetic draws"


def _country(seed: int = 3):
    """30 kommuner 60 km apart, one office at each centre, 12 residents' points 12-24 km from it.

    Returns the kommuner, demand points, offices and each point's straight-line km to its own
    office (its nearest: every other office is at least 36 km away).
    """
    rng = np.random.default_rng(seed)
    codes = [f"{i + 1:04d}" for i in range(N_KOMMUNER)]
    centres = [(X0 + (i % 6) * 60e3, Y0 + (i // 6) * 60e3) for i in range(N_KOMMUNER)]
    rows, geoms, straight = [], [], []
    for code, (cx, cy) in zip(codes, centres, strict=True):
        r = rng.uniform(12.0, 24.0, POINTS_PER_KOMMUN)
        a = rng.uniform(0, 2 * np.pi, POINTS_PER_KOMMUN)
        for ri, ai in zip(r, a, strict=True):
            geoms.append(Point(cx + ri * 1e3 * np.cos(ai), cy + ri * 1e3 * np.sin(ai)))
            rows.append({"kommunkod": code, "population": float(rng.integers(50, 500))})
            straight.append(float(np.hypot(ri * 1e3 * np.cos(ai), ri * 1e3 * np.sin(ai)) / 1000.0))
    demand = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:3006")
    pops = demand.groupby("kommunkod")["population"].sum()
    kom = gpd.GeoDataFrame({"kommunkod": codes, "kommunnamn": [f"K{c}" for c in codes],
                            "population": [pops[c] for c in codes]},
                           geometry=[box(x - 30e3, y - 30e3, x + 30e3, y + 30e3) for x, y in centres], crs="EPSG:3006")
    off = gpd.GeoDataFrame({"office_id": [f"o{c}" for c in codes], "org": "af", "name": [f"AF {c}" for c in codes],
                            "kommunkod": codes, "basis": "confirmed"},
                           geometry=[Point(x, y) for x, y in centres], crs="EPSG:3006")
    return kom, demand, off, np.asarray(straight)


def _truths(straight: np.ndarray, codes: np.ndarray, n: int, seed: int) -> np.ndarray:
    """True road km per world (n, points): straight x circuity at the kommun's quantile x systematic factor."""
    rng = np.random.default_rng(seed)
    kommun = np.unique(codes, return_inverse=True)[1]
    q = rng.uniform(0.0, 1.0, (n, kommun.max() + 1))
    sys = np.exp(settings.CIRCUITY_SYSTEMATIC_SIGMA * rng.standard_normal(n))
    return straight[None, :] * circuity(straight[None, :], np.clip(q[:, kommun], 1e-9, 1 - 1e-9)) * sys[:, None]


def _interval(sources: ErrorSources, n_draws: int = 400):
    kom, demand, off, straight = _country()
    cov = coverage(None, demand, kom, draws=Draws(off, np.ones((n_draws, len(off)), dtype=bool)),
                   thresholds=TH, sources=sources, seed=5)
    return cov, demand, straight


@pytest.mark.parametrize("sources, lo, hi", [(ErrorSources(), 0.84, 0.96), (ErrorSources.only("offices"), 0.0, 0.2)])
def test_national_interval_covers_a_true_share_at_the_nominal_rate_only_with_circuity(sources, lo, hi):
    cov, demand, straight = _interval(sources)
    nat = national(cov)
    q05, q95 = nat["af_share_over_25km_q05"], nat["af_share_over_25km_q95"]
    w = demand["population"].to_numpy()
    truth = _truths(straight, demand["kommunkod"].to_numpy(), 2000, seed=11)
    share = (w[None, :] * (truth > 25.0)).sum(axis=1) / w.sum()
    rate = float(((share >= q05) & (share <= q95)).mean())
    assert lo <= rate <= hi, (rate, q05, q95)


@pytest.mark.parametrize("sources, lo, hi", [(ErrorSources(), 0.86, 0.94), (ErrorSources.only("offices"), 0.0, 0.1)])
def test_kommun_interval_covers_its_true_mean_distance_at_the_nominal_rate_only_with_circuity(sources, lo, hi):
    cov, demand, straight = _interval(sources)
    codes = demand["kommunkod"].to_numpy()
    w = demand["population"].to_numpy()
    truth = _truths(straight, codes, 400, seed=12)
    hits = []
    for i, code in enumerate(cov["kommunkod"]):
        sel = codes == code
        mean = (truth[:, sel] * w[sel]).sum(axis=1) / w[sel].sum()
        hits.append((mean >= cov["af_dist_mean_km_q05"].iat[i]) & (mean <= cov["af_dist_mean_km_q95"].iat[i]))
    rate = float(np.mean(hits))
    assert lo <= rate <= hi, rate


def test_without_the_distance_sources_every_draw_is_the_point_value():
    cov, demand, straight = _interval(ErrorSources.only("offices"), n_draws=20)
    w = demand["population"].to_numpy()
    point = (w * (straight * circuity(straight) > 25.0)).sum() / w.sum()
    per_draw = cov.attrs[DRAWS_ATTR].national["af_share_over_25km"]
    assert np.allclose(per_draw, point)


def test_same_seed_same_interval_other_seed_other_and_factors_follow_the_kommun_not_the_scenario():
    kom, demand, off, _ = _country()
    mask = np.ones((50, len(off)), dtype=bool)
    a = coverage(None, demand, kom, draws=Draws(off, mask), thresholds=TH, seed=1)
    b = coverage(None, demand, kom, draws=Draws(off, mask), thresholds=TH, seed=1)
    c = coverage(None, demand, kom, draws=Draws(off, mask), thresholds=TH, seed=2)
    col = "af_dist_mean_km"
    assert np.array_equal(a.attrs[DRAWS_ATTR].per_kommun[col], b.attrs[DRAWS_ATTR].per_kommun[col])
    assert not np.array_equal(a.attrs[DRAWS_ATTR].per_kommun[col], c.attrs[DRAWS_ATTR].per_kommun[col])
    # another scenario: one more office in kommun 0030's corner; every other kommun keeps its
    # nearest office, so each of its draws is the same as in the first scenario
    extra = off.iloc[[0]].assign(office_id="far", kommunkod="0030",
                                 geometry=[Point(X0 + 5 * 60e3 + 29e3, Y0 + 4 * 60e3 + 29e3)])
    more = gpd.GeoDataFrame(pd.concat([off, extra], ignore_index=True), crs="EPSG:3006")
    d = coverage(None, demand, kom, draws=Draws(more, np.ones((50, len(more)), dtype=bool)), thresholds=TH, seed=1)
    assert np.array_equal(a.attrs[DRAWS_ATTR].per_kommun[col][:, :-1], d.attrs[DRAWS_ATTR].per_kommun[col][:, :-1])
    assert not np.array_equal(a.attrs[DRAWS_ATTR].per_kommun[col][:, -1], d.attrs[DRAWS_ATTR].per_kommun[col][:, -1])


def test_switching_a_distance_source_changes_only_its_own_numbers():
    f_all = DistanceFactors.draw(30, seed=4)
    f_circ = DistanceFactors.draw(30, seed=4, sources=ErrorSources.only("circuity"))
    assert np.array_equal(f_all.circuity_z, f_circ.circuity_z)
    assert all(np.array_equal(x, y) for x, y in zip(f_all.kommun("0180"), f_circ.kommun("0180"), strict=True))
    q, speed = f_all.kommun("0180")
    assert ((q > 0) & (q < 1)).all() and (speed > 0).all()
    assert not np.array_equal(q, f_all.kommun("1480")[0])


def test_demand_placement_spreads_a_residual_point_by_its_cell():
    # one residual point 30 km from the office (circuity 1.22): its road km per draw spread by
    # 5 km / sqrt(12) x 1.22 = 1.76 km (circuity off, so demand alone)
    kom, _, off, _ = _country()
    kom1, off1 = kom.iloc[[0]], off.iloc[[0]]
    pt = gpd.GeoDataFrame({"kommunkod": ["0001"], "population": [10.0], "kind": ["residual"]},
                          geometry=[Point(X0 + 30e3, Y0)], crs="EPSG:3006")
    cov = coverage(None, pt, kom1.assign(population=[10.0]), draws=Draws(off1, np.ones((2000, 1), dtype=bool)),
                   thresholds=TH, sources=ErrorSources.only("demand"))
    d = cov.attrs[DRAWS_ATTR].per_kommun["af_dist_mean_km"][:, 0]
    sd = settings.RESIDUAL_GRID_M / 1000.0 / np.sqrt(12) * 1.22
    assert d.mean() == pytest.approx(30 * 1.22, abs=0.15)
    assert d.std() == pytest.approx(sd, rel=0.07)
    assert "where residents live" in describe(cov) and "var invånarna bor" in describe(cov, "sv")
    assert cov["af_dist_mean_km_lo"].iat[0] == pytest.approx(36.6)  # bounds: office lists only, median circuity


def test_provenance_names_the_sources_the_interval_carries():
    cov, _, _ = _interval(ErrorSources(), n_draws=10)
    en, sv = describe(cov), describe(cov, "sv")
    assert "the intervals also carry the road / straight-line ratio" in en
    assert "intervallen bär också kvoten väg / fågelväg" in sv
    assert "where residents live" not in en  # no point has a kind: demand placement does not act
    off_only, _, _ = _interval(ErrorSources.only("offices"), n_draws=10)
    assert "also carry" not in describe(off_only)
