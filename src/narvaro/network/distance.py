"""Road distance and car travel time from people to offices.

:func:`nearest_office` answers, for every demand point, "how far is the nearest office?" in
one pass: one multi-source Dijkstra per metric (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True``) over the *reversed* graph, rooted at all offices at once, so the numbers
are for the trip from the demand point to the office (one-way streets count in that
direction). :func:`od_matrix` gives every origin x office pair, computed in batches of offices
within a bounded amount of memory.

Definitions
-----------
``time_min``
    Shortest car travel time to the office nearest **by time**; ``office_id`` is that office.
``distance_km``
    Shortest road distance to the office nearest **by distance**; ``office_id_by_distance``
    is that office. The two offices are the same for nearly every point; where they differ
    (a fast motorway to a farther office) each number is the minimum of its own metric, so
    threshold counts ("within 25 km", "within 60 min") are exact for both.
Access legs
    A point's straight-line distance to its snapped node (``snap_m``) is added to the trip
    as distance and as time at ``access_speed_kmh`` (:data:`narvaro.settings.ACCESS_SPEED_KMH`),
    and so is the office's own snap distance (``office_snap_m``) at the same speed.
Flags, never drops
    ``snap_ok`` is False where the point lies farther than ``snap_max_m`` from any graph node
    (values are still computed with the long access leg, so the row is not silently snapped);
    ``reachable`` is False where no office can be reached on the graph (a disconnected
    component, an island without a ferry): ``distance_km``, ``time_min`` and the office
    columns are then missing. Every input row is in the output, in input order.
Estimate mode (``graph=None``)
    Straight-line distance in EPSG:3006 (SWEREF 99 TM's scale error is below 0.1 % in Sweden,
    so it equals the great-circle distance to well within the other uncertainties) to the
    nearest office, times the median circuity by distance (:func:`circuity`, from
    :data:`narvaro.settings.CIRCUITY_BY_DISTANCE_KM`, HaoCong1221/FlowsGeneration, Chalmers;
    constant beyond the table's ends), at :data:`narvaro.settings.ESTIMATE_SPEED_KMH`. The
    spread of circuity around that median enters the 90 % intervals over the draws
    (:mod:`narvaro.analysis.intervals`), not these values.
    ``method`` is ``"estimate"`` in every row and in the provenance; ``snap_m`` is NaN.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .. import settings
from ..data.layers import outside_sweden, to_compute_crs
from ..errors import GeometryError, InputValueError, OfficeListError, UnreachableError
from ..provenance import set_provenance
from .graph import RoadGraph, points_xy
from .progress import progress_bar

__all__ = ["nearest_office", "od_matrix", "od_arrays", "ODArrays", "circuity", "circuity_spread", "ESTIMATE_DESCRIPTION", "RESULT_COLUMNS"]

#: Provenance text of estimate mode.
ESTIMATE_DESCRIPTION = (
    f"straight line (EPSG:3006) x circuity by distance (HaoCong1221/FlowsGeneration, Chalmers), "
    f"{settings.ESTIMATE_SPEED_KMH:g} km/h"
)

#: Columns of :func:`nearest_office`'s result, in order.
RESULT_COLUMNS = [
    "office_id", "office_name", "office_kommunkod", "org", "distance_km", "time_min", "snap_m",
    "method", "reachable", "snap_ok", "office_id_by_distance", "office_snap_m",
]

# Every path from a virtual office node crosses exactly one virtual edge, whose weight is the
# office's access leg plus this constant (a zero weight would vanish from the sparse matrix);
# the constant is subtracted from the results.
_OFFSET = 1.0


def circuity_spread(straight_km: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Log-scale spread of single trips below and above the median at each straight-line distance.

    ``circuity(s, q) == max(circuity(s) * exp(z_q * spread), 1)`` with the lower spread for
    ``q < 0.5`` and the upper one above (``z_q`` the standard-normal quantile).

    The larger of the Chalmers band read as the interquartile range
    (:data:`narvaro.settings.CIRCUITY_BAND_BY_DISTANCE_KM`, :data:`~narvaro.settings.CIRCUITY_BAND_Z`)
    and the measured spread of single town pairs around their median
    (:data:`~narvaro.settings.CIRCUITY_PAIR_Q05_Q95`, 5th-95th percentiles: z = 1.645).
    """
    band = np.asarray(settings.CIRCUITY_BAND_BY_DISTANCE_KM, dtype=float)
    med = np.asarray(settings.CIRCUITY_BY_DISTANCE_KM, dtype=float)[:, 1]
    z95 = 1.6448536269514722
    q05, q95 = settings.CIRCUITY_PAIR_Q05_Q95
    pair_lo = np.log(settings.CIRCUITY_PAIR_MEDIAN / q05) / z95
    pair_hi = np.log(q95 / settings.CIRCUITY_PAIR_MEDIAN) / z95
    lo = np.maximum(np.log(med / band[:, 1]) / settings.CIRCUITY_BAND_Z, pair_lo)
    hi = np.maximum(np.log(band[:, 2] / med) / settings.CIRCUITY_BAND_Z, pair_hi)
    km = np.asarray(straight_km, dtype=float)
    return np.interp(km, band[:, 0], lo), np.interp(km, band[:, 0], hi)


