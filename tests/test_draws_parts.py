"""Tests for the parts of narvaro.offices.draws that tests/test_draws.py does not pin.

The union of networks ("af_2020+ssc_2020"), the per-kommun pair weights, the fixed kommuner of
the sampler, P(kept | existed), the SSC and AF chain details, status overrides in another row
order, and the provenance text, all with exact expected values.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from narvaro.data import layers as data
from narvaro.errors import NarvaroError, UnknownNetworkError
from narvaro.offices import office_status
from narvaro.offices.bayes import bayes_presence
from narvaro.offices.draws import (
    END_2020,
    NetworkDraws,
    OfficeDraws,
    _draw_pairs,
    _kept_given_existed,
    _pair_weights,
    _status_array,
    _union,
    conditional_bernoulli,
    joint_sample,
    office_draws,
)

CODES = pd.Index(["0114", "0115", "0117", "0120", "0125"], name="kommunkod")
NAMES = ["Upplands Väsby", "Vallentuna", "Österåker", "Värmdö", "Ekerö"]


def _part(name: str, statuses: list[str], p: list[float], kommun_mask: list[list[bool]]) -> NetworkDraws:
    """A hand-made network over CODES: one office per kommun that may have one."""
    km = np.array(kommun_mask, dtype=bool)
    has = [i for i, s in enumerate(statuses) if s != "none"]
    offices = gpd.GeoDataFrame(
        {
            "office_id": [f"{name}-{CODES[i]}" for i in has],
            "kommunkod": [CODES[i] for i in has],
            "p_office": [p[i] for i in has],
        },
        geometry=[Point(670000 + 1000 * i, 6580000) for i in has],
        crs="EPSG:3006",
    )
    status = pd.DataFrame({"kommunkod": list(CODES), "kommunnamn": NAMES, "status": statuses, "rule": "x"})
    return NetworkDraws(
        name=name,
        offices=offices,
        mask=km[:, has],
        kommun_mask=km,
        p_kommun=pd.Series(p, index=CODES, name="p_kommun"),
        p_drawn=pd.Series(km.mean(axis=0), index=CODES, name="p_drawn"),
        status=status,
    )


def _two_parts() -> tuple[NetworkDraws, NetworkDraws]:
    af = _part(
        "af_2020",
        ["confirmed", "none", "unknown", "none", "unknown"],
        [1.0, 0.0, 0.5, 0.0, 0.25],
        [[1, 0, 1, 0, 0], [1, 0, 0, 0, 1], [1, 0, 1, 0, 0], [1, 0, 0, 0, 0]],
    )
    ssc = _part(
        "ssc_2020",
        ["none", "none", "none", "confirmed", "unknown"],
        [0.0, 0.0, 0.0, 1.0, 0.5],
        [[0, 0, 0, 1, 1], [0, 0, 0, 1, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1]],
    )
    return af, ssc


def _office_draws_of(parts: dict[str, NetworkDraws], **kw) -> OfficeDraws:
    base = {"n": 4, "seed": 9, "networks": tuple(parts), "counts": {}, "models": {}}
    base.update(kw)
    return OfficeDraws(**base, _parts=parts)


# --------------------------------------------------------------------------------------
# The union of networks
# --------------------------------------------------------------------------------------
def test_union_of_two_hand_made_networks():
    af, ssc = _two_parts()
    u = _union("af_2020+ssc_2020", [af, ssc])
    assert u.name == "af_2020+ssc_2020"
    # offices concatenated with a fresh index, in EPSG:3006
    assert list(u.offices["office_id"]) == [
        "af_2020-0114", "af_2020-0117", "af_2020-0125", "ssc_2020-0120", "ssc_2020-0125",
    ]  # fmt: skip
    assert list(u.offices.index) == [0, 1, 2, 3, 4]
    assert u.offices.crs.to_epsg() == 3006
    np.testing.assert_array_equal(u.mask, np.hstack([af.mask, ssc.mask]))
    expected_km = np.array([[1, 0, 1, 1, 1], [1, 0, 0, 1, 1], [1, 0, 1, 1, 0], [1, 0, 0, 1, 1]], dtype=bool)
    np.testing.assert_array_equal(u.kommun_mask, expected_km)
    # 1 - (1 - p_af) (1 - p_ssc): orgs drawn independently
    assert u.p_kommun.name == "p_kommun"
    assert u.p_kommun.index.equals(CODES) and u.p_kommun.index.name == "kommunkod"
    np.testing.assert_array_equal(u.p_kommun.to_numpy(), [1.0, 0.0, 0.5, 1.0, 0.625])
    assert u.p_drawn.name == "p_drawn"
    assert u.p_drawn.index.equals(CODES)
    np.testing.assert_array_equal(u.p_drawn.to_numpy(), [1.0, 0.0, 0.5, 1.0, 0.75])
    st = u.status
    assert list(st.columns) == ["kommunkod", "kommunnamn", "status", "status_af_2020", "status_ssc_2020"]
    assert list(st["kommunkod"]) == list(CODES) and list(st["kommunnamn"]) == NAMES
    assert list(st["status"]) == ["confirmed", "none", "unknown", "confirmed", "unknown"]
    assert list(st["status_af_2020"]) == ["confirmed", "none", "unknown", "none", "unknown"]
    assert list(st["status_ssc_2020"]) == ["none", "none", "none", "confirmed", "unknown"]
    assert u.describe() == "4 joint office draws"


def test_union_through_office_draws_indexing_and_its_provenance():
    af, ssc = _two_parts()
    od = _office_draws_of(
        {"af_2020": af, "ssc_2020": ssc}, counts={"ssc_2020": 2}, models={"ssc_2020": "log population"}
    )
    u = od["af_2020 + ssc_2020"]  # parts are stripped
    np.testing.assert_array_equal(u.p_kommun.to_numpy(), [1.0, 0.0, 0.5, 1.0, 0.625])
    assert u.name == "af_2020+ssc_2020"
    assert list(u.status.columns[-2:]) == ["status_af_2020", "status_ssc_2020"]
    line = (
        "4 joint office draws, seed 9, Bayesian logistic presence model with a län random intercept "
        "(log population; posterior draws), "
        "conditioned on SSC 2 kommuner (Dec 2020)"
    )
    assert od.describe() == line
    assert u.describe() == line and od["af_2020"].describe() == line
    with pytest.raises(
        UnknownNetworkError, match=r"no draws for 'af_2020\+af_2021'; drawn: af_2020, ssc_2020"
    ):
        od["af_2020+af_2021"]


def test_combined_status_needs_one_table_per_part():
    af, ssc = _two_parts()
    with pytest.raises(ValueError, match="zip"):
        _union("af_2020+ssc_2020+ssc_2019", [af, ssc])
    with pytest.raises(ValueError, match="zip"):
        _union("af_2020", [af, ssc])


def test_union_of_real_draws_matches_its_parts():
    d = office_draws(("af_2020", "ssc_2020"), n=60, seed=1)
    a, s = d["af_2020"], d["ssc_2020"]
    u = d["af_2020+ssc_2020"]
    np.testing.assert_allclose(
        u.p_kommun.to_numpy(),
        1 - (1 - a.p_kommun.to_numpy()) * (1 - s.p_kommun.to_numpy()),
        rtol=0,
        atol=1e-15,
    )
    assert u.p_kommun.index.equals(a.p_kommun.index)
    np.testing.assert_array_equal(u.p_drawn.to_numpy(), (a.kommun_mask | s.kommun_mask).mean(axis=0))
    sa, ss = a.status["status"].to_numpy(), s.status["status"].to_numpy()
    expected = np.where(
        (sa == "confirmed") | (ss == "confirmed"),
        "confirmed",
        np.where((sa == "none") & (ss == "none"), "none", "unknown"),
    )
    assert (expected == "unknown").any() and (expected == "none").any() and (expected == "confirmed").any()
    np.testing.assert_array_equal(u.status["status"].to_numpy(), expected)
    np.testing.assert_array_equal(u.status["status_af_2020"].to_numpy(), sa)
    np.testing.assert_array_equal(u.status["status_ssc_2020"].to_numpy(), ss)
    assert list(u.offices.index) == list(range(len(a.offices) + len(s.offices)))


# --------------------------------------------------------------------------------------
# Pair weights and fixed kommuner
# --------------------------------------------------------------------------------------
def test_pair_weights_by_hand():
    s_a = np.array(["unknown", "confirmed", "none", "unknown", "confirmed", "none", "none"])
    s_b = np.array(["unknown", "unknown", "unknown", "confirmed", "none", "confirmed", "unknown"])
    p_a = np.array([0.25, 0.5, 0.5, 0.5, 0.5, 0.25, 1.0])
    q_keep = np.array([0.5, 0.75, 0.5, 0.5, 1.0, 0.5, 0.5])
    q_new = np.array([0.25, 0.5, 1.0, 0.0, 0.5, 0.0, 0.5])
    w = _pair_weights(s_a, s_b, p_a, q_keep, q_new)
    expected = np.array(
        [
            [0.5625, 0.125, 0.1875, 0.125],  # both unknown: (1-p)(1-qn), p(1-qk), (1-p)qn, p qk
            [0.0, 0.125, 0.0, 0.375],  # earlier confirmed
            [0.0, 0.0, 0.5, 0.0],  # earlier none, certain opening
            [0.0, 0.0, 0.0, 0.25],  # later confirmed, no opening possible
            # broken (the coupling allows no state the statuses allow): independent halves,
            # p * 0.5 + 0.25 (present) or (1 - p) * 0.5 + 0.25 (absent), allowed states only
            [0.0, 0.5, 0.0, 0.0],  # confirmed then none, but always kept
            [0.0, 0.0, 0.625, 0.0],  # none then confirmed, but nothing opens
            [0.25, 0.0, 0.25, 0.0],  # status none where the model's P is 1 (an override)
        ]
    )
    np.testing.assert_array_equal(w, expected)


def test_pair_weights_raise_when_no_state_is_left():
    # only an out-of-range probability leaves even the independent fallback no state
    with pytest.raises(
        NarvaroError, match=r"a kommun's statuses allow no state \(confirmed and none at once\?\)"
    ):
        _pair_weights(
            np.array(["none"]), np.array(["unknown"]), np.array([1.5]), np.array([0.5]), np.array([0.0])
        )


def test_draw_pairs_with_every_kommun_fixed():
    w = np.array([[0.0, 0.0, 0.0, 0.3], [0.2, 0.0, 0.0, 0.0], [0.0, 0.7, 0.0, 0.0]])
    rng = np.random.default_rng(0)
    a, b = _draw_pairs(w, 2, 1, 3, rng)
    np.testing.assert_array_equal(a, [[True, False, True]] * 3)
    np.testing.assert_array_equal(b, [[True, False, False]] * 3)
    assert rng.random() == np.random.default_rng(0).random()  # nothing left to draw
    with pytest.raises(NarvaroError, match=r"the known kommuner do not match the published counts \(1, 1\)"):
        _draw_pairs(w, 1, 1, 3, rng)
    with pytest.raises(NarvaroError, match=r"do not match the published counts \(2, 2\)"):
        _draw_pairs(w, 2, 2, 3, rng)


def test_joint_sample_with_an_impossible_item_raises_cleanly():
    w = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.2, 0.8, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero on the way
        with pytest.raises(
            NarvaroError, match=r"no assignment of the 3 open items reaches the required totals \(1, 0\)"
        ):
            joint_sample(w, 1, 0, 5, np.random.default_rng(0))


class _ZeroStream:
    """A random stream whose every uniform is exactly 0 (a value numpy's random() can return)."""

    def random(self, size):
        return np.zeros(size)


def test_a_uniform_of_zero_never_picks_an_impossible_state():
    out = joint_sample(np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.4, 0.6]]), None, None, 3, _ZeroStream())
    np.testing.assert_array_equal(out, [[1, 2]] * 3)
    x = conditional_bernoulli([1.0, 0.3, 0.0], 1, 2, _ZeroStream())
    np.testing.assert_array_equal(x, [[True, False, False]] * 2)


