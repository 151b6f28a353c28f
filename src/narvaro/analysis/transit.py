"""Per-kommun public transport journey times to the nearest office, with the three kinds of number.

Used by :func:`narvaro.coverage` with ``mode="transit"`` (and ``narvaro.assess(..., gtfs=...)``).
The journey is the quickest of the morning (see :mod:`narvaro.network.transit.router`).

Columns, per organisation group ``g`` (af, ssc, any) present in the offices
    ``{g}_transit_mean_min``, ``{g}_transit_median_min``
        Population-weighted mean and median (inverted-CDF, :func:`metrics.weighted_quantile`)
        journey time in minutes over the residents *with* a journey that morning.
    ``{g}_pop_transit_le_60min``, ``{g}_pop_transit_le_90min``
        Residents whose quickest journey takes at most 60 / 90 minutes.
    ``{g}_pop_no_transit``
        Residents with no journey reaching an office of the group 08:00-10:00.
    Each with ``_q05``/``_q95`` (5th/95th percentile over the office draws; the plain column is
    the median over the draws) and ``_lo``/``_hi`` (the values with confirmed offices only and
    with every candidate office present; exact bounds for the resident counts, which are
    monotone in the office set; for the mean and median, which are not monotone, the smaller
    and larger of those two and of every draw).

How the draws are evaluated
    Every demand point's journey time to every confirmed and candidate office is computed once
    (:func:`narvaro.network.transit.transit_matrix`, one scan per office that a stop of the feed
    serves); each draw then takes, per point, the quickest present office. Draws with the same
    presence pattern over the group's offices are evaluated once.

Kommuner the feed does not cover are left out. A regional feed carries a few stops beyond its
län (Länstrafiken Norrbotten reaches Umeå and Skellefteå) that say nothing about those kommuner'
own buses, so coverage is decided per län: a län is covered when its stops where a vehicle calls on the
service date per resident reach ``settings.TRANSIT_LAN_COVERAGE_RATIO`` (20 %) of the densest
län's, and a kommun of a covered län is covered when at least one such stop lies in it. Kommuner
not covered are left out of the table and listed in ``attrs["narvaro_transit"]["not_covered"]``;
they are never given zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..errors import CoverageInputError
from ..network.transit import TransitNetwork, describe_network, transit_matrix
from .metrics import GROUP_ORGS, GROUPS, weighted_quantile

__all__ = ["transit_coverage", "transit_columns", "complete_draws", "TRANSIT_DRAWS_ATTR"]


@dataclass(frozen=True)
class _Complete:
    offices: pd.DataFrame
    mask: np.ndarray


def complete_draws(offices: gpd.GeoDataFrame) -> Any:
    """An office list taken as complete, as draws: one draw with every office present.

    Its best estimate, interval and hard bounds coincide (candidate rows, if any, are dropped).
    """
    if offices is None or len(offices) == 0:
        raise CoverageInputError("mode='transit' needs offices or draws")
    if "basis" in offices.columns:
        offices = offices[offices["basis"] != "candidate"]
    offices = offices.reset_index(drop=True).assign(basis="confirmed")
    return _Complete(offices=offices, mask=np.ones((1, len(offices)), bool))

TRANSIT_DRAWS_ATTR = "narvaro_transit_draws"


def transit_columns(group: str) -> list[str]:
    """The plain metric columns of one group, in table order."""
    lo, hi = settings.TRANSIT_THRESHOLDS_MIN
    return [f"{group}_transit_mean_min", f"{group}_transit_median_min", f"{group}_pop_transit_le_{lo:g}min",
            f"{group}_pop_transit_le_{hi:g}min", f"{group}_pop_no_transit"]


def _kommun_stats(t: np.ndarray, w: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Per kommun the five metrics of journey times ``t`` (minutes, inf = none): n x 5."""
    lo, hi = settings.TRANSIT_THRESHOLDS_MIN
    out = np.full((n, 5), np.nan)
    ok = np.isfinite(t)
    wt = np.where(ok, w, 0.0)
    s_w = np.bincount(codes, wt, n)
    s_wt = np.bincount(codes, wt * np.where(ok, t, 0.0), n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = np.where(s_w > 0, s_wt / s_w, np.nan)
    out[:, 2] = np.bincount(codes, w * (t <= lo), n)
    out[:, 3] = np.bincount(codes, w * (t <= hi), n)
    out[:, 4] = np.bincount(codes, w * ~ok, n)
    for k in range(n):
        sel = (codes == k) & ok
        if sel.any():
            out[k, 1] = weighted_quantile(t[sel], w[sel], 0.5)
    return out


def transit_coverage(
    draws: Any,
    demand: gpd.GeoDataFrame,
    kommuner: gpd.GeoDataFrame,
    gtfs: Any,
    *,
    date: Any = None,
    name: str | None = None,
    groups: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-kommun public transport journey times to the nearest office, over the office draws.

    Parameters
    ----------
    draws : ScenarioDraws
        ``narvaro.office_draws(...)[name]`` (``.offices`` confirmed + candidate, ``.mask``
        draws x offices); a complete office list can be passed as draws with one all-True row.
    demand : GeoDataFrame
        Demand points (``kommunkod``, ``population``, geometry).
    kommuner : GeoDataFrame
        Kommuner (``kommunkod``, ``kommunnamn``, geometry).
    gtfs : path, Feed or TransitNetwork
        The GTFS feed.
    date : date or str, optional
        Service date (default a normal Wednesday of the feed).
    name : str, optional
        Scenario name, for the provenance.
    groups : sequence of str, optional
        Organisation groups (default: those whose orgs are among the offices).

    Returns
    -------
    DataFrame
        One row per kommun the feed covers (sorted by ``kommunkod``), with ``kommunkod``,
        ``kommunnamn``, ``population`` and the columns of the module docstring.
        ``attrs["narvaro_transit"]``: feed, date, rule, scenario, draws, ``not_covered``
        (kommunkoder left out); ``attrs[TRANSIT_DRAWS_ATTR]``: per-draw values, column ->
        (n_draws, n_kommuner).
    """
    net = gtfs if isinstance(gtfs, TransitNetwork) else TransitNetwork.from_gtfs(gtfs, date)
    universe = draws.offices.reset_index(drop=True)
    mask = np.asarray(draws.mask, dtype=bool)
    if mask.ndim != 2 or mask.shape[1] != len(universe):
        raise CoverageInputError(f"draws mask has shape {mask.shape}, offices {len(universe)}")
    basis = universe["basis"].to_numpy() if "basis" in universe.columns else np.full(len(universe), "confirmed")
    orgs = universe["org"].to_numpy()
    if groups is None:
        present = set(orgs)
        groups = [g for g in GROUPS if all(o in present for o in GROUP_ORGS[g])
                  and (g != "any" or len(present) > 1)]

    # kommuner the feed covers (module docstring): län with a stop density near the feed's densest
    served = np.unique(np.r_[net.feed.dep_stop, net.feed.arr_stop])  # stops a vehicle calls at that day
    stops = gpd.GeoDataFrame(geometry=gpd.points_from_xy(net.feed.stops.lon.to_numpy()[served],
                                                         net.feed.stops.lat.to_numpy()[served]), crs=4326)
    kom = kommuner.to_crs(4326)
    hit = gpd.sjoin(stops, kom[["kommunkod", "geometry"]], how="inner", predicate="within")
    per_lan = hit["kommunkod"].str[:2].value_counts()
    lan_pop = demand.groupby(demand["kommunkod"].str[:2])["population"].sum()
    density = (per_lan / lan_pop.reindex(per_lan.index)).fillna(0.0)
    lans = set(density.index[density >= settings.TRANSIT_LAN_COVERAGE_RATIO * density.max()]) if len(density) else set()
    covered = sorted(k for k in set(hit["kommunkod"]) if k[:2] in lans)
    not_covered = sorted(set(kom["kommunkod"]) - set(covered))
    kom = kom[kom["kommunkod"].isin(covered)].sort_values("kommunkod").reset_index(drop=True)
    dem = demand[demand["kommunkod"].isin(covered)].reset_index(drop=True)
    codes = pd.Index(kom["kommunkod"]).get_indexer(dem["kommunkod"])
    w = dem["population"].to_numpy(float)
    n = len(kom)

    near = np.zeros(len(universe), bool)  # offices a stop of the feed serves on foot
    if len(universe):
        from ..network.transit.router import _xy, walk_pairs

        _, k, _ = walk_pairs(net.stop_xy[served], _xy(gpd.GeoDataFrame(universe, geometry="geometry",
                                                                      crs=draws.offices.crs or 4326), "offices"),
                             settings.TRANSIT_ACCESS_MAX_M)
        near[k] = True
    cols = np.flatnonzero(near)
    times = np.full((len(dem), len(universe)), np.inf)
    if cols.size and len(dem):
        sub = gpd.GeoDataFrame(universe.iloc[cols], geometry="geometry", crs=draws.offices.crs or 4326)
        m = transit_matrix(dem, sub, net)
        times[:, cols] = np.where(np.isnan(m), np.inf, m)

    table = kom[["kommunkod", "kommunnamn"]].copy()
    table["population"] = np.bincount(codes, w, n)
    per_draw: dict[str, np.ndarray] = {}
    for g in groups:
        in_g = np.isin(orgs, GROUP_ORGS[g])
        gcols = np.flatnonzero(in_g & near)
        names = transit_columns(g)

        def value(present: np.ndarray, gcols: np.ndarray = gcols) -> np.ndarray:
            if gcols.size == 0:
                return _kommun_stats(np.full(len(dem), np.inf), w, codes, n)
            t = np.where(present[gcols][None, :], times[:, gcols], np.inf).min(axis=1)
            return _kommun_stats(t, w, codes, n)

        patterns, inverse = np.unique(mask[:, gcols], axis=0, return_inverse=True)
        vals = np.stack([value(_expand(p, gcols, len(universe))) for p in patterns])  # patterns x n x 5
        vals = vals[np.asarray(inverse).ravel()]  # draws x n x 5
        lo_v = value(basis == "confirmed")
        hi_v = value(np.ones(len(universe), bool))
        for j, col in enumerate(names):
            d = vals[:, :, j]
            per_draw[col] = d
            with np.errstate(all="ignore"):
                table[col] = _nanpct(d, 50)
                table[col + "_q05"] = _nanpct(d, 5)
                table[col + "_q95"] = _nanpct(d, 95)
            ext = np.stack([lo_v[:, j], hi_v[:, j]])
            if j < 2:  # mean, median: not monotone in the office set
                ext = np.concatenate([ext, d])
            with np.errstate(all="ignore"):
                table[col + "_lo"] = _nanmin(ext)
                table[col + "_hi"] = _nanmax(ext)
    table.attrs["narvaro_transit"] = {
        **describe_network(net), "scenario": name, "n_draws": int(mask.shape[0]), "groups": list(groups),
        "not_covered": not_covered, "offices_served": int(near.sum()),
    }
    table.attrs[TRANSIT_DRAWS_ATTR] = per_draw
    return table


def _expand(pattern: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, bool)
    out[cols] = pattern
    return out


def _nanpct(d: np.ndarray, q: float) -> np.ndarray:
    out = np.full(d.shape[1], np.nan)
    ok = ~np.isnan(d).all(axis=0)
    if ok.any():
        out[ok] = np.nanpercentile(d[:, ok], q, axis=0, method="inverted_cdf") if q != 50 else \
            np.nanmedian(d[:, ok], axis=0)
    return out


def _nanmin(d: np.ndarray) -> np.ndarray:
    return _nanpct(d, 0) if d.size else np.full(d.shape[1], np.nan)


def _nanmax(d: np.ndarray) -> np.ndarray:
    return _nanpct(d, 100) if d.size else np.full(d.shape[1], np.nan)
