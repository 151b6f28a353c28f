"""The parts of the ranges by hand (src/narvaro/analysis/bounds.py): the candidates collected and
their input errors, the office status per kommun and its notes, the facts build_info keeps
(relevant points, beyond, cover, base), the provenance labels, and the value of knowing an
unknown kommun from uneven draws."""

from __future__ import annotations

from dataclasses import dataclass

import _star as star
import _synthetic as syn
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from narvaro.analysis import coverage
from narvaro.analysis.bounds import bounds_info, collect_candidates, status_labels, unknowns
from narvaro.errors import CoverageInputError
from narvaro.settings import ErrorSources

#: The office draws alone: these tests check the draws' mechanics exactly.
OFFICES_ONLY = ErrorSources.only("offices")

LONE_NOTE = "af_t: 1 unknown kommuner have no candidate office and are treated as without an office in the ranges"


@dataclass
class Draws:
    offices: gpd.GeoDataFrame
    mask: np.ndarray


def _candidate(office_id: str, name: str, kommunkod: str, x_km: float) -> dict:
    return {"office_id": office_id, "org": "af", "name": name, "kommunkod": kommunkod, "network": "af_t",
            "basis": "candidate", "geometry": Point(syn.X0 + x_km * 1e3, syn.Y0 + 25e3)}


def _with_candidates(*rows: dict) -> gpd.GeoDataFrame:
    """The synthetic list with AF's C1 (Cby) of unknown status and further AF candidates."""
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"
    if not rows:
        return off
    extra = gpd.GeoDataFrame(list(rows), geometry="geometry", crs="EPSG:3006")
    return pd.concat([off, extra], ignore_index=True)


# --- collect_candidates ---------------------------------------------------------------------------
def test_candidates_repeating_a_known_office_id_are_refused_row_by_row():
    off = syn.offices()
    none = np.zeros(len(off), dtype=bool)
    given = gpd.GeoDataFrame([_candidate("X9", "Candidate Bby", "0002", 75.0), _candidate("C1", "Again", "0003", 140.0),
                              _candidate("A1", "Again", "0001", 10.0)], geometry="geometry", crs="EPSG:3006",
                             index=[5, 7, 9])
    with pytest.raises(CoverageInputError, match=r"^candidate office ids repeat known office ids \(2 row\(s\)\)\n"
                       r"  row 7 \(C1\): duplicate office_id\n  row 9 \(A1\): duplicate office_id$") as err:
        collect_candidates(off, none, given)
    assert err.value.problems.to_dict("records") == [{"row": 7, "id": "C1", "problem": "duplicate office_id"},
                                                     {"row": 9, "id": "A1", "problem": "duplicate office_id"}]
    # a candidate row of the list itself may carry its own id; a given candidate may not repeat a known one
    hidden = _with_candidates()
    mask = (hidden["basis"] == "candidate").to_numpy()
    assert collect_candidates(hidden, mask, None)["office_id"].tolist() == ["C1"]
    with pytest.raises(CoverageInputError, match=r"^candidate office ids repeat known office ids \(1 row\(s\)\)"):
        coverage(hidden, syn.demand(), syn.kommuner(), bounds=True, candidates=given.iloc[[2]])


def test_candidates_of_another_org_are_refused_row_by_row():
    # an "any" (or misspelt) org would open a group of its own in coverage(); each row is named
    off = syn.offices()
    none = np.zeros(len(off), dtype=bool)
    rows = [_candidate("X9", "Candidate Bby", "0002", 75.0), _candidate("X8", "Both", "0003", 140.0),
            _candidate("X7", "Typo", "0001", 10.0)]
    rows[1]["org"], rows[2]["org"] = "any", "AF"
    given = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:3006")
    with pytest.raises(CoverageInputError, match=r"^candidate offices with an org other than 'af' or 'ssc' "
                       r"\(2 row\(s\)\)\n  row 1 \(X8\): org 'any'\n  row 2 \(X7\): org 'AF'$"):
        collect_candidates(off, none, given)
    with pytest.raises(CoverageInputError, match=r"^candidate offices with an org other than 'af' or 'ssc'"):
        coverage(syn.offices(), syn.demand(), syn.kommuner(), bounds=True, candidates=given)