def test_more_fixed_kommuner_than_the_count_is_an_error():
    # two kommuner fixed with an office, one open, a count of 1: one below what is fixed
    w = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    with pytest.raises(NarvaroError, match=r"the required totals \(-1, 0\) are below what is already fixed"):
        _draw_pairs(w, 1, 0, 4, np.random.default_rng(0))
    with pytest.raises(NarvaroError, match=r"the required totals \(0, -2\) are below what is already fixed"):
        joint_sample(w, 0, -2, 4, np.random.default_rng(0))


# --------------------------------------------------------------------------------------
# Status arrays, P(kept | existed), the chains
# --------------------------------------------------------------------------------------
def test_status_array_follows_the_codes_and_fills_unknown():
    table = pd.DataFrame({"kommunkod": ["0125", "0115", "0114"], "status": ["none", "confirmed", "none"]})
    out = _status_array(table, pd.Index(["0114", "0115", "0117", "0125"]))
    assert list(out) == ["none", "confirmed", "unknown", "none"]


def test_kept_given_existed_is_one_off_a_sourced_closing_list():
    # out of order and a subset: the result follows ``codes``
    codes = pd.Index(
        ["0305", "0115", "0114", "0180", "0509", "0513", "0765", "0760", "2280"], name="kommunkod"
    )
    m = bayes_presence("af_2020")
    model = pd.DataFrame(m.sample(3, np.random.default_rng(0)), columns=m.index).reindex(columns=codes).to_numpy()
    q = _kept_given_existed(model, codes)
    # Stockholms län (0115), Östergötland (0509), Kronoberg (0765): off the closing list -> kept
    kept = np.array([False, True, False, False, True, False, True, False, False])
    assert (model[:, kept] < 1.0).all()  # the model alone would not say so
    np.testing.assert_array_equal(q[:, kept], 1.0)
    # on a closing list (0114, 0180, 0513, 0760) or in a county without one (0305, 2280): the model
    np.testing.assert_array_equal(q[:, ~kept], model[:, ~kept])
    assert (q[:, ~kept] < 1.0).all()


