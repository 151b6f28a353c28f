"""Best estimates and 90 % intervals over joint office draws.

While the office lists are incomplete, every figure has three kinds of number:

best estimate (plain column ``X``)
    The median of ``X`` over the joint office draws (:func:`narvaro.offices.office_draws`):
    complete office sets consistent with everything known, drawn from a validated presence
    model and conditioned on the published counts.
90 % interval (``X_q05``, ``X_q95``)
    The 5th and 95th percentiles of ``X`` over the same draws.
hard bounds (``X_lo``, ``X_hi``)
    What is logically possible (:mod:`narvaro.analysis.bounds`); never replaced by the model.

How the draws are evaluated (one OD pass, then cheap per-draw work)
    Distances and times from every demand point to every office in the draws' universe
    (confirmed and candidate offices) are computed once (road network or estimate). Offices
    present in every draw give each point a fixed nearest distance; a point's value can change
    only through the candidates nearer than that. Per kommun, the draws are reduced to their
    distinct presence patterns over the candidates that matter to its residents (usually a
    handful), each pattern is evaluated once with the same statistics as the point value
    (:func:`narvaro.analysis.metrics.aggregate_arrays`), and the results are mapped back to
    the draws. National figures per draw are sums (residents beyond a threshold, kommuner with
    an office) or population-weighted means of the kommun values; national medians and 90th
    percentiles are not computed per draw (they are given per kommun).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .. import settings
from ..network.distance import circuity, circuity_spread, od_arrays, od_matrix
from ..network.graph import points_xy
from .metrics import group_metric_columns, threshold_label

__all__ = [
    "DRAWS_ATTR",
    "DistanceFactors",
    "DrawValues",
    "ScenarioDraws",
    "distance_sources",
    "evaluate_draws",
    "summarise",
]

#: Key in ``cov.attrs`` of the :class:`DrawValues` that coverage(draws=...) leaves.
DRAWS_ATTR = "narvaro_draws"

#: Work array budget (elements) when one kommun's patterns are evaluated at once.
_CHUNK_ELEMENTS = 20_000_000


class ScenarioDraws(Protocol):
    """What :func:`evaluate_draws` needs of one scenario's draws (``office_draws(...)[name]``)."""

    offices: pd.DataFrame  # one row per confirmed or candidate office (office_id, org, kommunkod, ...)
    mask: np.ndarray  # bool, n_draws x len(offices)


@dataclass(frozen=True)
class DrawValues:
    """Per-draw values of one coverage table (kept in ``cov.attrs[DRAWS_ATTR]``).

    Attributes
    ----------
    per_kommun : mapping column -> ndarray (n_draws, n_kommuner)
    national : mapping column -> ndarray (n_draws,)
    codes : tuple of str
        The kommunkoder, in the table's row order.
    description : str
        One line on the draws (how many, seed, model, conditioning).
    """

    per_kommun: Mapping[str, np.ndarray]
    national: Mapping[str, np.ndarray]
    codes: tuple[str, ...]
    description: str

    @property
    def n_draws(self) -> int:
        return len(next(iter(self.national.values()))) if self.national else 0

    def __deepcopy__(self, memo: dict) -> DrawValues:  # immutable: pandas copies attrs often
        return self

    def __copy__(self) -> DrawValues:
        return self


#: Random streams of the distance sources, apart from the office draws' (``[seed, 0]`` AF,
#: ``[seed, 1]`` SSC), so switching a distance source on or off never changes an office draw.
_SYSTEMATIC_STREAM = 2200
_LOCAL_STREAM = 2201
_DEMAND_STREAM = 2202


def _code_key(code: str) -> int:
    return zlib.crc32(str(code).encode())