def circuity(straight_km: np.ndarray | float, q: np.ndarray | float = 0.5) -> np.ndarray:
    """The q-quantile of road / straight-line distance for single trips of a straight-line length.

    Quantile model (sources in :mod:`narvaro.settings` and ``shared/data/network/SOURCES.md``):

    median (``q=0.5``)
        Linear interpolation in :data:`narvaro.settings.CIRCUITY_BY_DISTANCE_KM` (Chalmers,
        HaoCong1221/FlowsGeneration: shortest OSM drive path / Euclidean distance in 10 Swedish
        urban regions), constant beyond its ends (1.74 below 1 km, 1.17 beyond 222 km).
        Measured against about 2,000 road distances between Swedish towns its systematic
        error is a few per cent (road / estimate 1.016 overall, 0.99-1.04 per distance band).
    other quantiles
        Split lognormal around the median: ``median * exp(z_q * s)`` with ``z_q`` the
        standard-normal quantile and ``s`` the log-scale spread below or above the median at
        that distance: the larger of the Chalmers band read as the interquartile range and the
        measured spread of single town pairs (5th-95th percentile 0.86-1.34 of road /
        estimate, i.e. 0.101 below and 0.168 above). Never below 1 (no road is shorter than
        the straight line). The national travel survey's ratios of reported trip distance
        (1.42 at 12 km ... 1.25 at 120-250 km) lie between the median and the 95th percentile.

    Parameters
    ----------
    straight_km : float or array-like
        Straight-line distances (km); missing values give NaN.
    q : float or array-like, default 0.5
        Quantile(s) strictly between 0 and 1, broadcast against ``straight_km``.

    Returns
    -------
    ndarray
        The circuity factor(s).

    Raises
    ------
    InputValueError
        A quantile outside (0, 1).

    Examples
    --------
    >>> float(circuity(30.0)), round(float(circuity(30.0, 0.95)), 3)
    (1.22, 1.609)
    """
    km = np.asarray(straight_km, dtype=float)
    table = np.asarray(settings.CIRCUITY_BY_DISTANCE_KM, dtype=float)
    med = np.interp(km, table[:, 0], table[:, 1])
    qa = np.asarray(q, dtype=float)
    bad = ~((qa > 0) & (qa < 1))
    if bad.any():
        raise InputValueError(f"circuity quantile q must lie strictly between 0 and 1, not {qa[bad].tolist()}")
    if np.all(qa == 0.5):
        return med if qa.ndim == 0 else np.broadcast_to(med, np.broadcast_shapes(med.shape, qa.shape)).copy()
    from scipy.special import ndtri

    z = ndtri(qa)
    lo, hi = circuity_spread(km)
    return np.maximum(med * np.exp(z * np.where(z < 0, lo, hi)), 1.0)


def _estimate_km(straight_m: np.ndarray) -> np.ndarray:
    """Estimate mode's road distance (km): straight-line metres x :func:`circuity`."""
    km = np.asarray(straight_m) / 1000.0
    return km * circuity(km)


def _estimate_min(km: np.ndarray) -> np.ndarray:
    """Estimate mode's travel time (minutes) for a road distance in km, at the estimate speed."""
    return km / settings.ESTIMATE_SPEED_KMH * 60.0


# --- input validation -------------------------------------------------------------------------

