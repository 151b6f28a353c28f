"""Tests for the parts of narvaro.analysis.plan that tests/test_plan.py does not pin.

Small hand-made instances with exact expected values: the solver's outcomes on a maximal
covering programme with an integrality gap and on a greedy trap, the instance's unreachable
residents, the gain matrix at the threshold, the result's columns and provenance, the optimal
curve, the plot's label and footnote, and the office set ``assumed_offices`` keeps.
"""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _line import X0, Y0, line_world
from shapely.geometry import Point

import narvaro
from narvaro.analysis import plan as plan_mod
from narvaro.analysis.plan import PlanError, assumed_offices, plan_curve, plan_offices, plot_plan_curve

#: The greedy trap as roads: r0 (5 residents) is 10 km from sites A and B, r1 (5) 10 km from A
#: and C, r2 (4) from B only, r3 (4) from C only; every point is 100 km from the office E.
#: Within 25 km, greedy takes A (10) and then B (4); the best two sites are B and C (all 18).
TRAP = [("r0", "A", 10.0), ("r0", "B", 10.0), ("r1", "A", 10.0), ("r1", "C", 10.0), ("r2", "B", 10.0),
        ("r3", "C", 10.0)]


def _world(speed_kmh: float = 60.0, stranded: float = 0.0):
    """The trap on a road graph (one-way roads at ``speed_kmh``); E and A, B in kommun 0180, C in 0380.
    ``stranded``: residents of a point r4 100 km from E and from no site."""
    points, weights = ["r0", "r1", "r2", "r3"], [5.0, 5.0, 4.0, 4.0]
    if stranded:
        points, weights = [*points, "r4"], [*weights, stranded]
    graph, at = line_world(points, TRAP, speed_kmh)
    demand = at(*points, population=weights, kommunkod="0180")
    existing = at("E", office_id=["E"], org="ssc", name="E office", kommunkod="0180")
    sites = at("A", "B", "C", site_id=["A", "B", "C"], name=["Site A", "Site B", "Site C"],
               kommunkod=["0180", "0180", "0380"], kommunnamn=["Stockholm", "Stockholm", "Uppsala"])
    return graph, demand, existing, sites


def _inst(cost, base, weight, threshold: float = 25.0) -> plan_mod._Instance:
    """An instance of one row per demand point (no draws)."""
    base, weight = np.asarray(base, dtype=float), np.asarray(weight, dtype=float)
    return plan_mod._Instance(np.arange(len(base)), weight, base, np.asarray(cost, dtype=float), threshold,
                              float(weight.sum()), 0.0)


def _covering(rows: list[set[int]], m: int, base: float = 100.0) -> np.ndarray:
    """Cost matrix: 10 km from each row to the sites that cover it, unreachable from the others."""
    return np.array([[10.0 if j in r else np.inf for j in range(m)] for r in rows])


# --- the solver on hand-made instances -------------------------------------------------------------

def test_cbc_proves_the_optimum_despite_an_integrality_gap():
    """Six rows, one per pair of four sites, one resident each; two sites cover 5 rows, the LP
    relaxation (every x = 1/2) all 6, and so does greedy's submodular bound (3 + 3). CBC's
    integer answer (5) is optimal: no gap."""
    rows = [set(p) for p in itertools.combinations(range(4), 2)]
    inst = _inst(_covering(rows, 4), [100.0] * 6, [1.0] * 6)
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 10.0)
    assert len(sol.chosen) == 2 and sol.gain == 5.0
    assert sol.status == "optimal" and sol.bound == 5.0
    assert sol.size == {"sites": 4, "rows": 6}
    # the relaxation, asked for itself, is the fractional 6
    assert plan_mod._solve_cbc(inst, 2, "coverage", [], 10.0, relax=True)[1:3] == (pytest.approx(6.0), "relaxation")


