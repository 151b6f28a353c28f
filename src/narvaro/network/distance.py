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
    nearest office, times a circuity factor interpolated by distance from
    :data:`narvaro.settings.CIRCUITY_BY_DISTANCE_KM` (HaoCong1221/FlowsGeneration, Chalmers;
    constant beyond the table's ends), at :data:`narvaro.settings.ESTIMATE_SPEED_KMH`.
    ``method`` is ``"estimate"`` in every row and in the provenance; ``snap_m`` is NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .. import settings
from ..data.layers import outside_sweden, to_compute_crs
from ..errors import GeometryError, OfficeListError, UnreachableError
from ..provenance import set_provenance
from .graph import RoadGraph, points_xy

__all__ = ["nearest_office", "od_matrix", "circuity", "ESTIMATE_DESCRIPTION", "RESULT_COLUMNS"]

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


def circuity(straight_km: np.ndarray | float) -> np.ndarray:
    """Circuity factor (road / straight-line distance) for straight-line distances in km.

    Linear interpolation in :data:`narvaro.settings.CIRCUITY_BY_DISTANCE_KM`, constant beyond
    its ends (1.74 below 1 km, 1.17 beyond 222 km).
    """
    table = np.asarray(settings.CIRCUITY_BY_DISTANCE_KM, dtype=float)
    return np.interp(np.asarray(straight_km, dtype=float), table[:, 0], table[:, 1])


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

def _augmented(rev: sparse.csr_matrix, nodes: np.ndarray, legs: np.ndarray) -> sparse.csr_matrix:
    """``rev`` plus one virtual node per office with an edge to its snapped node."""
    n = rev.shape[0]
    k = len(nodes)
    indptr = np.concatenate([rev.indptr.astype(np.int64), rev.indptr[-1] + np.arange(1, k + 1, dtype=np.int64)])
    indices = np.concatenate([rev.indices.astype(np.int64), np.asarray(nodes, dtype=np.int64)])
    data = np.concatenate([rev.data, np.asarray(legs, dtype=float) + _OFFSET])
    idx_dtype = np.int32 if n + k < 2**31 - 1 and len(indices) < 2**31 - 1 else np.int64
    return sparse.csr_matrix((data, indices.astype(idx_dtype), indptr.astype(idx_dtype)), shape=(n + k, n + k))


def _multi_source(rev: sparse.csr_matrix, nodes: np.ndarray, legs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost from every node to its nearest office and that office's position (-1: none)."""
    n = rev.shape[0]
    k = len(nodes)
    aug = _augmented(rev, nodes, legs)
    dist, _, src = dijkstra(aug, directed=True, indices=np.arange(n, n + k), min_only=True,
                            return_predecessors=True)
    dist = dist[:n] - _OFFSET
    src = np.where(src[:n] >= n, src[:n] - n, -1)
    dist[src < 0] = np.inf
    return dist, src


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
        raise ValueError(f"far_offices must be 'raise' or 'keep', not {far_offices!r}")
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
    t_node, t_src = _multi_source(graph.reversed("time"), onode, osnap / access_mps)
    d_node, d_src = _multi_source(graph.reversed("length"), onode, osnap)
    t = t_node[dnode] + dsnap / access_mps if n_d else np.zeros(0)
    d = d_node[dnode] + dsnap if n_d else np.zeros(0)
    ti = t_src[dnode] if n_d else np.zeros(0, dtype=np.int64)
    di = d_src[dnode] if n_d else np.zeros(0, dtype=np.int64)
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

    Returns
    -------
    pandas.DataFrame
        Index ``origins.index``, one column per ``office_id``; minutes (``metric="time"``) or
        km; ``inf`` where the office cannot be reached. Provenance in ``.attrs["narvaro"]``
        (also ``metric`` and ``unit``).
    """
    from tqdm.auto import tqdm

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
            rev, oleg, dleg, scale = graph.reversed("time"), osnap / access_mps, dsnap / access_mps, 1 / 60.0
        else:
            rev, oleg, dleg, scale = graph.reversed("length"), osnap, dsnap, 1 / 1000.0
        if batch_size is None:
            batch_size = max(1, int(settings.OD_BATCH_MEMORY_MB * 1e6 // (8 * graph.n_nodes)))
        for s in tqdm(range(0, k, batch_size), disable=not progress, desc="od_matrix"):
            sel = slice(s, s + batch_size)
            dist = dijkstra(rev, directed=True, indices=onode[sel])
            dist = np.atleast_2d(dist)
            out[:, sel] = ((dist[:, dnode] + oleg[sel, None]).T + dleg[:, None]) * scale
            del dist
        method, network = settings.METHOD_ROAD, graph.describe()
    result = pd.DataFrame(out, index=origins.index, columns=pd.Index(office["office_id"], name="office_id"))
    set_provenance(result, method=method, network=network, metric=metric, unit=unit)
    return result