@dataclass(frozen=True)
class DistanceFactors:
    """The random parts of the distance sources of one set of draws (circuity, speed, demand).

    Every number depends only on the seed, the draw's position and the kommunkod (and, for
    demand, the point's position inside its kommun), never on the scenario, the organisation
    group or the other switches: the same draw of two scenarios (``compare``) or two groups
    ("af" and "any") meets the same roads, speeds and residents.

    Why per kommun: single trips spread widely around the median circuity (5th-95th
    percentile 0.86-1.34), but the trips of one kommun's residents to their nearest offices
    share the same roads, lakes and fjords, so their errors do not average out inside the
    kommun; across kommuner they do. Each draw therefore puts all of a kommun's trips at one
    quantile ``q`` of :func:`narvaro.circuity` (drawn uniformly; the upper bound on the
    correlation inside a kommun) and multiplies every distance of the draw by one systematic
    factor (lognormal, :data:`narvaro.settings.CIRCUITY_SYSTEMATIC_SIGMA`). Speeds likewise: one
    systematic factor per draw and one per kommun and draw on the times
    (:data:`~narvaro.settings.SPEED_SYSTEMATIC_SIGMA`, :data:`~narvaro.settings.SPEED_LOCAL_SIGMA`).
    Demand placement is per point and draw (where a point's residents live inside its cell
    or disc is independent of the next cell's): a normal offset of the point's straight-line
    (estimate) or road distance with the standard deviation
    :data:`~narvaro.settings.DEMAND_OFFSET_SD_KM` of its ``kind``, at the circuity of the
    point's own trip and, for times, at the estimate speed; the nearest office stays the
    point's.

    Attributes
    ----------
    sources : ErrorSources
        The switches.
    seed : int
        Seed of the streams.
    n_draws : int
    circuity_z, speed_z : ndarray (n_draws,)
        Standard-normal systematic deviates of each draw.
    """

    sources: settings.ErrorSources
    seed: int
    n_draws: int
    circuity_z: np.ndarray
    speed_z: np.ndarray

    @classmethod
    def draw(cls, n_draws: int, seed: int = 0, sources: settings.ErrorSources = settings.ALL_SOURCES,
             ) -> DistanceFactors:
        """The factors of ``n_draws`` draws with ``seed``."""
        z = np.random.default_rng([int(seed), _SYSTEMATIC_STREAM]).standard_normal((int(n_draws), 2))
        return cls(sources=sources, seed=int(seed), n_draws=int(n_draws), circuity_z=z[:, 0], speed_z=z[:, 1])

    def circuity_systematic(self) -> np.ndarray:
        """The systematic circuity factor of each draw (n_draws,)."""
        return np.exp(settings.CIRCUITY_SYSTEMATIC_SIGMA * self.circuity_z)

    def kommun(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """One kommun's circuity quantile (n_draws,) and speed factor on times (n_draws,)."""
        u = np.random.default_rng([self.seed, _LOCAL_STREAM, _code_key(code)]).random((self.n_draws, 2))
        q = np.clip(u[:, 0], 1e-9, 1 - 1e-9)
        speed = np.exp(settings.SPEED_SYSTEMATIC_SIGMA * self.speed_z
                       + settings.SPEED_LOCAL_SIGMA * ndtri(np.clip(u[:, 1], 1e-9, 1 - 1e-9)))
        return q, speed

    def demand_offsets(self, code: str, sd_km: np.ndarray) -> np.ndarray:
        """Offsets (km) of the distances of one kommun's points (n_draws, len(sd_km))."""
        rng = np.random.default_rng([self.seed, _DEMAND_STREAM, _code_key(code)])
        z = rng.standard_normal((self.n_draws, len(sd_km)), dtype=np.float32)
        return z * np.asarray(sd_km, dtype=np.float32)[None, :]


def _demand_sd(demand: Any) -> np.ndarray:
    """Per demand point, the standard deviation (km) of where its residents live (0: exact)."""
    if "kind" not in getattr(demand, "columns", ()):
        return np.zeros(len(demand))
    sd = demand["kind"].map(settings.DEMAND_OFFSET_SD_KM)
    return pd.to_numeric(sd, errors="coerce").fillna(0.0).to_numpy(dtype=float)


def _points_by_kommun(g: np.ndarray, n: int) -> Iterator[tuple[int, np.ndarray]]:
    order = np.argsort(g, kind="stable")
    bounds = np.searchsorted(g[order], np.arange(n + 1))
    for k in range(n):
        yield k, order[bounds[k]:bounds[k + 1]]


def _nearest_values(base: np.ndarray, od: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Value to the nearest present office per (row, point).

    ``base`` (n,) is each point's value to the offices present in every draw, ``od`` (n, s) its
    value to ``s`` variable offices, ``present`` (r, s) which of them exist in each row (a draw
    or a distinct pattern). Each point's candidates are visited nearest first; a row's value is
    fixed by the first present one, so the loop ends as soon as every row is resolved.
    """
    r, s = present.shape
    n = len(base)
    val = np.broadcast_to(base, (r, n)).copy()
    if s == 0 or n == 0:
        return val
    order = np.argsort(od, axis=1, kind="stable")
    od_sorted = np.take_along_axis(od, order, axis=1)
    unresolved = np.ones((r, n), dtype=bool)
    for j in range(s):
        dj = od_sorted[:, j]
        live = dj < base
        if not live.any():
            break
        pres = present[:, order[:, j]] & live[None, :]
        hit = unresolved & pres
        val = np.where(hit, dj[None, :], val)
        unresolved &= ~pres
        if not unresolved[:, live].any():
            break
    return val


def _row_stats(d: np.ndarray, t: np.ndarray | None, w: np.ndarray, group: str, km: Sequence[float],
               mins: Sequence[float], min_per_km: float | None = None, kind: str = "stable",
               ) -> dict[str, np.ndarray]:
    """Per-row statistics of value matrices (rows x points), as :func:`aggregate_arrays` per group.

    Same definitions: reachable points with residents enter means, quantiles (inverted CDF,
    smallest value whose cumulative share >= q) and maxima; unreachable residents count beyond
    every threshold. ``t=None`` with ``min_per_km``: times are ``d * min_per_km`` (estimate
    mode), so their statistics are the distance's scaled (one sort instead of two). ``kind``:
    numpy's sort (the statistics do not depend on the order of equal values).
    """
    if t is None:
        t = d * min_per_km
    reach = np.isfinite(d) & np.isfinite(t)
    use = reach & (w > 0)[None, :]
    wu = np.where(use, w[None, :], 0.0)
    wsum = wu.sum(axis=1)
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, vals in (("dist", d), ("time", t)):
            unit = "km" if name == "dist" else "min"
            if name == "time" and min_per_km is not None:
                for label in ("mean", "median", "p90", "max"):
                    out[f"{group}_time_{label}_min"] = out[f"{group}_dist_{label}_km"] * min_per_km
                continue
            x = np.where(use, vals, np.inf)
            order = np.argsort(x, axis=1, kind=kind)
            xs = np.take_along_axis(x, order, axis=1)
            cw = np.cumsum(np.take_along_axis(wu, order, axis=1), axis=1) / wsum[:, None]
            out[f"{group}_{name}_mean_{unit}"] = np.where(wsum > 0, (np.where(use, vals, 0.0) * wu).sum(axis=1) / wsum,
                                                          np.nan)
            for q, label in ((0.5, "median"), (0.9, "p90")):
                first = np.argmax(cw >= q - 1e-12, axis=1)
                out[f"{group}_{name}_{label}_{unit}"] = np.where(wsum > 0, xs[np.arange(len(xs)), first], np.nan)
            mx = np.where(use, vals, -np.inf).max(axis=1) if vals.shape[1] else np.full(len(vals), -np.inf)
            out[f"{group}_{name}_max_{unit}"] = np.where(np.isfinite(mx), mx, np.nan)
        total = w.sum()
        for values, vals, unit in ((km, d, "km"), (mins, t, "min")):
            for thr in values:
                pop = (np.where(~reach | (vals > thr), w[None, :], 0.0)).sum(axis=1)
                lab = threshold_label(thr, unit)
                out[f"{group}_pop_over_{lab}"] = pop
                out[f"{group}_share_over_{lab}"] = pop / total if total > 0 else np.full(len(pop), np.nan)
        out[f"{group}_pop_unreachable"] = np.where(reach, 0.0, w[None, :]).sum(axis=1)
    return out


def _modal_nearest(base_idx: np.ndarray, base_t: np.ndarray, od_t: np.ndarray, cols: np.ndarray,
                   pattern: np.ndarray, w: np.ndarray) -> int:
    """Universe index of the office nearest by time for most residents under one pattern."""
    idx = base_idx.copy()
    if len(cols):
        cand = np.where(pattern[None, :], od_t, np.inf)
        j = cand.argmin(axis=1)
        better = cand[np.arange(len(j)), j] < base_t
        idx[better] = cols[j[better]]
    ok = idx >= 0
    if not ok.any():
        return -1
    votes = np.bincount(idx[ok], weights=w[ok] + 1e-9)
    return int(votes.argmax())


def _kommun_nearest_over_draws(base_idx: np.ndarray, base_t: np.ndarray, od_t: np.ndarray, cols: np.ndarray,
                               patterns: np.ndarray, counts: np.ndarray, w: np.ndarray) -> int:
    """The kommun's nearest office: in each draw the office nearest by time for most residents, then
    the office that is so in the most draws (ties: the lower universe index); -1 where most draws
    give its residents no reachable office.

    Each distinct pattern is evaluated once and counts as often as draws have it, so an office
    present in 95 % of the draws is not outvoted by the single most frequent pattern of its
    neighbours (a kommun with many candidate neighbours has many patterns).
    """
    votes: dict[int, int] = {}
    for pattern, count in zip(patterns, counts, strict=True):
        if count == 0:
            continue
        office = _modal_nearest(base_idx, base_t, od_t, cols, pattern, w)
        votes[office] = votes.get(office, 0) + int(count)
    if not votes:
        return -1
    # -1 (no reachable office) wins only where it is so in the most draws
    return min(votes, key=lambda k: (-votes[k], k < 0, k))


def evaluate_draws(demand: Any, w: np.ndarray, g: np.ndarray, codes: pd.Index, universe: pd.DataFrame,
                   mask: np.ndarray, graph: Any, group: str, km: Sequence[float], mins: Sequence[float],
                   sources: settings.ErrorSources = settings.ALL_SOURCES, seed: int = 0,
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], pd.DataFrame]:
    """Per-draw metrics of one organisation group.

    Parameters
    ----------
    demand : GeoDataFrame
        Demand points (EPSG:3006), aligned with ``w`` (residents) and ``g`` (kommun index).
    codes : Index
        Kommunkoder in table order (``g`` indexes into it).
    universe : DataFrame
        The group's confirmed and candidate offices (``office_id``, ``name``, ``kommunkod``,
        ``basis``, geometry).
    mask : ndarray of bool, (n_draws, len(universe))
        Which offices exist in each draw.
    graph : RoadGraph or None
        Road network; None = estimate mode.
    group, km, mins
        Group name and thresholds, as for :func:`narvaro.analysis.coverage.coverage`.
    sources : ErrorSources
        Which distance sources the draws carry besides the offices (see
        :class:`DistanceFactors`): ``circuity`` (estimate mode), ``speed`` (road mode's times;
        estimate mode's 60 km/h is an assumption, not drawn), ``demand`` (points with a
        ``kind``). All off: each distinct office pattern is evaluated once, as the point value.
    seed : int
        Seed of the distance sources' random streams (the office draws' seed).

    Returns
    -------
    per_kommun : dict column -> ndarray (n_draws, n_kommuner)
    national : dict column -> ndarray (n_draws,)
    nearest : DataFrame
        Per kommun (index ``codes``): the office nearest by time for most residents in the
        kommun's most frequent pattern (``name``, ``office_id``, ``kommunkod``, ``basis``).
    """
    mask = np.asarray(mask, dtype=bool)
    universe = universe.reset_index(drop=True)
    sd = _demand_sd(demand)
    active = _active(sources, graph, sd)
    key = _memo_key(demand, w, g, codes, universe, mask, graph, group, km, mins)
    key += f"|{active}|{int(seed)}|{hashlib.sha256(sd.tobytes()).hexdigest() if active[2] else ''}"
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    factors = DistanceFactors.draw(len(mask), seed, sources) if any(active) else None
    result = _evaluate(demand, w, g, codes, universe, mask, graph, group, km, mins, factors, active, sd)
    _MEMO[key] = result
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return result


#: Results of recent evaluations: the AF part of "af_2020+ssc_2020" is the "af_2020" scenario
#: itself when the draws are coupled, so a report evaluates it once.
_MEMO: OrderedDict[str, tuple] = OrderedDict()
#: Office attributes an evaluation reports per kommun (nearest office); part of the memo key.
_OFFICE_COLUMNS = ("name", "office_id", "kommunkod", "basis")
_MEMO_SIZE = 8


def _memo_key(demand: Any, w: np.ndarray, g: np.ndarray, codes: pd.Index, universe: pd.DataFrame,
              mask: np.ndarray, graph: Any, group: str, km: Sequence[float], mins: Sequence[float]) -> str:
    digest = hashlib.sha256()
    xy = np.column_stack([demand.geometry.x.to_numpy(), demand.geometry.y.to_numpy()])
    oxy = np.column_stack([universe.geometry.x.to_numpy(), universe.geometry.y.to_numpy()])
    for arr in (xy, np.asarray(w, dtype=float), np.asarray(g, dtype=np.int64), oxy, np.packbits(mask, axis=1)):
        digest.update(np.ascontiguousarray(arr).tobytes())
        digest.update(str(arr.shape).encode())
    digest.update("|".join(map(str, codes)).encode())
    for c in _OFFICE_COLUMNS:  # the office attributes the result reports (a missing column too)
        vals = universe[c] if c in universe.columns else ["<no column>"]
        digest.update(f"{c}:{'|'.join(map(str, vals))}".encode())
    digest.update(f"{group}|{tuple(km)}|{tuple(mins)}|{id(graph) if graph is not None else None}".encode())
    return digest.hexdigest()


def distance_sources(sources: settings.ErrorSources, graph: Any, demand: Any) -> list[str]:
    """The distance sources that act on draws evaluated with these switches, graph and demand.

    ``circuity`` in estimate mode (``graph`` None), ``speed`` in road mode, ``demand`` where
    some demand point has a ``kind`` with a placement spread; codes of
    :class:`narvaro.settings.ErrorSources`, for the provenance (``interval_sources``).
    """
    active = _active(sources, graph, _demand_sd(demand))
    return [name for name, on in zip(("circuity", "speed", "demand"), active, strict=True) if on]


def _active(sources: settings.ErrorSources, graph: Any, sd: np.ndarray) -> tuple[bool, bool, bool]:
    """Which distance sources act: (circuity, speed, demand)."""
    estimate = graph is None
    return (bool(sources.circuity and estimate), bool(sources.speed and not estimate),
            bool(sources.demand and (sd > 0).any()))


def _rows_per_chunk(p: int) -> int:
    return max(1, _CHUNK_ELEMENTS // (10 * max(p, 1)))


def _evaluate(demand: Any, w: np.ndarray, g: np.ndarray, codes: pd.Index, universe: pd.DataFrame,
              mask: np.ndarray, graph: Any, group: str, km: Sequence[float], mins: Sequence[float],
              factors: DistanceFactors | None = None, active: tuple[bool, bool, bool] = (False, False, False),
              sd: np.ndarray | None = None,
              ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], pd.DataFrame]:
    n_draws, n_off = mask.shape
    n = len(codes)
    fixed = mask.all(axis=0)
    circ_on, speed_on, demand_on = active
    perturb = factors is not None and any(active)
    od_s = _straight_km(demand, universe) if perturb and graph is None else None
    if od_s is not None:  # the values od_matrix gives (straight km x median circuity), from the same km
        od_d = od_s * circuity(od_s)
        od_t = od_d / settings.ESTIMATE_SPEED_KMH * 60.0
    else:
        od_d, od_t = _od(demand, universe, fixed, graph)
    var = np.flatnonzero(mask.any(axis=0) & ~fixed)
    fixed_idx = np.flatnonzero(fixed)
    if len(fixed_idx):
        base_d = od_d[:, fixed_idx].min(axis=1)
        jt = od_t[:, fixed_idx].argmin(axis=1)
        base_t = od_t[np.arange(len(jt)), fixed_idx[jt]]
        base_idx = np.where(np.isfinite(base_t), fixed_idx[jt], -1)
    else:
        base_d = np.full(len(w), np.inf)
        base_t = np.full(len(w), np.inf)
        base_idx = np.full(len(w), -1)
    if od_s is not None:
        base_s = od_s[:, fixed_idx].min(axis=1) if len(fixed_idx) else np.full(len(w), np.inf)
    matters = (od_d[:, var] < base_d[:, None]) | (od_t[:, var] < base_t[:, None])

    per_kommun: dict[str, np.ndarray] = {}
    names = group_metric_columns(group, km, mins, include_office=False)
    for col in names:
        per_kommun[col] = np.empty((n_draws, n))
    reach_pop = np.empty((n_draws, n))
    nearest_rows = []
    for k, pts in _points_by_kommun(g, n):
        cols = var[matters[pts].any(axis=0)] if len(pts) else var[:0]
        if len(cols):
            patterns, inverse = np.unique(mask[:, cols], axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
        else:
            patterns, inverse = np.zeros((1, 0), dtype=bool), np.zeros(n_draws, dtype=np.int64)
        u = len(patterns)
        if perturb:
            if od_s is not None:  # estimate mode: the nearest office by straight line is the nearest by any circuity
                s_pat = _nearest_values(base_s[pts], od_s[np.ix_(pts, cols)], patterns)
                d_pat = t_pat = None
            else:
                s_pat = None
                d_pat = _nearest_values(base_d[pts], od_d[np.ix_(pts, cols)], patterns)
                t_pat = _nearest_values(base_t[pts], od_t[np.ix_(pts, cols)], patterns)
            code = str(codes[k])
            q_k, speed_k = factors.kommun(code)
            offsets = factors.demand_offsets(code, sd[pts]) if demand_on else None
            min_per_km = None
            if s_pat is not None:  # circuity at each point's own trip, per pattern (cheap), then per draw
                min_per_km = 60.0 / settings.ESTIMATE_SPEED_KMH
                med = circuity(s_pat)
                if circ_on:
                    lo, hi = circuity_spread(s_pat)
                    z = ndtri(q_k)
                    sys_k = factors.circuity_systematic()
            step = _rows_per_chunk(len(pts))
            for r0 in range(0, n_draws, step):
                rows = slice(r0, min(r0 + step, n_draws))
                inv = inverse[rows]
                if s_pat is not None:
                    s_km = s_pat[inv]
                    if offsets is not None:
                        s_km = np.maximum(s_km + offsets[rows], 0.0)
                    if circ_on:
                        zr = z[rows, None]
                        factor = np.maximum(med[inv] * np.exp(zr * np.where(zr < 0, lo[inv], hi[inv])), 1.0)
                        d = (s_km * factor * sys_k[rows, None]).astype(np.float32)
                    else:
                        d = (s_km * med[inv]).astype(np.float32)
                    t = None
                else:
                    d, t = d_pat[inv], t_pat[inv]
                    if offsets is not None:
                        d = np.maximum(d + offsets[rows], 0.0)
                        t = np.maximum(t + offsets[rows] * (60.0 / settings.ESTIMATE_SPEED_KMH), 0.0)
                    if speed_on:
                        t = t * speed_k[rows, None]
                    d, t = d.astype(np.float32), t.astype(np.float32)
                vals = _row_stats(d, t, w[pts], group, km, mins, min_per_km, kind="quicksort")
                for col in names:
                    per_kommun[col][rows, k] = vals[col]
                reach_pop[rows, k] = w[pts].sum() - vals[f"{group}_pop_unreachable"]
        else:
            d = _nearest_values(base_d[pts], od_d[np.ix_(pts, cols)], patterns)
            t = _nearest_values(base_t[pts], od_t[np.ix_(pts, cols)], patterns)
            vals = _row_stats(d, t, w[pts], group, km, mins)
            for col in names:
                per_kommun[col][:, k] = vals[col][inverse]
            reach_pop[:, k] = (w[pts].sum() - vals[f"{group}_pop_unreachable"])[inverse]
        nearest_rows.append(_kommun_nearest_over_draws(base_idx[pts], base_t[pts], od_t[np.ix_(pts, cols)], cols,
                                                       patterns, np.bincount(inverse, minlength=u), w[pts]))

    kom_of_office = pd.Index(codes).get_indexer(universe["kommunkod"].astype(str))
    inside = np.zeros((n_off, n), dtype=bool)
    ok = kom_of_office >= 0
    inside[np.flatnonzero(ok), kom_of_office[ok]] = True
    n_offices = mask.astype(np.int32) @ inside.astype(np.int32)
    per_kommun[f"{group}_n_offices"] = n_offices.astype(float)
    per_kommun[f"{group}_has_office"] = (n_offices > 0).astype(float)

    national = _national(per_kommun, reach_pop, w.sum(), group, km, mins)
    pick = np.asarray(nearest_rows)
    near = pd.DataFrame(index=pd.Index(codes, name="kommunkod"))
    for c in _OFFICE_COLUMNS:
        vals = universe[c].to_numpy(dtype=object) if c in universe.columns else np.full(len(universe), None)
        near[c] = np.where(pick >= 0, vals[np.maximum(pick, 0)], None)
    return per_kommun, national, near


def _straight_km(demand: Any, universe: pd.DataFrame) -> np.ndarray:
    """Straight-line km (EPSG:3006) from every demand point to every office, points x offices."""
    dxy = points_xy(demand, what="Demand points")
    oxy = points_xy(universe, what="Offices")
    diff = dxy[:, None, :] - oxy[None, :, :]
    return np.hypot(diff[..., 0], diff[..., 1]) / 1000.0


def _od(demand: Any, universe: pd.DataFrame, fixed: np.ndarray, graph: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) and time (min) from every demand point to every office, points x offices.

    Estimate mode: one straight-line pass, time at the estimate speed. Road mode: one
    many-to-many pass (:func:`narvaro.network.distance.od_arrays`) with limits derived from
    the offices present in every draw (``always_present``): a candidate farther from a point
    than that point's nearest always-present office can never be its nearest office, so
    ``inf`` there changes nothing; points with no reachable always-present office keep exact
    trips to every candidate.
    """
    if graph is None:
        od_d = od_matrix(demand, universe, None, metric="distance", progress=False).to_numpy(dtype=float)
        return od_d, od_d / settings.ESTIMATE_SPEED_KMH * 60.0
    arr = od_arrays(demand, universe, graph, always_present=fixed, progress=False, dtype=np.float64)
    return arr.distance_km.T, arr.time_min.T