def test_af_2020_in_the_two_kommuner_re_added_by_the_june_changes():
    """Härnösand and Ragunda: an office at the end of 2020 (confirmed) but af_2020 unknown; their
    af_2020 office is drawn with P(kept | existed), independently in each draw."""
    codes = pd.Index(sorted(data.kommun_codes()), name="kommunkod")
    q = bayes_presence("af_2020").p_mean().reindex(codes)
    d = office_draws(("af_2020",), n=1000, seed=2)
    a20, end = d["af_2020"], d[END_2020]
    st = a20.status.set_index("kommunkod")["status"]
    st_end = end.status.set_index("kommunkod")["status"]
    for kod in ("2280", "2303"):
        assert st[kod] == "unknown" and st_end[kod] == "confirmed"
        assert abs(a20.p_kommun[kod] - q[kod]) < 0.05  # posterior mean over 200 posterior draws
        assert abs(a20.p_drawn[kod] - a20.p_kommun[kod]) < 4 * np.sqrt(q[kod] * (1 - q[kod]) / 1000)
    i, j = codes.get_loc("2280"), codes.get_loc("2303")
    assert (a20.kommun_mask[:, i] != a20.kommun_mask[:, j]).any()


def test_ssc_chain_probabilities():
    """Unknown in both years: one event with the ssc_2020 model's P (so the same P in both years);
    unknown in 2019 but opened in June 2020: the ssc_2019 model's P for 2019."""
    codes = pd.Index(sorted(data.kommun_codes()), name="kommunkod")
    d = office_draws(("ssc_2019",), n=1000, seed=4)
    p19 = bayes_presence("ssc_2019").p_mean().reindex(codes)
    p20 = bayes_presence("ssc_2020").p_mean().reindex(codes)
    s19 = d["ssc_2019"].status.set_index("kommunkod")["status"].reindex(codes)
    s20 = d["ssc_2020"].status.set_index("kommunkod")["status"].reindex(codes)
    both = (s19 == "unknown") & (s20 == "unknown")
    assert both.sum() > 200 and (p19[both] - p20[both]).abs().max() > 0.05
    np.testing.assert_allclose(d["ssc_2019"].p_kommun[both], d["ssc_2020"].p_kommun[both], rtol=1e-12)
    assert (d["ssc_2019"].p_kommun[both] - p20[both]).abs().max() < 0.06
    np.testing.assert_array_equal(d["ssc_2019"].kommun_mask[:, both.to_numpy()],
                                  d["ssc_2020"].kommun_mask[:, both.to_numpy()])
    opened = ["1737", "2021", "2421", "2463"]
    assert (s19[opened] == "unknown").all() and (s20[opened] == "confirmed").all()
    assert (d["ssc_2019"].p_kommun[opened] - p19[opened]).abs().max() < 0.06
    np.testing.assert_array_equal(d["ssc_2020"].p_kommun[opened], 1.0)