def test_candidates_lacking_columns_are_listed_as_column_problems():
    off = syn.offices()
    given = gpd.GeoDataFrame([_candidate("X9", "Candidate Bby", "0002", 75.0)], geometry="geometry", crs="EPSG:3006")
    with pytest.raises(CoverageInputError, match=r"^candidate offices lack columns \(2 row\(s\)\)\n"
                       r"  row columns \(office_id\): missing\n  row columns \(org\): missing$") as err:
        collect_candidates(off, np.zeros(len(off), dtype=bool), given.drop(columns=["office_id", "org"]))
    assert err.value.problems.to_dict("records") == [{"row": "columns", "id": "office_id", "problem": "missing"},
                                                     {"row": "columns", "id": "org", "problem": "missing"}]


def test_candidates_of_two_networks_are_numbered_through():
    """Without candidate rows the status rules' candidates of both networks are stacked and
    numbered 0..n-1: a repeated id is reported at its row in the stacked table."""
    from narvaro.offices import candidate_offices, load_offices

    off = load_offices("af_2020+ssc_2020")
    n_af, n_ssc = len(candidate_offices("af_2020")), len(candidate_offices("ssc_2020"))
    assert n_af > 0 and n_ssc > 0
    none = np.zeros(len(off), dtype=bool)
    got = collect_candidates(off, none, None)
    assert got.index.equals(pd.RangeIndex(n_af + n_ssc))
    assert got["network"].tolist() == ["af_2020"] * n_af + ["ssc_2020"] * n_ssc
    first_ssc = got["office_id"].iloc[n_af]
    clash = pd.concat([off, off.iloc[[0]].assign(office_id=first_ssc)], ignore_index=True)
    with pytest.raises(CoverageInputError, match=r"^candidate office ids repeat known office ids") as err:
        collect_candidates(clash, np.zeros(len(clash), dtype=bool), None)
    assert err.value.problems.to_dict("records") == [{"row": n_af, "id": first_ssc, "problem": "duplicate office_id"}]


# --- _status_for, through coverage(status=...) ---------------------------------------------------
def test_status_given_in_another_order_with_more_kommuner():
    """AF's given status lists a fourth kommun and the three in reverse order: it is read by
    kommunkod. Bby is "unknown" without a candidate (a note; treated as without an office), Cby
    "none" but has the candidate C1 (unknown), Aby "none" but has A1 (confirmed). SSC has no status
    rules: "none" except where it has an office."""
    status = {"af_t": pd.Series(["confirmed", "none", "unknown", "none"], index=["9999", "0003", "0002", "0001"])}
    cov = coverage(_with_candidates(), syn.demand(), syn.kommuner(), bounds=True, status=status)
    info = bounds_info(cov)
    assert info.status["af_t"].to_dict() == {"0001": "confirmed", "0002": "unknown", "0003": "unknown"}
    assert info.status["ssc_t"].to_dict() == {"0001": "none", "0002": "confirmed", "0003": "none"}
    assert info.notes == [LONE_NOTE]
    assert cov["af_status"].tolist() == ["confirmed", "unknown", "unknown"]
    assert cov["ssc_status"].tolist() == ["none", "confirmed", "none"]
    # only Cby has a candidate: the one facility
    assert info.facilities[["network", "kommunkod"]].to_dict("records") == [{"network": "af_t", "kommunkod": "0003"}]
    # a status frame works as well; without the lone unknown kommun there is no note
    frame = pd.DataFrame({"kommunkod": ["0001", "0002", "0003"], "status": ["confirmed", "none", "unknown"]})
    info = bounds_info(coverage(_with_candidates(), syn.demand(), syn.kommuner(), bounds=True, status={"af_t": frame}))
    assert info.status["af_t"].tolist() == ["confirmed", "none", "unknown"]
    assert info.notes == []


# --- build_info -----------------------------------------------------------------------------------
def test_candidate_names_are_joined_per_kommun():
    off = _with_candidates(_candidate("B1", "Candidate Bby", "0002", 75.0),
                           _candidate("B2", "Candidate Bby west", "0002", 55.0))
    cov = coverage(off, syn.demand(), syn.kommuner(), bounds=True, thresholds=((50.0,), (60.0,)))
    fac = bounds_info(cov).facilities
    assert fac[["kommunkod", "candidates", "n_candidates"]].to_dict("records") == [
        {"kommunkod": "0002", "candidates": "Candidate Bby; Candidate Bby west", "n_candidates": 2},
        {"kommunkod": "0003", "candidates": "AF Cby", "n_candidates": 1}]
    assert fac["fixed"].tolist() == [False, False]
    unk = unknowns(cov, by="50km")
    assert unk["candidates"].tolist() == ["Candidate Bby; Candidate Bby west", "AF Cby"]


