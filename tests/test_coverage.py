"""Coverage per kommun: hand-computed values on a synthetic country, bad input, real data."""

from __future__ import annotations

import _synthetic as syn
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narvaro.analysis import coverage, national
from narvaro.analysis.metrics import parse_thresholds, weighted_quantile
from narvaro.analysis.presence import compare, kommuner_without_presence
from narvaro.errors import CoverageInputError, UnknownKommunError
from narvaro.network.graph import RoadGraph

# Hand computation (estimate mode). Straight-line km -> road km (circuity 1.22 in [20.9, 51.2] km,
# 1.74 below 1 km); minutes = km at 60 km/h.
#   point  kommun pop   AF (nearest)         SSC (S1 at x=60)   any
#   a1     Aby    100   0.5 -> 0.87 (A1)     49.5 -> 60.39      0.87 (A1)
#   a2     Aby    300   23  -> 28.06 (A1)    27   -> 32.94      28.06 (A1)
#   b1     Bby    200   50.5 -> 61.61 (A1)   0.5  -> 0.87       0.87 (S1)
#   b2     Bby    250   50  -> 61.0 (C1)     30   -> 36.6       36.6 (S1)
#   c1     Cby    400   35  -> 42.7 (C1)     45   -> 54.9       42.7 (C1)
#   c2     Cby    100   30  -> 36.6 (C1)     50   -> 61.0       36.6 (C1)
EXPECTED = {
    # group: per kommun (mean, median, p90, max), pop over (10, 25, 50 km), pop over (30, 45, 60 min)
    "af": [
        ((100 * 0.87 + 300 * 28.06) / 400, 28.06, 28.06, 28.06, (300, 300, 0), (0, 0, 0)),
        ((200 * 61.61 + 250 * 61.0) / 450, 61.0, 61.61, 61.61, (450, 450, 450), (450, 450, 450)),
        ((400 * 42.7 + 100 * 36.6) / 500, 42.7, 42.7, 42.7, (500, 500, 0), (500, 0, 0)),
    ],
    "ssc": [
        ((100 * 60.39 + 300 * 32.94) / 400, 32.94, 60.39, 60.39, (400, 400, 100), (400, 100, 100)),
        ((200 * 0.87 + 250 * 36.6) / 450, 36.6, 36.6, 36.6, (250, 250, 0), (250, 0, 0)),
        ((400 * 54.9 + 100 * 61.0) / 500, 54.9, 61.0, 61.0, (500, 500, 500), (500, 500, 100)),
    ],
    "any": [
        ((100 * 0.87 + 300 * 28.06) / 400, 28.06, 28.06, 28.06, (300, 300, 0), (0, 0, 0)),
        ((200 * 0.87 + 250 * 36.6) / 450, 36.6, 36.6, 36.6, (250, 250, 0), (250, 0, 0)),
        ((400 * 42.7 + 100 * 36.6) / 500, 42.7, 42.7, 42.7, (500, 500, 0), (500, 0, 0)),
    ],
}
POPS = [400, 450, 500]


# function scope: mutmut credits a test with the code it runs, and a module fixture runs once
@pytest.fixture
def cov():
    return coverage(syn.offices(), syn.demand(), syn.kommuner())


def test_every_metric_column_hand_computed(cov):
    assert list(cov["kommunkod"]) == ["0001", "0002", "0003"]
    assert cov.crs.equals("EPSG:3006")
    for group, rows in EXPECTED.items():
        for i, (mean, median, p90, mx, over_km, over_min) in enumerate(rows):
            for metric in ("dist", "time"):
                unit = "km" if metric == "dist" else "min"
                got = cov.loc[i, [f"{group}_{metric}_{s}_{unit}" for s in ("mean", "median", "p90", "max")]]
                np.testing.assert_allclose(got.to_numpy(dtype=float), [mean, median, p90, mx], rtol=1e-9)
            for t, pop in zip(("10km", "25km", "50km"), over_km, strict=True):
                assert cov.loc[i, f"{group}_pop_over_{t}"] == pytest.approx(pop)
                assert cov.loc[i, f"{group}_share_over_{t}"] == pytest.approx(pop / POPS[i])
            for t, pop in zip(("30min", "45min", "60min"), over_min, strict=True):
                assert cov.loc[i, f"{group}_pop_over_{t}"] == pytest.approx(pop)
                assert cov.loc[i, f"{group}_share_over_{t}"] == pytest.approx(pop / POPS[i])
            assert cov.loc[i, f"{group}_pop_unreachable"] == 0