@pytest.mark.parametrize("network", ["af_2020", "ssc_2020"])
def test_status_override_in_another_row_order_gives_the_same_draws(network):
    nets = ("af_2020",) if network == "af_2020" else ("ssc_2020",)
    plain = office_draws(nets, n=40, seed=5)
    table = office_status(network).iloc[::-1].reset_index(drop=True)
    turned = office_draws(nets, n=40, seed=5, status={network: table})
    for net in plain:
        np.testing.assert_array_equal(turned[net].kommun_mask, plain[net].kommun_mask)
        np.testing.assert_array_equal(turned[net].p_kommun.to_numpy(), plain[net].p_kommun.to_numpy())
        assert list(turned[net].status["status"]) == list(plain[net].status["status"])


def test_network_draws_series_names_and_index():
    d = office_draws(("ssc_2020",), n=20, seed=0)
    assert d.keys() == ["ssc_2020", "ssc_2019"]
    for net in ("ssc_2019", "ssc_2020"):
        nd = d[net]
        assert nd.p_kommun.name == "p_kommun" and nd.p_drawn.name == "p_drawn"
        assert nd.p_kommun.index.name == "kommunkod" and nd.p_drawn.index.name == "kommunkod"
        assert nd.p_kommun.index.equals(pd.Index(sorted(data.kommun_codes())))
    # only the SSC models: the AF chain was not drawn
    assert sorted(d.models) == ["ssc_2019", "ssc_2020"]
    assert d.counts == {"ssc_2020": 110}


