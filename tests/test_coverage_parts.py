"""Parts of coverage() pinned by hand on the synthetic country (tests/_synthetic.py).

Input errors by their whole text (every offending row, with its row label, id and problem), the
kommuner frame's CRS, the kommun's nearest office when two offices tie, the provenance attrs, the
type of the office counts, and the edge cases of "no resident can reach": a country counted in
tens of thousands of residents (under one resident in all) and a country without residents.
"""

from __future__ import annotations

import re

import _synthetic as syn
import numpy as np
import pandas as pd
import pytest

from narvaro.analysis import coverage, national
from narvaro.errors import CoverageInputError, UnknownKommunError
from narvaro.network.graph import RoadGraph
from narvaro.provenance import set_provenance


def exact(text: str) -> str:
    """A ``match`` pattern for the whole error text, nothing before or after."""
    return "^" + re.escape(text) + r"\Z"


def one_way_graph() -> RoadGraph:
    """Roads leading only away from A1's node (x = 10 km): no demand point can drive to A1."""
    xs = (10.0, 10.5, 33.0, 33.5)
    return RoadGraph.from_edges(np.arange(4), [syn.X0 + x * 1e3 for x in xs], [syn.Y0 + 25e3] * 4,
                                [0, 2], [1, 3], [500.0, 500.0], [30.0, 30.0])


# --- input errors, whole text -------------------------------------------------------------------
def test_kommuner_missing_columns_named_row_by_row():
    with pytest.raises(CoverageInputError, match=exact(
            "the kommuner frame lacks columns (2 row(s))\n"
            "  row columns (kommunnamn): missing column\n"
            "  row columns (population): missing column")):
        coverage(syn.offices(), syn.demand(), syn.kommuner().drop(columns=["kommunnamn", "population"]))


def test_demand_in_unknown_kommuner_counted_per_kommunkod():
    dem = syn.demand()
    extra = dem.iloc[[0, 1, 2]].assign(kommunkod=["9999", "0999", "9999"])
    with pytest.raises(UnknownKommunError, match=exact(
            "demand points in kommuner that are not in the kommuner frame (2 row(s))\n"
            "  row demand (9999): 2 demand point(s) with this kommunkod\n"
            "  row demand (0999): 1 demand point(s) with this kommunkod")) as err:
        coverage(syn.offices(), pd.concat([dem, extra], ignore_index=True), syn.kommuner())
    assert err.value.problems.to_dict("list") == {
        "row": ["demand", "demand"], "id": ["9999", "0999"],
        "problem": ["2 demand point(s) with this kommunkod", "1 demand point(s) with this kommunkod"]}


def test_kommuner_without_demand_points_named_row_by_row():
    dem = syn.demand()
    with pytest.raises(CoverageInputError, match=exact(
            "the demand points do not cover every kommun (no kommun may be silently missing) (2 row(s))\n"
            "  row 0 (0001): no demand point in this kommun\n"
            "  row 2 (0003): no demand point in this kommun")):
        coverage(syn.offices(), dem[dem["kommunkod"] == "0002"], syn.kommuner())


def test_group_with_candidates_but_no_known_office():
    off = syn.offices()
    off.loc[2, "basis"] = "candidate"  # S1, the only SSC office, becomes a candidate
    with pytest.raises(CoverageInputError, match=exact(
            "group 'ssc': the office list has candidates but no known office of org ssc (1 row(s))\n"
            "  row offices (ssc): no known office")):
        coverage(off, syn.demand(), syn.kommuner(), bounds=True)


def test_no_reachable_demand_names_the_group():
    with pytest.raises(CoverageInputError, match=exact(
            "group 'af': no resident can reach any of its offices on the road network (1 row(s))\n"
            "  row offices (af): no reachable demand")):
        coverage(syn.offices().iloc[[0]], syn.demand(), syn.kommuner(), graph=one_way_graph())


# --- "no resident can reach" only when there are residents ----------------------------------------
def test_population_in_tens_of_thousands():
    """The same country counted in units of 10,000 residents (0.135 in all, every one reachable):
    no error, the same distances, populations divided by 10,000, the same shares."""
    dem = syn.demand()
    dem["population"] = dem["population"] / 1e4
    kom = syn.kommuner()
    small = coverage(syn.offices(), dem, kom)
    full = coverage(syn.offices(), syn.demand(), kom)
    assert small["af_dist_mean_km"].tolist() == pytest.approx(full["af_dist_mean_km"].tolist(), rel=1e-12)
    assert small["af_pop_over_25km"].tolist() == pytest.approx([0.03, 0.045, 0.05], rel=1e-12)
    assert small["af_share_over_25km"].tolist() == pytest.approx([300 / 400, 1.0, 1.0], rel=1e-12)
    assert national(small)["population"] == pytest.approx(0.135, rel=1e-12)