def test_cbc_escapes_the_greedy_trap_and_ignores_rows_at_the_threshold():
    """The trap plus 100 residents exactly 25 km from E (not beyond 25 km) whom A would bring to
    10 km: they count for nothing, so the optimum stays {B, C} with all 18 residents."""
    cost = np.vstack([_covering([{0, 1}, {0, 2}, {1}, {2}], 3), [[10.0, np.inf, np.inf]]])
    inst = _inst(cost, [100.0, 100.0, 100.0, 100.0, 25.0], [5.0, 5.0, 4.0, 4.0, 100.0])
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 10.0)
    assert sorted(sol.chosen) == [1, 2] and sol.gain == 18.0
    assert sol.status == "optimal" and sol.bound == 18.0
    greedy = plan_mod._solve(inst, 2, "coverage", "greedy", 10.0)
    assert greedy.chosen == [0, 1] and greedy.gain == 14.0 and greedy.status == "greedy"
    # greedy's bound: after A (10), B and C could add 4 each: 18, below the 10 + 9 of the first step
    assert greedy.bound == 18.0


def test_as_many_helpful_sites_as_k_need_no_programme():
    """Two sites help (k = 2): both are chosen, proven optimal, and no programme is built."""
    inst = _inst(_covering([{0}, {1}, set()], 3), [100.0, 100.0, 100.0], [3.0, 4.0, 5.0])
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 10.0)
    assert sorted(sol.chosen) == [0, 1] and sol.gain == 7.0
    assert sol.status == "optimal" and sol.bound == 7.0 and sol.size == {}


def _cbc_stopped_at_its_time_limit(monkeypatch) -> list:
    """CBC answers greedy's start as "time limit"; the relaxation runs for real (and is logged)."""
    real, calls = plan_mod._solve_cbc, []

    def fake(inst, k, objective, greedy, time_limit_s, relax=False):
        if not relax:
            return list(greedy), 0.0, "time limit", {"sites": inst.cost.shape[1]}
        calls.append((objective, time_limit_s))
        return real(inst, k, objective, greedy, time_limit_s, relax=True)

    monkeypatch.setattr(plan_mod, "_solve_cbc", fake)
    return calls


def test_a_stopped_programme_is_bounded_by_the_relaxation_or_greedy(monkeypatch):
    """A covers r0 (2 residents) as B does; C and D cover one resident each. Greedy (A, C) gets 3,
    the optimum; its bound is 2 + 1 + 1 = 4, the LP relaxation's 3: proven optimal after all."""
    calls = _cbc_stopped_at_its_time_limit(monkeypatch)
    inst = _inst(_covering([{0, 1}, {2}, {3}], 4), [100.0] * 3, [2.0, 1.0, 1.0])
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 10.0)
    assert sol.chosen == [0, 2] and sol.gain == 3.0 and sol.status == "optimal" and sol.bound == 3.0
    assert calls == [("coverage", 2.5)]  # a quarter of the time limit
    # the pairs of four sites: greedy's 5 against the relaxation's (and greedy's bound) 6
    rows = [set(p) for p in itertools.combinations(range(4), 2)]
    inst = _inst(_covering(rows, 4), [100.0] * 6, [1.0] * 6)
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 2.0)
    assert sol.gain == 5.0 and sol.status == "time limit" and sol.bound == pytest.approx(6.0)
    assert calls[-1] == ("coverage", 1.0)  # at least a second


def test_the_time_limit_reaches_cbc(monkeypatch):
    import pulp

    seen = []

    class Spy(pulp.PULP_CBC_CMD):
        def __init__(self, **kwargs):
            seen.append((kwargs["timeLimit"], kwargs["warmStart"]))
            super().__init__(**kwargs)

    monkeypatch.setattr(pulp, "PULP_CBC_CMD", Spy)
    inst = _inst(_covering([{0, 1}, {0, 2}, {1}, {2}], 3), [100.0] * 4, [5.0, 5.0, 4.0, 4.0])
    chosen, value, status, _ = plan_mod._solve_cbc(inst, 2, "coverage", [0, 1], 7.5)
    assert (sorted(chosen), value, status) == ([1, 2], pytest.approx(18.0), "optimal")
    plan_mod._solve_cbc(inst, 2, "coverage", [], 3.25, relax=True)
    assert seen == [(7.5, True), (3.25, False)]


def test_greedy_stops_when_no_site_is_left():
    mat = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 5.0]])
    chosen, gains, seen = plan_mod._greedy(mat, 3, allowed=np.array([False, True, False]))
    assert chosen == [1] and gains == [3.0]
    assert len(seen) == 1 and seen[0].tolist() == [0.0, 3.0, 0.0]


