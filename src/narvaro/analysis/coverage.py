"""Coverage per kommun: how far residents travel to the nearest office, and who is far.

:func:`coverage` turns an office list and the demand points into one row per kommun (all of
them, always) with population-weighted travel statistics per organisation group:

``af``
    Arbetsförmedlingen offices only.
``ssc``
    Statens servicecenter servicekontor only.
``any``
    The nearest office of either organisation (present when the list holds both).

Definitions (every column of the coverage table schema in ``docs/architecture.md ("Coverage columns")``)
----------------------------------------------------------------------------------
Nearest office
    From :func:`narvaro.network.distance.nearest_office`, called once per group and office list:
    ``time_min`` to the office nearest by time, ``distance_km`` to the office nearest by
    distance (each the minimum of its own metric).
Weighted mean
    ``sum(w * x) / sum(w)`` over the kommun's *reachable* demand points, ``w`` = residents.
Weighted quantile (median ``q=0.5``, p90 ``q=0.9``)
    The smallest value ``x`` whose cumulative population share (points sorted by ``x``) is
    at least ``q`` (the "inverted CDF" definition; no interpolation), over reachable points.
Maximum
    The largest value over reachable points with residents.
Beyond a threshold
    ``{g}_pop_over_{T}km`` counts residents whose distance is *strictly greater* than T
    (likewise for minutes). Residents that cannot reach any office on the road graph
    (``reachable=False``: an island without a ferry) are counted beyond every threshold and
    also in ``{g}_pop_unreachable``; they are never dropped. Shares divide by all residents of
    the kommun (the sum of its demand points).
Office inside the kommun
    ``{g}_has_office`` / ``{g}_n_offices`` use the offices' ``kommunkod`` attribute (what the
    office lists record), not a point-in-polygon test. With ``bounds=True`` ``has_office`` is
    also True where :func:`narvaro.offices.office_status` deduces an office without a row
    (status "confirmed", ``n_offices == 0``; its position is then a candidate).
The kommun's nearest office
    ``{g}_nearest_office`` (name, ``_id``, ``_kommun``) is the office that is nearest (by
    time) for the largest number of the kommun's residents.
Point value and range
    Offices with ``basis == "candidate"`` (positions assumed for kommuner whose office status
    is unknown) never enter the point value: ``X`` is computed from the known (confirmed)
    offices. With ``bounds=True``, ``X_lo``/``X_hi`` span X over the two lists "confirmed
    only" and "confirmed + all candidates" (see :mod:`narvaro.analysis.bounds`).

National figures (:func:`national`) are computed from the demand points, not from the kommun
rows, so national medians and percentiles are true population quantiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..data.layers import load_demand_points, load_kommuner, to_compute_crs
from ..errors import CoverageInputError, UnknownKommunError
from ..network.distance import nearest_office
from ..offices.lists import is_candidate
from ..provenance import get_provenance, set_provenance
from .bounds import BOUNDS_ATTR, Frozen, build_info, collect_candidates, deduced_offices, span, status_labels
from .intervals import DRAWS_ATTR, DrawValues, ScenarioDraws, distance_sources, evaluate_draws, summarise
from .metrics import (
    GROUP_ORGS,
    GROUPS,
    aggregate,
    group_metric_columns,
    groups_in,
    parse_thresholds,
    thresholds_of,
)

__all__ = [
    "NATIONAL_ATTR",
    "coverage",
    "national",
]

#: Key in ``cov.attrs`` of the national figures (a dict column -> value).
NATIONAL_ATTR = "narvaro_national"

_BASE_COLUMNS = ["kommunkod", "kommunnamn", "lanskod", "lansnamn", "population"]


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------
def _check_kommuner(kommuner: pd.DataFrame) -> gpd.GeoDataFrame:
    missing = [c for c in ("kommunkod", "kommunnamn", "population") if c not in kommuner.columns]
    if missing:
        raise CoverageInputError("the kommuner frame lacks columns",
                                 [{"row": "columns", "id": c, "problem": "missing column"} for c in missing])
    k = kommuner.copy()
    for col in ("lanskod", "lansnamn"):
        if col not in k.columns:
            k[col] = None
    dup = k["kommunkod"].duplicated(keep=False)
    if dup.any():
        raise CoverageInputError("duplicate kommunkod in the kommuner frame",
                                 [{"row": i, "id": c, "problem": "duplicate"} for i, c in k.loc[dup, "kommunkod"].items()])
    k = k.sort_values("kommunkod", ignore_index=True)
    if not isinstance(k, gpd.GeoDataFrame):
        k = gpd.GeoDataFrame(k, geometry=gpd.GeoSeries([None] * len(k), crs=settings.CRS_COMPUTE))
    elif k.crs is not None:
        k = to_compute_crs(k, "the kommuner frame")
    return k


def _check_demand(demand: pd.DataFrame, codes: pd.Index) -> np.ndarray:
    """Return the kommun position of every demand point; raise on bad rows."""
    for col in ("kommunkod", "population"):
        if col not in demand.columns:
            raise CoverageInputError(f"the demand points lack the column {col!r}")
    pop = pd.to_numeric(demand["population"], errors="coerce")
    bad = pop.isna() | (pop < 0) | ~np.isfinite(pop)
    if bad.any():
        raise CoverageInputError("demand points with a missing or negative population",
                                 [{"row": i, "id": demand.at[i, "kommunkod"], "problem": "bad population"}
                                  for i in demand.index[bad]])
    pos = codes.get_indexer(demand["kommunkod"])
    if (pos < 0).any():
        unknown = demand.loc[pos < 0, "kommunkod"].astype(str).value_counts()
        raise UnknownKommunError("demand points in kommuner that are not in the kommuner frame",
                                 [{"row": "demand", "id": c, "problem": f"{n} demand point(s) with this kommunkod"}
                                  for c, n in unknown.items()])
    npts = np.bincount(pos, minlength=len(codes))
    lacking = np.flatnonzero(npts == 0)
    if len(lacking):
        raise CoverageInputError(
            "the demand points do not cover every kommun (no kommun may be silently missing)",
            [{"row": int(i), "id": codes[i], "problem": "no demand point in this kommun"} for i in lacking])
    return pos


def _check_offices(offices: pd.DataFrame, codes: pd.Index) -> gpd.GeoDataFrame:
    if offices is None or len(offices) == 0:
        raise CoverageInputError("the office list is empty: there is no office to measure the distance to")
    if not isinstance(offices, gpd.GeoDataFrame):
        raise CoverageInputError(f"offices must be a GeoDataFrame, not {type(offices).__name__}")
    missing = [c for c in ("office_id", "org", "name", "kommunkod") if c not in offices.columns]
    if missing:
        raise CoverageInputError("the office list lacks columns",
                                 [{"row": "columns", "id": c, "problem": "missing column"} for c in missing])
    bad_org = ~offices["org"].isin(GROUP_ORGS["any"])
    if bad_org.any():
        raise CoverageInputError("offices with an org other than 'af' or 'ssc'",
                                 [{"row": i, "id": r.office_id, "problem": f"org {r.org!r}"}
                                  for i, r in offices[bad_org].iterrows()])
    unknown = ~offices["kommunkod"].isin(codes)
    if unknown.any():
        raise UnknownKommunError("offices with a kommunkod that is not one of the kommuner",
                                 [{"row": i, "id": r.office_id, "problem": f"unknown kommunkod {r.kommunkod!r}"}
                                  for i, r in offices[unknown].iterrows()])
    return offices


def _list_name(offices: pd.DataFrame, name: str | None) -> str:
    if name:
        return name
    prov = get_provenance(offices)
    if prov.get("scenario"):
        return str(prov["scenario"])
    if "network" in offices.columns:
        nets = [n for n in pd.unique(offices["network"].dropna()) if n]
        if nets:
            return "+".join(str(n) for n in nets)
    return "custom"


# --------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------
def _kommun_nearest(near: pd.DataFrame, w: np.ndarray, g: np.ndarray, n: int) -> pd.DataFrame:
    """Per kommun: the office nearest for the largest population (id, name, kommunkod)."""
    frame = pd.DataFrame({"k": g, "id": near["office_id"].to_numpy(dtype=object), "w": w,
                          "name": near["office_name"].to_numpy(dtype=object),
                          "kod": near["office_kommunkod"].to_numpy(dtype=object)})
    frame = frame[frame["id"].notna()]
    sums = frame.groupby(["k", "id"], sort=True)["w"].sum().reset_index()
    sums = sums.sort_values(["k", "w", "id"], ascending=[True, False, True]).drop_duplicates("k")
    names = frame.drop_duplicates("id").set_index("id")
    out = pd.DataFrame(index=pd.RangeIndex(n), columns=["id", "name", "kod"], dtype=object)
    out.loc[sums["k"].to_numpy(), "id"] = sums["id"].to_numpy()
    valid = out["id"].notna()
    out.loc[valid, "name"] = names.loc[out.loc[valid, "id"], "name"].to_numpy()
    out.loc[valid, "kod"] = names.loc[out.loc[valid, "id"], "kod"].to_numpy()
    return out


def _group_table(near: pd.DataFrame, offices: pd.DataFrame, w: np.ndarray, g: np.ndarray,
                 codes: pd.Index, names: pd.Series, group: str, km, mins) -> tuple[dict, dict]:
    """Per-kommun arrays and national values for one group and one office list."""
    n = len(codes)
    cols = aggregate(near, w, g, n, group, km, mins)
    nat = {k: v[0] for k, v in aggregate(near, w, np.zeros(len(w), dtype=np.int64), 1, group, km, mins).items()}
    counts = offices["kommunkod"].value_counts().reindex(codes, fill_value=0).to_numpy()
    cols[f"{group}_has_office"] = counts > 0
    cols[f"{group}_n_offices"] = counts.astype(np.int64)
    nat[f"{group}_has_office"] = int((counts > 0).sum())  # national: number of kommuner with an office
    nat[f"{group}_n_offices"] = int(counts.sum())
    kn = _kommun_nearest(near, w, g, n)
    cols[f"{group}_nearest_office"] = kn["name"].to_numpy()
    cols[f"{group}_nearest_office_kommun"] = kn["kod"].map(names).to_numpy()
    cols[f"{group}_nearest_office_id"] = kn["id"].to_numpy()
    return cols, nat


def coverage(
    offices: gpd.GeoDataFrame | None,
    demand: gpd.GeoDataFrame | None = None,
    kommuner: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    thresholds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None = None,
    bounds: bool = False,
    name: str | None = None,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    status: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    draws: ScenarioDraws | None = None,
    mode: str = "road",
    gtfs: Any = None,
    date: Any = None,
    sources: settings.ErrorSources = settings.ALL_SOURCES,
    seed: int | None = None,
) -> gpd.GeoDataFrame:
    """Per-kommun travel distance and time to the nearest office, per organisation group.

    Parameters
    ----------
    offices : GeoDataFrame
        Office list with ``office_id``, ``org`` ("af"/"ssc"), ``name``, ``kommunkod``,
        geometry, and optionally ``network`` and ``basis`` ("confirmed"/"candidate"), e.g.
        ``narvaro.load_offices("af_2020+ssc_2020")``. Candidate rows are used only for the
        ranges (``bounds=True``).
    demand : GeoDataFrame, optional
        Demand points (``kommunkod``, ``population``, geometry); default
        :func:`narvaro.data.load_demand_points`.
    kommuner : GeoDataFrame, optional
        The kommuner (``kommunkod``, ``kommunnamn``, ``population``, optional ``lanskod``,
        ``lansnamn``, geometry); default :func:`narvaro.data.load_kommuner`. The output has
        exactly one row per kommun of this frame, sorted by ``kommunkod``.
    graph : RoadGraph, optional
        Road network; ``None`` = estimate mode (straight line x circuity), labelled as such.
    thresholds : dict or (km, min) pair, optional
        See :func:`parse_thresholds`. Defaults 10/25/50 km and 30/45/60 min (settings).
    bounds : bool, default False
        Add ``X_lo``/``X_hi`` for every metric and ``{g}_status`` (see :mod:`narvaro.analysis.bounds`).
    name : str, optional
        Scenario name (e.g. ``"af_2020+ssc_2020"``); default from the offices' ``network``.
    candidates : GeoDataFrame, optional
        Candidate offices for kommuner with unknown status (overrides the candidate rows of
        ``offices`` and :func:`narvaro.offices.candidate_offices`).
    status : dict network -> DataFrame/Series, optional
        Office status per kommun (``kommunkod`` -> "confirmed"/"none"/"unknown"), overriding
        :func:`narvaro.offices.office_status`.
    draws : ScenarioDraws, optional
        Joint office draws of this scenario (``narvaro.office_draws(...)[name]``: ``.offices``
        with every confirmed and candidate office, ``.mask`` draws x offices). Implies
        ``bounds=True``; ``offices`` may then be None (``draws.offices`` is used). Every metric
        ``X`` becomes the best estimate (median over the draws) with its 90 % interval
        ``X_q05``/``X_q95`` beside the hard bounds ``X_lo``/``X_hi``; ``{g}_p_office`` is the
        share of draws with an office of group g in the kommun (see
        :mod:`narvaro.analysis.intervals`).
    mode : {"road", "transit"}, default "road"
        "transit": public transport journey times from the GTFS feed ``gtfs`` (service ``date``,
        default a normal Wednesday); the table and its columns are those of
        :func:`narvaro.analysis.transit.transit_coverage` (kommuner the feed covers only).
    gtfs, date : optional
        The GTFS feed (path, Feed or TransitNetwork) and service date for ``mode="transit"``.
    sources : ErrorSources, default every source
        Which sources of error the 90 % interval carries besides the office draws themselves
        (read here: ``circuity`` in estimate mode, ``speed`` for road mode's times, ``demand``
        for points with a ``kind``; see :class:`narvaro.analysis.intervals.DistanceFactors`).
        ``ErrorSources.only("offices")`` gives the interval of the office draws alone. Only
        with ``draws``.
    seed : int, optional
        Seed of those sources' random streams (separate from the office draws' streams);
        default the draws' own ``seed`` attribute, else 0. ``narvaro.assess`` passes its seed.

    Point values and hard bounds
        Without draws ``X`` is the point value at the median circuity and the assumed speeds.
        The hard bounds ``X_lo``/``X_hi`` cover the office lists only (what is logically
        possible given the confirmed and candidate offices), at the median circuity and the
        assumed speeds: the circuity, speed and demand-placement spreads enter the 90 %
        interval, not the bounds, so an interval end may lie outside the bounds.

    Returns
    -------
    GeoDataFrame
        One row per kommun, columns as in the module docstring; ``attrs["narvaro"]`` holds the
        provenance (method, network, population, offices, scenario, thresholds) and
        ``attrs["narvaro_national"]`` the national figures (see :func:`national`).

    Raises
    ------
    CoverageInputError
        Empty office list, bad thresholds, demand missing kommuner, a group without any known
        office, or a group whose offices no resident can reach.
    UnknownKommunError
        Offices or demand points with a kommunkod that is not in ``kommuner``.
    """
    # --- public transport (issue 23): its own module -----------------------------------------
    if mode not in ("road", "transit"):
        raise CoverageInputError(f"mode must be 'road' or 'transit', not {mode!r}")
    if mode == "transit":
        from .transit import complete_draws, transit_coverage

        if gtfs is None:
            raise CoverageInputError("mode='transit' needs a GTFS feed: coverage(..., gtfs=path)")
        return transit_coverage(draws if draws is not None else complete_draws(offices),
                                load_demand_points() if demand is None else demand,
                                load_kommuner() if kommuner is None else kommuner, gtfs, date=date, name=name)
    # --- end public transport ------------------------------------------------------------------
    if draws is not None:
        offices = draws.offices if offices is None else offices
        bounds = True
    km, mins = parse_thresholds(thresholds)
    kom = _check_kommuner(load_kommuner() if kommuner is None else kommuner)
    codes = pd.Index(kom["kommunkod"])
    offices = _check_offices(offices, codes)
    if demand is None:
        demand = load_demand_points()
    g = _check_demand(demand, codes)
    w = pd.to_numeric(demand["population"]).to_numpy(dtype=float)
    names = kom.set_index("kommunkod")["kommunnamn"]
    scenario = _list_name(offices, name)

    cand_mask = is_candidate(offices).to_numpy()
    confirmed = offices[~cand_mask]
    cands = collect_candidates(offices, cand_mask, candidates) if bounds else offices.iloc[0:0]
    if bounds and len(cands):  # an office a rule deduced is certain: with the confirmed ones in both bounds
        sure = deduced_offices(confirmed, cands, codes, status)
        confirmed = pd.concat([confirmed, cands[sure]], ignore_index=True)
        cands = cands[~sure]
    orgs_all = set(confirmed["org"]) | set(cands["org"])
    groups = [gr for gr in GROUPS if (gr == "any" and orgs_all >= {"af", "ssc"}) or
              (gr != "any" and gr in orgs_all)]
    if len(confirmed) == 0:
        raise CoverageInputError("the office list holds only candidate offices; no office is known")

    table: dict[str, Any] = {}
    nat: dict[str, Any] = {}
    method = None
    near_prov: dict[str, Any] = {}
    info_inputs = {}
    for gr in groups:
        orgs = GROUP_ORGS[gr]
        conf_g = confirmed[confirmed["org"].isin(orgs)]
        if len(conf_g) == 0:
            raise CoverageInputError(f"group {gr!r}: the office list has candidates but no known office of "
                                     f"org {'/'.join(orgs)}", [{"row": "offices", "id": gr, "problem": "no known office"}])
        near = nearest_office(demand, conf_g, graph)
        method = near["method"].iloc[0] if len(near) else method
        near_prov = get_provenance(near)
        reach_pop = float(w[near["reachable"].to_numpy(dtype=bool)].sum())
        if reach_pop <= 0 and w.sum() > 0:
            raise CoverageInputError(f"group {gr!r}: no resident can reach any of its offices on the road network",
                                     [{"row": "offices", "id": gr, "problem": "no reachable demand"}])
        cols, nat_g = _group_table(near, conf_g, w, g, codes, names, gr, km, mins)
        if bounds:
            cand_g = cands[cands["org"].isin(orgs)]
            if len(cand_g):
                all_g = pd.concat([conf_g, cand_g], ignore_index=True)
                near_all = nearest_office(demand, all_g, graph)
                cols_all, nat_all = _group_table(near_all, all_g, w, g, codes, names, gr, km, mins)
            else:
                near_all, cols_all, nat_all = near, cols, nat_g
            for col in group_metric_columns(gr, km, mins):
                lo, hi = span(cols[col], cols_all[col])
                cols[col + "_lo"], cols[col + "_hi"] = lo, hi
                nat[col + "_lo"], nat[col + "_hi"] = span(nat_g[col], nat_all[col])
            info_inputs[gr] = (near, cand_g)
        table.update(cols)
        nat.update(nat_g)

    columns: dict[str, Any] = {}
    for gr in groups:
        for col in group_metric_columns(gr, km, mins, include_office=False) + [f"{gr}_has_office", f"{gr}_n_offices"]:
            columns[col] = table[col]
            if bounds:
                columns[col + "_lo"] = table[col + "_lo"]
                columns[col + "_hi"] = table[col + "_hi"]
        for col in ("nearest_office", "nearest_office_kommun", "nearest_office_id"):
            columns[f"{gr}_{col}"] = table[f"{gr}_{col}"]
    office_prov = list(get_provenance(offices).get("offices") or [])
    if not office_prov:
        counts = confirmed["org"].value_counts()
        office_prov = [{"name": scenario, "known": int(len(confirmed)),
                        "label": f"{scenario}: " + ", ".join(f"{n} {o.upper()} offices known" for o, n in counts.items())}]
    if bounds:
        info = build_info(
            groups=groups, demand=demand, w=w, g=g, codes=codes, confirmed=confirmed, candidates=cands,
            nearest=info_inputs, graph=graph, km=km, mins=mins, status=status, kommunnamn=names,
        )
        for gr in groups:
            st = info.group_status(gr).reindex(codes).to_numpy()
            columns[f"{gr}_status"] = st
            # presence deduced by a status rule without an office row: the kommun has an office
            deduced = (st == "confirmed") & ~np.asarray(columns[f"{gr}_has_office"], dtype=bool)
            for suffix in ("", "_lo", "_hi"):
                col = f"{gr}_has_office{suffix}"
                columns[col] = np.asarray(columns[col], dtype=bool) | deduced
                nat[col] = int(columns[col].sum())  # national: number of kommuner with an office
        office_prov = status_labels(office_prov, info)
    draw_values = None
    if draws is not None:
        draw_seed = int(getattr(draws, "seed", 0) if seed is None else seed)
        draw_values = _apply_draws(columns, nat, draws, demand, w, g, codes, names, groups, graph, km, mins,
                                   sources, draw_seed)
    elif bounds:
        _drop_worst_case(columns, nat, [gr for gr in groups if len(info_inputs[gr][1])], km, mins)
    columns["method"] = np.full(len(codes), method, dtype=object)
    columns["office_lists"] = np.full(len(codes), scenario, dtype=object)
    out = pd.concat([kom[_BASE_COLUMNS].reset_index(drop=True), pd.DataFrame(columns)], axis=1)
    out = gpd.GeoDataFrame(out, geometry=kom.geometry.values, crs=kom.crs or settings.CRS_COMPUTE)
    out.attrs = {}
    set_provenance(
        out,
        method=method,
        network=near_prov.get("network"),
        population=get_provenance(demand).get("population"),
        kommuner=get_provenance(kom).get("kommuner"),
        offices=office_prov,
        scenario=scenario,
        thresholds={"km": list(km), "min": list(mins)},
        groups=list(groups),
        bounds=bool(bounds),
        estimates=draw_values.description if draw_values is not None else None,
        interval_sources=distance_sources(sources, graph, demand) if draw_values is not None else None,
    )
    nat["population"] = float(w.sum())
    nat["n_kommuner"] = len(codes)
    out.attrs[NATIONAL_ATTR] = Frozen(nat)
    if bounds:
        out.attrs[BOUNDS_ATTR] = info
    if draw_values is not None:
        out.attrs[DRAWS_ATTR] = draw_values
    return out


def _drop_worst_case(columns: dict[str, Any], nat: dict[str, Any], groups: Sequence[str], km, mins) -> None:
    """Remove the plain metric columns of groups with candidate offices when there are no draws.

    Without draws there is no best estimate; the plain value would be the confirmed-only
    figure, the worst case. Only the hard bounds ``X_lo``/``X_hi`` remain for those groups.
    """
    for gr in groups:
        for col in group_metric_columns(gr, km, mins):
            columns.pop(col, None)
            nat.pop(col, None)


def _apply_draws(columns: dict[str, Any], nat: dict[str, Any], draws: ScenarioDraws, demand: Any,
                 w: np.ndarray, g: np.ndarray, codes: pd.Index, names: pd.Series, groups: Sequence[str],
                 graph: Any, km, mins, sources: settings.ErrorSources = settings.ALL_SOURCES,
                 seed: int = 0) -> DrawValues:
    """Replace every plain metric by its best estimate over the draws and add the 90 % interval."""
    universe = draws.offices.reset_index(drop=True)
    mask = np.asarray(draws.mask, dtype=bool)
    if mask.shape[1] != len(universe):
        raise CoverageInputError(f"draws.mask has {mask.shape[1]} columns for {len(universe)} offices")
    per_all: dict[str, np.ndarray] = {}
    nat_all: dict[str, np.ndarray] = {}
    for gr in groups:
        sel = universe["org"].isin(GROUP_ORGS[gr]).to_numpy()
        per_k, nat_d, near = evaluate_draws(demand, w, g, codes, universe[sel], mask[:, sel], graph, gr, km,
                                          mins, sources, seed)
        per_all.update(per_k)
        nat_all.update(nat_d)
        for col in group_metric_columns(gr, km, mins):
            values, national_values = per_k[col], nat_d[col]
            best, q05, q95 = summarise(values)
            nbest, nq05, nq95 = summarise(national_values)
            if col.endswith("_has_office"):
                p = values.mean(axis=0)
                columns[f"{gr}_p_office"] = p
                best, q05, q95 = p >= 0.5, q05.astype(bool), q95.astype(bool)
            columns[col], columns[col + "_q05"], columns[col + "_q95"] = best, q05, q95
            nat[col], nat[col + "_q05"], nat[col + "_q95"] = float(nbest), float(nq05), float(nq95)
        columns[f"{gr}_nearest_office"] = near["name"].to_numpy()
        columns[f"{gr}_nearest_office_id"] = near["office_id"].to_numpy()
        columns[f"{gr}_nearest_office_kommun"] = near["kommunkod"].map(names).to_numpy()
        columns[f"{gr}_nearest_office_basis"] = near["basis"].to_numpy()
    ordered: dict[str, Any] = {}
    for col, value in columns.items():
        if col.endswith(("_q05", "_q95")):
            continue
        ordered[col] = value
        if col + "_q05" in columns:
            ordered[col + "_q05"], ordered[col + "_q95"] = columns[col + "_q05"], columns[col + "_q95"]
        if col.endswith("_has_office") and f"{col[:-len('_has_office')]}_p_office" in columns:
            ordered[f"{col[:-len('_has_office')]}_p_office"] = columns[f"{col[:-len('_has_office')]}_p_office"]
    columns.clear()
    columns.update(ordered)
    describe = getattr(draws, "describe", None)
    text = describe() if callable(describe) else f"{mask.shape[0]} joint office draws"
    return DrawValues(per_kommun=per_all, national=nat_all, codes=tuple(codes), description=text)


# --------------------------------------------------------------------------------------
# National figures
# --------------------------------------------------------------------------------------
def national(cov: pd.DataFrame) -> pd.Series:
    """National figures of a coverage table, one value per metric column.

    Computed from the demand points when :func:`coverage` made the table (medians and
    percentiles are true national population quantiles); otherwise (e.g. a table read back
    from a file) from the kommun rows: populations summed, shares recomputed, means
    population-weighted, maxima the maximum, medians and percentiles left missing (also for a
    subset of the rows, e.g. one län). For ``{g}_has_office`` the national value is the *number
    of kommuner* with an office.
    """
    stored = cov.attrs.get(NATIONAL_ATTR)
    if stored is not None and stored.get("n_kommuner") == len(cov):  # not for a subset of the rows
        return pd.Series(dict(stored), name="national")
    km, mins = thresholds_of(cov)
    pop = cov["population"].astype(float)
    out: dict[str, Any] = {"population": float(pop.sum()), "n_kommuner": len(cov)}
    for gr in groups_in(cov):
        for col in group_metric_columns(gr, km, mins):
            for suffix in ("", "_lo", "_hi"):
                c = col + suffix
                if c not in cov.columns:
                    continue
                if "_pop_" in c or c.endswith(("_n_offices", "_n_offices_lo", "_n_offices_hi")):
                    out[c] = float(cov[c].sum())
                elif "_has_office" in c:
                    out[c] = int(cov[c].astype(bool).sum())
                elif "_share_over_" in c:
                    out[c] = float(cov[c.replace("_share_", "_pop_")].sum() / pop.sum())
                elif "_mean_" in c:
                    out[c] = float((cov[c] * pop).sum() / pop[cov[c].notna()].sum())
                elif "_max_" in c:
                    out[c] = float(cov[c].max())
                else:
                    out[c] = float("nan")
    return pd.Series(out, name="national")