def test_office_columns(cov):
    assert cov["af_has_office"].tolist() == [True, False, True]
    assert cov["af_n_offices"].tolist() == [1, 0, 1]
    assert cov["ssc_has_office"].tolist() == [False, True, False]
    assert cov["any_has_office"].tolist() == [True, True, True]
    # Bby: 250 residents nearest to C1 (in Cby), 200 to A1 -> C1
    assert cov["af_nearest_office"].tolist() == ["AF Aby", "AF Cby", "AF Cby"]
    assert cov["af_nearest_office_kommun"].tolist() == ["Aby", "Cby", "Cby"]
    assert cov["af_nearest_office_id"].tolist() == ["A1", "C1", "C1"]
    assert cov["ssc_nearest_office_id"].tolist() == ["S1", "S1", "S1"]
    assert cov["any_nearest_office_id"].tolist() == ["A1", "S1", "C1"]
    assert set(cov["method"]) == {"estimate"}
    assert set(cov["office_lists"]) == {"af_t+ssc_t"}
    prov = cov.attrs["narvaro"]
    assert prov["method"] == "estimate" and prov["thresholds"] == {"km": [10.0, 25.0, 50.0], "min": [30.0, 45.0, 60.0]}


def test_national_figures_from_points(cov):
    nat = national(cov)
    assert nat["population"] == 1350
    af = [(0.87, 100), (28.06, 300), (61.61, 200), (61.0, 250), (42.7, 400), (36.6, 100)]
    assert nat["af_dist_mean_km"] == pytest.approx(sum(d * w for d, w in af) / 1350)
    # sorted: 0.87 (100), 28.06 (400), 36.6 (500), 42.7 (900 -> 0.667 >= 0.5), 61.0 (1150), 61.61 (1350)
    assert nat["af_dist_median_km"] == pytest.approx(42.7)
    assert nat["af_dist_p90_km"] == pytest.approx(61.61)
    assert nat["af_pop_over_25km"] == pytest.approx(1250)
    assert nat["af_share_over_25km"] == pytest.approx(1250 / 1350)
    assert nat["af_has_office"] == 2  # number of kommuner with an AF office


def test_weighted_quantile_definition():
    x, w = np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0])
    assert weighted_quantile(x, w, 0.5) == 2.0  # cum shares 0.25, 0.5, 1.0
    assert weighted_quantile(x, w, 0.51) == 3.0
    assert weighted_quantile(x, w, 0.25) == 1.0
    assert np.isnan(weighted_quantile(np.array([np.nan]), np.array([1.0]), 0.5))


def test_custom_thresholds_make_columns():
    cov = coverage(syn.offices(), syn.demand(), syn.kommuner(), thresholds={"km": (2.5, 40), "min": (61,)})
    assert "af_pop_over_2.5km" in cov and "af_pop_over_40km" in cov and "af_pop_over_61min" in cov
    assert "af_pop_over_25km" not in cov
    assert cov.loc[2, "af_pop_over_40km"] == pytest.approx(400)  # c1 42.7 > 40, c2 36.6 not
    assert cov.loc[1, "af_pop_over_61min"] == pytest.approx(200)  # b1 61.61 > 61, b2 61.0 not


