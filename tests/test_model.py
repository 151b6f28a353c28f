"""Tests for narvaro.offices.model: features, the presence model, cross-validation, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import narvaro
from narvaro.cli import run
from narvaro.errors import NarvaroError, UnknownNetworkError
from narvaro.offices import office_status
from narvaro.offices.model import (
    FEATURES,
    RESIDENSSTAD,
    cross_validate,
    fit_presence,
    kommun_features,
    presence_model,
)

CV_COLUMNS = ["network", "sample", "predictor", "n", "n_office", "auc", "brier", "log_loss"]


# --------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------
def test_residensstad_codes_name_the_right_kommuner():
    k = narvaro.load_kommuner().set_index("kommunkod")["kommunnamn"]
    assert len(RESIDENSSTAD) == 21
    for kod, town in RESIDENSSTAD.items():
        assert k[kod] == ("Gotland" if town.startswith("Visby") else town)
    lan = narvaro.load_kommuner().set_index("kommunkod")["lanskod"]
    assert lan[list(RESIDENSSTAD)].nunique() == 21  # one per län


def test_features_cover_every_kommun():
    x = kommun_features("af_2020")
    assert len(x) == 290 and x.index.is_unique and list(x.index) == sorted(x.index)
    assert list(x.columns) == [*FEATURES, "lanskod"]
    assert not x[list(FEATURES)].isna().any().any()
    assert x["fa_centre"].sum() == 60  # one centre per FA region
    assert x.loc["0180", "fa_centre"] == 1 and x.loc["1480", "fa_centre"] == 1
    assert x["residensstad"].sum() == 21
    st = office_status("af_2019").set_index("kommunkod")["status"]
    prev = x["previous_status"]
    assert (prev[st == "confirmed"] == 1).all() and (prev[st == "none"] == 0).all()
    assert prev[st == "unknown"].between(0, 1).all()
    # one known 2019 office, on the closure list: Härnösand, Årjäng (reversed in June 2020);
    # Tyresö and Sigtuna: the office Mitti names as closing, no 2019 row
    assert x.loc[["2280", "1765", "0138", "0191"], "closure_listed"].eq(1).all()
    # several known 2019 offices or a kept one: Stockholm (City, Spånga), Göteborg (three),
    # Norrköping, Malung-Sälen, Älvdalen (kept office known)
    assert x.loc[["0180", "1480", "0581", "2023", "2039"], "closure_listed"].eq(0).all()
    assert "closure_listed" not in kommun_features("af_2019").columns
    assert "previous_status" not in kommun_features("af_2019").columns
    assert "previous_status" not in kommun_features("ssc_2020").columns  # leaks the label there


def test_bad_feature_and_network_names():
    with pytest.raises(NarvaroError):
        presence_model("af_2019", features=["previous_status"])
    with pytest.raises(NarvaroError):
        presence_model("af_2020", features=["shoe_size"])
    with pytest.raises(UnknownNetworkError):
        presence_model("af_2030")


# --------------------------------------------------------------------------------------
# The model on the project's data
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("network", ["af_2019", "af_2020", "ssc_2020"])
def test_presence_model_gives_every_kommun_a_probability(network):
    m = presence_model(network)
    st = office_status(network).set_index("kommunkod")["status"]
    assert len(m.p) == 290 and m.p.between(0, 1).all()
    assert (m.p[st == "confirmed"] == 1).all() and (m.p[st == "none"] == 0).all()
    unknown = m.p[st == "unknown"]
    assert ((unknown > 0) & (unknown < 1)).all()
    assert m.chosen in ("model", "population_rank", "constant")
    assert m.verdict.startswith(network)
    coef = m.coefficients
    assert coef["feature"].tolist() == ["intercept", *m.features]
    assert np.isfinite(coef["coefficient"]).all()
    kod = unknown.index[0]
    assert m.predict(kod) == pytest.approx(float(unknown.iloc[0]))
    assert isinstance(m.predict([kod, "0180"]), pd.Series)
    assert m.describe().startswith(network)


def test_kept_given_existed_is_at_least_the_marginal():
    m = presence_model("af_2020")
    q = m.predict_with(previous_status=1.0)
    assert (q >= m.p_model - 1e-12).all()


def test_af_2020_distance_is_to_the_2019_offices():
    from narvaro.offices.model import DISTANCE_NETWORK, _nearest_confirmed_km

    assert DISTANCE_NETWORK["af_2020"] == "af_2019"
    x = kommun_features("af_2020")
    km = _nearest_confirmed_km("af_2019", x.index)
    assert np.allclose(x["log_dist_nearest_km"], np.log1p(km.fillna(km.max())))


def test_af_2020_closure_feature_beats_population_rank_in_cv():
    cv = cross_validate("af_2020")
    m = cv[cv["sample"] == "all known"].set_index("predictor")
    assert m.loc["model", "auc"] > 0.95 and m.loc["model", "brier"] < 0.04


@pytest.mark.parametrize("network", ["af_2019", "af_2020", "ssc_2020"])
def test_cross_validate_table(network):
    cv = cross_validate(network)
    assert list(cv.columns) == CV_COLUMNS
    assert set(cv["predictor"]) == {"model", "population_rank", "constant"}
    allk = cv[cv["sample"] == "all known"].set_index("predictor")
    st = office_status(network)["status"]
    assert allk.loc["model", "n"] <= (st != "unknown").sum()
    assert allk.loc["constant", "auc"] == 0.5
    rel = cv.attrs["reliability"]
    assert {"bin", "n", "mean_predicted", "observed"} <= set(rel.columns)
    sel = rel[(rel["predictor"] == "model") & (rel["sample"] == "all known")]
    assert sel["n"].sum() == allk.loc["model", "n"]
    if network.startswith("af"):
        assert "sourced-complete counties" in set(cv["sample"])


# --------------------------------------------------------------------------------------
# Synthetic worlds
# --------------------------------------------------------------------------------------
def _world(seed: int, signal: bool) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    n = 300
    idx = pd.Index([f"{i:04d}" for i in range(n)])
    x = pd.DataFrame(
        {
            "log_population": rng.normal(10, 1, n),
            "a": rng.normal(size=n),
            "b": rng.integers(0, 2, n).astype(float),
        },
        index=idx,
    )
    eta = 1.2 * (x["log_population"] - 10) + 1.5 * x["a"] - 1.0 * x["b"] if signal else 0 * x["a"]
    truth = rng.random(n) < 1 / (1 + np.exp(-eta))
    status = pd.Series(np.where(truth, "confirmed", "none"), index=idx)
    status[rng.random(n) < 0.4] = "unknown"
    groups = pd.Series(rng.integers(0, 21, n).astype(str), index=idx)
    return x, status, groups


def test_synthetic_world_model_beats_the_constant():
    x, status, groups = _world(5, signal=True)
    m = fit_presence(x, status, groups, complete=list(x.index[:60]))
    allk = m.cv[m.cv["sample"] == "all known"].set_index("predictor")
    assert allk.loc["model", "auc"] > 0.8 > allk.loc["constant", "auc"]
    assert allk.loc["model", "brier"] < allk.loc["constant", "brier"]
    assert allk.loc["model", "auc"] > allk.loc["population_rank", "auc"]
    assert m.chosen == "model"
    assert "sourced-complete counties" in set(m.cv["sample"])
    signs = m.coefficients.set_index("feature")["coefficient"]
    assert signs["log_population"] > 0 and signs["a"] > 0 and signs["b"] < 0


def test_without_signal_the_model_says_so_and_falls_back():
    x, status, groups = _world(6, signal=False)
    m = fit_presence(x, status, groups)
    assert m.chosen != "model"
    assert "NOT" in m.verdict or "neither" in m.verdict
    known = status != "unknown"
    if m.chosen == "constant":
        assert m.p[~known].nunique() == 1


def test_a_model_needs_both_outcomes():
    x, status, groups = _world(7, signal=True)
    status[status == "none"] = "confirmed"
    with pytest.raises(NarvaroError):
        fit_presence(x, status, groups)


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------
def test_cli_model_prints_coefficients_cv_and_verdict(capsys):
    assert run(["model", "--network", "af_2020"]) == 0
    out = capsys.readouterr().out
    assert "Coefficients" in out and "log_population" in out
    assert "population_rank" in out and "sourced-complete counties" in out
    assert "Verdict: af_2020:" in out


def test_cli_model_swedish_and_errors(capsys):
    assert run(["model", "--network", "ssc_2020", "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "Slutsats: ssc_2020:" in out and "Inget län" in out
    assert run(["model", "--network", "af_2030"]) == 2
    assert "error: no presence model for 'af_2030'" in capsys.readouterr().err
    assert run(["model", "--lang", "fi"]) == 2


def test_cli_model_headline_is_the_non_leaky_skill_with_posterior_and_p_before_after(capsys):
    from narvaro.offices.bayes import lolo_bayes

    assert run(["model", "--network", "af_2020"]) == 0
    out = capsys.readouterr().out
    skill = lolo_bayes("af_2020")
    line = next(x for x in out.splitlines() if x.startswith("Skill (headline, non-leaky)"))
    assert f"AUC {skill['auc']:.3f}, Brier {skill['brier']:.3f}" in line
    assert out.index("Skill (headline") < out.index("flattering") < out.index("Coefficients (logistic")
    assert "län standard deviation (logit)" in out and "closure list), prior" in out
    ba = out[out.index("P(office) before and after"):]
    helsingborg = next(x for x in ba.splitlines() if x.strip().startswith("Helsingborg"))
    before, after = (float(v) for v in helsingborg.split()[1:3])
    assert 0.85 < before < 1.0 and 0.5 < after < before


def test_cli_model_swedish_feature_names(capsys):
    assert run(["model", "--network", "af_2020", "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    assert "Träffsäkerhet (huvudmått, utan läckage)" in out
    assert "logaritmerad folkmängd" in out and "standardavvikelse mellan län" in out
    assert "P före" in out and "P efter" in out


def test_cli_uncertainty_check_prints_the_coverage(capsys):
    assert run(["uncertainty", "--check", "--trials", "4"]) == 0
    out = capsys.readouterr().out
    assert "Realistic-selection coverage check (4 trials):" in out
    assert "seeded trials" in out and "%" in out
    assert run(["uncertainty", "--lang", "fi"]) == 2