def _require_gdf(frame: Any, what: str) -> Any:
    """``frame`` in EPSG:3006 (:func:`narvaro.data.to_compute_crs`); ``TypeError`` if not a GeoDataFrame."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, not {type(frame).__name__}")
    return to_compute_crs(frame, f"The {what} GeoDataFrame")


def _validate_offices(offices: Any, check_extent: bool) -> pd.DataFrame:
    """Checked office attributes (positional) with x, y in EPSG:3006."""
    if offices is None or len(offices) == 0:
        raise OfficeListError("The office list is empty: there is no office to travel to.")
    offices_3006 = _require_gdf(offices, "offices")
    missing_cols = [c for c in ("office_id", "org", "name") if c not in offices.columns]
    if missing_cols:
        raise OfficeListError(
            "The office list lacks required columns.",
            [{"row": "columns", "id": c, "problem": "missing column"} for c in missing_cols],
        )
    problems = []
    geom = offices.geometry
    no_geom = (geom.isna() | geom.is_empty).to_numpy()
    ids = offices["office_id"]
    for label, oid in zip(offices.index[no_geom], ids[no_geom], strict=True):
        problems.append({"row": label, "id": oid, "problem": "missing geometry"})
    dup = ids.duplicated(keep=False).to_numpy()
    for label, oid in zip(offices.index[dup], ids[dup], strict=True):
        problems.append({"row": label, "id": oid, "problem": "duplicate office_id"})
    noid = ids.isna().to_numpy()
    for label in offices.index[noid]:
        problems.append({"row": label, "id": "", "problem": "missing office_id"})
    if problems:
        raise OfficeListError("The office list has bad rows.", problems)
    if check_extent:
        out = outside_sweden(offices).to_numpy()
        if out.any():
            raise OfficeListError(
                "Offices lie outside Sweden's bounding box (wrong coordinates or lon/lat swapped?).",
                [{"row": r, "id": i, "problem": "outside Sweden"} for r, i in
                 zip(offices.index[out], ids[out], strict=True)],
            )
    xy = points_xy(offices_3006)
    kommun = offices["kommunkod"] if "kommunkod" in offices.columns else pd.Series(None, index=offices.index)
    return pd.DataFrame({
        "office_id": ids.to_numpy(dtype=object),
        "office_name": offices["name"].to_numpy(dtype=object),
        "office_kommunkod": kommun.to_numpy(dtype=object),
        "org": offices["org"].to_numpy(dtype=object),
        "x": xy[:, 0],
        "y": xy[:, 1],
    })


def _validate_demand(demand: Any, check_extent: bool) -> np.ndarray:
    demand_3006 = _require_gdf(demand, "demand points")
    xy = points_xy(demand_3006, what="Demand points")  # GeometryError lists missing/empty geometries
    if check_extent and len(demand):
        out = outside_sweden(demand).to_numpy()
        if out.any():
            raise GeometryError(
                "Demand points lie outside Sweden's bounding box (pass check_extent=False for "
                "points abroad on purpose).",
                [{"row": r, "id": "", "problem": "outside Sweden"} for r in demand.index[out]],
            )
    return xy


# --- road mode --------------------------------------------------------------------------------

def _augmented(rev: sparse.csr_matrix, owner: np.ndarray, nodes: np.ndarray, legs: np.ndarray, k: int) -> sparse.csr_matrix:
    """``rev`` plus ``k`` virtual office nodes, each with edges to the nodes its office is entered from."""
    n = rev.shape[0]
    order = np.argsort(owner, kind="stable")
    owner, nodes, legs = np.asarray(owner)[order], np.asarray(nodes)[order], np.asarray(legs, dtype=float)[order]
    counts = np.bincount(owner, minlength=k)
    indptr = np.concatenate([rev.indptr.astype(np.int64), rev.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([rev.indices.astype(np.int64), nodes.astype(np.int64)])
    data = np.concatenate([rev.data, legs + _OFFSET])
    idx_dtype = np.int32 if n + k < 2**31 - 1 and len(indices) < 2**31 - 1 else np.int64
    return sparse.csr_matrix((data, indices.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n + k, n + k))


def _multi_source(
    rev: sparse.csr_matrix, owner: np.ndarray, nodes: np.ndarray, legs: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cost from every node to its nearest office and that office's position (-1: none)."""
    n = rev.shape[0]
    aug = _augmented(rev, owner, nodes, legs, k)
    dist, _, src = dijkstra(aug, directed=True, indices=np.arange(n, n + k), min_only=True,
                            return_predecessors=True)
    dist = dist[:n] - _OFFSET
    src = np.where(src[:n] >= n, src[:n] - n, -1)
    dist[src < 0] = np.inf
    return dist, src


def _nearest_by(graph: RoadGraph, metric: str, onode: np.ndarray, oleg: np.ndarray, dnode: np.ndarray):
    """Network cost (office leg included) from each demand vertex to its nearest office, and that office."""
    owner, node, off = graph.vertex_sources(onode, metric)
    node_cost, node_src = _multi_source(graph.reversed(metric), owner, node, off + oleg[owner], len(onode))
    cost, src = graph.vertex_cost(node_cost, dnode, metric, node_src=node_src)
    di, oj, cc = graph.same_chain_cost(dnode, onode, metric)
    for d, o, c in zip(di.tolist(), oj.tolist(), (cc + oleg[oj]).tolist(), strict=True):
        if c < cost[d]:
            cost[d], src[d] = c, o
    return cost, src