def test_gain_matrix_counts_a_site_at_exactly_the_threshold():
    """Coverage: a row beyond 25 km is helped by a site at 25.0 km, not by one at 25.001."""
    inst = _inst([[25.0, 25.001], [10.0, 10.0]], [40.0, 25.0], [7.0, 9.0])
    assert plan_mod._matrix(inst, "coverage").tolist() == [[7.0, 0.0]]


def test_total_gain_of_the_mean_objective_is_the_weighted_saving():
    """Mean: 2 residents go from 10 to 4 km; 3 residents 20 km away gain nothing from a site 25 km away."""
    inst = _inst([[4.0], [25.0]], [10.0, 20.0], [2.0, 3.0])
    assert plan_mod._total_gain(inst, [0], "mean") == 12.0
    assert plan_mod._total_gain(inst, [], "mean") == 0.0


def test_instance_leaves_out_only_residents_reaching_neither_an_office_nor_a_site():
    """Point 0 reaches nothing (2 residents), point 1 only a site (3), point 2 only an office (5)."""
    bases = np.array([[np.inf, np.inf, 10.0]])
    cost = np.array([[np.inf], [5.0], [np.inf]])
    inst = plan_mod._instance(bases, np.array([2.0, 3.0, 5.0]), cost, 25.0)
    assert inst.unreachable == 2.0 and inst.total == 8.0
    assert inst.point.tolist() == [1, 2] and inst.weight.tolist() == [3.0, 5.0]


def test_office_in_kommun_share_of_fixed_and_drawn_offices():
    fixed = gpd.GeoDataFrame({"kommunkod": ["0180"]}, geometry=[Point(X0, Y0)], crs="EPSG:3006")
    drawn = gpd.GeoDataFrame({"kommunkod": ["0380", "0180"]}, geometry=[Point(X0, Y0)] * 2, crs="EPSG:3006")
    sets = plan_mod._OfficeSets(fixed, drawn, np.array([[True, False], [False, True], [False, False], [True, True]]))
    share = sets.in_kommun_share(np.array(["0180", "0380", "0114"], dtype=object))
    assert share.tolist() == [1.0, 0.5, 0.0]
    assert plan_mod._OfficeSets(fixed).in_kommun_share(np.array(["0180", "0380"], dtype=object)).tolist() == [1.0, 0.0]


# --- plan_offices and plan_curve on the trap as roads --------------------------------------------

