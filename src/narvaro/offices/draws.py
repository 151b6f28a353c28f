"""Joint office draws: complete office sets consistent with everything known.

:func:`office_draws` draws ``n`` complete office networks. In every draw each confirmed office
is present, each kommun with status "none" has no office, and each unknown kommun has an
office with the presence model's probability (:func:`narvaro.offices.model.presence_model`),
conditioned *exactly* on the published number of kommuner with an office where one exists
(:func:`narvaro.offices.sources.published_kommun_count`).

How the networks are coupled
----------------------------
Each org is drawn as one chain of two networks, kommun by kommun, as a pair of states
(earlier, later) with weights from the models, and the pairs are drawn jointly and exactly
conditioned on both published counts (a two-count conditional-Bernoulli sampler: dynamic
programming over the kommuner for the weight of reaching each remaining pair of counts,
then sequential sampling of all draws at once; :func:`joint_sample`).

AF: (af_2019, end-2020 network ``af_2020+af_2020_changes``).
    af_2019 is conditioned on 218 kommuner (Publikt 2020-10-23: offices in 218 kommuner at
    the start of 2019), the end-2020 network on 106 kommuner (same page: 106 kommuner at the
    end of 2020, with the June 2020 changes). The end-2020 network lies inside af_2019 in
    every draw (the 2019 decision and the June 2020 changes opened no office); a kommun keeps
    an office with P(kept | existed) = the af_2020 model evaluated with ``previous_status = 1``.
    ``af_2020`` itself (the 106 *offices* kept by the 2019 decision) has no published kommun
    count; it is derived from the end-2020 draw: the June 2020 changes only added back
    offices in kommuner whose af_2020 status is known (four "none") or, for the two kommuner
    where it is unknown (Härnösand, Ragunda: no page says whether another office there was
    kept), drawn with P(kept | existed). So af_2020 ⊆ end-2020 ⊆ af_2019 in every draw.
SSC: (ssc_2019, ssc_2020).
    ssc_2020 is conditioned on 110 kommuner (Ds 2020:29); ssc_2019 has no kommun count. A
    kommun unknown in both years has an office in both or in neither (drawn with the ssc_2020
    model's probability), and a June 2020 opening kommun may or may not have had one in 2019
    (ssc_2019 model). This is a modelling assumption, no longer a status rule: the
    "113 + 4 = 117, nothing closed" deduction was dropped from :mod:`narvaro.offices.status`
    (Sollefteå opened in November 2019 while the count stayed 113, and the count was 116 in
    May 2021), so a servicekontor that opened or closed unannounced in 2019-2020 is not
    represented. Where a kommun's statuses contradict the assumption the statuses win.

AF and SSC are drawn independently, each from its own random stream (``[seed, org]``), so a
network's draws do not depend on which other networks were asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..data import layers as data
from ..errors import NarvaroError, UnknownNetworkError
from .bayes import DEDUCED_RULES, bayes_presence
from .lists import network_table
from .model import FEATURE_LABELS, offices_with_candidates
from .sources import published_kommun_count
from .status import COUNTY_CLOSING_SETS, office_status

__all__ = [
    "END_2020",
    "NetworkDraws",
    "OfficeDraws",
    "conditional_bernoulli",
    "joint_sample",
    "office_draws",
    "split_scenario",
]

#: The end-2020 AF network (the 106 offices kept by the 2019 decision plus the June 2020 changes).
END_2020 = "af_2020+af_2020_changes"
#: Networks drawn per org, (earlier, later) pair first.
ORG_CHAINS = {
    "af": ("af_2019", END_2020),
    "ssc": ("ssc_2019", "ssc_2020"),
}
#: Networks :func:`office_draws` can return, and their org.
DRAWABLE = {"af_2019": "af", "af_2020": "af", END_2020: "af", "ssc_2019": "ssc", "ssc_2020": "ssc"}
_ORG_STREAM = {"af": 0, "ssc": 1}
#: The four pair states of a kommun: (earlier network, later network).
PAIRS = ((0, 0), (1, 0), (0, 1), (1, 1))
_DA = np.array([a for a, _ in PAIRS])
_DB = np.array([b for _, b in PAIRS])


# --------------------------------------------------------------------------------------
# The sampler
# --------------------------------------------------------------------------------------
def _shift(f: np.ndarray, da: int, db: int) -> np.ndarray:
    """``out[a, b] = f[a - da, b - db]`` (0 where the index is negative)."""
    out = np.zeros_like(f)
    out[da:, db:] = f[: f.shape[0] - da, : f.shape[1] - db]
    return out


def joint_sample(
    weights: np.ndarray,
    count_a: int | None,
    count_b: int | None,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw pair states for ``m`` items, exactly conditioned on the totals of both components.

    Each item ``i`` takes one of the states :data:`PAIRS` ((0,0), (1,0), (0,1), (1,1)) with
    probability proportional to ``weights[i]``, independently, conditioned on
    ``sum(a) == count_a`` and ``sum(b) == count_b`` (``None``: that total is free). Exact:
    a backward pass computes, for every item and every remaining pair of totals, the weight
    of completing them with the items that follow; each draw then samples the items in order
    from the exact conditional distribution. All ``n`` draws are sampled together.

    Parameters
    ----------
    weights : ndarray, shape (m, 4)
        Non-negative weights of the four states per item (0 = impossible).
    count_a, count_b : int or None
        Required totals of the first and the second component.
    n : int
        Number of draws.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    ndarray of int8, shape (n, m)
        The state index (0..3) of every item in every draw.

    Raises
    ------
    NarvaroError
        If no assignment reaches the totals.
    """
    w = np.asarray(weights, dtype=float)
    m = len(w)
    da = _DA if count_a is not None else np.zeros(4, int)
    db = _DB if count_b is not None else np.zeros(4, int)
    big_a = int(count_a) if count_a is not None else 0
    big_b = int(count_b) if count_b is not None else 0
    if big_a < 0 or big_b < 0:
        raise NarvaroError(f"the required totals ({count_a}, {count_b}) are below what is already fixed")
    table = np.zeros((m + 1, big_a + 1, big_b + 1))
    table[m, 0, 0] = 1.0
    for i in range(m - 1, -1, -1):
        acc = np.zeros((big_a + 1, big_b + 1))
        for k in range(4):
            if w[i, k] > 0:
                acc += w[i, k] * _shift(table[i + 1], da[k], db[k])
        top = acc.max()
        table[i] = acc / top if top > 0 else acc  # per-level scale: ratios within a level stay exact
    if not table[0, big_a, big_b] > 0:
        raise NarvaroError(
            f"no assignment of the {m} open items reaches the required totals ({count_a}, {count_b})"
        )
    a = np.full(n, big_a)
    b = np.full(n, big_b)
    u = rng.random((n, m))
    out = np.empty((n, m), dtype=np.int8)
    for i in range(m):
        nxt = table[i + 1]
        probs = np.empty((n, 4))
        for k in range(4):
            ra, rb = a - da[k], b - db[k]
            ok = (ra >= 0) & (rb >= 0)
            probs[:, k] = w[i, k] * np.where(ok, nxt[np.maximum(ra, 0), np.maximum(rb, 0)], 0.0)
        cum = probs.cumsum(axis=1)
        pick = np.argmax(cum > (u[:, i] * cum[:, -1])[:, None], axis=1)
        out[:, i] = pick
        a -= da[pick]
        b -= db[pick]
    if (a != 0).any() or (b != 0).any():  # pragma: no cover - guarded by the backward pass
        raise NarvaroError("internal error: a draw missed the required totals")
    return out