def test_default_number_of_draws_and_a_single_draw():
    d = office_draws(("ssc_2020",), seed=0)
    assert d.n == 1000 and d["ssc_2020"].kommun_mask.shape == (1000, 290)
    one = office_draws(("ssc_2020",), n=1, seed=0)
    assert one.n == 1 and one["ssc_2020"].kommun_mask.shape == (1, 290)
    assert one["ssc_2020"].n_kommuner.tolist() == [110]
    assert one.describe().startswith("1 joint office draws, seed 0, ")


def test_bad_requests_say_why():
    with pytest.raises(UnknownNetworkError, match=r"cannot draw \['af_2021'\]; choose from \['af_2019', "):
        office_draws(("af_2020", "af_2021"), n=5)
    with pytest.raises(NarvaroError, match="n must be at least 1, not 0"):
        office_draws(("af_2019",), n=0)


# --------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------
def test_describe_exact_text():
    od = _office_draws_of(
        {},
        n=5,
        seed=3,
        counts={"ssc_2019": 97, "ssc_2020": 110, END_2020: 106},
        models={"ssc_2019": "residence town, log population", "af_2019": "log population"},
    )
    assert od.describe() == (
        "5 joint office draws, seed 3, Bayesian logistic presence model with a län random intercept "
        "(log population, residence town; posterior draws), conditioned on ssc_2019 97 kommuner, "
        "SSC 110 kommuner (Dec 2020), AF 106 kommuner (end 2020)"
    )
    bare = _office_draws_of({}, n=1, seed=0, models={"af_2019": "log largest tätort, FA-region centre"})
    assert bare.describe() == (
        "1 joint office draws, seed 0, Bayesian logistic presence model with a län random intercept "
        "(log largest tätort, FA-region centre; posterior draws), conditioned on no published count"
    )
