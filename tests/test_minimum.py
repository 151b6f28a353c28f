"""plan_minimum and plan_centre against brute force on small instances (issue 24).

Hand-made worlds in estimate mode (straight line x circuity) with offices, candidates and demand
points; brute force tries every subset of the candidates in order of size.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from narvaro.analysis import minimum as mn
from narvaro.analysis.minimum import parse_rule, plan_centre, plan_minimum
from narvaro.analysis.plan import PlanError
from narvaro.network.distance import od_matrix

X0, Y0 = 500_000.0, 6_900_000.0


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x * 1e3, Y0 + y * 1e3) for x, y in xy], crs="EPSG:3006")


def _world(seed: int, n: int = 16, m: int = 10):
    rng = np.random.default_rng(seed)
    demand = _points(rng.uniform(0, 150, (n, 2)), population=rng.integers(1, 50, n).astype(float),
                     kommunkod=["0180"] * n)
    existing = _points([(75.0, 75.0)], office_id=["E"], org=["ssc"], name=["E"], kommunkod=["0180"])
    # most candidates at demand points (so that rules can be met), two anywhere
    at = np.vstack([np.array([[g.x - X0, g.y - Y0] for g in demand.geometry[: m - 2]]) / 1e3,
                    rng.uniform(0, 150, (2, 2))])
    cands = _points(at, site_id=[f"s{j}" for j in range(m)],
                    name=[f"S{j}" for j in range(m)], kommunkod=["0180"] * m, kommunnamn=["Stockholm"] * m)
    return demand, existing, cands


def _costs(demand, offices):
    return od_matrix(demand, offices.assign(org="plan") if "org" not in offices else offices, None,
                     metric="distance", far_offices="keep", progress=False).to_numpy()


def _beyond(demand, existing, cands, chosen, threshold, costs=None):
    base, c = costs or (_costs(demand, existing).min(axis=1), _costs(demand, cands.assign(office_id=cands["site_id"])))
    if chosen:
        base = np.minimum(base, c[:, chosen].min(axis=1))
    return float(demand["population"].to_numpy()[base > threshold].sum())


def _brute_min(demand, existing, cands, threshold, share):
    allowed = share * demand["population"].sum()
    costs = (_costs(demand, existing).min(axis=1), _costs(demand, cands.assign(office_id=cands["site_id"])))
    for size in range(len(cands) + 1):
        for combo in itertools.combinations(range(len(cands)), size):
            if _beyond(demand, existing, cands, list(combo), threshold, costs) <= allowed + 1e-9:
                return size
    return None


@pytest.mark.parametrize(("seed", "threshold", "share"), [(0, 40.0, 0.05), (0, 50.0, 0.2), (1, 50.0, 0.2),
                                                          (2, 60.0, 0.0), (3, 60.0, 0.0), (1, 30.0, 0.0)])
def test_minimum_equals_brute_force(seed, threshold, share):
    demand, existing, cands = _world(seed)
    res = plan_minimum(existing, threshold_km=threshold, max_share=share, candidates=cands, demand=demand)
    expected = _brute_min(demand, existing, cands, threshold, share)
    assert res.n_new == expected
    if expected is None:
        assert res.status == "infeasible" and len(res.uncoverable)
    else:
        assert res.status == "optimal" and res.gap == 0 and len(res.sites) == expected
        chosen = [int(s[1:]) for s in res.sites["site_id"]]
        after = _beyond(demand, existing, cands, chosen, threshold)
        assert res.beyond_after == pytest.approx(after)
        assert after <= share * demand["population"].sum() + 1e-9
        # the fewest residents beyond among all networks of that size
        costs = (_costs(demand, existing).min(axis=1), _costs(demand, cands.assign(office_id=cands["site_id"])))
        best = min(_beyond(demand, existing, cands, list(c), threshold, costs)
                   for c in itertools.combinations(range(len(cands)), expected))
        assert after == pytest.approx(best)


def test_infeasible_rule_names_the_residents_and_why():
    """r2 (40 residents) is 200 km from the office and from every site: with 10 % allowed of 100
    residents the rule cannot be met; r0 and r1 are covered by site A."""
    demand = _points([(0, 0), (60, 0), (300, 0)], population=[30.0, 30.0, 40.0], kommunkod=["0180", "0180", "2584"])
    existing = _points([(-100, 0)], office_id=["E"], org=["ssc"], name=["E"], kommunkod=["0180"])
    cands = _points([(30, 0), (100, 0)], site_id=["A", "B"], name=["A", "B"], kommunkod=["0180", "0180"],
                    kommunnamn=["Stockholm"] * 2)
    res = plan_minimum(existing, threshold_km=50.0, max_share=0.1, candidates=cands, demand=demand)
    assert res.n_new is None and res.status == "infeasible"
    assert res.uncoverable["kommunkod"].tolist() == ["2584"] and res.uncoverable["population"].tolist() == [40.0]
    text = res.describe()
    assert "cannot be met" in text and "40 residents (40.000 %)" in text and "2584: 40 residents" in text
    assert "kan inte uppfyllas" in res.describe("sv")
    # 40 % allowed: feasible with one site (A covers r0 and r1)
    ok = plan_minimum(existing, threshold_km=50.0, max_share=0.4, candidates=cands, demand=demand)
    assert (ok.n_new, ok.status, ok.sites["site_id"].tolist()) == (1, "optimal", ["A"])
    assert ok.beyond_before == 100.0 and ok.beyond_after == 40.0 and ok.allowed == pytest.approx(40.0)


def test_rule_at_the_threshold_and_no_new_office_needed():
    demand, existing, cands = _world(5)
    far = _costs(demand, existing).max()
    res = plan_minimum(existing, threshold_km=float(far), max_share=0.0, candidates=cands, demand=demand)
    assert res.n_new == 0 and res.beyond_before == 0.0 and len(res.sites) == 0


def test_minimum_over_draws_gives_the_three_numbers():
    from types import SimpleNamespace

    demand, existing, cands = _world(6)
    offices = _points([(75.0, 75.0), (10.0, 10.0)], office_id=["E", "F"], org=["ssc"] * 2, name=["E", "F"],
                      kommunkod=["0180"] * 2)
    mask = np.array([[True, False]] * 3 + [[True, True]] * 7)
    res = plan_minimum(None, threshold_km=45.0, max_share=0.05, candidates=cands, demand=demand,
                       draws=SimpleNamespace(offices=offices, mask=mask))
    # with E alone the rule cannot be met; with E and F four sites are needed (brute force)
    assert _brute_min(demand, offices.iloc[:1], cands, 45.0, 0.05) is None
    assert _brute_min(demand, offices, cands, 45.0, 0.05) == 4
    assert res.per_draw["status"].tolist() == ["infeasible"] * 3 + ["optimal"] * 7
    assert res.per_draw["n_new"].iloc[3:].tolist() == [4.0] * 7 and res.per_draw["n_new"].iloc[:3].isna().all()
    assert res.summary == {"best": 4.0, "p05": 4.0, "p95": 4.0, "min": 4.0, "max": 4.0, "infeasible": 3}
    assert "the rule cannot be met in 3 of the draws" in res.describe()


def _brute_centre(demand, existing, cands, k, q):
    pop = demand["population"].to_numpy()
    base = _costs(demand, existing).min(axis=1)
    c = _costs(demand, cands.assign(office_id=cands["site_id"]))
    best = np.inf
    for combo in itertools.combinations(range(len(cands)), k):
        d = np.minimum(base, c[:, list(combo)].min(axis=1)) if combo else base
        order = np.argsort(d)
        cum = np.cumsum(pop[order])
        # smallest D with at most (1 - q) of residents beyond D
        i = int(np.searchsorted(cum, q * pop.sum() - 1e-9))
        best = min(best, float(d[order][i]))
    return best


@pytest.mark.parametrize(("seed", "k", "q"), [(0, 1, 1.0), (1, 2, 1.0), (2, 2, 0.9), (3, 0, 1.0), (4, 3, 0.95)])
def test_centre_equals_brute_force(seed, k, q):
    demand, existing, cands = _world(seed, n=15, m=6)
    res = plan_centre(existing, k, quantile=q, candidates=cands, demand=demand)
    assert res.value == pytest.approx(_brute_centre(demand, existing, cands, k, q), abs=1e-3)
    assert res.before == pytest.approx(_brute_centre(demand, existing, cands, 0, q), abs=1e-3)
    assert res.status == "optimal" and len(res.sites) <= k


def test_parse_rule_and_bad_input():
    assert parse_rule("25km<=0.3%") == {"threshold_km": 25.0, "max_share": pytest.approx(0.003)}
    assert parse_rule(" 60min <= 1 % ") == {"threshold_min": 60.0, "max_share": pytest.approx(0.01)}
    with pytest.raises(PlanError, match="cannot read the rule '25km'"):
        parse_rule("25km")
    with pytest.raises(PlanError, match="below 100 %"):
        parse_rule("25km<=100%")
    demand, existing, cands = _world(0)
    with pytest.raises(PlanError, match=r"max_share must be a share in \[0, 1\)"):
        plan_minimum(existing, max_share=1.5, candidates=cands, demand=demand)
    with pytest.raises(PlanError, match="quantile must be in"):
        plan_centre(existing, 1, quantile=0.0, candidates=cands, demand=demand)
    assert mn._three(np.arange(1, 101))["best"] == 50.5
