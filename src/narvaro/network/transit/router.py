"""Public transport journey times: a profile connection scan over one service day.

Semantics (the contract of :func:`narvaro.transit_times`; also in the README)
------------------------------------------------------------------------------
- **The measure** is *the quickest journey of the morning*: door to door, among journeys that
  reach the office between 08:00 and 10:00 of the service date
  (``settings.TRANSIT_ARRIVE_WINDOW_MIN``), the smallest arrival minus departure from home.
  Waiting at home does not count; waiting at a stop (for the first vehicle once one has walked
  there, or for a connection) does. A journey that would reach the office before 08:00 is not
  one of the morning's journeys (it is not shifted to 08:00).
- **Walking** at 5 km/h (``TRANSIT_WALK_SPEED_KMH``), the straight line times a walking
  circuity (``TRANSIT_WALK_CIRCUITY`` = 1.3), from the demand point to a stop and from a stop to
  the office, each at most 1,000 m of walking (``TRANSIT_ACCESS_MAX_M``), and between two stops
  for a transfer at most 300 m (``TRANSIT_TRANSFER_WALK_MAX_M``). A walk between stops is only
  made between two vehicles (not before the first or after the last).
- **Transfers** at the same stop, or between platforms of one parent station, take the stop's
  ``min_transfer_time`` from ``transfers.txt``, else 2 minutes (``TRANSIT_TRANSFER_MIN``).
  Staying on the same trip is not a transfer. A walking transfer takes its walking time.
- **Walking all the way**: a demand point within 1,000 m of walking of an office has that walk as a
  journey (at any hour, so it also counts in the window).
- **No journey**: a demand point (or office) with no journey in the window is NaN, never dropped
  and never a number.

Algorithm
---------
One backward scan over the day's connections (sorted by departure, latest first) per set of
target offices (Dibbelt, Pajor, Strasser, Wagner 2013, "Intriguingly simple and fast transit
routing", profile variant). For every connection ``c`` the earliest arrival at the target after
riding ``c`` is the minimum of: alighting and walking to an office (when that arrival falls in the
window), staying on the trip, or transferring at the arrival stop (the stop's profile queried at
``arr + transfer time``, and each walkable stop's at ``arr + walk``). Each stop keeps the Pareto
profile of (departure, arrival) pairs of boarding there, and the smallest arrival minus departure
over its boardings. A demand point's journey time is then the smallest walk to a stop plus that
stop's quickest duration, computed for every point at once with numpy. Connections arriving after
the window closes are not scanned (no journey of the morning uses them).

"Nearest office" (:func:`transit_times`) is one scan with every office as a target (each
profile entry carries the office it ends at); :func:`transit_matrix` gives every point's time to
every office (one scan per office), for the office draws.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ... import settings
from ...errors import CRSError, GeometryError, InputValueError
from .gtfs import Feed, read_gtfs

__all__ = ["transit_times", "transit_matrix", "TransitNetwork", "walk_pairs"]

_METRIC_CRS = "EPSG:3006"


def _xy(frame: gpd.GeoDataFrame, what: str) -> np.ndarray:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise CRSError(f"{what}: a GeoDataFrame of points with a CRS is needed")
    g = frame.geometry.to_crs(_METRIC_CRS)
    bad = [i for i, p in zip(frame.index, g, strict=False) if p is None or p.is_empty or p.geom_type != "Point"]
    if bad:
        raise CRSError(f"{what}: rows that are not points", [{"row": i, "id": "", "problem": "not a point"} for i in bad])
    xy = np.column_stack([g.x.to_numpy(), g.y.to_numpy()])
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if bad.size:
        raise GeometryError(f"{what}: points without finite coordinates",
                            [{"row": frame.index[i], "id": "", "problem": "coordinates are NaN"} for i in bad])
    return xy


def _walk_speed() -> float:
    return settings.TRANSIT_WALK_SPEED_KMH / 3.6  # m/s


def walk_pairs(a: np.ndarray, b: np.ndarray, max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i in a, j in b) within ``max_m`` metres of walking, and the walk in seconds.

    Walking distance = straight line (EPSG:3006) x ``settings.TRANSIT_WALK_CIRCUITY``.
    """
    circ = settings.TRANSIT_WALK_CIRCUITY
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    tree = cKDTree(b)
    sm = tree.sparse_distance_matrix(cKDTree(a), max_m / circ, output_type="coo_matrix")
    j, i, d = sm.row.astype(np.int64), sm.col.astype(np.int64), sm.data
    # sparse_distance_matrix omits exact zeros: add co-located pairs
    zi, zj = [], []
    for k, nb in enumerate(tree.query_ball_point(a, 1e-6)):
        for m in nb:
            zi.append(k)
            zj.append(m)
    if zi:
        i = np.concatenate([i, np.array(zi, np.int64)])
        j = np.concatenate([j, np.array(zj, np.int64)])
        d = np.concatenate([d, np.zeros(len(zi))])
        order = np.lexsort((j, i))
        key = i[order] * (len(b) + 1) + j[order]
        first = np.r_[True, key[1:] != key[:-1]]
        i, j, d = i[order][first], j[order][first], d[order][first]
    return i, j, d * circ / _walk_speed()


