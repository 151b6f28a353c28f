"""national() on a subset of kommun rows: shares are sum(pop_over) / sum(population), by hand."""

from __future__ import annotations

import _synthetic as syn
import numpy as np
import pandas as pd
import pytest

from narvaro.analysis import coverage, national

# The synthetic country (tests/_synthetic.py; per-point values in tests/test_coverage.py):
#   kommun  pop  AF beyond 25 km  AF beyond 50 km  AF mean km
#   Aby     400  300 (a2)         0                (100 x 0.87 + 300 x 28.06) / 400 = 21.2625
#   Bby     450  450              450              (200 x 61.61 + 250 x 61.0) / 450 = 61.2711
#   Cby     500  500              0                (400 x 42.7 + 100 x 36.6) / 500 = 41.48
# Aby + Cby: share beyond 25 km = (300 + 500) / 900 = 0.8889, whereas the mean of the two
# kommun shares would be (0.75 + 1.0) / 2 = 0.875.


# function scope: mutmut credits a test with the code it runs, and a module fixture runs once
@pytest.fixture
def cov():
    return coverage(syn.offices(), syn.demand(), syn.kommuner())


def test_subset_share_is_a_ratio_of_sums_not_a_mean_of_shares(cov):
    nat = national(cov[cov["kommunkod"] != "0002"])
    assert nat["population"] == 900 and nat["n_kommuner"] == 2
    assert nat["af_pop_over_25km"] == 800
    assert nat["af_share_over_25km"] == pytest.approx(800 / 900)
    assert nat["af_share_over_25km"] != pytest.approx(0.875)
    # Aby + Bby beyond 50 km: (0 + 450) / 850, not (0 + 1) / 2
    nat_ab = national(cov[cov["kommunkod"] != "0003"])
    assert nat_ab["af_share_over_50km"] == pytest.approx(450 / 850)
    # population-weighted mean, maximum, counts; medians are not recoverable from rows
    assert nat["af_dist_mean_km"] == pytest.approx((400 * 21.2625 + 500 * 41.48) / 900)
    assert nat["af_dist_max_km"] == pytest.approx(42.7)
    assert nat["af_has_office"] == 2 and nat["af_n_offices"] == 2
    assert nat["ssc_has_office"] == 0 and nat["any_has_office"] == 2
    assert np.isnan(nat["af_dist_median_km"]) and np.isnan(nat["af_time_p90_min"])


def test_subset_shares_with_ranges():
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"  # C1 (Cby) unknown: Cby's residents 95 and 100 km straight from A1
    cov = coverage(off, syn.demand(), syn.kommuner(), bounds=True)
    nat = national(cov[cov["kommunkod"].isin(["0001", "0003"])])
    # beyond 50 km: Aby 0, Cby 500 without C1, 0 with it -> 0 / 900 and 500 / 900
    assert nat["af_pop_over_50km_lo"] == 0 and nat["af_pop_over_50km_hi"] == 500
    assert nat["af_share_over_50km_lo"] == 0
    assert nat["af_share_over_50km_hi"] == pytest.approx(500 / 900)  # mean of shares: 0.5
    assert "af_share_over_50km" not in nat  # no draws: no plain (best-estimate) value
    assert (nat["af_has_office_lo"], nat["af_has_office_hi"]) == (1, 2)
    assert (nat["af_n_offices_lo"], nat["af_n_offices_hi"]) == (1, 2)


def test_rows_read_back_from_a_file_give_the_same_sums(cov, tmp_path):
    path = tmp_path / "cov.csv"
    pd.DataFrame(cov.drop(columns="geometry")).to_csv(path, index=False)
    back = pd.read_csv(path, dtype={"kommunkod": str})
    back.attrs["narvaro"] = {"thresholds": {"km": [10.0, 25.0, 50.0], "min": [30.0, 45.0, 60.0]}}
    nat, full = national(back), national(cov)
    for col in ("population", "af_pop_over_10km", "af_share_over_25km", "ssc_share_over_60min",
                "any_pop_over_45min", "af_dist_mean_km", "ssc_time_max_min"):
        assert nat[col] == pytest.approx(full[col]), col
    assert np.isnan(nat["af_dist_median_km"]) and not np.isnan(full["af_dist_median_km"])
    # a kommun whose mean is missing (nobody reachable) does not dilute the weighted mean
    back.loc[1, "af_dist_mean_km"] = np.nan
    assert national(back)["af_dist_mean_km"] == pytest.approx((400 * 21.2625 + 500 * 41.48) / 900)


def test_national_figures_are_one_row_named_national(cov):
    """Stored (the whole table) or recomputed (a subset), the result is labelled "national", the
    label it carries into a frame (``national(cov).to_frame()``)."""
    assert national(cov).name == "national"
    assert national(cov[cov["kommunkod"] != "0002"]).name == "national"
    assert list(national(cov).to_frame().columns) == ["national"]