def test_plan_result_columns_values_and_provenance(monkeypatch):
    graph, demand, existing, sites = _world()
    demand.attrs["narvaro"] = {"population": "test population"}
    clock = itertools.count(100.0, 1.23456)  # a fake clock: every reading 1.23456 s after the last
    monkeypatch.setattr(plan_mod, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    result = plan_offices(existing, 2, demand=demand, candidates=sites, graph=graph, solve="greedy")
    assert list(result.columns) == ["rank", "site_id", "name", "kind", "kommunkod", "kommunnamn", "geometry",
                                    "gain_pop_within_25km", "pop_over_25km", "already_within",
                                    "office_in_kommun", "method"]
    assert result["site_id"].tolist() == ["A", "B"] and result["gain_pop_within_25km"].tolist() == [10.0, 4.0]
    assert result["pop_over_25km"].tolist() == [8.0, 4.0]
    assert result["office_in_kommun"].tolist() == [1.0, 1.0] and result["already_within"].tolist() == [0.0, 0.0]
    info = result.attrs["narvaro"]["plan"]
    assert (info["objective"], info["metric"], info["threshold"], info["unit"]) == ("coverage", "distance", 25.0, "km")
    assert info["group"] == "ssc" and info["office_set"] == "the existing list as given (an office list passed in: 1 office as given)"
    assert (info["status"], info["seconds"]) == ("greedy", 1.23)
    assert result.attrs["narvaro"]["population"] == "test population"
    assert info["k"] == 2 and info["candidates"] == 3 and info["draws"] == 0
    assert result.attrs["narvaro"]["offices"] == [{"name": "custom", "label": "an office list passed in: 1 office as given"}]
    assert plan_mod.describe_plan(result).split("\n")[0] == (
        "Plan: 2 new SSC servicekontor (coverage, 3 candidate sites), greedy; at most 4 from the optimum, 1.2 s.")
    best = plan_offices(existing, 2, demand=demand, candidates=sites, graph=graph)
    assert best["site_id"].tolist() == ["B", "C"] and best["office_in_kommun"].tolist() == [1.0, 0.0]
    assert best["pop_over_25km"].tolist() == [9.0, 0.0] and best.attrs["narvaro"]["plan"]["status"] == "optimal"


def test_time_threshold_plans_on_travel_times():
    """At 30 km/h every point is 200 min from E and 20 min from its sites."""
    graph, demand, existing, sites = _world(speed_kmh=30.0)
    result = plan_offices(existing, 1, demand=demand, candidates=sites, graph=graph, objective="mean",
                          threshold_min=50.0)
    info = result.attrs["narvaro"]["plan"]
    assert (info["metric"], info["unit"], info["value_column"]) == ("time", "min", "time_mean_min")
    assert info["value_before"] == pytest.approx(200.0)
    # A saves 180 min for 10 of the 18 residents
    assert result["site_id"].tolist() == ["A"] and info["value_after"] == pytest.approx(200.0 - 180.0 * 10 / 18)
    assert result["gain_mean_time_min"].tolist() == pytest.approx([100.0])
    assert "mean time (min): 200.00 -> 100.00" in plan_mod.describe_plan(result)
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, objective="mean", threshold_min=50.0)
    assert curve.columns[1] == "time_mean_min"
    # A (10 residents save 180 min), then B or C (4 more save 180: 8 left at 200 min)
    assert curve["time_mean_min"].tolist() == pytest.approx([200.0, 100.0, 20.0 + 180.0 * 4 / 18])


def test_optimal_curve_values_sites_and_provenance():
    graph, demand, existing, sites = _world()
    existing.attrs["narvaro"] = {"offices": [{"name": "ssc_test", "label": "SSC test list"}]}
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, solve="optimal")
    assert curve["pop_over_25km"].tolist() == [18.0, 8.0, 0.0]
    assert curve["gain"].tolist() == [0.0, 10.0, 8.0] and curve["gap"].tolist() == [0.0, 0.0, 0.0]
    assert curve["status"].tolist() == ["optimal"] * 3
    assert curve[["site_id", "name", "kommunnamn"]].to_numpy().tolist() == [["", "", ""]] * 3
    prov = curve.attrs["narvaro"]
    assert prov["offices"] == [{"name": "ssc_test", "label": "SSC test list"}]
    assert prov["network"] == graph.describe() and prov["method"] == "road"
    info = prov["plan"]
    assert info["office_set"] == "the existing list as given (SSC test list)"
    assert (info["candidates"], info["solve"], info["population"]) == (3, "optimal", 18.0)
    assert (info["objective"], info["threshold"], info["group"]) == ("coverage", 25.0, "ssc")
    # within 5 km no site helps anyone
    short = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, threshold_km=5.0)
    assert list(short.columns[:2]) == ["k", "pop_over_5km"] and short["pop_over_5km"].tolist() == [18.0] * 3
    greedy = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph)
    assert greedy["pop_over_25km"].tolist() == [18.0, 8.0, 4.0] and greedy["site_id"].tolist() == ["", "A", "B"]
    assert greedy["kommunnamn"].tolist() == ["", "Stockholm", "Stockholm"]