def test_road_graph_mode_and_unreachable_counted():
    # a line road through Aby and Bby (length = 1.5 x straight line, 60 km/h) and a separate road in Cby
    xs = [10.0, 10.5, 33.0, 60.5, 90.0, 105.0, 110.0]
    ids = np.arange(len(xs))
    u = [0, 1, 2, 3, 5]
    v = [1, 2, 3, 4, 6]
    lengths = [abs(xs[b] - xs[a]) * 1500.0 for a, b in zip(u, v, strict=True)]
    times = [m / (60 / 3.6) for m in lengths]
    graph = RoadGraph.from_edges(ids, [syn.X0 + x * 1e3 for x in xs], [syn.Y0 + 25e3] * len(xs),
                                 u + v, v + u, lengths * 2, times * 2, metadata={"source": "hand-built"})
    af = syn.offices().iloc[[0]]  # A1 only
    cov = coverage(af, syn.demand(), syn.kommuner(), graph=graph)
    assert set(cov["method"]) == {"road"}
    # Aby: 0.75 km (100), 34.5 km (300); Bby: 75.75 km (200), 120 km (250); Cby: unreachable
    assert cov.loc[0, "af_dist_mean_km"] == pytest.approx((100 * 0.75 + 300 * 34.5) / 400)
    assert cov.loc[0, "af_time_median_min"] == pytest.approx(34.5)
    assert cov.loc[1, "af_dist_max_km"] == pytest.approx(120.0)
    assert cov.loc[0, "af_pop_over_30min"] == pytest.approx(300)
    assert cov.loc[2, "af_pop_unreachable"] == pytest.approx(500)
    assert np.isnan(cov.loc[2, "af_dist_mean_km"])
    for col in ("af_pop_over_10km", "af_pop_over_50km", "af_pop_over_60min"):
        assert cov.loc[2, col] == pytest.approx(500)  # unreachable residents are beyond every threshold
    assert national(cov)["af_pop_unreachable"] == pytest.approx(500)


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("thresholds", [{"km": (25, 10)}, {"km": (10, 10)}, {"min": (-5, 30)},
                                        {"km": (0, 10)}, ((10, float("nan")), (30,))])
def test_bad_thresholds(thresholds):
    with pytest.raises(CoverageInputError, match="thresholds must be positive and strictly increasing"):
        parse_thresholds(thresholds)


def test_threshold_error_lists_every_bad_value():
    with pytest.raises(CoverageInputError, match="not greater than the previous threshold 10") as err:
        parse_thresholds({"km": (10, 5, 3)})
    assert len(err.value.problems) == 2


def test_empty_office_list():
    with pytest.raises(CoverageInputError, match="empty"):
        coverage(syn.offices().iloc[0:0], syn.demand(), syn.kommuner())


def test_demand_missing_a_kommun_lists_it():
    dem = syn.demand()
    with pytest.raises(CoverageInputError, match="demand points do not cover every kommun") as err:
        coverage(syn.offices(), dem[dem["kommunkod"] != "0002"], syn.kommuner())
    assert err.value.problems["id"].tolist() == ["0002"]


def test_office_with_unknown_kommun():
    off = syn.offices()
    off.loc[1, "kommunkod"] = "9999"
    with pytest.raises(UnknownKommunError, match="unknown kommunkod '9999'") as err:
        coverage(off, syn.demand(), syn.kommuner())
    assert err.value.problems["id"].tolist() == ["C1"]


def test_bad_org_and_only_candidates():
    off = syn.offices()
    off.loc[0, "org"] = "police"
    with pytest.raises(CoverageInputError, match="org"):
        coverage(off, syn.demand(), syn.kommuner())
    off = syn.offices()
    off["basis"] = "candidate"
    with pytest.raises(CoverageInputError, match="only candidate"):
        coverage(off, syn.demand(), syn.kommuner())


def test_no_reachable_demand_is_an_error():
    # one-way roads leading away from the office's node: no resident can drive to it
    xs = (10.0, 10.5, 33.0, 33.5)
    graph = RoadGraph.from_edges(np.arange(4), [syn.X0 + x * 1e3 for x in xs], [syn.Y0 + 25e3] * 4,
                                 [0, 2], [1, 3], [500.0, 500.0], [30.0, 30.0])
    with pytest.raises(CoverageInputError, match="no resident can reach"):
        coverage(syn.offices().iloc[[0]], syn.demand(), syn.kommuner(), graph=graph)