# Road star (tests/_star.py), AF only: F confirmed in K1; candidates C2 (K2) and C3 (K3).
# Roads (km, min):        to F          to a candidate
#   p1 (K1, 10)           5, 5          -
#   p2 (K2, 20)           20, 40        C2: 20, 10     beyond 30 min only (slow road)
#   p3 (K2, 30)           40, 30        C2: 30, 20     beyond 25 km only
#   p4 (K3, 40)           25, 30        -              exactly at both thresholds: within
#   p5 (K3, 50)           -             C3: 10, 10     unreachable with F
#   p6 (K3, 60)           60, 60        C3: 100, 100   beyond everything
# Thresholds 25 km and 30 min. Relevant (beyond a smallest threshold or unreachable): p2, p3, p5, p6.
def _road_star():
    return star.country(
        [{"office_id": "F", "kommunkod": "0001", "x_km": 0.0},
         {"office_id": "C2", "kommunkod": "0002", "x_km": 75.0, "basis": "candidate"},
         {"office_id": "C3", "kommunkod": "0003", "x_km": 125.0, "basis": "candidate"}],
        [{"id": "p1", "kommunkod": "0001", "x_km": 10.0, "population": 10},
         {"id": "p2", "kommunkod": "0002", "x_km": 60.0, "population": 20},
         {"id": "p3", "kommunkod": "0002", "x_km": 90.0, "population": 30},
         {"id": "p4", "kommunkod": "0003", "x_km": 110.0, "population": 40},
         {"id": "p5", "kommunkod": "0003", "x_km": 130.0, "population": 50},
         {"id": "p6", "kommunkod": "0003", "x_km": 140.0, "population": 60}],
        [("p1", "F", 5.0), ("p2", "F", 20.0, 40.0), ("p2", "C2", 20.0, 10.0), ("p3", "F", 40.0, 30.0),
         ("p3", "C2", 30.0, 20.0), ("p4", "F", 25.0, 30.0), ("p5", "C3", 10.0), ("p6", "F", 60.0),
         ("p6", "C3", 100.0)],
        3)


def test_build_info_keeps_the_relevant_points_by_hand():
    off, dem, kom, graph = _road_star()
    cov = coverage(off, dem, kom, graph=graph, bounds=True, thresholds=((25.0,), (30.0,)))
    info = bounds_info(cov)
    assert (info.km, info.mins, info.labels()) == ((25.0,), (30.0,), ["25km", "30min"])
    assert info.weights.tolist() == [20.0, 30.0, 50.0, 60.0]  # p2, p3, p5, p6
    assert info.beyond[("af", "25km")].tolist() == [False, True, True, True]
    assert info.beyond[("af", "30min")].tolist() == [True, False, True, True]
    assert info.base == {("af", "25km"): 140.0, ("af", "30min"): 130.0}
    assert (info.population, info.kommun_population.tolist()) == (210.0, [10.0, 50.0, 150.0])
    assert info.status["af_t"].tolist() == ["confirmed", "unknown", "unknown"]
    assert info.facilities[["kommunkod", "candidates"]].to_dict("records") == [
        {"kommunkod": "0002", "candidates": "Office C2"}, {"kommunkod": "0003", "candidates": "Office C3"}]
    # points x (C2, C3): p3's 30 km to C2 is beyond 25 km, its 20 min within 30 min
    assert info.cover["25km"].toarray().tolist() == [[True, False], [False, False], [False, True], [False, False]]
    assert info.cover["30min"].toarray().tolist() == [[True, False], [True, False], [False, True], [False, False]]
    unk = unknowns(cov, by="30min")
    assert unk["kommunkod"].tolist() == ["0003", "0002"]
    assert unk["pop_depends_over_25km"].tolist() == [50.0, 0.0]  # p5; p2 is within, p3 not covered
    assert unk["pop_depends_over_30min"].tolist() == [50.0, 20.0]  # p5; p2 (p3 is within already)


def test_build_info_with_distance_thresholds_only():
    off, dem, kom, graph = _road_star()
    cov = coverage(off, dem, kom, graph=graph, bounds=True, thresholds=((25.0,), ()))
    info = bounds_info(cov)
    assert info.weights.tolist() == [30.0, 50.0, 60.0]  # p3, p5, p6: p2's slow road no longer counts
    assert info.cover["25km"].toarray().tolist() == [[False, False], [False, True], [False, False]]
    assert list(info.cover) == ["25km"]
    unk = unknowns(cov)
    assert unk[["kommunkod", "pop_depends_over_25km"]].to_dict("records") == [
        {"kommunkod": "0003", "pop_depends_over_25km": 50.0}, {"kommunkod": "0002", "pop_depends_over_25km": 0.0}]