def test_plot_labels_the_solver_and_keeps_the_footnote_below_the_axes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    graph, demand, existing, sites = _world()
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, solve="optimal")
    fig = plot_plan_curve(curve)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["plan (optimal)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["plan (optimal)"]
    renderer = FigureCanvasAgg(fig).get_renderer()
    height = fig.bbox.height
    note = fig.texts[0]
    x, y = note.get_position()
    assert 0 <= x < 0.05 and 0 <= y < 0.05  # bottom left, inside the figure
    assert note.get_text().split("\n")[0] in narvaro.describe(curve).replace("\n", " ")
    # the axes, tick labels and x label included, leave the bottom 6 % to the footnote
    box = ax.get_tightbbox(renderer)
    assert box.y0 / height >= 0.06 - 1e-6
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width  # inside the figure
    # a table without its provenance: the value is the second column, the plan greedy's
    bare = curve.copy()
    bare.attrs = {}
    assert [line.get_label() for line in plot_plan_curve(bare).axes[0].lines] == ["plan (greedy)"]


# --- candidates and the office set assumed -------------------------------------------------------

def test_default_candidate_centralort_is_named():
    only_central = plan_mod.default_candidates(None, group="ssc", kommuner=["0380"], min_population=10**7)
    assert only_central[["site_id", "name", "kind", "kommunnamn"]].values.tolist() == [
        ["c-0380", "Uppsala", "centralort", "Uppsala"]]


def _note_count(offices, pattern: str) -> int:
    last = offices.attrs["narvaro"]["offices"][-1]
    return int(re.search(pattern, last["label"]).group(1))


def test_assumed_offices_candidates_keeps_every_candidate_and_counts_them():
    confirmed = assumed_offices("ssc_2020", "confirmed")
    candidates = assumed_offices("ssc_2020", "candidates")
    n_cand = int((candidates["basis"] == "candidate").sum())
    assert n_cand > 0 and len(candidates) == len(confirmed) + n_cand
    assert _note_count(candidates, r"plus (\d+) candidate offices") == n_cand
    assert candidates.attrs["narvaro"]["offices"][-1]["name"] == "plan assumption candidates"
    assert candidates.attrs["narvaro"]["scenario"] == "ssc_2020"
    assert (confirmed["basis"] == "confirmed").all() and confirmed.crs.to_epsg() == 3006
    assert confirmed.attrs["narvaro"]["offices"][-1] == {
        "name": "plan assumption confirmed",
        "label": "planned on the listed offices only; kommuner of unknown status count as without an office"}


def test_assumed_offices_known_of_a_combination_deduces_per_network():
    """"af_2020+ssc_2020" is no network of its own: each part's deduced kommuner are added."""
    deduced = {}
    for scenario in ("af_2020", "ssc_2020", "af_2020+ssc_2020"):
        known = assumed_offices(scenario, "known")
        kept = known[known["basis"] == "candidate"]
        assert _note_count(known, r"plus (\d+) kommuner whose office is deduced") == len(kept)
        assert known.attrs["narvaro"]["offices"][-1]["name"] == "plan assumption known"
        deduced[scenario] = set(zip(kept["org"], kept["kommunkod"], strict=True))
    # 11 since issue 22 item 7 (Vimmerby 0884 and Haninge 0136 stated before and after Dec 2020)
    assert len(deduced["ssc_2020"]) == 11 and {org for org, _ in deduced["af_2020"]} == {"af"}
    # an AF candidate is not kept where only the SSC servicekontor is deduced (0127), nor the reverse
    assert deduced["af_2020+ssc_2020"] == deduced["af_2020"] | deduced["ssc_2020"]
    assert ("ssc", "0127") in deduced["ssc_2020"] and ("af", "0127") not in deduced["af_2020+ssc_2020"]


def test_a_candidate_off_the_graph_keeps_its_access_leg():
    """A site 20 km north of r3's node: r3 reaches it over its access leg (20 km), within 25 km."""
    graph, demand, existing, _ = _world()
    r3 = demand.geometry.iloc[3]
    far = gpd.GeoDataFrame({"site_id": ["far"]}, geometry=[Point(r3.x, r3.y + 20e3)], crs="EPSG:3006").assign(
        kommunkod="0180", kommunnamn="Stockholm")
    result = plan_offices(existing, 1, demand=demand, candidates=far, graph=graph)
    assert result["site_id"].tolist() == ["far"] and result["gain_pop_within_25km"].tolist() == [4.0]
    assert result.attrs["narvaro"]["plan"]["value_after"] == 14.0


def test_office_set_label_from_the_provenance_names():
    graph, demand, existing, sites = _world()
    existing.attrs["narvaro"] = {"offices": [{"name": "ssc_x"}, {"name": "extra", "label": "Extra offices"}]}
    result = plan_offices(existing, 1, demand=demand, candidates=sites, graph=graph)
    assert result.attrs["narvaro"]["plan"]["office_set"] == "the existing list as given (ssc_x; Extra offices)"


def test_bad_input_messages():
    graph, demand, existing, sites = _world()
    kw = dict(demand=demand, candidates=sites, graph=graph)
    with pytest.raises(PlanError, match=r"^k must be a whole number of offices to add, not 1\.5$"):
        plan_offices(existing, 1.5, **kw)
    with pytest.raises(PlanError, match="^k_max must be a whole number of offices to add, not True$"):
        plan_curve(existing, True, **kw)
    with pytest.raises(PlanError, match="^give threshold_km or threshold_min, not both$"):
        plan_offices(existing, 1, threshold_km=25.0, threshold_min=30.0, **kw)
    with pytest.raises(PlanError, match=r"^the office list lacks an 'org' column \(af or ssc\)$"):
        plan_offices(existing.drop(columns="org"), 1, **kw)
    with pytest.raises(PlanError, match=r"^draws must have \.offices \(a GeoDataFrame\) and \.mask"):
        plan_offices(None, 1, draws=SimpleNamespace(offices=existing), **kw)


def test_greedy_curve_states_its_gap_against_the_bound():
    """With 100 residents no site helps (118 beyond 25 km before), greedy's two sites leave 104
    and the bound says 100 might: status "greedy", gap 4 (small against 100, but not zero)."""
    graph, demand, existing, sites = _world(stranded=100.0)
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph)
    assert curve["pop_over_25km"].tolist() == [118.0, 108.0, 104.0]
    assert curve["best_possible"].tolist() == [118.0, 108.0, 100.0] and curve["gap"].tolist() == [0.0, 0.0, 4.0]
    assert curve["status"].tolist() == ["optimal", "optimal", "greedy"]