# --- presence and compare on the synthetic country ------------------------------------------
def test_presence_rules_synthetic(cov):
    assert kommuner_without_presence(cov, "no_office_inside")["kommunkod"].tolist() == ["0002"]
    assert kommuner_without_presence(cov, "no_office_inside", group="ssc")["kommunkod"].tolist() == ["0001", "0003"]
    far = kommuner_without_presence(cov, "no_office_and_far", group="ssc", max_time_min=40)
    assert far["kommunkod"].tolist() == ["0003"]  # Aby's mean 39.80 min <= 40, Cby's 56.12 > 40
    assert "56 min > 40 min" in far.loc[0, "reason"]
    assert kommuner_without_presence(cov, "af_definition").empty
    only_af = coverage(syn.offices().iloc[[0, 1]], syn.demand(), syn.kommuner())
    with pytest.raises(CoverageInputError, match="both AF offices and SSC"):
        kommuner_without_presence(only_af, "af_definition")
    with pytest.raises(CoverageInputError, match="unknown presence rule"):
        kommuner_without_presence(cov, "nope")


def test_compare_closure_of_c1(cov):
    after = coverage(syn.offices().drop(index=1), syn.demand(), syn.kommuner())
    cmp = compare(cov, after)
    assert len(cmp) == 4 and cmp["kommunkod"].tolist()[-1] == "SE"
    assert cmp["af_lost_last_office"].tolist()[:3] == [False, False, True]
    assert cmp.loc[3, "af_lost_last_office"] == 1
    # Aby is unaffected; Cby's residents are now 95 and 100 km (straight) from A1
    assert cmp.loc[0, "af_dist_mean_km_delta"] == pytest.approx(0.0)
    assert cmp.loc[2, "af_pop_over_50km_delta"] == pytest.approx(500)
    assert cmp.loc[3, "af_pop_over_50km_delta"] == pytest.approx(500)
    assert cmp.loc[2, "af_dist_mean_km_before"] == pytest.approx(41.48)
    assert cmp.attrs["narvaro"]["scenario_before"] == "af_t+ssc_t"


# --- real data (estimate mode) --------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    from narvaro.data.layers import load_demand_points, load_kommuner
    from narvaro.offices.load import load_offices

    demand, kommuner = load_demand_points(), load_kommuner()
    off = load_offices("af_2020")
    return demand, kommuner, off, coverage(off, demand, kommuner, name="af_2020")


def test_real_data_shape_and_population(real):
    _, _, off, cov = real
    assert len(cov) == 290 and cov["kommunkod"].is_unique
    assert cov["population"].sum() == 10_452_326
    nat = national(cov)
    assert nat["population"] == pytest.approx(10_452_326)
    # residents beyond 25 km of the 40 known AF 2020 offices (Älvsbyn's travel-in office added from
    # pt.se 2020-12-14); the hard upper bound _hi in tests/golden/headline.csv
    assert cov["af_pop_over_25km"].sum() == pytest.approx(7_744_370.838, rel=1e-6)
    assert nat["af_share_over_25km"] == pytest.approx(7_744_370.838 / 10_452_326, rel=1e-6)
    assert (cov["af_share_over_10km"] >= cov["af_share_over_25km"]).all()
    assert set(cov["method"]) == {"estimate"}


def test_real_kommun_with_office_has_presence(real):
    _, _, off, cov = real
    without = set(kommuner_without_presence(cov, "no_office_inside")["kommunkod"])
    with_office = set(off["kommunkod"])
    assert with_office and not (with_office & without)
    assert len(without) == 290 - len(with_office)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_real_adding_offices_never_worsens(real, data):
    from narvaro.offices.status import candidate_offices

    demand, kommuner, off, cov = real
    cands = candidate_offices("af_2020")
    pick = data.draw(st.lists(st.integers(0, len(cands) - 1), min_size=1, max_size=15, unique=True))
    more = pd.concat([off, cands.iloc[pick].assign(basis="confirmed")], ignore_index=True)
    cov2 = coverage(more, demand, kommuner)
    for col in ("af_dist_mean_km", "af_dist_p90_km", "af_time_max_min", "af_pop_over_25km", "af_share_over_60min"):
        assert (cov2[col] <= cov[col] + 1e-9).all(), col
    assert (cov2["af_has_office"] >= cov["af_has_office"]).all()