def test_cover_without_relevant_points_is_an_empty_boolean_matrix():
    """Everybody is within 500 km and 600 min of the confirmed offices: no relevant point, one
    facility (C1), and nobody's answer depends on it."""
    cov = coverage(_with_candidates(), syn.demand(), syn.kommuner(), bounds=True, thresholds=((500.0,), (600.0,)))
    info = bounds_info(cov)
    assert len(info.weights) == 0 and len(info.facilities) == 1
    for lab in ("500km", "600min"):
        assert info.cover[lab].shape == (0, 1) and info.cover[lab].dtype == bool
    unk = unknowns(cov)
    assert unk[["kommunkod", "pop_depends_over_500km", "pop_depends_over_600min"]].to_dict("records") == [
        {"kommunkod": "0003", "pop_depends_over_500km": 0.0, "pop_depends_over_600min": 0.0}]


# --- status_labels --------------------------------------------------------------------------------
def test_status_labels_by_hand():
    cov = coverage(_with_candidates(), syn.demand(), syn.kommuner(), bounds=True)
    info = bounds_info(cov)  # af_t: confirmed, none, unknown; ssc_t: none, confirmed, none
    given = [{"name": "af_t", "known": 1, "label": "af_t: 1 AF office known"},
             {"name": "elsewhere", "label": "another list"},
             {"name": "ssc_t", "label": "ssc_t: office status known for 3 of 3 kommuner"},
             {"name": "af_t"}]
    got = status_labels(given, info)
    assert got == [
        {"name": "af_t", "known": 1, "status_known": 2,
         "label": "af_t: 1 AF office known; office status known for 2 of 3 kommuner"},
        {"name": "elsewhere", "label": "another list"},
        {"name": "ssc_t", "status_known": 3, "label": "ssc_t: office status known for 3 of 3 kommuner"},
        {"name": "af_t", "status_known": 2, "label": "af_t; office status known for 2 of 3 kommuner"}]
    assert given[0] == {"name": "af_t", "known": 1, "label": "af_t: 1 AF office known"}  # not changed in place
    assert status_labels(got, info) == got  # a label that has it already is kept
    assert status_labels([], info) == [
        {"name": "af_t", "status_known": 2, "label": "af_t: office status known for 2 of 3 kommuner"},
        {"name": "ssc_t", "status_known": 3, "label": "ssc_t: office status known for 3 of 3 kommuner"}]


# --- unknowns and _value_of_knowing with draws ------------------------------------------------------
def test_value_of_knowing_a_kommun_with_its_office_in_one_draw():
    """Two unknown AF kommuner, 4 draws with x2 = 1, 0, 0, 0 and x3 = 0, 1, 0, 1:
    Y = 140 - 100 x2 - 40 x3 = 40, 100, 140, 100 (mean 95, Var 1275). x2 = 1 in one draw only,
    with Y = 40 there: E[Y | x2 = 1] = 40, E[Y | x2 = 0] = 340 / 3. Both together (one question per
    län) explain all of Var(Y); without the län column, one question for AF."""
    off, dem, kom, graph = star.two_unknowns()
    mask = np.array([[1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 1]], dtype=bool)
    cov = coverage(None, dem, kom, graph=graph, draws=Draws(off, mask), sources=OFFICES_ONLY, thresholds=((25.0,), (25.0,)))
    sd = np.sqrt(1275.0)
    explained2 = 0.25 * 0.75 * (40.0 - 340.0 / 3) ** 2
    explained3 = 0.5 * 0.5 * (100.0 - 90.0) ** 2
    unk = unknowns(cov)
    assert unk["kommunkod"].tolist() == ["0002", "0003"]
    np.testing.assert_allclose(unk["p_office"], [0.25, 0.5])
    np.testing.assert_allclose(unk["narrows_interval_by"], [3.29 * (sd - np.sqrt(1275 - explained2)),
                                                            3.29 * (sd - np.sqrt(1275 - explained3))])
    assert unk["question"].tolist() == ["AF offices in Test län"] * 2
    np.testing.assert_allclose(unk["question_narrows_interval_by"], [3.29 * sd] * 2)
    no_lan = unknowns(cov.drop(columns=["lansnamn"]))
    assert no_lan["question"].tolist() == ["AF offices"] * 2
    np.testing.assert_allclose(no_lan["narrows_interval_by"], unk["narrows_interval_by"])