def conditional_bernoulli(p: Sequence[float], m: int | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """Independent Bernoulli(``p``) items conditioned exactly on ``m`` successes (None: free).

    Returns
    -------
    ndarray of bool, shape (n, len(p))
    """
    p = np.asarray(p, dtype=float)
    w = np.zeros((len(p), 4))
    w[:, 0], w[:, 1] = 1 - p, p
    return _DA[joint_sample(w, m, None, n, rng)].astype(bool)


# --------------------------------------------------------------------------------------
# Per-kommun pair weights from statuses and models
# --------------------------------------------------------------------------------------
def _allowed(status: np.ndarray) -> np.ndarray:
    """(m, 2) bool: may the network be absent (col 0) / present (col 1) given its status."""
    return np.column_stack([status != "confirmed", status != "none"])


def _pair_weights(
    s_a: np.ndarray,
    s_b: np.ndarray,
    p_a: np.ndarray,
    q_keep: np.ndarray,
    q_new: np.ndarray,
) -> np.ndarray:
    """(m, 4) weights of (a, b) from P(a), P(b | a=1) and P(b | a=0), restricted by the statuses.

    Where the coupling (a zero ``q``) leaves a kommun no state its statuses allow, the
    statuses win: the pair falls back to independent halves.
    """
    al_a, al_b = _allowed(s_a), _allowed(s_b)
    w = np.column_stack([(1 - p_a) * (1 - q_new), p_a * (1 - q_keep), (1 - p_a) * q_new, p_a * q_keep])
    ok = np.column_stack([al_a[:, a] & al_b[:, b] for a, b in PAIRS])
    wr = np.where(ok, w, 0.0)
    broken = wr.sum(axis=1) <= 0
    if broken.any():
        indep = np.column_stack([np.where(a, p_a, 1 - p_a) * 0.5 + 0.25 for a, _ in PAIRS])
        wr[broken] = np.where(ok[broken], indep[broken], 0.0)
    if (wr.sum(axis=1) <= 0).any():
        raise NarvaroError("a kommun's statuses allow no state (confirmed and none at once?)")
    return wr


def _draw_pairs(
    weights: np.ndarray, count_a: int | None, count_b: int | None, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Fix kommuner with one allowed state, draw the rest jointly; return (a, b) bool (n, m)."""
    nz = weights > 0
    fixed = nz.sum(axis=1) == 1
    state = np.broadcast_to(np.argmax(nz, axis=1), (n, len(weights))).copy()
    open_ = np.flatnonzero(~fixed)
    rest_a = None if count_a is None else int(count_a - _DA[state[0, fixed]].sum())
    rest_b = None if count_b is None else int(count_b - _DB[state[0, fixed]].sum())
    if len(open_):
        state[:, open_] = joint_sample(weights[open_], rest_a, rest_b, n, rng)
    elif (rest_a not in (None, 0)) or (rest_b not in (None, 0)):
        raise NarvaroError(f"the known kommuner do not match the published counts ({count_a}, {count_b})")
    return _DA[state].astype(bool), _DB[state].astype(bool)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------
@dataclass
class NetworkDraws:
    """The draws of one network (or a "+" union of networks).

    Attributes
    ----------
    name : str
        The network name.
    offices : GeoDataFrame
        One row per confirmed or candidate office (EPSG:3006); the columns of
        ``load_offices(name, include_candidates=True)`` plus ``p_office`` (P(office) of the
        row's kommun under the model, 1 for a confirmed kommun).
    mask : ndarray of bool, shape (n_draws, n_offices)
        Which office is present in which draw (columns in the row order of ``offices``).
    kommun_mask : ndarray of bool, shape (n_draws, 290)
        Whether each kommun has an office in each draw (columns in kommun_codes() order, sorted).
    p_kommun : Series
        kommunkod -> P(office) under the model before the published counts are imposed (1 / 0
        for known kommuner).
    p_drawn : Series
        kommunkod -> share of the draws with an office.
    status : DataFrame
        The office status table (:func:`narvaro.office_status`).
    """

    name: str
    offices: gpd.GeoDataFrame
    mask: np.ndarray
    kommun_mask: np.ndarray
    p_kommun: pd.Series
    p_drawn: pd.Series
    status: pd.DataFrame
    description: str = ""

    def describe(self) -> str:
        """The provenance line of the joint draws this network's draws belong to."""
        return self.description or f"{len(self.mask)} joint office draws"

    @property
    def n_kommuner(self) -> np.ndarray:
        """Number of kommuner with an office in each draw."""
        return self.kommun_mask.sum(axis=1)


@dataclass
class OfficeDraws:
    """Joint office draws of several networks (see :func:`office_draws`).

    Index by network name (``draws["af_2020"]``) or by a "+" combination
    (``draws["af_2020+ssc_2020"]``: offices concatenated, masks side by side, a kommun
    present where any part is; its ``p_kommun`` is 1 - prod(1 - p) since the orgs are drawn
    independently).

    Attributes
    ----------
    n : int
        Number of draws.
    seed : int
        The seed.
    networks : tuple of str
        The networks asked for (``keys()`` also lists the chain drawn with them).
    counts : dict
        network -> the published kommun count every draw meets.
    models : dict
        network -> the features of its presence model, or the baseline used instead.
    """

    n: int
    seed: int
    networks: tuple[str, ...]
    counts: dict[str, int]
    models: dict[str, str]
    _parts: dict[str, NetworkDraws] = field(repr=False)

    def __getitem__(self, name: str) -> NetworkDraws:
        return replace(self._get(name), description=self.describe())

    def _get(self, name: str) -> NetworkDraws:
        if name in self._parts:
            return self._parts[name]
        parts = split_scenario(name)
        missing = [p for p in parts if p not in self._parts]
        if missing or len(parts) < 2:
            raise UnknownNetworkError(
                f"no draws for {name!r}; drawn: {', '.join(self._parts)} (combine with '+')"
            )
        return _union("+".join(parts), [self._parts[p] for p in parts])

    def __contains__(self, name: object) -> bool:
        try:
            self[str(name)]
        except UnknownNetworkError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def keys(self) -> list[str]:
        """The networks drawn (the requested ones and the chain they are drawn with)."""
        return list(self._parts)

    def describe(self) -> str:
        """One line of provenance: draws, seed, model, the counts conditioned on."""
        used = {f for m in self.models.values() for f in m.split(", ")}
        feats = [label for label in FEATURE_LABELS.values() if label in used]
        counts = ", ".join(_COUNT_LABEL.get(k, k + " {} kommuner").format(v) for k, v in self.counts.items())
        return (
            f"{self.n} joint office draws, seed {self.seed}, Bayesian logistic presence model with "
            f"a län random intercept ({', '.join(feats)}; posterior draws), conditioned on "
            f"{counts or 'no published count'}"
        )


_COUNT_LABEL = {
    "af_2019": "AF {} kommuner (2019)",
    END_2020: "AF {} kommuner (end 2020)",
    "ssc_2020": "SSC {} kommuner (Dec 2020)",
}


def split_scenario(name: str) -> list[str]:
    """The networks a "+" scenario combines, keeping the end-2020 AF network (:data:`END_2020`) whole.

    Examples
    --------
    >>> split_scenario("af_2020+af_2020_changes+ssc_2020")
    ['af_2020+af_2020_changes', 'ssc_2020']
    >>> split_scenario(" af_2019 + ssc_2020")
    ['af_2019', 'ssc_2020']
    """
    parts = [p.strip() for p in str(name).split("+") if p.strip()]
    out: list[str] = []
    for p in parts:
        if out and f"{out[-1]}+{p}" == END_2020:
            out[-1] = END_2020
        else:
            out.append(p)
    return out


def _combine_status(name: str, tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    st = np.column_stack([t["status"].to_numpy() for t in tables])
    out = pd.DataFrame(tables[0][["kommunkod", "kommunnamn"]]).reset_index(drop=True)
    out["status"] = np.where(
        (st == "confirmed").any(axis=1), "confirmed", np.where((st == "none").all(axis=1), "none", "unknown")
    )
    for part, t in zip(split_scenario(name), tables, strict=True):
        out[f"status_{part}"] = t["status"].to_numpy()
    return out


def _union(name: str, parts: Sequence[NetworkDraws]) -> NetworkDraws:
    offices = gpd.GeoDataFrame(
        pd.concat([p.offices for p in parts], ignore_index=True),
        geometry="geometry",
        crs=settings.CRS_COMPUTE,
    )
    km = np.logical_or.reduce([p.kommun_mask for p in parts])
    p_none = np.prod([1 - p.p_kommun.to_numpy() for p in parts], axis=0)
    idx = parts[0].p_kommun.index
    return NetworkDraws(
        name=name,
        offices=offices,
        mask=np.hstack([p.mask for p in parts]),
        kommun_mask=km,
        p_kommun=pd.Series(1 - p_none, index=idx, name="p_kommun"),
        p_drawn=pd.Series(km.mean(axis=0), index=idx, name="p_drawn"),
        status=_combine_status(name, [p.status for p in parts]),
    )


def _network_draws(
    name: str, kommun_mask: np.ndarray, p_kommun: np.ndarray, status: pd.DataFrame, codes: pd.Index
) -> NetworkDraws:
    offices = offices_with_candidates(name)
    col = codes.get_indexer(offices["kommunkod"])
    if (col < 0).any():
        raise NarvaroError(
            f"{name}: offices in unknown kommuner {sorted(set(offices['kommunkod'][col < 0]))}"
        )
    p = pd.Series(p_kommun, index=codes, name="p_kommun")
    offices["p_office"] = p.to_numpy()[col]
    return NetworkDraws(
        name=name,
        offices=offices,
        mask=kommun_mask[:, col],
        kommun_mask=kommun_mask,
        p_kommun=p,
        p_drawn=pd.Series(kommun_mask.mean(axis=0), index=codes, name="p_drawn"),
        status=status,
    )


# --------------------------------------------------------------------------------------
# The orgs
# --------------------------------------------------------------------------------------
def _status_array(table: pd.DataFrame, codes: pd.Index) -> np.ndarray:
    return table.set_index("kommunkod")["status"].reindex(codes).fillna("unknown").to_numpy()


def _marginals(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tot = w.sum(axis=1)
    return (w[:, 1] + w[:, 3]) / tot, (w[:, 2] + w[:, 3]) / tot


def _posterior(network: str, k: int, rng: np.random.Generator, sources: settings.ErrorSources,
               codes: pd.Index) -> np.ndarray:
    """``k`` posterior draws of the Bayesian presence model's P(office), shape (k, len(codes))."""
    m = bayes_presence(network)
    p = m.sample(k, rng, coefficients=sources.coefficients, lan_effects=sources.lan_effects)
    return pd.DataFrame(p, columns=m.index).reindex(columns=codes).to_numpy(float)


def _kept_given_existed(q: np.ndarray, codes: pd.Index) -> np.ndarray:
    """P(office in af_2020 | the kommun had one in 2019), per posterior draw and kommun.

    The model's estimate (``q``, the af_2020 Bayesian model, fitted on kommuner that had a 2019
    office), except in counties whose complete list of closing offices is sourced
    (:data:`narvaro.offices.status.COUNTY_CLOSING_SETS`, e.g. Stockholms län, mitti.se
    2019-05-26): there a kommun off the list that had an office kept it (probability 1), the
    same reading as the status rule ``not_in_county_closing_set``.
    """
    lan = data.load_kommuner().set_index("kommunkod")["lanskod"].reindex(codes).to_numpy()
    closing = set().union(*(kods for kods, _src, _what in COUNTY_CLOSING_SETS.values()))
    kept_for_sure = np.isin(lan, list(COUNTY_CLOSING_SETS)) & ~np.isin(codes, list(closing))
    return np.where(kept_for_sure[None, :], 1.0, q)


def _groups(n: int, sources: settings.ErrorSources) -> list[int]:
    """Office draws per posterior draw: each posterior draw serves a block of the ``n`` draws."""
    if not sources.offices:
        return [1]
    k = min(n, settings.N_POSTERIOR) if (sources.coefficients or sources.lan_effects) else 1
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


def _expand(x: np.ndarray, n: int) -> np.ndarray:
    """Offices off: the single draw repeated ``n`` times."""
    return x if len(x) == n else np.repeat(x, n, axis=0)


def _undeduce(tables: dict[str, pd.DataFrame]) -> None:
    """Draw, not fix, the statuses that rest on absence of later evidence (``ErrorSources.deduced``).

    af_2019 "none" by a rule of :data:`narvaro.offices.bayes.DEDUCED_RULES` becomes "unknown",
    and so does the af_2020 / end-2020 "none" that only follows from it (``af_2020_subset_of_2019``).
    The tables change in place; their ``rule`` column keeps saying why the status was deduced.
    """
    t19 = tables.get("af_2019")
    if t19 is None or "rule" not in t19:
        return
    loose = set(t19.loc[t19["rule"].isin(DEDUCED_RULES) & (t19["status"] == "none"), "kommunkod"])
    t19 = t19.copy()
    t19.loc[t19["kommunkod"].isin(loose), "status"] = "unknown"
    tables["af_2019"] = t19
    for net in ("af_2020", END_2020):
        t = tables.get(net)
        if t is None or "rule" not in t:
            continue
        t = t.copy()
        hit = t["kommunkod"].isin(loose) & (t["status"] == "none") & (t["rule"] == "af_2020_subset_of_2019")
        t.loc[hit, "status"] = "unknown"
        tables[net] = t


def _draw_af(status: Mapping[str, pd.DataFrame], n: int, rng: np.random.Generator, codes: pd.Index,
             sources: settings.ErrorSources = settings.ALL_SOURCES):
    s19 = _status_array(status["af_2019"], codes)
    s_end = _status_array(status[END_2020], codes)
    s20 = _status_array(status["af_2020"], codes)
    sizes = _groups(n, sources)
    p19 = _posterior("af_2019", len(sizes), rng, sources, codes)
    q = _kept_given_existed(_posterior("af_2020", len(sizes), rng, sources, codes), codes)
    c19 = _count("af_2019")
    c_end = _count(END_2020)
    # af_2020 from the end-2020 draw: the June 2020 changes only re-added known offices
    by_change = (s_end == "confirmed") & (s20 == "unknown")
    a_all, b_all, f_all, pa_all, pb_all, p20_all = [], [], [], [], [], []
    for g, size in enumerate(sizes):
        w = _pair_weights(s19, s_end, p19[g], q[g], np.zeros(len(codes)))
        a, b = _draw_pairs(w, c19, c_end, size, rng)
        extra = rng.random((size, len(codes))) < q[g][None, :]
        af20 = np.where(s20 == "confirmed", True, np.where(s20 == "none", False, np.where(by_change, extra, b)))
        af20 &= b
        pa, pb = _marginals(w)
        p20 = np.where(s20 == "confirmed", 1.0, np.where(s20 == "none", 0.0, np.where(by_change, q[g], pb)))
        a_all.append(a)
        b_all.append(b)
        f_all.append(af20)
        pa_all.append(pa * size)
        pb_all.append(pb * size)
        p20_all.append(p20 * size)
    a, b, af20 = (_expand(np.vstack(x), n) for x in (a_all, b_all, f_all))
    pa, pb, p20 = (np.sum(x, axis=0) / sum(sizes) for x in (pa_all, pb_all, p20_all))
    return {"af_2019": (a, pa), END_2020: (b, pb), "af_2020": (af20, p20)}, {"af_2019": c19, END_2020: c_end}


def _ssc_openings_2020() -> set[str]:
    rows = network_table("ssc_2020")
    return set(rows.loc[rows["valid_from"].astype(str).str.startswith("2020-06"), "kommunkod"])


def _draw_ssc(status: Mapping[str, pd.DataFrame], n: int, rng: np.random.Generator, codes: pd.Index,
              sources: settings.ErrorSources = settings.ALL_SOURCES):
    s19 = _status_array(status["ssc_2019"], codes)
    s20 = _status_array(status["ssc_2020"], codes)
    sizes = _groups(n, sources)
    p19 = _posterior("ssc_2019", len(sizes), rng, sources, codes)
    p20 = _posterior("ssc_2020", len(sizes), rng, sources, codes)
    opening = codes.isin(list(_ssc_openings_2020()))
    c19 = _count("ssc_2019")
    c20 = _count("ssc_2020")
    a_all, b_all, pa_all, pb_all = [], [], [], []
    for g, size in enumerate(sizes):
        # unknown in both years: one event (no closure, no other opening) with the ssc_2020
        # model's P; a kommun known in 2020 but not in 2019 keeps its 2019 model P
        p_a = np.where((s20 == "unknown") & (s19 == "unknown"), p20[g], p19[g])
        w = _pair_weights(s19, s20, p_a, np.ones(len(codes)), opening.astype(float))
        a, b = _draw_pairs(w, c19, c20, size, rng)
        pa, pb = _marginals(w)
        a_all.append(a)
        b_all.append(b)
        pa_all.append(pa * size)
        pb_all.append(pb * size)
    a, b = (_expand(np.vstack(x), n) for x in (a_all, b_all))
    pa, pb = (np.sum(x, axis=0) / sum(sizes) for x in (pa_all, pb_all))
    counts = {k: v for k, v in (("ssc_2019", c19), ("ssc_2020", c20)) if v is not None}
    return {"ssc_2019": (a, pa), "ssc_2020": (b, pb)}, counts


def _count(network: str) -> int | None:
    found = published_kommun_count(network)
    return None if found is None else int(found[0])


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------
def office_draws(
    networks: Sequence[str] = ("af_2019", "af_2020", "ssc_2019", "ssc_2020"),
    n: int = 1000,
    seed: int = 0,
    *,
    status: Mapping[str, pd.DataFrame] | None = None,
    sources: settings.ErrorSources = settings.ALL_SOURCES,
) -> OfficeDraws:
    """Draw ``n`` complete office sets per network, jointly, consistent with everything known.

    Parameters
    ----------
    networks : sequence of str
        Any of af_2019, af_2020, af_2020+af_2020_changes (end 2020), ssc_2019, ssc_2020. The
        chain of each org is drawn whole (af_2019 and the end-2020 network for AF; ssc_2019
        and ssc_2020 for SSC), so those networks are in the result too.
    n : int
        Number of draws.
    seed : int
        Seed of the random streams (numpy Generator; the same seed gives the same draws).
    status : mapping, optional
        Status tables to use instead of :func:`office_status` (network -> table with
        ``kommunkod`` and ``status``), e.g. for a complete official list. A table with a
        ``rule`` column is read like the shipped ones (``sources.deduced`` loosens the rows
        whose rule deduced the status from absence of evidence); without one, every status is
        taken as given.
    sources : ErrorSources
        Which sources of error the draws carry (default all): ``offices`` (which unknown
        kommuner have an office; off: one draw repeated ``n`` times, and the switches below
        act through it, so they are on only with it), ``coefficients`` (the presence model's
        intercept, coefficients and closure prior drawn from their posterior; off: posterior
        mean), ``lan_effects`` (the län intercepts drawn; off: posterior mean), ``deduced``
        (statuses deduced from absence of later evidence, :data:`narvaro.offices.bayes.DEDUCED_RULES`,
        drawn like unknown ones; off: fixed). Each posterior draw of the model serves a block
        of ``n / settings.N_POSTERIOR`` office draws, conditioned exactly on the counts.

    Returns
    -------
    OfficeDraws
        Indexable by network name and "+" combinations; see :class:`NetworkDraws`.

    Raises
    ------
    UnknownNetworkError
        For a network that cannot be drawn.
    NarvaroError
        If the known kommuner cannot meet a published count.
    """
    nets = tuple(dict.fromkeys(networks))
    bad = [x for x in nets if x not in DRAWABLE]
    if bad:
        raise UnknownNetworkError(f"cannot draw {bad}; choose from {list(DRAWABLE)}")
    if int(n) < 1:
        raise NarvaroError(f"n must be at least 1, not {n}")
    codes = pd.Index(sorted(data.kommun_codes()), name="kommunkod")
    orgs = [o for o in ORG_CHAINS if any(DRAWABLE[x] == o for x in nets)]
    needed = {x for o in orgs for x in DRAWABLE if DRAWABLE[x] == o}
    tables = {x: office_status(x) for x in needed}
    if status is not None:
        tables.update({k: pd.DataFrame(v) for k, v in status.items() if k in needed})
    if sources.deduced and sources.offices:
        _undeduce(tables)  # rows whose ``rule`` says the status was deduced from absence of evidence
    parts: dict[str, NetworkDraws] = {}
    counts: dict[str, int] = {}
    models: dict[str, str] = {}
    for org in orgs:
        rng = np.random.default_rng([int(seed), _ORG_STREAM[org]])
        drawn, cnt = (_draw_af if org == "af" else _draw_ssc)(tables, int(n), rng, codes, sources)
        counts.update(cnt)
        for name, (mask, p) in drawn.items():
            full = office_status(name)
            st = full.copy()
            st["status"] = _status_array(tables[name], pd.Index(full["kommunkod"]))
            parts[name] = _network_draws(name, mask, p, st, codes)
        for net in ("af_2019", "af_2020") if org == "af" else ("ssc_2019", "ssc_2020"):
            models[net] = ", ".join(FEATURE_LABELS[f] for f in bayes_presence(net).features)
    order = [x for x in (*nets, *DRAWABLE) if x in parts]
    return OfficeDraws(
        n=int(n),
        seed=int(seed),
        networks=nets,
        counts=counts,
        models=models,
        _parts={x: parts[x] for x in dict.fromkeys(order)},
    )