def test_group_from_the_offices_org():
    graph, demand, existing, sites = _world()
    af = plan_offices(existing.assign(org="af"), 1, demand=demand, candidates=sites, graph=graph)
    assert af.attrs["narvaro"]["plan"]["group"] == "af"
    assert plan_mod.describe_plan(af).startswith("Plan: 1 new AF office (coverage")
    both = gpd.GeoDataFrame(pd.concat([existing, existing.assign(org="af", office_id="F")], ignore_index=True),
                            crs="EPSG:3006")
    anyone = plan_offices(both, 1, demand=demand, candidates=sites, graph=graph)
    assert anyone.attrs["narvaro"]["plan"]["group"] == "any"
    with pytest.raises(PlanError, match="^no existing SSC servicekontor to keep"):
        plan_offices(existing.assign(org="af"), 1, demand=demand, candidates=sites, graph=graph, group="ssc")
    with pytest.raises(PlanError, match="^no existing AF office or SSC servicekontor to keep"):
        plan_offices(None, 1, demand=demand, candidates=sites, graph=graph)
    with pytest.raises(PlanError, match="^k=4 is more than the 3 candidate sites$"):
        plan_offices(existing, 4, demand=demand, candidates=sites, graph=graph)


def test_a_draw_without_any_office():
    graph, demand, existing, sites = _world()
    ok = plan_offices(None, 1, demand=demand, candidates=sites, graph=graph,
                      draws=SimpleNamespace(offices=existing, mask=np.array([[True], [True]])))
    assert ok.attrs["narvaro"]["plan"]["office_set"].startswith("2 joint draws of the office list")
    assert ok.attrs["narvaro"]["plan"]["value_before"] == 18.0
    # offices with or without an org column (then all of them count)
    for offices in (existing, existing.drop(columns="org")):
        with pytest.raises(PlanError, match="^a draw has no office at all and no existing offices were passed$"):
            plan_offices(None, 1, demand=demand, candidates=sites, graph=graph, group="ssc",
                         draws=SimpleNamespace(offices=offices, mask=np.array([[True], [False]])))