def _office_legs(graph: RoadGraph, office: pd.DataFrame, snap_max_m: float, far_offices: str):
    nodes, snap = graph.snap(office[["x", "y"]].to_numpy())
    far = snap > snap_max_m
    if far.any() and far_offices == "raise":
        raise UnreachableError(
            f"Offices lie farther than snap_max_m={snap_max_m:g} m from the road graph "
            "(wrong coordinates, or a graph that does not cover them; pass far_offices='keep' to "
            "keep them with their access leg).",
            [{"row": i, "id": office["office_id"].iat[i], "problem": f"nearest road node {snap[i]:,.0f} m away"}
             for i in np.flatnonzero(far)],
        )
    return nodes, snap


def _check_options(far_offices: str, access_speed_kmh: float) -> None:
    if far_offices not in ("raise", "keep"):
        raise InputValueError(f"far_offices must be 'raise' or 'keep', not {far_offices!r}")
    if not access_speed_kmh > 0:
        raise ValueError("access_speed_kmh must be positive")


def nearest_office(
    demand: Any,
    offices: Any,
    graph: RoadGraph | None = None,
    *,
    snap_max_m: float = settings.SNAP_MAX_M,
    access_speed_kmh: float = settings.ACCESS_SPEED_KMH,
    far_offices: str = "raise",
    check_extent: bool = True,
) -> pd.DataFrame:
    """Road distance and travel time from every demand point to its nearest office.

    Parameters
    ----------
    demand : GeoDataFrame
        Points (other geometries use their representative point) with a CRS.
    offices : GeoDataFrame
        With columns ``office_id`` (unique), ``org``, ``name`` and optionally ``kommunkod``.
    graph : RoadGraph, optional
        The road network. ``None`` selects estimate mode (straight line x circuity).
    snap_max_m : float
        Demand points farther than this from a graph node get ``snap_ok=False``; offices
        farther raise (see ``far_offices``).
    access_speed_kmh : float
        Speed of the straight-line access legs between points and their snapped nodes.
    far_offices : {"raise", "keep"}
        ``"raise"``: :class:`~narvaro.errors.UnreachableError` listing every office farther than
        ``snap_max_m`` from the graph; ``"keep"``: use them with their long access leg.
    check_extent : bool, default True
        Raise :class:`~narvaro.errors.GeometryError` (demand) or
        :class:`~narvaro.errors.OfficeListError` (offices) for points outside Sweden's bounding
        box, listing all of them.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``demand.index``, columns :data:`RESULT_COLUMNS`: ``office_id``,
        ``office_name``, ``office_kommunkod``, ``org`` (of the office nearest by time),
        ``distance_km`` (to the office nearest by distance), ``time_min`` (to the office nearest
        by time), ``snap_m``, ``method`` ("road" / "estimate"), ``reachable``, ``snap_ok``,
        ``office_id_by_distance``, ``office_snap_m``. Provenance in ``.attrs["narvaro"]``
        (``method``, ``network``).

    Raises
    ------
    CRSError, GeometryError, OfficeListError, UnreachableError
        Bad input, every offending row listed.
    """
    _check_options(far_offices, access_speed_kmh)
    office = _validate_offices(offices, check_extent)
    dxy = _validate_demand(demand, check_extent)
    n_d = len(dxy)
    access_mps = access_speed_kmh / 3.6

    if graph is None:
        return _estimate(demand.index, dxy, office)

    onode, osnap = _office_legs(graph, office, snap_max_m, far_offices)
    dnode, dsnap = graph.snap(dxy)
    t, ti = _nearest_by(graph, "time", onode, osnap / access_mps, dnode)
    d, di = _nearest_by(graph, "length", onode, osnap, dnode)
    t = t + dsnap / access_mps
    d = d + dsnap
    reachable = np.isfinite(t) & (ti >= 0)
    result = _frame(demand.index, office, ti, di, reachable)
    result["distance_km"] = np.where(reachable, d / 1000.0, np.nan)
    result["time_min"] = np.where(reachable, t / 60.0, np.nan)
    result["snap_m"] = dsnap
    result["method"] = settings.METHOD_ROAD
    result["reachable"] = reachable
    result["snap_ok"] = dsnap <= snap_max_m
    result["office_snap_m"] = np.where(reachable, osnap[np.maximum(ti, 0)], np.nan) if n_d else np.zeros(0)
    result = result[RESULT_COLUMNS]
    set_provenance(result, method=settings.METHOD_ROAD, network=graph.describe(),
                   access_speed_kmh=access_speed_kmh, snap_max_m=snap_max_m)
    return result