def test_national_of_a_subset_uses_the_rows(cov):
    sub = cov[cov["kommunkod"] != "0002"]
    nat = national(sub)
    assert nat["population"] == 900
    assert nat["af_pop_over_25km"] == pytest.approx(800)
    assert nat["af_dist_mean_km"] == pytest.approx((400 * 21.2625 + 500 * 41.48) / 900)
    assert np.isnan(nat["af_dist_median_km"])


# --- input checks list every bad row ------------------------------------------------------------
def test_demand_without_population_column():
    with pytest.raises(CoverageInputError, match="the demand points lack the column 'population'"):
        coverage(syn.offices(), syn.demand().drop(columns="population"), syn.kommuner())


def test_bad_populations_are_all_listed():
    dem = syn.demand()
    dem["population"] = dem["population"].astype(object)
    dem.loc[[1, 2, 4, 5], "population"] = [-1.0, np.nan, "many", np.inf]
    with pytest.raises(CoverageInputError, match="demand points with a missing or negative population") as err:
        coverage(syn.offices(), dem, syn.kommuner())
    got = err.value.problems
    assert got["row"].tolist() == [1, 2, 4, 5]
    assert got["id"].tolist() == ["0001", "0002", "0003", "0003"]
    assert set(got["problem"]) == {"bad population"}


def test_bad_kommuner_frames():
    with pytest.raises(CoverageInputError, match="the kommuner frame lacks columns") as err:
        coverage(syn.offices(), syn.demand(), syn.kommuner().drop(columns=["kommunnamn", "population"]))
    assert err.value.problems["id"].tolist() == ["kommunnamn", "population"]
    kom = syn.kommuner()
    kom.loc[2, "kommunkod"] = "0001"
    with pytest.raises(CoverageInputError, match="duplicate kommunkod in the kommuner frame") as err:
        coverage(syn.offices(), syn.demand(), kom)
    assert err.value.problems["row"].tolist() == [0, 2]
    assert err.value.problems["problem"].tolist() == ["duplicate", "duplicate"]


def test_kommuner_without_lan_or_geometry():
    """A plain table of kommuner (no län columns, no geometry) is enough for the figures."""
    plain = pd.DataFrame(syn.kommuner().drop(columns=["geometry", "lanskod", "lansnamn"]))
    cov = coverage(syn.offices(), syn.demand(), plain)
    full = coverage(syn.offices(), syn.demand(), syn.kommuner())
    assert cov["lanskod"].isna().all() and cov["lansnamn"].isna().all()
    assert cov.geometry.isna().all()
    pd.testing.assert_series_equal(cov["af_dist_mean_km"], full["af_dist_mean_km"])


def test_bad_office_lists():
    with pytest.raises(CoverageInputError, match="offices must be a GeoDataFrame, not DataFrame"):
        coverage(pd.DataFrame(syn.offices().drop(columns="geometry")), syn.demand(), syn.kommuner())
    with pytest.raises(CoverageInputError, match="the office list lacks columns") as err:
        coverage(syn.offices().drop(columns=["org", "name"]), syn.demand(), syn.kommuner())
    assert err.value.problems["id"].tolist() == ["org", "name"]
    off = syn.offices()
    off.loc[[0, 2], "org"] = ["police", "tax"]
    with pytest.raises(CoverageInputError, match="offices with an org other than 'af' or 'ssc'") as err:
        coverage(off, syn.demand(), syn.kommuner())
    assert err.value.problems["id"].tolist() == ["A1", "S1"]
    assert err.value.problems["problem"].tolist() == ["org 'police'", "org 'tax'"]


def test_name_of_the_office_lists():
    """The ``office_lists`` column: the name given, else the list's scenario, else its networks,
    else "custom"."""
    from narvaro.provenance import set_provenance

    def lists(off, **kw):
        return set(coverage(off, syn.demand(), syn.kommuner(), **kw)["office_lists"])

    assert lists(syn.offices(), name="mine") == {"mine"}
    assert lists(set_provenance(syn.offices(), scenario="af_2020+ssc_2020")) == {"af_2020+ssc_2020"}
    assert lists(syn.offices()) == {"af_t+ssc_t"}
    assert lists(syn.offices().drop(columns="network")) == {"custom"}