def test_mean_plans_beyond_max_assignments_skip_cbc(monkeypatch):
    """The trap with mean savings: greedy + interchange finds {B, C}, the Lagrangian bound proves it."""
    def no_cbc(*args, **kwargs):
        raise AssertionError("CBC called")

    monkeypatch.setattr(plan_mod, "MAX_ASSIGNMENTS", 0)
    monkeypatch.setattr(plan_mod, "_solve_cbc", no_cbc)
    inst = _inst(_covering([{0, 1}, {0, 2}, {1}, {2}], 3), [100.0] * 4, [5.0, 5.0, 4.0, 4.0])
    sol = plan_mod._solve(inst, 2, "mean", "optimal", 10.0)
    assert sorted(sol.chosen) == [1, 2] and sol.gain == 18.0 * 90.0
    assert sol.status == "optimal" and sol.bound == pytest.approx(18.0 * 90.0)
    assert sol.size == {"sites": 3, "rows": 4, "assignments": 4}


def test_no_helpful_site_fills_k_in_candidate_order():
    inst = _inst([[np.inf, 30.0, 40.0]], [20.0], [9.0])
    sol = plan_mod._solve(inst, 2, "coverage", "optimal", 10.0)
    assert (sol.chosen, sol.gain, sol.status, sol.bound) == ([0, 1], 0.0, "optimal", 0.0)


def test_relaxation_keeps_every_site_between_0_and_1():
    """r0 is covered by A, B and C, r1 by A only, r2 by B only; one site covers 2 of them, and so
    does the relaxation (x_A = x_B = 1/2). Were x_C allowed below 0, A and B could both be 1: 3."""
    inst = _inst(_covering([{0, 1, 2}, {0}, {1}], 3), [100.0] * 3, [1.0] * 3)
    assert plan_mod._solve_cbc(inst, 1, "coverage", [], 10.0, relax=True)[1] == pytest.approx(2.0)


def test_assumed_offices_keep_the_lists_provenance():
    from narvaro.offices.load import load_offices

    listed = load_offices("ssc_2020", include_candidates=False).attrs["narvaro"]["offices"]
    for assume in ("confirmed", "candidates"):
        prov = assumed_offices("ssc_2020", assume).attrs["narvaro"]["offices"]
        # the candidates' own line is replaced by the assumption's
        assert prov[:-1] == listed and prov[-1]["name"] == f"plan assumption {assume}"


def test_default_candidate_tatorter_are_named():
    fewer = plan_mod.default_candidates(None, group="ssc", kommuner=["0380"], min_population=5_000)
    assert fewer[["site_id", "name", "kind"]].values.tolist() == [
        ["c-0380", "Uppsala", "centralort"], ["t-0380TB121", "Storvreta", "tatort"], ["t-0380TB122", "Sävja", "tatort"]]


def test_describe_plan_without_gap_seconds_or_unit():
    from narvaro.provenance import set_provenance

    frame = pd.DataFrame({"site_id": ["s1"]})
    set_provenance(frame, method="estimate", plan=dict(k=2, group="ssc", objective="coverage", candidates=3,
                                                       office_set="the list", threshold=25.0, value_before=10.0,
                                                       value_after=4.0, status="greedy"))
    lines = plan_mod.describe_plan(frame).split("\n")
    assert lines[0] == "Plan: 2 new SSC servicekontor (coverage, 3 candidate sites), greedy; at most 0 from the optimum, 0.0 s."
    assert lines[2] == "Residents beyond 25 : 10 -> 4."
    frame.attrs["narvaro"]["plan"]["status"] = "time limit"
    assert "CBC stopped at its time limit; at most 0 from the optimum, 0.0 s." in plan_mod.describe_plan(frame)


def test_instance_merges_equal_distances_across_draws_to_the_metre():
    """Point 0 is 25.3 km from an office in both draws (one row), point 1 10 or 30.0004 km (two
    rows, half its residents each); distances are kept to the metre."""
    bases = np.array([[25.3, 10.0], [25.3, 30.0004]])
    inst = plan_mod._instance(bases, np.array([6.0, 8.0]), np.array([[5.0], [5.0]]), 25.0)
    assert inst.point.tolist() == [0, 1, 1]
    assert inst.base.tolist() == [25.3, 10.0, 30.0]
    assert inst.weight.tolist() == [6.0, 4.0, 4.0] and inst.total == 14.0 and inst.unreachable == 0.0