@dataclass
class TransitNetwork:
    """A feed's service day prepared for scans: connections, footpaths, stop coordinates.

    Build with :meth:`from_gtfs` (or from a :class:`~narvaro.network.transit.gtfs.Feed`).
    """

    feed: Feed
    stop_xy: np.ndarray
    foot: list[list[tuple[int, float]]]  # per stop: (other stop, seconds), transfers
    order: np.ndarray  # connections scanned, latest departure first

    @classmethod
    def from_feed(cls, feed: Feed) -> TransitNetwork:
        """Prepare ``feed`` for routing (footpaths <= 300 m, same-station transfers)."""
        stops = gpd.GeoDataFrame(feed.stops, geometry=gpd.points_from_xy(feed.stops.lon, feed.stops.lat), crs=4326)
        xy = _xy(stops, "GTFS stops") if len(stops) else np.zeros((0, 2))
        foot: list[list[tuple[int, float]]] = [[] for _ in range(len(stops))]
        best: dict[tuple[int, int], float] = {}
        i, j, s = walk_pairs(xy, xy, settings.TRANSIT_TRANSFER_WALK_MAX_M)
        for a, b, t in zip(i.tolist(), j.tolist(), s.tolist(), strict=False):
            if a != b:
                best[(a, b)] = t
        station = feed.stops["station"].to_numpy()
        for _, idx in pd.Series(np.arange(len(stops))).groupby(station):
            members = idx.to_numpy()
            if len(members) > 1:
                for a in members:
                    for b in members:
                        if a != b:
                            best[(int(a), int(b))] = float(feed.min_transfer_s[a])
        for (a, b), t in best.items():
            if np.isfinite(t):
                foot[a].append((b, t))
        window_end = settings.TRANSIT_ARRIVE_WINDOW_MIN[1] * 60.0
        keep = np.flatnonzero(feed.arr_time <= window_end)
        order = keep[np.lexsort((-feed.arr_time[keep], -feed.dep_time[keep]))]
        return cls(feed=feed, stop_xy=xy, foot=foot, order=order)

    @classmethod
    def from_gtfs(cls, path: str | Path, date: dt.date | str | None = None) -> TransitNetwork:
        """Read the feed at ``path`` for ``date`` (default: a normal Wednesday) and prepare it."""
        return cls.from_feed(read_gtfs(path, date, default_transfer_s=settings.TRANSIT_TRANSFER_MIN * 60.0))

    def scan(self, egress: np.ndarray, egress_office: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One backward profile scan towards a set of offices.

        Parameters
        ----------
        egress : ndarray
            Per stop, the walk (s) to the target office nearest on foot (inf where none).
        egress_office : ndarray of int
            Per stop, that office's number (-1 where none).

        Returns
        -------
        best : ndarray
            Per stop, the quickest journey (s) from boarding there to an office in the window.
        office : ndarray of int
            The office that journey ends at (-1 where none).
        """
        f = self.feed
        lo, hi = (w * 60.0 for w in settings.TRANSIT_ARRIVE_WINDOW_MIN)
        n_stops = len(f.stops)
        inf = float("inf")
        neg_dep: list[list[float]] = [[] for _ in range(n_stops)]  # -departure, increasing
        prof_arr: list[list[float]] = [[] for _ in range(n_stops)]
        prof_off: list[list[int]] = [[] for _ in range(n_stops)]
        best = np.full(n_stops, inf)
        best_off = np.full(n_stops, -1, np.int64)
        trip_arr: dict[int, float] = {}
        trip_off: dict[int, int] = {}
        eg = egress.tolist()
        ego = egress_office.tolist()
        transfer = f.min_transfer_s.tolist()
        foot = self.foot
        dep_stop, arr_stop = f.dep_stop.tolist(), f.arr_stop.tolist()
        dep_time, arr_time = f.dep_time.tolist(), f.arr_time.tolist()
        trips, board, alight = f.trip.tolist(), f.can_board.tolist(), f.can_alight.tolist()

        def query(s: int, t: float) -> tuple[float, int]:
            k = bisect_right(neg_dep[s], -t) - 1
            if k < 0:
                return inf, -1
            return prof_arr[s][k], prof_off[s][k]

        for c in self.order.tolist():
            v, ta, tr = arr_stop[c], arr_time[c], trips[c]
            tau, off = trip_arr.get(tr, inf), trip_off.get(tr, -1)
            if alight[c]:
                a = ta + eg[v]
                if lo <= a <= hi and a < tau:
                    tau, off = a, ego[v]
                a, o = query(v, ta + transfer[v])
                if a < tau:
                    tau, off = a, o
                for w, walk in foot[v]:
                    a, o = query(w, ta + walk)
                    if a < tau:
                        tau, off = a, o
            if tau == inf:
                continue
            trip_arr[tr], trip_off[tr] = tau, off
            if not board[c]:
                continue
            u, td = dep_stop[c], dep_time[c]
            if tau - td < best[u]:
                best[u], best_off[u] = tau - td, off
            arrs = prof_arr[u]
            if not arrs or tau < arrs[-1]:
                if arrs and neg_dep[u][-1] == -td:
                    arrs[-1], prof_off[u][-1] = tau, off
                else:
                    neg_dep[u].append(-td)
                    arrs.append(tau)
                    prof_off[u].append(off)
        return best, best_off


def _egress(net: TransitNetwork, office_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(net.feed.stops)
    eg = np.full(n, np.inf)
    ego = np.full(n, -1, np.int64)
    s, k, t = walk_pairs(net.stop_xy, office_xy, settings.TRANSIT_ACCESS_MAX_M)
    order = np.lexsort((k, t))
    for si, ki, ti in zip(s[order].tolist(), k[order].tolist(), t[order].tolist(), strict=False):
        if ti < eg[si]:
            eg[si], ego[si] = ti, ki
    return eg, ego


def _network(gtfs: Any, date: dt.date | str | None) -> TransitNetwork:
    if isinstance(gtfs, TransitNetwork):
        if date is not None and str(gtfs.feed.date) != str(date):
            raise InputValueError(f"the transit network is for {gtfs.feed.date}, not {date}")
        return gtfs
    if isinstance(gtfs, Feed):
        return TransitNetwork.from_feed(gtfs)
    return TransitNetwork.from_gtfs(gtfs, date)


def _origin_min(access: tuple[np.ndarray, np.ndarray, np.ndarray], n_origins: int, best: np.ndarray,
                best_off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    oi, si, walk = access
    total = walk + best[si]
    out = np.full(n_origins, np.inf)
    off = np.full(n_origins, -1, np.int64)
    if total.size:
        order = np.lexsort((total, oi))
        first = np.r_[True, oi[order][1:] != oi[order][:-1]]
        pick = order[first]
        out[oi[pick]] = total[pick]
        off[oi[pick]] = best_off[si[pick]]
    off[~np.isfinite(out)] = -1
    return out, off


def transit_matrix(origins: gpd.GeoDataFrame, offices: gpd.GeoDataFrame, gtfs: Any,
                   date: dt.date | str | None = None) -> np.ndarray:
    """Quickest morning journey (minutes) from every origin to every office, points x offices.

    One backward scan per office (see the module docstring for the semantics); NaN = no journey.
    ``gtfs`` is a path to a feed, a :class:`~narvaro.network.transit.gtfs.Feed` or a
    :class:`TransitNetwork`.
    """
    net = _network(gtfs, date)
    oxy, fxy = _xy(origins, "origins"), _xy(offices, "offices")
    access = walk_pairs(oxy, net.stop_xy, settings.TRANSIT_ACCESS_MAX_M)
    direct = walk_pairs(oxy, fxy, settings.TRANSIT_ACCESS_MAX_M)
    out = np.full((len(oxy), len(fxy)), np.inf)
    for k in range(len(fxy)):
        eg, ego = _egress(net, fxy[k:k + 1])
        if not np.isfinite(eg).any():
            continue
        best, best_off = net.scan(eg, ego)
        out[:, k], _ = _origin_min(access, len(oxy), best, best_off)
    if direct[0].size:
        np.minimum.at(out, (direct[0], direct[1]), direct[2])
    out = out / 60.0
    out[~np.isfinite(out)] = np.nan
    return out


def transit_times(origins: gpd.GeoDataFrame, offices: gpd.GeoDataFrame, gtfs: Any,
                  date: dt.date | str | None = None) -> pd.DataFrame:
    """Quickest morning journey by public transport from each origin to the nearest office.

    Parameters
    ----------
    origins, offices : GeoDataFrame
        Points (any CRS). ``offices`` may carry ``office_id`` (else its index is used).
    gtfs : str, Path, Feed or TransitNetwork
        The GTFS feed (zip or folder) or one already read.
    date : date or "YYYY-MM-DD", optional
        Service date; default a normal Wednesday inside the feed's validity (see
        :func:`~narvaro.network.transit.gtfs.default_service_date`), in ``attrs``.

    Returns
    -------
    DataFrame
        Aligned to ``origins.index``: ``transit_min`` (minutes, NaN = no journey in the
        window), ``office_id`` (the office that journey reaches, NaN where none), ``method``
        ("transit"). ``attrs["narvaro_transit"]`` holds the service date, the feed and the rules.
    """
    net = _network(gtfs, date)
    oxy, fxy = _xy(origins, "origins"), _xy(offices, "offices")
    eg, ego = _egress(net, fxy)
    best, best_off = net.scan(eg, ego)
    access = walk_pairs(oxy, net.stop_xy, settings.TRANSIT_ACCESS_MAX_M)
    t, k = _origin_min(access, len(oxy), best, best_off)
    di, dk, dw = walk_pairs(oxy, fxy, settings.TRANSIT_ACCESS_MAX_M)
    for i, kk, w in zip(di.tolist(), dk.tolist(), dw.tolist(), strict=False):
        if w < t[i]:
            t[i], k[i] = w, kk
    ids = offices["office_id"].to_numpy() if "office_id" in offices.columns else offices.index.to_numpy()
    minutes = np.where(np.isfinite(t), t / 60.0, np.nan)
    office = pd.Series(ids[np.maximum(k, 0)], index=origins.index, dtype=object).where(k >= 0)
    out = pd.DataFrame({"transit_min": minutes, "office_id": office, "method": "transit"}, index=origins.index)
    out.attrs["narvaro_transit"] = describe_network(net)
    return out


def describe_network(net: TransitNetwork) -> dict[str, Any]:
    """The facts behind every transit number: feed, service date, rules."""
    lo, hi = settings.TRANSIT_ARRIVE_WINDOW_MIN
    return {
        "feed": net.feed.source, "date": str(net.feed.date), "trips": net.feed.n_trips,
        "connections": net.feed.n_connections,
        "rule": (f"quickest journey arriving {int(lo // 60):02d}:{int(lo % 60):02d}-{int(hi // 60):02d}:"
                 f"{int(hi % 60):02d}, walking {settings.TRANSIT_WALK_SPEED_KMH:g} km/h (straight line x "
                 f"{settings.TRANSIT_WALK_CIRCUITY:g}) up to {settings.TRANSIT_ACCESS_MAX_M:g} m to/from stops, "
                 f"transfers up to {settings.TRANSIT_TRANSFER_WALK_MAX_M:g} m, "
                 f"{settings.TRANSIT_TRANSFER_MIN:g} min at a stop unless transfers.txt says otherwise"),
    }
