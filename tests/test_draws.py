"""Tests for narvaro.offices.draws: exact conditional sampling and joint office draws."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from narvaro.errors import NarvaroError, UnknownNetworkError
from narvaro.offices import office_status, published_kommun_count
from narvaro.offices.bayes import fit_bayes
from narvaro.offices.draws import (
    END_2020,
    PAIRS,
    conditional_bernoulli,
    joint_sample,
    office_draws,
)
from narvaro.settings import ALL_SOURCES, ErrorSources

NETS = ("af_2019", "af_2020", END_2020, "ssc_2019", "ssc_2020")


# function scope: mutmut credits a test with the code it runs, and a module fixture runs once
@pytest.fixture
def draws():
    return office_draws(n=1000, seed=0)


# --------------------------------------------------------------------------------------
# The sampler on synthetic cases
# --------------------------------------------------------------------------------------
def _exact_marginals(p: np.ndarray, m: int) -> np.ndarray:
    """P(x_i = 1 | sum x = m) by enumerating all 2^len(p) outcomes."""
    num, den = np.zeros(len(p)), 0.0
    for bits in itertools.product((0, 1), repeat=len(p)):
        x = np.array(bits)
        if x.sum() != m:
            continue
        w = np.prod(np.where(x == 1, p, 1 - p))
        num += w * x
        den += w
    return num / den


def test_conditional_bernoulli_exact_count_and_marginals():
    rng = np.random.default_rng(1)
    p = np.array([0.05, 0.1, 0.3, 0.5, 0.5, 0.6, 0.7, 0.85, 0.9, 0.97])
    x = conditional_bernoulli(p, 4, 20000, rng)
    assert x.shape == (20000, 10)
    assert (x.sum(axis=1) == 4).all()
    np.testing.assert_allclose(x.mean(axis=0), _exact_marginals(p, 4), atol=0.015)


def test_joint_sample_matches_enumeration_with_two_counts():
    rng = np.random.default_rng(2)
    w = rng.random((6, 4))
    w[0, 2] = 0.0  # an impossible state
    ca, cb = 3, 2
    da = np.array([a for a, _ in PAIRS])
    db = np.array([b for _, b in PAIRS])
    probs = np.zeros((6, 4))
    total = 0.0
    for states in itertools.product(range(4), repeat=6):
        s = np.array(states)
        if da[s].sum() != ca or db[s].sum() != cb:
            continue
        weight = np.prod(w[np.arange(6), s])
        probs[np.arange(6), s] += weight
        total += weight
    probs /= total
    out = joint_sample(w, ca, cb, 30000, rng)
    assert (da[out].sum(axis=1) == ca).all() and (db[out].sum(axis=1) == cb).all()
    assert not (out[:, 0] == 2).any()
    freq = np.stack([(out == k).mean(axis=0) for k in range(4)], axis=1)
    np.testing.assert_allclose(freq, probs, atol=0.015)


def test_sampler_raises_when_the_count_cannot_be_reached():
    with pytest.raises(NarvaroError):
        conditional_bernoulli([0.5, 0.5], 3, 10, np.random.default_rng(0))


def _world_coverage(sources: ErrorSources, trials: int = 200) -> float:
    """Coverage of a 90 % interval of a feature-weighted total over the unknown units.

    Worlds drawn from a known logistic model with group intercepts; the Bayesian presence model
    (:func:`narvaro.offices.bayes.fit_bayes`) is fitted on the known 40 %; the office draws
    condition on the true count, each posterior draw serving a block of 20 draws.
    """
    hits = 0
    for trial in range(trials):
        rng = np.random.default_rng(1000 + trial)
        n_units = 240
        x = rng.normal(size=(n_units, 2))
        grp = rng.integers(0, 12, n_units)
        u = rng.normal(0, 0.8, 12)[grp]
        truth = rng.random(n_units) < 1 / (1 + np.exp(-(-0.3 + 1.4 * x[:, 0] - 0.8 * x[:, 1] + u)))
        known = rng.random(n_units) < 0.4
        idx = [f"u{i}" for i in range(n_units)]
        y = pd.Series(np.where(known, truth.astype(float), np.nan), index=idx)
        model = fit_bayes(pd.DataFrame(x, columns=["a", "b"], index=idx), y,
                          pd.Series(grp.astype(str), index=idx), features=("a", "b"))
        m = int(truth[~known].sum())  # the published count, less the known offices
        k = 20 if (sources.coefficients or sources.lan_effects) else 1
        p = model.sample(k, rng, coefficients=sources.coefficients, lan_effects=sources.lan_effects)[:, ~known]
        sims = np.vstack([conditional_bernoulli(p[g], m, 400 // k, rng) for g in range(k)])
        weight = np.exp(x[~known, 0])  # residents per unit, rising with the feature
        q = sims.astype(float) @ weight
        lo, hi = np.quantile(q, [0.05, 0.95])
        hits += lo <= float(truth[~known].astype(float) @ weight) <= hi
    return hits / trials


def test_interval_covers_a_synthetic_truth_at_the_nominal_rate():
    """200 worlds: the 90 % interval with the model's posterior in the draws covers the truth
    >= 85 %; narrowed back to the office draws alone (coefficients and group effects fixed at
    their posterior mean) it does not (72.5 % when written)."""
    assert 0.85 <= _world_coverage(ALL_SOURCES) <= 0.99
    assert _world_coverage(ErrorSources.only("offices")) < 0.80


# --------------------------------------------------------------------------------------
# Joint office draws on the project's lists
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("network", NETS)
def test_every_draw_respects_every_status(draws, network):
    d = draws[network]
    st = d.status["status"].to_numpy()
    assert d.kommun_mask.shape == (1000, 290)
    assert d.kommun_mask[:, st == "confirmed"].all()
    assert not d.kommun_mask[:, st == "none"].any()
    assert list(d.p_kommun.index) == sorted(d.p_kommun.index)
    known = st != "unknown"
    np.testing.assert_array_equal(d.p_kommun.to_numpy()[known], (st[known] == "confirmed").astype(float))


@pytest.mark.parametrize("network", NETS)
def test_published_kommun_counts_hold_exactly_in_every_draw(draws, network):
    found = published_kommun_count(network)
    n = draws[network].n_kommuner
    if found is not None:
        assert (n == found[0]).all()
    if network == "af_2020":  # 106 offices: at most 106 kommuner
        assert found is None and (n <= 106).all()


def test_end_2020_has_106_kommuner_and_the_af_chain_is_nested(draws):
    a19, a20, end = (draws[x].kommun_mask for x in ("af_2019", "af_2020", END_2020))
    assert (end.sum(axis=1) == 106).all()
    assert (a19.sum(axis=1) == 218).all()
    assert not (a20 & ~a19).any()
    assert not (a20 & ~end).any()
    assert not (end & ~a19).any()


def test_ssc_no_closure_between_2019_and_2020(draws):
    s19, s20 = draws["ssc_2019"].kommun_mask, draws["ssc_2020"].kommun_mask
    assert (s20.sum(axis=1) == 110).all()
    assert not (s19 & ~s20).any()


@pytest.mark.parametrize("network", NETS)
def test_office_mask_follows_the_kommun_mask(draws, network):
    d = draws[network]
    offices = d.offices
    assert offices.crs.to_epsg() == 3006
    assert d.mask.shape == (1000, len(offices))
    assert "p_office" in offices and offices["p_office"].between(0, 1).all()
    confirmed = (offices["basis"] == "confirmed").to_numpy()
    assert d.mask[:, confirmed].all()
    codes = list(d.p_kommun.index)
    col = np.array([codes.index(k) for k in offices["kommunkod"]])
    np.testing.assert_array_equal(d.mask, d.kommun_mask[:, col])
    np.testing.assert_allclose(d.p_drawn.to_numpy(), d.kommun_mask.mean(axis=0))


def test_union_of_networks(draws):
    u = draws["af_2020+ssc_2020"]
    a, s = draws["af_2020"], draws["ssc_2020"]
    assert len(u.offices) == len(a.offices) + len(s.offices)
    np.testing.assert_array_equal(u.mask, np.hstack([a.mask, s.mask]))
    np.testing.assert_array_equal(u.kommun_mask, a.kommun_mask | s.kommun_mask)
    assert "af_2020+ssc_2020" in draws and "af_2021" not in draws
    with pytest.raises(UnknownNetworkError):
        draws["af_2021"]


def test_same_seed_same_draws_other_seed_other_draws():
    one = office_draws(("af_2020", "ssc_2020"), n=50, seed=7)
    two = office_draws(("af_2020", "ssc_2020"), n=50, seed=7)
    other = office_draws(("af_2020", "ssc_2020"), n=50, seed=8)
    for net in ("af_2019", "af_2020", "ssc_2020"):
        np.testing.assert_array_equal(one[net].mask, two[net].mask)
        assert not np.array_equal(one[net].mask, other[net].mask)
    # a network's draws do not depend on which other networks were asked for
    only_ssc = office_draws(("ssc_2020",), n=50, seed=7)
    np.testing.assert_array_equal(only_ssc["ssc_2020"].mask, one["ssc_2020"].mask)


def test_with_no_unknown_kommun_every_draw_is_identical(draws):
    truth = {}
    for net in NETS:
        st = office_status(net)
        present = draws[net].kommun_mask[0]
        st["status"] = np.where(present, "confirmed", "none")
        truth[net] = st.drop(columns="rule")  # a complete list: no status deduced from absence
    complete = office_draws(NETS, n=20, seed=3, status=truth)
    for net in NETS:
        km = complete[net].kommun_mask
        assert (km == km[0]).all()
        np.testing.assert_array_equal(km[0], draws[net].kommun_mask[0])
        assert (complete[net].mask == complete[net].mask[0]).all()


def test_describe_and_attributes(draws):
    assert draws.n == 1000 and draws.seed == 0
    line = draws.describe()
    assert line.startswith(
        "1000 joint office draws, seed 0, Bayesian logistic presence model with a län random intercept "
        "(log population, log largest tätort, FA-region centre, residence town; posterior draws)"
    )
    assert "AF 218 kommuner (2019)" in line and "SSC 110 kommuner (Dec 2020)" in line
    assert "AF 106 kommuner (end 2020)" in line
    assert set(NETS) <= set(draws.keys())
    assert isinstance(draws["af_2020"].status, pd.DataFrame)


def test_bad_requests():
    with pytest.raises(UnknownNetworkError):
        office_draws(("af_2021",), n=5)
    with pytest.raises(NarvaroError):
        office_draws(("af_2019",), n=0)


def test_largest_kommuner_have_an_af_office_at_the_end_of_2020(draws):
    """The five most populous kommuner: confirmed, or an AF 2020 office in >= 90 % of the draws.

    Stockholm and Göteborg are not confirmed (only their closing 2019 offices are named); the
    model's closure feature counts only a kommun's *only* office on the closure list, so the
    draws must give them an office almost always.
    """
    import narvaro

    pop = narvaro.load_population(2018).sort_values(ascending=False)
    top5 = list(pop.index[:5])
    assert {"0180", "1480", "1280", "0380"} <= set(top5)
    for net in ("af_2020", END_2020):
        st = office_status(net).set_index("kommunkod")["status"]
        p = draws[net].p_drawn
        for kod in top5:
            # 0.85: the Bayesian model's coefficient and län uncertainty, and the count conditioning's
            # tilt (issue 22 item 3, not yet removed), put Göteborg at about 0.89
            assert st[kod] == "confirmed" or p[kod] >= 0.85, (net, kod, st[kod], p[kod])
    p = draws["af_2020"].p_drawn
    assert p["0180"] >= 0.85 and p["1480"] >= 0.85  # real values, not the confirmed shortcut


def test_weak_rows_are_uncertain_in_the_draws():
    """The six af_2019 kommuner whose only row is cited to tricksfast.com are drawn, not fixed:
    P(office) below 1 before the count, and their weak row is the office a draw places."""
    d = office_draws(("af_2019", "ssc_2019"), n=100, seed=1)["af_2019"]
    weak = ["1281", "1282", "1292", "2101", "2161", "2182"]
    assert (d.status.set_index("kommunkod").loc[weak, "rule"] == "weak_source").all()
    assert (d.p_kommun.loc[weak] < 1).all() and (d.p_kommun.loc[weak] > 0).all()
    rows = d.offices[d.offices["kommunkod"].isin(weak)]
    assert sorted(rows["kommunkod"]) == weak and set(rows["basis"]) == {"weak"}
    # the SSC 2019 draws: no kommun count is imposed ("knappt 100" is not), and at least the
    # 105 that 110 kommuner in Dec 2020 less five stated openings leave
    n19 = office_draws(("ssc_2019",), n=100, seed=1)["ssc_2019"].n_kommuner
    assert n19.min() >= 105 and n19.max() <= 110