def test_assumed_offices_of_the_end_2020_af_network():
    """"af_2020+af_2020_changes" has rules of its own (af_2020's): the same three kommuner deduced
    (Borås, 1490, since issue 22 item 7: a 2019 office absent from The Local's closure list)."""
    known = assumed_offices("af_2020+af_2020_changes", "known")
    kept = known[known["basis"] == "candidate"]
    assert kept[["org", "kommunkod"]].values.tolist() == [["af", "0181"], ["af", "0980"], ["af", "1490"]]
    assert _note_count(known, r"plus (\d+) kommuner whose office is deduced") == 3


def test_office_label_of_a_list_without_provenance_counts_its_offices():
    _graph, _demand, existing, _sites = _world()
    one = existing.iloc[:1].copy()
    one.attrs = {}
    assert plan_mod._office_label(one)[0] == "an office list passed in: 1 office as given"
    two = pd.concat([one, one.assign(office_id="E2")], ignore_index=True)
    two["network"] = "ssc_2020"
    label, prov = plan_mod._office_label(two)
    assert label.endswith(": 2 offices as given") and prov == [{"name": "ssc_2020", "label": label}]
    assert plan_mod._office_label(None) == ("", [])


# --- pinned by hand (issue 24: mutants that the tests above accepted) -------------------------------

def test_residents_exactly_at_the_threshold_are_not_beyond_it():
    """Every point is exactly 100 km from E: within 100 km nobody is beyond, for any k (as coverage())."""
    graph, demand, existing, sites = _world()
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, threshold_km=100.0)
    assert curve["pop_over_100km"].tolist() == [0.0, 0.0, 0.0]
    assert curve["best_possible"].tolist() == [0.0, 0.0, 0.0] and curve["status"].tolist() == ["optimal"] * 3
    plan = plan_offices(existing, 1, demand=demand, candidates=sites, graph=graph, threshold_km=100.0)
    assert plan.attrs["narvaro"]["plan"]["value_before"] == 0.0
    inst = _inst(_covering([{0}, {1}], 2), [25.0, 25.0 + 1e-9], [3.0, 7.0])
    assert plan_mod._value(inst, inst.base, "coverage") == 7.0


def test_mean_curve_best_possible_gap_and_status_by_hand():
    """The trap with the mean objective: before, all 18 residents at 100 km (mean 100). Greedy k=1
    takes A: (10*10 + 8*100) / 18 = 50, the optimum (bound 50). k=2 adds B: (14*10 + 4*100) / 18 = 30,
    while {B, C} brings all to 10: the submodular bound is 10 (gains 900 + 720 over 18 residents
    = 90 below 100), so gap 20 and status greedy."""
    graph, demand, existing, sites = _world()
    curve = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, objective="mean")
    assert curve["dist_mean_km"].to_numpy() == pytest.approx([100.0, 50.0, 30.0])
    assert curve["best_possible"].to_numpy() == pytest.approx([100.0, 50.0, 10.0])
    assert curve["gap"].to_numpy() == pytest.approx([0.0, 0.0, 20.0])
    assert curve["status"].tolist() == ["optimal", "optimal", "greedy"]
    assert curve["gain"].to_numpy() == pytest.approx([0.0, 50.0, 20.0])
    best = plan_curve(existing, 2, demand=demand, candidates=sites, graph=graph, objective="mean", solve="optimal")
    assert best["dist_mean_km"].to_numpy() == pytest.approx([100.0, 50.0, 10.0])
    assert best["best_possible"].to_numpy() == pytest.approx([100.0, 50.0, 10.0])
    assert best["gap"].to_numpy() == pytest.approx([0.0, 0.0, 0.0]) and best["status"].tolist() == ["optimal"] * 3
    plan = plan_offices(existing, 2, demand=demand, candidates=sites, graph=graph, objective="mean")
    # the optimum {B, C}, in order: B brings r0 and r2 (9 residents) 90 km closer, then C the other 9
    assert plan["site_id"].tolist() == ["B", "C"]
    assert plan["gain_mean_dist_km"].to_numpy() == pytest.approx([45.0, 45.0])
    assert plan["dist_mean_km"].to_numpy() == pytest.approx([55.0, 10.0])
    assert plan.attrs["narvaro"]["plan"]["gap"] == pytest.approx(0.0)