def test_country_without_residents_and_no_reachable_point():
    """Nobody lives there, so nobody failing to reach A1 is no error: the table has every kommun,
    nobody beyond any threshold, no nearest office (missing, in text columns)."""
    dem = syn.demand()
    dem["population"] = 0.0
    cov = coverage(syn.offices().iloc[[0]], dem, syn.kommuner(), graph=one_way_graph())
    assert cov["kommunkod"].tolist() == ["0001", "0002", "0003"]
    assert cov["af_pop_over_25km"].tolist() == [0.0, 0.0, 0.0]
    assert cov["af_pop_unreachable"].tolist() == [0.0, 0.0, 0.0]
    assert cov["af_dist_mean_km"].isna().all()
    for col in ("af_nearest_office", "af_nearest_office_id", "af_nearest_office_kommun"):
        assert cov[col].dtype == object, col
        assert cov[col].isna().all(), col
    assert cov["af_n_offices"].tolist() == [1, 0, 0]


# --- the kommuner frame's CRS ---------------------------------------------------------------------
def test_kommuner_in_lon_lat_are_reprojected():
    kom = syn.kommuner()
    cov = coverage(syn.offices(), syn.demand(), kom.to_crs("EPSG:4326"))
    assert cov.crs.equals("EPSG:3006")
    np.testing.assert_allclose(cov.geometry.bounds.to_numpy(), kom.geometry.bounds.to_numpy(), atol=1e-3)


def test_kommuner_without_crs_are_taken_as_computed():
    kom = syn.kommuner()
    cov = coverage(syn.offices(), syn.demand(), kom.set_crs(None, allow_override=True))
    assert cov.crs.equals("EPSG:3006")
    np.testing.assert_allclose(cov.geometry.bounds.to_numpy(), kom.geometry.bounds.to_numpy())
    assert cov["af_dist_max_km"].tolist() == pytest.approx([28.06, 61.61, 42.7], rel=1e-9)


# --- office columns -------------------------------------------------------------------------------
def test_office_counts_are_integers():
    cov = coverage(syn.offices(), syn.demand(), syn.kommuner())
    for col, counts in (("af_n_offices", [1, 0, 1]), ("ssc_n_offices", [0, 1, 0]), ("any_n_offices", [1, 1, 1])):
        assert cov[col].dtype == np.int64, col
        assert cov[col].tolist() == counts, col


def test_nearest_office_tie_goes_to_the_lower_office_id():
    """Bby's two points hold 200 residents each, one nearest (for AF) to the office in Aby, one to
    the office in Cby: a tie, broken by office id. The office ids run against the x order so the
    lower id is the one met second."""
    off = syn.offices()
    off["office_id"] = ["K2", "K1", "S1"]  # AF Aby, AF Cby, SK Bby
    dem = syn.demand()
    dem.loc[3, "population"] = 200.0  # b2 (nearest C1 = K1), as many as b1 (nearest A1 = K2)
    cov = coverage(off, dem, syn.kommuner())
    assert cov["af_nearest_office_id"].tolist() == ["K2", "K1", "K1"]
    assert cov["af_nearest_office"].tolist() == ["AF Aby", "AF Cby", "AF Cby"]
    assert cov["af_nearest_office_kommun"].tolist() == ["Aby", "Cby", "Cby"]
    # "any": b1 nearest S1, b2 nearest S1 (36.6 km) rather than K1 (61.0 km): no tie
    assert cov["any_nearest_office_id"].tolist() == ["K2", "S1", "K1"]


# --- provenance -----------------------------------------------------------------------------------
def test_provenance_of_a_list_without_its_own():
    cov = coverage(syn.offices(), syn.demand(), syn.kommuner())
    prov = cov.attrs["narvaro"]
    assert prov["offices"] == [{"name": "af_t+ssc_t", "known": 3,
                                "label": "af_t+ssc_t: 2 AF offices known, 1 SSC offices known"}]
    assert prov["groups"] == ["af", "ssc", "any"]
    assert prov["scenario"] == "af_t+ssc_t"
    assert prov["bounds"] is False
    assert "kommuner" not in prov


def test_provenance_passed_on_from_the_inputs():
    listed = [{"name": "af_t", "known": 2, "label": "AF test list, 2 offices"}]
    off = set_provenance(syn.offices().iloc[[0, 1]], offices=listed)
    kom = set_provenance(syn.kommuner(), kommuner="Test kommuner 2024")
    cov = coverage(off, syn.demand(), kom)
    prov = cov.attrs["narvaro"]
    assert prov["offices"] == listed
    assert prov["kommuner"] == "Test kommuner 2024"
    assert prov["groups"] == ["af"]
