"""The Bayesian presence model, the draws it feeds, and the realistic-selection coverage check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from narvaro.data import layers as data
from narvaro.offices.bayes import CLOSURE_PRIOR, DEDUCED_RULES, bayes_presence, fit_bayes
from narvaro.offices.draws import END_2020, office_draws
from narvaro.offices.status import office_status
from narvaro.settings import ErrorSources


def _synthetic(n=600, seed=1):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}, index=[f"k{i}" for i in range(n)])
    lan = pd.Series(rng.integers(0, 12, n).astype(str), index=x.index)
    u = rng.normal(0, 1.0, 12)[lan.astype(int)]
    eta = 0.5 + 1.5 * x["a"] / x["a"].std() - 1.0 * x["b"] / x["b"].std() + u
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float), index=x.index)
    return x, y, lan


def test_fit_recovers_known_coefficients_and_lan_sd():
    x, y, lan = _synthetic()
    m = fit_bayes(x, y, lan, features=("a", "b"))
    t = m.coefficient_table().set_index("feature")
    for name, true in (("a", 1.5), ("b", -1.0)):
        assert t.loc[name, "q05"] < true < t.loc[name, "q95"], t
    assert 0.4 < t.loc["lan_sd", "mean"] < 2.0
    # the interval narrows with the data: on a tenth of the units it is wider
    small = fit_bayes(x.iloc[:60], y.iloc[:60], lan.iloc[:60], features=("a", "b")).coefficient_table()
    w_small = (small["q95"] - small["q05"]).iloc[1]
    assert w_small > 2 * (t.loc["a", "q95"] - t.loc["a", "q05"])


def test_closure_flagged_units_get_the_prior_not_the_model():
    x, y, lan = _synthetic()
    flagged = list(x.index[:5])
    m = fit_bayes(x, y, lan, features=("a", "b"), closure=flagged)
    assert m.n_train == len(x) - 5
    p = m.probabilities(m.posterior_mean_theta()[None, :])[0]
    np.testing.assert_allclose(p[:5], CLOSURE_PRIOR[0] / sum(CLOSURE_PRIOR))
    drawn = m.sample(4000, np.random.default_rng(0))[:, 0]
    assert abs(drawn.mean() - 24 / 218) < 0.003 and drawn.std() > 0.01


def test_af_2020_model_uses_only_external_features_and_the_closure_prior():
    m = bayes_presence("af_2020")
    assert m.features == ("log_population", "log_largest_tatort", "fa_centre", "residensstad")
    st = office_status("af_2020").set_index("kommunkod")["status"].reindex(m.index)
    # the 31 closure-flagged kommuner with a known "none" are not in the fit
    assert ((st[m.closure] == "none").sum()) >= 30
    assert m.n_train == int(((st != "unknown") & ~m.closure).sum()) - int(
        (((st != "unknown") & ~m.closure) & (office_status("af_2019").set_index("kommunkod")["status"]
                                             .reindex(m.index) == "none")).sum())


@pytest.fixture(scope="module")
def af_draws():
    return office_draws(("af_2020",), n=1000, seed=3)


def test_p_kommun_matches_draw_frequency_where_no_count_binds(af_draws):
    """Known kommuner are drawn as known; Härnösand and Ragunda (re-added by the June changes, af_2020
    unknown) are drawn with P(kept | existed) independently: frequency = p_kommun within MC error."""
    rule19 = office_status("af_2019").set_index("kommunkod")["rule"].reindex(af_draws["af_2019"].p_kommun.index)
    deduced = rule19.isin(DEDUCED_RULES).to_numpy()  # drawn, not fixed (ErrorSources.deduced)
    assert deduced.sum() == 8
    drawn_st = af_draws["af_2019"].status.set_index("kommunkod")["status"].reindex(rule19.index)
    assert (drawn_st[deduced] == "unknown").all()
    for net in ("af_2019", "af_2020", END_2020):
        d = af_draws[net]
        st = d.status.set_index("kommunkod")["status"].reindex(d.p_kommun.index)
        known = (st != "unknown").to_numpy() & ~deduced
        np.testing.assert_array_equal(d.p_drawn[known], d.p_kommun[known])
    d = af_draws["af_2020"]
    for kod in ("2280", "2303"):
        p = d.p_kommun[kod]
        assert abs(d.p_drawn[kod] - p) <= 4 * np.sqrt(p * (1 - p) / 1000) + 1e-9, (kod, p, d.p_drawn[kod])


def test_unknown_in_both_af_2020_and_end_2020_is_the_same_in_every_draw(af_draws):
    a20, end = af_draws["af_2020"], af_draws[END_2020]
    s20 = a20.status.set_index("kommunkod")["status"].reindex(a20.p_kommun.index).to_numpy()
    se = end.status.set_index("kommunkod")["status"].reindex(a20.p_kommun.index).to_numpy()
    both = (s20 == "unknown") & (se == "unknown")
    assert both.sum() > 150
    np.testing.assert_array_equal(a20.kommun_mask[:, both], end.kommun_mask[:, both])
    assert a20.kommun_mask[:, both].std(axis=0).max() > 0.3  # they vary between draws


def test_row_shuffled_status_gives_the_same_draws():
    tables = {net: office_status(net) for net in ("af_2019", "af_2020", END_2020)}
    shuffled = {k: v.sample(frac=1.0, random_state=7).reset_index(drop=True) for k, v in tables.items()}
    a = office_draws(("af_2020",), n=50, seed=5, status=tables)
    b = office_draws(("af_2020",), n=50, seed=5, status=shuffled)
    for net in ("af_2019", "af_2020", END_2020):
        np.testing.assert_array_equal(a[net].kommun_mask, b[net].kommun_mask)


def test_sources_switch_the_draws():
    codes = pd.Index(sorted(data.kommun_codes()))
    fixed = office_draws(("ssc_2020",), n=40, seed=1, sources=ErrorSources.none())["ssc_2020"]
    assert (fixed.kommun_mask == fixed.kommun_mask[0]).all()
    assert fixed.kommun_mask.shape == (40, len(codes))
    full = office_draws(("ssc_2020",), n=400, seed=1)["ssc_2020"]
    alone = office_draws(("ssc_2020",), n=400, seed=1, sources=ErrorSources.only("offices"))["ssc_2020"]
    # drawing the coefficients and the län effects spreads P(office) over the draws more
    assert full.p_drawn.between(0.02, 0.98).sum() >= alone.p_drawn.between(0.02, 0.98).sum()
    # deduced statuses: the 8 af_2019 "none" from absence of later evidence are drawn when on
    st = office_status("af_2019").set_index("kommunkod")
    ded = st.index[st["rule"] == "closed_before_2019"]
    on = office_draws(("af_2019",), n=300, seed=2)["af_2019"].p_drawn[ded]
    off = office_draws(("af_2019",), n=300, seed=2, sources=ErrorSources.only("offices"))["af_2019"].p_drawn[ded]
    assert (off == 0).all() and on.max() > 0


def test_realistic_selection_coverage_and_it_fails_when_narrowed():
    from narvaro.analysis.selection_check import selection_coverage

    full = selection_coverage(30, seed=11)
    narrow = selection_coverage(30, seed=11, sources=ErrorSources.only("offices"))
    assert full.coverage >= 0.80, full.describe()
    assert narrow.coverage < full.coverage, (narrow.describe(), full.describe())


def test_error_budget_rows_and_sentences():
    from narvaro.analysis.budget import budget_sentence, budget_table, error_budget
    from narvaro.report.assessment import assess

    rows = (("all", ErrorSources.names()), ("offices", ("offices",)), ("circuity", ("circuity",)))
    b = error_budget(assess, ["ssc_2020"], draws=200, rows=rows)
    assert list(b["sources"].unique()) == ["all", "offices", "circuity"]
    share = b[b["figure"] == "share_over_25km"].set_index("sources")
    np.testing.assert_allclose(share["width"], share["q95"] - share["q05"])
    assert share.loc["all", "share_of_all"] == 1.0
    assert share.loc["all", "width"] > share.loc["offices", "width"] > 0
    assert share.loc["all", "q05"] <= share.loc["all", "estimate"] <= share.loc["all", "q95"]
    assert 5 < share.loc["all", "estimate"] < 40  # per cent
    table = budget_table(b, "sv")
    assert "felkällor" in table.columns and "kontor" in set(table["felkällor"])
    en = budget_sentence(b, "ssc_2020")
    assert f"{share.loc['all', 'estimate']:.1f} %" in en and "90 % interval" in en
    assert "90 %-intervall" in budget_sentence(b, "ssc_2020", "sv")