def _national(per_kommun: Mapping[str, np.ndarray], reach_pop: np.ndarray, total: float, group: str,
              km: Sequence[float], mins: Sequence[float]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for col, v in per_kommun.items():
        if "_pop_" in col or col.endswith(("_n_offices", "_has_office")):
            out[col] = v.sum(axis=1)
        elif "_share_over_" in col:
            out[col] = per_kommun[col.replace("_share_", "_pop_")].sum(axis=1) / total
        elif "_mean_" in col:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[col] = np.nansum(v * reach_pop, axis=1) / np.where(np.isnan(v), 0.0, reach_pop).sum(axis=1)
        elif "_max_" in col:  # NaN (not -inf) in a draw where no kommun has a reachable resident
            mx = np.where(np.isnan(v), -np.inf, v).max(axis=1)
            out[col] = np.where(np.isfinite(mx), mx, np.nan)
        else:  # medians and 90th percentiles: per kommun only
            out[col] = np.full(v.shape[0], np.nan)
    return out


def summarise(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best estimate (median) and 90 % interval (5th, 95th percentile) over the draws.

    The interval ends are values that occur in the draws (inverted-CDF percentiles); NaN
    draws (a kommun without reachable residents) are ignored.

    Examples
    --------
    >>> best, lo, hi = summarise(np.arange(1.0, 101.0))
    >>> float(best), float(lo), float(hi)
    (50.5, 5.0, 95.0)
    """
    v = np.sort(np.asarray(values, dtype=float), axis=axis)  # NaN sorts last
    v = np.moveaxis(v, axis, 0)
    nv = (~np.isnan(v)).sum(axis=0)
    cols = np.indices(nv.shape)
    last = np.maximum(nv - 1, 0)

    def pick(i: np.ndarray) -> np.ndarray:
        return np.where(nv > 0, v[(np.clip(i, 0, last),) + tuple(cols)], np.nan)

    best = (pick((nv - 1) // 2) + pick(nv // 2)) / 2.0
    lo = pick(np.ceil(0.05 * nv).astype(int) - 1)
    hi = pick(np.ceil(0.95 * nv).astype(int) - 1)
    return best, lo, hi
