"""Location planning: optimal against brute force, properties, draws, road mode, CLI, errors."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _line import X0, Y0, line_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import narvaro
from narvaro.analysis import plan as plan_mod
from narvaro.analysis.plan import PlanError, plan_curve, plan_effect, plan_offices
from narvaro.cli import run


def _demand(rng: np.random.Generator, n: int = 40, spread_km: float = 120.0) -> gpd.GeoDataFrame:
    xy = rng.uniform(0, spread_km * 1e3, size=(n, 2))
    return gpd.GeoDataFrame(
        {"demand_id": [f"d{i}" for i in range(n)], "kommunkod": "0180",
         "population": rng.integers(1, 1000, size=n).astype(float)},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:3006")


def _offices(points: list[tuple[float, float]], prefix: str = "E", org: str = "ssc") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"office_id": [f"{prefix}{i}" for i in range(len(points))], "org": org,
         "name": [f"{prefix} {i}" for i in range(len(points))], "kommunkod": "0180"},
        geometry=[Point(X0 + x * 1e3, Y0 + y * 1e3) for x, y in points], crs="EPSG:3006")


def _candidates(rng: np.random.Generator, m: int = 8, spread_km: float = 120.0) -> gpd.GeoDataFrame:
    xy = rng.uniform(0, spread_km, size=(m, 2))
    sites = _offices([tuple(p) for p in xy], prefix="S")
    return sites.rename(columns={"office_id": "site_id"}).assign(kommunnamn="Test")


def _measure(demand, offices, threshold_km: float = 25.0) -> tuple[float, float]:
    """Residents beyond the threshold and the weighted mean distance, computed independently."""
    near = narvaro.nearest_office(demand, offices)
    d = near["distance_km"].to_numpy()
    w = demand["population"].to_numpy()
    return float(w[d > threshold_km].sum()), float((w * d).sum() / w.sum())


def _with(existing, sites):
    sites = sites.assign(org="ssc") if "org" not in sites.columns else sites
    add = sites.rename(columns={"site_id": "office_id"})[["office_id", "org", "name", "kommunkod", "geometry"]]
    return gpd.GeoDataFrame(pd.concat([existing, add], ignore_index=True), geometry="geometry", crs="EPSG:3006")


def _brute(demand, existing, cands, k, objective, threshold_km=25.0) -> float:
    best = np.inf
    for combo in itertools.combinations(range(len(cands)), k):
        over, mean = _measure(demand, _with(existing, cands.iloc[list(combo)]), threshold_km)
        best = min(best, over if objective == "coverage" else mean)
    return best


@pytest.mark.parametrize("objective", ["coverage", "mean"])
@pytest.mark.parametrize("seed,k", [(1, 1), (2, 2), (3, 3), (4, 2)])
def test_plan_equals_brute_force(objective, seed, k):
    rng = np.random.default_rng(seed)
    demand, cands = _demand(rng), _candidates(rng)
    existing = _offices([(10.0, 10.0)])
    result = plan_offices(existing, k, demand=demand, objective=objective, candidates=cands)
    assert len(result) == k and result["rank"].tolist() == list(range(1, k + 1))
    info = result.attrs["narvaro"]["plan"]
    assert info["status"] == "optimal" and info["size"]["rows"] > 0  # solved by CBC, not a shortcut
    over, mean = _measure(demand, _with(existing, result))
    got = over if objective == "coverage" else mean
    assert got == pytest.approx(_brute(demand, existing, cands, k, objective), rel=1e-9, abs=1e-6)
    assert info["value_after"] == pytest.approx(got, rel=1e-9, abs=1e-6)
    # the ordered gains add up to the improvement
    gain_col = info["gain_column"]
    assert result[gain_col].sum() == pytest.approx(info["value_before"] - info["value_after"], rel=1e-9, abs=1e-6)


def test_mean_heuristic_path_reports_a_valid_gap(monkeypatch):
    """Beyond MAX_ASSIGNMENTS the p-median is solved by greedy + interchange with a bound."""
    monkeypatch.setattr(plan_mod, "MAX_ASSIGNMENTS", 0)
    rng = np.random.default_rng(11)
    demand, cands = _demand(rng, n=60), _candidates(rng, m=9)
    existing = _offices([(5.0, 5.0)])
    result = plan_offices(existing, 3, demand=demand, objective="mean", candidates=cands)
    info = result.attrs["narvaro"]["plan"]
    best = _brute(demand, existing, cands, 3, "mean")
    assert info["value_after"] >= best - 1e-9
    assert info["value_after"] - info["gap"] <= best + 1e-6  # the bound is a bound
    assert info["status"] in ("optimal", "heuristic")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(0, 4), objective=st.sampled_from(["coverage", "mean"]))
def test_adding_sites_never_increases_a_distance(seed, k, objective):
    rng = np.random.default_rng(seed)
    demand, cands = _demand(rng, n=25), _candidates(rng, m=6)
    existing = _offices([tuple(rng.uniform(0, 120, 2))])
    result = plan_offices(existing, k, demand=demand, objective=objective, candidates=cands)
    before = narvaro.nearest_office(demand, existing)
    after = narvaro.nearest_office(demand, _with(existing, result))
    assert (after["distance_km"].to_numpy() <= before["distance_km"].to_numpy() + 1e-9).all()
    assert (after["time_min"].to_numpy() <= before["time_min"].to_numpy() + 1e-9).all()


def test_k_zero_leaves_the_network_unchanged():
    rng = np.random.default_rng(5)
    demand, cands = _demand(rng), _candidates(rng)
    existing = _offices([(60.0, 60.0)])
    result = plan_offices(existing, 0, demand=demand, candidates=cands)
    assert len(result) == 0
    info = result.attrs["narvaro"]["plan"]
    assert info["value_after"] == info["value_before"] == pytest.approx(_measure(demand, existing)[0])
    effect = plan_effect(existing, {"none": result}, demand=demand)
    assert effect.loc["none"].drop("added").equals(effect.loc["existing"].drop("added"))


@pytest.mark.parametrize("objective", ["coverage", "mean"])
def test_greedy_curve_gains_do_not_increase(objective):
    rng = np.random.default_rng(8)
    demand, cands = _demand(rng, n=80, spread_km=200), _candidates(rng, m=12, spread_km=200)
    existing = _offices([(0.0, 0.0)])
    curve = plan_curve(existing, 8, demand=demand, objective=objective, candidates=cands)
    assert curve["k"].tolist() == list(range(9))
    gains = curve["gain"].to_numpy()[1:]
    assert (np.diff(gains) <= 1e-9).all()
    assert (curve["gap"] >= -1e-9).all()
    value = curve.columns[1]
    assert (curve[value] >= curve["best_possible"] - 1e-9).all()
    optimal = plan_curve(existing, 3, demand=demand, objective=objective, candidates=cands, solve="optimal")
    assert (optimal[value].to_numpy() <= curve[value].to_numpy()[:4] + 1e-9).all()


def test_draws_maximise_the_expected_objective():
    """With joint draws the plan minimises the mean over draws of residents beyond 25 km."""
    rng = np.random.default_rng(21)
    demand, cands = _demand(rng, n=50), _candidates(rng, m=7)
    possible = _offices([(20.0, 20.0), (100.0, 100.0), (20.0, 100.0)], prefix="P")
    mask = np.array([[True, False, False], [True, True, False], [False, True, True], [True, False, True]])
    draws = SimpleNamespace(offices=possible, mask=mask)
    result = plan_offices(None, 2, demand=demand, candidates=cands, draws=draws)

    def expected(combo):
        return np.mean([_measure(demand, _with(possible[row], cands.iloc[list(combo)]))[0] for row in mask])

    best = min(expected(c) for c in itertools.combinations(range(len(cands)), 2))
    chosen = [int(np.flatnonzero(cands["site_id"] == s)[0]) for s in result["site_id"]]
    assert expected(chosen) == pytest.approx(best)
    info = result.attrs["narvaro"]["plan"]
    assert info["draws"] == 4 and "4 joint draws" in info["office_set"]
    assert info["value_after"] == pytest.approx(best)
    assert result["already_within"].between(0, 1).all()
    # how often each site is already within 25 km of an office, by hand
    for _, row in result.iterrows():
        d = [_measure(gpd.GeoDataFrame({"population": [1.0]}, geometry=[row.geometry], crs="EPSG:3006"),
                      possible[m])[0] for m in mask]
        assert row["already_within"] == pytest.approx(1 - np.mean(d))


def test_road_mode_equals_brute_force():
    graph = narvaro.RoadGraph.from_pbf(narvaro.fetch("osm/stockholm_sodermalm.osm.pbf")).largest_component()
    rng = np.random.default_rng(3)
    idx = rng.choice(graph.n_nodes, size=36, replace=False)

    def pts(ix):
        return gpd.points_from_xy(graph.x[ix], graph.y[ix], crs="EPSG:3006")

    demand = gpd.GeoDataFrame({"population": rng.integers(1, 100, 30).astype(float), "kommunkod": "0180"},
                               geometry=pts(idx[:30]), crs="EPSG:3006")
    existing = gpd.GeoDataFrame({"office_id": ["E"], "org": "ssc", "name": "E", "kommunkod": "0180"},
                                geometry=pts(idx[30:31]), crs="EPSG:3006")
    cands = gpd.GeoDataFrame({"site_id": [f"S{i}" for i in range(5)], "org": "ssc", "name": "S",
                              "kommunkod": "0180", "kommunnamn": "Stockholm"}, geometry=pts(idx[31:]), crs="EPSG:3006")
    for objective in ("coverage", "mean"):
        result = plan_offices(existing, 2, demand=demand, candidates=cands, graph=graph, objective=objective,
                              threshold_km=0.8)
        assert (result["method"] == "road").all()

        def value(sites, objective=objective):
            near = narvaro.nearest_office(demand, _with(existing, sites), graph)
            d, w = near["distance_km"].to_numpy(), demand["population"].to_numpy()
            return w[d > 0.8].sum() if objective == "coverage" else (w * d).sum() / w.sum()

        best = min(value(cands.iloc[list(c)]) for c in itertools.combinations(range(5), 2))
        assert value(result) == pytest.approx(best)


def test_default_candidates_are_in_kommuner_without_an_office():
    existing = narvaro.assumed_offices("ssc_2020", "known")
    cands = plan_mod.default_candidates(existing)
    assert not set(cands["kommunkod"]) & set(existing["kommunkod"])
    assert (cands["kind"] == "centralort").sum() == 290 - existing["kommunkod"].nunique()
    assert cands.loc[cands["kind"] == "tatort", "population"].min() >= 2000
    assert "deduced" in narvaro.describe(existing)


def test_cli_writes_table_plot_and_map(tmp_path, capsys):
    code = run(["plan", "--scenario", "ssc_2020", "--add", "2", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    stem = tmp_path / "plan_ssc_2020_coverage_2"
    for suffix in (".csv", ".png", ".html"):
        assert stem.with_suffix(suffix).is_file()
    table = pd.read_csv(stem.with_suffix(".csv"))
    assert len(table) == 2 and {"kommunnamn", "gain_pop_within_25km", "lat", "lon"} <= set(table.columns)
    assert "Office set assumed: SSC 2020: 19 of 117 offices known" in out
    assert "cdn.jsdelivr.net" not in stem.with_suffix(".html").read_text()


@pytest.mark.parametrize("kwargs,needle", [
    ({"k": -1}, "k must be 0 or more"),
    ({"k": 1, "objective": "median"}, "unknown objective 'median'"),
    ({"k": 1, "threshold_km": -5}, "positive"),
    ({"k": 1, "group": "police"}, "unknown group 'police'"),
])
def test_bad_input_names_the_problem(kwargs, needle):
    rng = np.random.default_rng(0)
    with pytest.raises(PlanError, match=needle):
        plan_offices(_offices([(0.0, 0.0)]), demand=_demand(rng), candidates=_candidates(rng), **kwargs)


@pytest.mark.parametrize("args,needle", [
    (["--add", "-1"], "--add must be 0 or more"),
    (["--objective", "median"], "unknown objective 'median'"),
    (["--scenario", "ssc_2030"], "unknown scenario 'ssc_2030'"),
    (["--threshold", "25 miles"], "bad --threshold"),
])
def test_cli_errors_exit_2(args, needle, capsys):
    assert run(["plan", *args]) == 2
    assert needle in capsys.readouterr().err


# --- plan_effect: hand-computed on a road graph with an unreachable point --------------------------

def _effect_world():
    """Four demand points on graph nodes 0-3 (weights 5, 7, 11, 13) and an office at node 0.

    One-way roads 1 -> 0 (10 km) and 2 -> 0 (30 km), both at 60 km/h (minutes = km); node 3 has
    no road at all, so its residents reach no office until a site is placed on node 3 itself.
    """
    xy = [(X0, Y0), (X0 + 10e3, Y0), (X0 + 30e3, Y0), (X0 + 80e3, Y0)]
    graph = narvaro.RoadGraph.from_edges(np.arange(4), [p[0] for p in xy], [p[1] for p in xy], [1, 2], [0, 0],
                                         [10e3, 30e3], [600.0, 1800.0])
    demand = gpd.GeoDataFrame({"population": [5.0, 7.0, 11.0, 13.0], "kommunkod": "0180"},
                              geometry=[Point(*p) for p in xy], crs="EPSG:3006")
    existing = gpd.GeoDataFrame({"office_id": ["E"], "org": "ssc", "name": "E", "kommunkod": "0180"},
                                geometry=[Point(*xy[0])], crs="EPSG:3006")

    def sites(nodes, **extra):
        return gpd.GeoDataFrame({"site_id": [f"s{n}" for n in nodes], **extra},
                                geometry=[Point(*xy[n]) for n in nodes], crs="EPSG:3006")

    return graph, demand, existing, sites


def test_plan_effect_counts_unreachable_residents_as_beyond():
    graph, demand, existing, sites = _effect_world()
    effect = plan_effect(existing, {"island": sites([3]), "both": sites([3, 2], org=["af", "af"], name=["x", "y"])},
                         demand=demand, graph=graph, threshold_km=25.0)
    assert effect.index.tolist() == ["existing", "island", "both"]
    assert effect["added"].tolist() == [0, 1, 2]
    # existing: point 2 is 30 km away and point 3 unreachable: 11 + 13 beyond 25 km, of 36;
    # means over the reachable residents only: (5*0 + 7*10 + 11*30) / 23
    assert effect["pop_over_25km"].tolist() == [24.0, 11.0, 0.0]
    assert effect["share_over_25km"].tolist() == pytest.approx([24 / 36, 11 / 36, 0.0], abs=1e-12)
    assert effect["dist_mean_km"].tolist() == pytest.approx([400 / 23, 400 / 36, 70 / 36], abs=1e-9)
    assert effect["time_mean_min"].tolist() == pytest.approx([400 / 23, 400 / 36, 70 / 36], abs=1e-9)
    assert effect.attrs["narvaro"]["method"] == "road"


def test_plan_effect_single_set_and_threshold_edge():
    graph, demand, existing, sites = _effect_world()
    # a single GeoDataFrame is the set "added"; 30 km is not beyond a 30 km threshold
    effect = plan_effect(existing, sites([3]), demand=demand, graph=graph, threshold_km=30.0)
    assert effect.index.tolist() == ["existing", "added"]
    assert effect["pop_over_30km"].tolist() == [13.0, 0.0]
    assert effect["share_over_30km"].tolist() == pytest.approx([13 / 36, 0.0], abs=1e-12)
    # 10 km is beyond a 9.999 km threshold; an empty set changes nothing
    effect = plan_effect(existing, {"none": sites([])}, demand=demand, graph=graph, threshold_km=9.999)
    assert effect["pop_over_9.999km"].tolist() == [31.0, 31.0] and effect["added"].tolist() == [0, 0]
    with pytest.raises(PlanError, match="no existing"):
        plan_effect(existing.iloc[:0], sites([3]), demand=demand, graph=graph)


# --- the heuristic path for mean plans: interchange and the Lagrangian bound, by hand --------------

#: savings of four demand rows (rows) from three sites A, B, C (columns): greedy takes A first
#: (10 against 9 and 9) and then B or C (14); the optimum of two sites is {B, C} (5 + 5 + 4 + 4)
_SAV = np.array([[5.0, 5.0, 0.0], [5.0, 0.0, 5.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0]])


def _f(sav: np.ndarray, chosen) -> float:
    return float(np.maximum(0.0, sav[:, list(chosen)].max(axis=1)).sum()) if len(chosen) else 0.0


def test_interchange_swaps_the_greedy_pick_for_the_optimum():
    assert sorted(plan_mod._interchange(_SAV, [0, 1])) == [1, 2]
    assert sorted(plan_mod._interchange(_SAV, [0, 2])) == [1, 2]
    assert plan_mod._interchange(_SAV, [1, 2]) == [1, 2]  # already optimal: unchanged
    assert plan_mod._interchange(_SAV, []) == [] and plan_mod._interchange(_SAV, [0, 1, 2]) == [0, 1, 2]


def test_lagrange_bound_is_tight_here_and_valid_on_random_instances():
    # at the optimum each row's share (5, 5, 4, 4) leaves no site any saving: the bound is 18
    assert plan_mod._lagrange_bound(_SAV, 2, [1, 2]) == pytest.approx(18.0)
    assert plan_mod._lagrange_bound(_SAV, 2, [0, 1]) == pytest.approx(18.0)
    assert plan_mod._lagrange_bound(_SAV, 1, [0]) == pytest.approx(10.0)
    assert plan_mod._lagrange_bound(_SAV, 3, [0, 1, 2]) == pytest.approx(18.0)  # every site: the row maxima
    rng = np.random.default_rng(11)
    for _ in range(25):
        sav = np.where(rng.random((12, 6)) < 0.4, rng.uniform(0, 10, (12, 6)), 0.0)
        for k in (1, 2, 3):
            best = max(_f(sav, c) for c in itertools.combinations(range(6), k))
            greedy = [int(np.argmax(sav.sum(axis=0)))]
            bound = plan_mod._lagrange_bound(sav, k, plan_mod._fill(greedy, k, 6))
            assert best - 1e-9 <= bound <= float(sav.max(axis=1).sum()) + 1e-9
            chosen = plan_mod._interchange(sav, plan_mod._fill(greedy, k, 6))
            assert len(set(chosen)) == k and _f(sav, chosen) <= best + 1e-9


def test_certain_offices_are_the_fixed_and_those_in_every_draw():
    existing = _offices([(0.0, 0.0)])
    drawn = _offices([(10.0, 0.0), (20.0, 0.0), (30.0, 0.0)], prefix="P")
    mask = np.array([[True, True, False], [True, False, True], [True, True, True]])
    sets = plan_mod._office_sets(existing, SimpleNamespace(offices=drawn, mask=mask), "ssc")
    assert sets.certain()["office_id"].tolist() == ["E0", "P0"]
    sets = plan_mod._office_sets(None, SimpleNamespace(offices=drawn, mask=mask), "ssc")
    assert sets.certain()["office_id"].tolist() == ["P0"] and sets.certain().crs.to_epsg() == 3006
    none_certain = plan_mod._office_sets(None, SimpleNamespace(offices=drawn.iloc[1:], mask=mask[:2, 1:]), "ssc")
    assert none_certain.certain().empty and list(none_certain.certain().columns) == list(drawn.columns)
    # an office list of another group: no drawn office of this one, only the fixed
    other = plan_mod._office_sets(existing, SimpleNamespace(offices=drawn.assign(org="af"), mask=mask), "ssc")
    assert other.certain()["office_id"].tolist() == ["E0"]


def test_plot_plan_curve_draws_the_curve_its_gap_and_the_optimum(tmp_path):
    from narvaro.analysis.plan import plot_plan_curve

    rng = np.random.default_rng(8)
    demand, cands = _demand(rng, n=80, spread_km=200), _candidates(rng, m=12, spread_km=200)
    existing = _offices([(0.0, 0.0)])
    curve = plan_curve(existing, 4, demand=demand, objective="coverage", candidates=cands)
    col = "pop_over_25km"
    assert curve.columns[1] == col and (curve["gap"] > 0).any()
    path = tmp_path / "sub" / "curve.png"
    fig = plot_plan_curve(curve, path, optimum=(2, 1234.0))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    plan_line, star = ax.lines
    assert np.array_equal(plan_line.get_xdata(), curve["k"].to_numpy())
    assert np.allclose(plan_line.get_ydata(), curve[col].to_numpy() / 1e3)
    assert plan_line.get_label() == "plan (greedy)" and plan_line.get_marker() == "o"
    assert list(star.get_xdata()) == [2] and list(star.get_ydata()) == [1.234] and star.get_marker() == "*"
    # the band between the curve and the bound, in thousands of residents
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(curve["best_possible"].min() / 1e3)
    assert band[:, 1].max() == pytest.approx(curve[col].max() / 1e3)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "plan (greedy)", "gap to the best possible (bound)", "optimal for 2 (CBC)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("offices added", "residents (thousands)")
    assert ax.get_title() == "Residents beyond 25 km against the number of added offices"
    assert fig.texts[0].get_text().split("\n")[0] in narvaro.describe(curve).replace("\n", " ")
    # the mean objective: its own axis label and title; a given title and axes are used
    mean = plan_curve(existing, 2, demand=demand, objective="mean", candidates=cands, solve="optimal")
    from matplotlib.figure import Figure

    ax2 = Figure().subplots()
    fig2 = plot_plan_curve(mean, ax=ax2)
    assert fig2 is ax2.figure and ax2.get_title() == "Population-weighted mean distance against the number of added offices"
    assert ax2.get_ylabel() == mean.columns[1].replace("_", " ") and len(ax2.lines) == 1
    assert np.allclose(ax2.lines[0].get_ydata(), mean[mean.columns[1]].to_numpy())
    assert plot_plan_curve(mean, title="T").axes[0].get_title() == "T"


def _described(**info) -> str:
    from narvaro.analysis.plan import describe_plan
    from narvaro.provenance import set_provenance

    frame = pd.DataFrame({"site_id": ["s1"]})
    set_provenance(frame, method="estimate", network="straight line", plan=info)
    return describe_plan(frame)


_INFO = dict(k=2, group="ssc", objective="coverage", candidates=12, seconds=1.25, office_set="the list",
             threshold=25.0, unit="km", value_before=12345.6, value_after=2345.4)


def test_describe_plan_lines_for_each_solver_outcome():
    lines = _described(**_INFO, status="optimal").split("\n")
    assert lines[:3] == [
        "Plan: 2 new SSC servicekontor (coverage, 12 candidate sites), proven optimal (CBC), 1.2 s.",
        "Assumed office set: the list.",
        "Residents beyond 25 km: 12,346 -> 2,345.",
    ]
    assert _described(**{**_INFO, "k": 0}, status="optimal").startswith("Plan: 0 new SSC servicekontor (coverage, "
                                                                         "12 candidate sites), nothing to solve")
    one = _described(**{**_INFO, "k": 1, "group": "any"}, status="optimal")
    assert one.startswith("Plan: 1 new AF office or SSC servicekontor (coverage")
    greedy = _described(**_INFO, status="greedy", gap=1234.5).split("\n")[0]
    assert greedy.endswith("(coverage, 12 candidate sites), greedy; at most 1,234 from the optimum, 1.2 s.")
    heuristic = _described(**_INFO, status="heuristic", gap=0.0).split("\n")[0]
    assert "greedy + interchange (too large for CBC in time); at most 0 from the optimum" in heuristic
    limit = _described(**_INFO, status="time limit", gap=99.5).split("\n")[0]
    assert "CBC stopped at its time limit; at most 100 from the optimum" in limit
    mean = _described(**{**_INFO, "objective": "mean", "metric": "time", "unit": "min", "group": "af"},
                      status="optimal", unreachable=1234.4).split("\n")
    assert mean[0].startswith("Plan: 2 new AF offices (mean, 12 candidate sites)")
    assert _described(**{**_INFO, "group": "?"}, status="optimal").startswith("Plan: 2 new offices (coverage")
    assert mean[2] == "Population-weighted mean time (min): 12345.60 -> 2345.40."
    assert mean[3] == "1,234 residents reach no office or site on the graph (left out)."
    assert _described(**{**_INFO, "objective": "mean", "metric": "distance"}, status="optimal").split("\n")[2] == (
        "Population-weighted mean distance (km): 12345.60 -> 2345.40.")
    assert "straight line" in mean[-1]


# --- candidate sites: given ones completed, default ones restricted and deduplicated -------------

STOCKHOLM, UPPSALA = (674_000.0, 6_580_800.0), (647_500.0, 6_638_500.0)  # EPSG:3006, kommun 0180 / 0380


def test_given_candidates_are_completed_from_the_kommun_layers():
    demand = gpd.GeoDataFrame({"population": [10.0, 20.0], "kommunkod": ["0180", "0380"]},
                              geometry=[Point(*STOCKHOLM), Point(*UPPSALA)], crs="EPSG:3006")
    existing = gpd.GeoDataFrame({"office_id": ["E"], "org": "ssc", "name": "E", "kommunkod": "0180"},
                                geometry=[Point(*STOCKHOLM)], crs="EPSG:3006")
    bare = gpd.GeoDataFrame(geometry=[Point(*UPPSALA), Point(STOCKHOLM[0] + 100, STOCKHOLM[1])], crs="EPSG:3006")
    result = plan_offices(existing, 2, demand=demand, candidates=bare.to_crs(4326), objective="mean")
    got = result.sort_values("site_id")[["site_id", "name", "kind", "kommunkod", "kommunnamn"]]
    assert got.values.tolist() == [["s0", "s0", "given", "0380", "Uppsala"], ["s1", "s1", "given", "0180", "Stockholm"]]
    by_office_id = bare.assign(office_id=["u", "s"], name=["Uppsala C", "Sthlm"], kind="station",
                               kommunkod=["0380", "0180"], kommunnamn=["U", "S"])
    result = plan_offices(existing, 1, demand=demand, candidates=by_office_id, objective="mean")
    assert result[["site_id", "name", "kind", "kommunkod", "kommunnamn"]].values.tolist() == [
        ["u", "Uppsala C", "station", "0380", "U"]]
    with pytest.raises(PlanError, match="not unique: s$"):
        plan_offices(existing, 1, demand=demand, candidates=bare.assign(site_id=["s", "s"]))
    with pytest.raises(PlanError, match="GeoDataFrame of points, not DataFrame"):
        plan_offices(existing, 1, demand=demand, candidates=pd.DataFrame({"x": [1]}))
    with pytest.raises(PlanError, match="no candidate sites"):
        plan_offices(existing, 1, demand=demand, candidates=bare.iloc[:0])


def test_default_candidates_restricted_deduplicated_and_named():
    sites = plan_mod.default_candidates(None, group="ssc", kommuner=["0180", "0380"])
    assert set(sites["kommunkod"]) == {"0180", "0380"}
    assert set(sites.loc[sites["kommunkod"] == "0380", "kommunnamn"]) == {"Uppsala"}
    central = sites[sites["kind"] == "centralort"]
    assert sorted(central["site_id"]) == ["c-0180", "c-0380"]
    assert sites.loc[sites["kind"] == "tatort", "site_id"].str.startswith("t-").all()
    # a tätort on its centralort is the same site, which takes the tätort's population
    assert central["population"].notna().all() and (central["population"] >= 100_000).all()
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert d[np.triu_indices(len(xy), 1)].min() >= 500.0
    only_central = plan_mod.default_candidates(None, group="ssc", kommuner=["0380"], min_population=10**7)
    assert only_central["site_id"].tolist() == ["c-0380"]
    fewer = plan_mod.default_candidates(None, group="ssc", kommuner=["0380"], min_population=5_000)
    assert 1 < len(fewer) < len(sites[sites["kommunkod"] == "0380"])
    assert (fewer.loc[fewer["kind"] == "tatort", "population"] >= 5_000).all()


def _mean_world(points: list[str], roads: list[tuple[str, str, float]]):
    """Office E, sites A, B, C and the given demand points (1 resident each) on a line; one-way
    roads (from, to, km) at 60 km/h; every point also 100 km from E."""
    graph, at = line_world(points, roads)
    demand = at(*points, population=[1.0] * len(points), kommunkod="0180")
    existing = at("E", office_id=["E"], org="ssc", name="E", kommunkod="0180")
    sites = at("A", "B", "C", site_id=["A", "B", "C"], kommunkod="0180", kommunnamn="Stockholm")
    return graph, demand, existing, sites


def test_mean_plan_counts_rows_that_only_one_site_helps():
    """Site A alone helps p1, p2 (40 km: savings 60 + 60); sites B and C both help p3, p4 (45 and
    50 km: B saves 55 + 55, C 50 + 50). One site: A (120 > 110); two: A and B. Mean distance
    after: (40+40+100+100)/4 and (40+40+45+45)/4."""
    graph, demand, existing, sites = _mean_world(["p1", "p2", "p3", "p4"], [
        ("p1", "A", 40.0), ("p2", "A", 40.0), ("p3", "B", 45.0), ("p4", "B", 45.0), ("p3", "C", 50.0), ("p4", "C", 50.0)])
    for k, chosen, after in ((1, ["A"], 70.0), (2, ["A", "B"], 42.5)):
        result = plan_offices(existing, k, demand=demand, candidates=sites, graph=graph, objective="mean")
        info = result.attrs["narvaro"]["plan"]
        assert sorted(result["site_id"]) == chosen and info["status"] == "optimal"
        assert info["value_before"] == pytest.approx(100.0) and info["value_after"] == pytest.approx(after)


def test_mean_plan_beats_the_greedy_trap_with_single_site_rows():
    """The instance of ``_SAV`` as roads: r0 is 95 km from A and B, r1 95 km from A and C, r2 96 km
    from B only, r3 96 km from C only. Greedy takes A (10 km of savings) and ends at 14; the
    optimum {B, C} saves 18, half of it on rows one site helps."""
    graph, demand, existing, sites = _mean_world(["r0", "r1", "r2", "r3"], [
        ("r0", "A", 95.0), ("r0", "B", 95.0), ("r1", "A", 95.0), ("r1", "C", 95.0), ("r2", "B", 96.0), ("r3", "C", 96.0)])
    result = plan_offices(existing, 2, demand=demand, candidates=sites, graph=graph, objective="mean")
    info = result.attrs["narvaro"]["plan"]
    assert sorted(result["site_id"]) == ["B", "C"] and info["status"] == "optimal"
    assert info["size"]["rows"] == 2 and info["size"]["assignments"] == 4  # r0 and r1 have two sites each
    assert info["value_after"] == pytest.approx((95 + 95 + 96 + 96) / 4)


def test_plan_effect_provenance_group_far_sites_and_crs():
    graph, demand, existing, sites = _effect_world()
    demand.attrs["narvaro"] = {"population": "SCB test population"}
    existing.attrs["narvaro"] = {"offices": [{"name": "ssc_test", "label": "SSC test list"}]}
    effect = plan_effect(existing, sites([3]), demand=demand, graph=graph)
    prov = effect.attrs["narvaro"]
    assert prov["network"] == graph.describe() and prov["population"] == "SCB test population"
    assert prov["offices"] == [{"name": "ssc_test", "label": "SSC test list"}]
    with pytest.raises(PlanError, match="no existing AF office"):
        plan_effect(existing, sites([3]), demand=demand, graph=graph, group="af")
    # a site 20 km off the graph still counts, with its access leg (20 km at the access speed)
    far = gpd.GeoDataFrame({"site_id": ["far"]}, geometry=[Point(X0 + 80e3, Y0 + 20e3)], crs="EPSG:3006")
    effect = plan_effect(existing, far, demand=demand, graph=graph, threshold_km=25.0)
    assert effect.loc["added", "pop_over_25km"] == 11.0  # point 3 reaches it 20 km away
    assert effect.loc["added", "dist_mean_km"] == pytest.approx((70 + 330 + 13 * 20) / 36)
    with pytest.raises(narvaro.errors.CRSError, match="sites of 'added'"):
        plan_effect(existing, sites([3]).set_crs(None, allow_override=True), demand=demand, graph=graph)