def _take(values: np.ndarray, idx: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.full(len(idx), None, dtype=object)
    out[ok] = values[idx[ok]]
    return out


def _frame(index: pd.Index, office: pd.DataFrame, ti: np.ndarray, di: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    res = pd.DataFrame(index=index)
    for col in ("office_id", "office_name", "office_kommunkod", "org"):
        res[col] = _take(office[col].to_numpy(dtype=object), ti, ok)
    res["office_id_by_distance"] = _take(office["office_id"].to_numpy(dtype=object), di, ok & (di >= 0))
    return res


def _estimate(index: pd.Index, dxy: np.ndarray, office: pd.DataFrame) -> pd.DataFrame:
    n_d = len(dxy)
    tree = cKDTree(office[["x", "y"]].to_numpy())
    if n_d:
        straight, oi = tree.query(dxy, k=1)
        oi = np.asarray(oi, dtype=np.int64)
    else:
        straight, oi = np.zeros(0), np.zeros(0, dtype=np.int64)
    km = _estimate_km(straight)
    ok = np.ones(n_d, dtype=bool)
    result = _frame(index, office, oi, oi, ok)
    result["distance_km"] = km
    result["time_min"] = _estimate_min(km)
    result["snap_m"] = np.nan
    result["method"] = settings.METHOD_ESTIMATE
    result["reachable"] = ok
    result["snap_ok"] = ok
    result["office_snap_m"] = np.nan
    result = result[RESULT_COLUMNS]
    set_provenance(result, method=settings.METHOD_ESTIMATE, network=ESTIMATE_DESCRIPTION)
    return result


# --- origin-destination matrix -----------------------------------------------------------------

def od_matrix(
    origins: Any,
    offices: Any,
    graph: RoadGraph | None = None,
    *,
    metric: str = "time",
    batch_size: int | None = None,
    access_speed_kmh: float = settings.ACCESS_SPEED_KMH,
    snap_max_m: float = settings.SNAP_MAX_M,
    far_offices: str = "raise",
    check_extent: bool = True,
    progress: bool = True,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Travel time or distance from every origin to every office.

    Parameters
    ----------
    origins : GeoDataFrame
        Points with a CRS.
    offices : GeoDataFrame
        As for :func:`nearest_office`.
    graph : RoadGraph, optional
        ``None``: estimate mode (straight line x circuity, the estimate speed).
    metric : {"time", "distance"}
        Minutes or kilometres.
    batch_size : int, optional
        Offices per Dijkstra batch. Default: as many as fit in
        :data:`narvaro.settings.OD_BATCH_MEMORY_MB` (one float64 per graph node per office).
    access_speed_kmh, snap_max_m, far_offices, check_extent
        As for :func:`nearest_office` (access legs at both ends are included).
    progress : bool, default True
        Show a tqdm progress bar over batches.
    n_jobs : int, optional
        Worker processes for the road Dijkstras (see :func:`od_arrays`); default all cores
        for a national pass, the calling process for a small one.

    Returns
    -------
    pandas.DataFrame
        Index ``origins.index``, one column per ``office_id``; minutes (``metric="time"``) or
        km; ``inf`` where the office cannot be reached. Provenance in ``.attrs["narvaro"]``
        (also ``metric`` and ``unit``).
    """
    if progress:  # tqdm.auto only when a bar is wanted: importing it warns in a notebook without ipywidgets
        from tqdm.auto import tqdm
    else:
        def tqdm(iterable: Any, **_: Any) -> Any:
            return iterable

    if metric not in ("time", "distance"):
        raise ValueError(f"metric must be 'time' or 'distance', not {metric!r}")
    _check_options(far_offices, access_speed_kmh)
    office = _validate_offices(offices, check_extent)
    oxy = _validate_demand(origins, check_extent)
    k = len(office)
    n_o = len(oxy)
    out = np.empty((n_o, k), dtype=float)
    unit = "min" if metric == "time" else "km"
    if graph is None:
        if batch_size is None:
            batch_size = max(1, int(settings.OD_BATCH_MEMORY_MB * 1e6 // (8 * max(n_o, 1) * 3)))
        oxy_off = office[["x", "y"]].to_numpy()
        for s in tqdm(range(0, k, batch_size), disable=not progress, desc="od_matrix (estimate)"):
            diff = oxy[:, None, :] - oxy_off[None, s:s + batch_size, :]
            km = _estimate_km(np.hypot(diff[..., 0], diff[..., 1]))
            out[:, s:s + batch_size] = km if metric == "distance" else _estimate_min(km)
        method, network = settings.METHOD_ESTIMATE, ESTIMATE_DESCRIPTION
    else:
        access_mps = access_speed_kmh / 3.6
        onode, osnap = _office_legs(graph, office, snap_max_m, far_offices)
        dnode, dsnap = graph.snap(oxy)
        if metric == "time":
            oleg, dleg, scale = osnap / access_mps, dsnap / access_mps, 1 / 60.0
        else:
            oleg, dleg, scale = osnap, dsnap, 1 / 1000.0
        key = "time" if metric == "time" else "length"
        net = _od_core(graph, onode, {key: oleg}, dnode, batch_size=batch_size, n_jobs=n_jobs,
                       progress=progress, dtype=np.float64)[key]
        out[:] = (net.T + dleg[:, None]) * scale
        method, network = settings.METHOD_ROAD, graph.describe()
    result = pd.DataFrame(out, index=origins.index, columns=pd.Index(office["office_id"], name="office_id"))
    set_provenance(result, method=method, network=network, metric=metric, unit=unit)
    return result


# --- many-to-many in road mode -------------------------------------------------------------------

#: Below this many (office x graph node) pairs an OD pass runs in the calling process.
_PARALLEL_MIN_WORK = 20_000_000

#: State shared with forked OD workers (set before the pool starts; never pickled).
_OD_STATE: dict[str, Any] = {}


def _od_batch(key: str, start: int, stop: int) -> tuple[str, int, np.ndarray]:
    """Network cost (office leg included) from the demand vertices to offices ``start:stop``."""
    st = _OD_STATE
    graph: RoadGraph = st["graph"]
    aug, n = st["aug"][key], graph.n_nodes
    limit = st["limit"].get(key)
    dist = dijkstra(aug, directed=True, indices=np.arange(n + start, n + stop),
                    limit=np.inf if limit is None else limit + _OFFSET)
    dist = np.atleast_2d(dist)[:, :n]
    dist -= _OFFSET
    cost, _ = graph.vertex_cost(dist, st["dnode"], key)
    del dist
    di, oj, cc = st["same"][key]
    sel = (oj >= start) & (oj < stop)
    for d, o, c in zip(di[sel].tolist(), oj[sel].tolist(), cc[sel].tolist(), strict=True):
        cost[o - start, d] = min(cost[o - start, d], c)
    if limit is not None:
        cost[cost > limit] = np.inf
    return key, start, cost.astype(st["dtype"], copy=False)


def _od_core(
    graph: RoadGraph,
    onode: np.ndarray,
    oleg: dict[str, np.ndarray],
    dnode: np.ndarray,
    *,
    limit: dict[str, float | None] | None = None,
    batch_size: int | None = None,
    n_jobs: int | None = 1,
    progress: bool = False,
    dtype: Any = np.float32,
) -> dict[str, np.ndarray]:
    """Office x demand network costs (office access leg included, demand leg not) per metric key."""
    k = len(onode)
    n = graph.n_nodes
    aug, same = {}, {}
    for key, leg in oleg.items():
        owner, node, off = graph.vertex_sources(onode, key)
        aug[key] = _augmented(graph.reversed(key), owner, node, off + leg[owner], k)
        di, oj, cc = graph.same_chain_cost(dnode, onode, key)
        same[key] = (di, oj, cc + leg[oj])
    if batch_size is None:
        batch_size = max(1, min(16, int(settings.OD_BATCH_MEMORY_MB * 1e6 // (8 * 2 * (n + k)))))
    if n_jobs is None or n_jobs < 1:  # all cores, unless the pass is too small to pay for the workers
        n_jobs = 1 if k * n < _PARALLEL_MIN_WORK else (os.cpu_count() or 1)
    jobs = max(1, min(n_jobs, k))
    if jobs > 1:  # spread the offices over the workers
        batch_size = max(1, min(batch_size, -(-k // (4 * jobs))))
    tasks = [(key, s, min(s + batch_size, k)) for key in oleg for s in range(0, k, batch_size)]
    out = {key: np.empty((k, len(dnode)), dtype=dtype) for key in oleg}
    _OD_STATE.update(graph=graph, aug=aug, dnode=np.asarray(dnode), same=same, limit=dict(limit or {}), dtype=dtype)
    try:
        with progress_bar(progress, total=k * len(oleg), desc="OD (offices x metrics)", unit="office") as bar:
            if jobs == 1 or len(tasks) == 1:
                for t in tasks:
                    key, s0, cost = _od_batch(*t)
                    out[key][s0:s0 + len(cost)] = cost
                    bar.update(len(cost))
            else:
                with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork")) as pool:
                    futures = [pool.submit(_od_batch, *t) for t in tasks]
                    for fut in as_completed(futures):
                        key, s0, cost = fut.result()
                        out[key][s0:s0 + len(cost)] = cost
                        bar.update(len(cost))
    finally:
        _OD_STATE.clear()
    return out


def _reached_from(graph: RoadGraph, dnode: np.ndarray, onode: np.ndarray) -> np.ndarray:
    """Which offices some of the demand vertices ``dnode`` can drive to (any distance)."""
    n = graph.n_nodes
    exits = dnode[dnode < n]
    inner = dnode[dnode >= n] - n
    if len(inner):  # a point on a chain leaves by its head, and by its tail on a two-way chain
        it = graph.interior
        c = it.chain[inner]
        exits = np.concatenate([exits, it.chain_head[c], it.chain_tail[c][it.chain_two_way[c]]])
    reach = np.isfinite(dijkstra(graph.length, directed=True, indices=np.unique(exits), min_only=True))
    owner, node, _ = graph.vertex_sources(onode, "length")
    hit = np.zeros(len(onode), dtype=bool)
    hit[owner[reach[node]]] = True
    hit[graph.same_chain_cost(dnode, onode, "length")[1]] = True
    return hit


def _od_given_present(
    graph: RoadGraph,
    onode: np.ndarray,
    oleg: dict[str, np.ndarray],
    dnode: np.ndarray,
    present: np.ndarray,
    **core: Any,
) -> dict[str, np.ndarray]:
    """:func:`_od_core` with limits that keep every nearest-office answer given ``present`` offices.

    Per metric, the limit is the largest network cost from a point to its nearest present
    office; a candidate beyond it cannot beat that office. Offices search unlimited where a
    point may need them beyond it: offices in a weakly connected piece of road without a
    present office (no trip leaves the piece, so the piece bounds the search), and offices
    that a point unable to reach any present office (a one-way trap) can drive to.
    """
    comp_o = graph.vertex_components(onode)
    comp_d = graph.vertex_components(dnode)
    unlimited = ~np.isin(comp_o, comp_o[present])  # offices in a piece without a present office
    point_covered = np.isin(comp_d, comp_o[present])
    limit: dict[str, float | None] = {}
    trapped = np.zeros(len(dnode), dtype=bool)
    for key, leg in oleg.items():
        base, _ = _nearest_by(graph, key, onode[present], leg[present], dnode)
        fin = np.isfinite(base)
        trapped |= point_covered & ~fin
        limit[key] = float(base[fin].max()) if fin.any() else None
    if trapped.any():
        unlimited |= _reached_from(graph, np.asarray(dnode)[trapped], onode)
    if all(v is None for v in limit.values()) or not unlimited.any():
        return _od_core(graph, onode, oleg, dnode, limit=limit, **core)
    out = {key: np.empty((len(onode), len(dnode)), dtype=core.get("dtype", np.float32)) for key in oleg}
    for group, lim in ((~unlimited, limit), (unlimited, {key: None for key in oleg})):
        if group.any():
            part = _od_core(graph, onode[group], {k: v[group] for k, v in oleg.items()}, dnode, limit=lim, **core)
            for key, arr in part.items():
                out[key][group] = arr
    return out


class ODArrays(NamedTuple):
    """Dense office x point matrices from :func:`od_arrays`.

    Attributes
    ----------
    office_id : ndarray of object, shape (k,)
        Row labels.
    distance_km, time_min : ndarray of float32 (or the dtype asked for), shape (k, p), or None
        Road distance (km) and car travel time (min) from every point (column, in input
        order) to every office (row), access legs included; ``inf`` where unreachable or
        beyond the limit. None for a metric not asked for.
    method : str
        ``"road"`` or ``"estimate"``.
    network : str
        Provenance of the graph (or the estimate's description).
    """

    office_id: np.ndarray
    distance_km: np.ndarray | None
    time_min: np.ndarray | None
    method: str
    network: str


def od_arrays(
    origins: Any,
    offices: Any,
    graph: RoadGraph | None = None,
    *,
    metrics: tuple[str, ...] = ("distance", "time"),
    limit_km: float | None = None,
    limit_min: float | None = None,
    always_present: np.ndarray | None = None,
    n_jobs: int | None = None,
    batch_size: int | None = None,
    access_speed_kmh: float = settings.ACCESS_SPEED_KMH,
    snap_max_m: float = settings.SNAP_MAX_M,
    far_offices: str = "raise",
    check_extent: bool = True,
    progress: bool = True,
    dtype: Any = np.float32,
) -> ODArrays:
    """Road distance and travel time from every point to every office, as dense float32 arrays.

    For the many-to-many passes (every candidate office to every demand point): one Dijkstra
    per office and metric on the reversed graph, in batches of offices, spread over worker
    processes (forked, so the graph is shared, not copied), optionally cut at a limit.

    Parameters
    ----------
    origins : GeoDataFrame
        Demand points with a CRS.
    offices : GeoDataFrame
        As for :func:`nearest_office`.
    graph : RoadGraph, optional
        Contracted or not; ``None``: estimate mode (straight line x circuity).
    metrics : tuple of {"distance", "time"}
        Which matrices to compute.
    limit_km, limit_min : float, optional
        Stop each office's search beyond this trip cost (office access leg included, point
        leg not): pairs beyond are ``inf``. A bound such as the largest distance from any
        point to its nearest office among offices always present makes the pass much
        faster and changes no nearest-office answer.
    n_jobs : int, optional
        Worker processes (forked); default all cores, or the calling process when offices x
        graph nodes is below 20 million. ``1`` runs in this process.
    batch_size : int, optional
        Offices per Dijkstra call (default: within :data:`narvaro.settings.OD_BATCH_MEMORY_MB`, at most 16).
    access_speed_kmh, snap_max_m, far_offices, check_extent
        As for :func:`nearest_office`.
    progress : bool, default True
        tqdm bar over offices.
    dtype : numpy dtype, default float32
        Of the arrays: float32 halves the memory; ``np.float64`` gives the values
        :func:`nearest_office` gives, for comparisons with thresholds.

    Returns
    -------
    ODArrays
        ``distance_km`` and ``time_min`` of shape (offices, points).
    """
    for m in metrics:
        if m not in ("time", "distance"):
            raise ValueError(f"metrics must be 'time' and/or 'distance', not {m!r}")
    _check_options(far_offices, access_speed_kmh)
    office = _validate_offices(offices, check_extent)
    oxy = _validate_demand(origins, check_extent)
    ids = office["office_id"].to_numpy(dtype=object)
    if always_present is not None:
        always_present = np.asarray(always_present, dtype=bool)
        if always_present.shape != (len(office),):
            raise ValueError(f"always_present must have one value per office ({len(office)}), "
                             f"not shape {always_present.shape}")
        if limit_km is not None or limit_min is not None:
            raise ValueError("give always_present or limit_km/limit_min, not both")
    res: dict[str, np.ndarray | None] = {"distance": None, "time": None}
    if graph is None:
        oxy_off = office[["x", "y"]].to_numpy()
        diff = oxy_off[:, None, :] - oxy[None, :, :]
        km = _estimate_km(np.hypot(diff[..., 0], diff[..., 1]))
        if "distance" in metrics:
            res["distance"] = km.astype(dtype)
        if "time" in metrics:
            res["time"] = _estimate_min(km).astype(dtype)
        return ODArrays(ids, res["distance"], res["time"], settings.METHOD_ESTIMATE, ESTIMATE_DESCRIPTION)
    access_mps = access_speed_kmh / 3.6
    onode, osnap = _office_legs(graph, office, snap_max_m, far_offices)
    dnode, dsnap = graph.snap(oxy)
    oleg, limit = {}, {}
    if "distance" in metrics:
        oleg["length"], limit["length"] = osnap, None if limit_km is None else limit_km * 1000.0
    if "time" in metrics:
        oleg["time"], limit["time"] = osnap / access_mps, None if limit_min is None else limit_min * 60.0
    if always_present is not None and always_present.any():
        net = _od_given_present(graph, onode, oleg, dnode, always_present, batch_size=batch_size, n_jobs=n_jobs,
                                progress=progress, dtype=dtype)
    else:
        net = _od_core(graph, onode, oleg, dnode, limit=limit, batch_size=batch_size, n_jobs=n_jobs,
                       progress=progress, dtype=dtype)
    if "length" in net:
        d = net.pop("length")
        d += dsnap[None, :].astype(dtype)
        d /= np.dtype(dtype).type(1000.0)
        res["distance"] = d
    if "time" in net:
        t = net.pop("time")
        t += (dsnap / access_mps)[None, :].astype(dtype)
        t /= np.dtype(dtype).type(60.0)
        res["time"] = t
    return ODArrays(ids, res["distance"], res["time"], settings.METHOD_ROAD, graph.describe())
