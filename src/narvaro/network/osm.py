"""How narvaro reads OpenStreetMap: tags (speeds, one-way, ferries) and PBF files.

This module holds the tag rules; :mod:`narvaro.network.pbf` applies them while streaming a
PBF file into edge arrays, and :class:`~narvaro.network.RoadGraph` holds the result. The
rules below are the same in every builder (PBF via :func:`narvaro.network.pbf.read_pbf`,
osmnx via :meth:`~narvaro.network.RoadGraph.from_osmnx`).

Rules
-----
One-way streets (:func:`oneway_direction`)
    osmnx 2.x semantics: ``oneway`` in {yes, true, 1} is one-way along the way's node order,
    {-1, reverse, T} one-way against it (osmnx also lists ``F`` as one-way forward), any other
    value (no, reversible, alternating, ...) is two-way, ``junction=roundabout`` is one-way.
    In addition, as the OSM wiki specifies (Key:oneway, "implied"), ``highway=motorway`` and
    ``junction=circular`` are one-way unless tagged ``oneway=no``: Swedish motorways are drawn
    as two carriageways, and routing against the traffic on one would shorten trips. osmnx
    does not apply this implication (it follows the explicit tag only).
Speeds (:func:`parse_maxspeed`, :func:`edge_speed_kmh`)
    The ``maxspeed`` tag where it parses, else :data:`narvaro.settings.DEFAULT_SPEED_KMH` for
    the road class (the table and its source are documented there). Travel time is length
    divided by that speed: free flow at the limit, no junction delay, so times are a lower
    bound of real driving times.
Ferries (:func:`is_ferry`)
    Ways tagged ``route=ferry`` are counted and reported in ``metadata["ferries_found"]``;
    they are left out unless ``ferries=True``, when each ferry becomes a two-way edge between
    the road nodes nearest to its two ends (within :data:`narvaro.settings.FERRY_TERMINAL_SNAP_M`)
    at :data:`narvaro.settings.FERRY_SPEED_KMH` (no waiting time).
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from .. import settings

__all__ = [
    "SWEDISH_ZONE_SPEEDS_KMH",
    "RoadArrays",
    "parse_maxspeed",
    "oneway_direction",
    "edge_speed_kmh",
    "is_ferry",
]

# --- speeds -----------------------------------------------------------------------------------

#: Swedish implicit speed limits as tagged in OSM (``maxspeed=SE:urban`` ...), from
#: Trafikförordningen 3 kap. 17 § (50 in built-up areas, 70 outside) and the OSM wiki page
#: "Default speed limits" (motorway 110). ``SE:living_street`` and ``walk`` are walking pace,
#: taken as the living_street default of settings.DEFAULT_SPEED_KMH.
SWEDISH_ZONE_SPEEDS_KMH: dict[str, float] = {
    "se:urban": 50.0,
    "se:rural": 70.0,
    "se:motorway": 110.0,
    "se:trunk": 90.0,
    "se:living_street": settings.DEFAULT_SPEED_KMH["living_street"],
    "walk": settings.DEFAULT_SPEED_KMH["living_street"],
}
_MPH = 1.609344
_KNOT = 1.852
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def _parse_one_speed(text: str) -> float:
    key = text.strip().lower()
    if key in SWEDISH_ZONE_SPEEDS_KMH:
        return SWEDISH_ZONE_SPEEDS_KMH[key]
    m = _NUMBER.match(key)
    if not m:
        return math.nan  # "none", "signals", "variable", "RU:urban" ...
    value = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    if unit == "mph":
        value *= _MPH
    elif unit == "knots":
        value *= _KNOT
    if not 1.0 <= value <= 200.0:
        return math.nan
    return value


def parse_maxspeed(value: Any) -> float:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value : str, number, list or None
        The tag value, e.g. ``"50"``, ``"SE:urban"`` (50), ``"SE:rural"`` (70),
        ``"SE:motorway"`` (110), ``"50 mph"`` (80.5), ``"50;70"`` (several signed limits:
        the minimum, 50), or a list of such values as osmnx stores merged edges (minimum).

    Returns
    -------
    float
        Speed in km/h, or NaN when the value does not give a usable limit (``"none"``,
        ``"signals"``, ``"variable"``, empty, zero or above 200): the caller then uses the
        default speed for the road class.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple, set, np.ndarray)):
        parsed = [parse_maxspeed(v) for v in value]
        parsed = [p for p in parsed if not math.isnan(p)]
        return min(parsed) if parsed else math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return v if 1.0 <= v <= 200.0 else math.nan
    text = str(value)
    parts = [p for p in re.split(r"[;|]", text) if p.strip()]
    speeds = [s for s in (_parse_one_speed(p) for p in parts) if not math.isnan(s)]
    return min(speeds) if speeds else math.nan


def _first(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def edge_speed_kmh(maxspeed: Any, highway: Any) -> float:
    """Speed (km/h) for an edge: its parsed ``maxspeed`` or the class default.

    Parameters
    ----------
    maxspeed : str, number, list or None
        The ``maxspeed`` tag (see :func:`parse_maxspeed`).
    highway : str or list
        The ``highway`` class (the first one if osmnx merged several).

    Returns
    -------
    float
        km/h; classes missing from :data:`narvaro.settings.DEFAULT_SPEED_KMH` use its
        ``unclassified`` value.
    """
    v = parse_maxspeed(maxspeed)
    if not math.isnan(v):
        return v
    hw = _first(highway)
    return settings.DEFAULT_SPEED_KMH.get(str(hw), settings.DEFAULT_SPEED_KMH["unclassified"])


# --- one-way ----------------------------------------------------------------------------------

_ONEWAY_FORWARD = {"yes", "true", "1", "F"}
_ONEWAY_REVERSED = {"-1", "reverse", "T"}
_IMPLIED_ONEWAY_HIGHWAYS = {"motorway"}
_IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}


def oneway_direction(oneway: Any, highway: Any = None, junction: Any = None) -> int:
    """Direction of travel allowed on an OSM way.

    Parameters
    ----------
    oneway, highway, junction : str or None
        The way's ``oneway``, ``highway`` and ``junction`` tags.

    Returns
    -------
    int
        ``1`` one-way along the node order, ``-1`` one-way against it, ``0`` both ways.
        Rules: see the module docstring (osmnx 2.x plus the OSM wiki's implied one-way on
        motorways and roundabouts).
    """
    ow = None if oneway is None or (isinstance(oneway, float) and math.isnan(oneway)) else str(oneway).strip()
    if ow in _ONEWAY_REVERSED:
        return -1
    if ow is not None and (ow in _ONEWAY_FORWARD or ow.lower() in {"yes", "true"}):
        return 1
    if ow is not None and ow != "":
        return 0  # explicit "no", "reversible", "alternating", ...
    if isinstance(junction, str) and junction in _IMPLIED_ONEWAY_JUNCTIONS:
        return 1
    if isinstance(highway, str) and highway in _IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


# --- ferries ----------------------------------------------------------------------------------

def is_ferry(route: Any) -> bool:
    """Whether a ``route`` tag (a string, or a list as osmnx stores merged edges) is a ferry."""
    return route == "ferry" or (isinstance(route, list) and "ferry" in route)


def _ferry_edges(ferry_ways: Any, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ferry ways -> (u, v, length_m) between the road nodes nearest their two ends."""
    import geopandas as gpd

    tree = cKDTree(np.column_stack([px, py]))
    geom = gpd.GeoSeries(ferry_ways.geometry.values, crs=ferry_ways.crs or settings.CRS_STORE).to_crs(settings.CRS_COMPUTE)
    us, vs, ls = [], [], []
    for g in geom:
        if g is None or g.is_empty:
            continue
        lines = list(g.geoms) if g.geom_type == "MultiLineString" else [g]
        a = np.asarray(lines[0].coords[0])
        b = np.asarray(lines[-1].coords[-1])
        (da, ia), (db, ib) = tree.query(a), tree.query(b)
        if da > settings.FERRY_TERMINAL_SNAP_M or db > settings.FERRY_TERMINAL_SNAP_M or ia == ib:
            continue
        us.append(ia)
        vs.append(ib)
        ls.append(max(float(g.length), math.hypot(*(a - b))))
    return np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), np.array(ls, dtype=float)


# --- coordinates ------------------------------------------------------------------------------

def xy_to_compute_crs(x: np.ndarray, y: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate arrays in ``crs`` -> arrays in :data:`narvaro.settings.CRS_COMPUTE` (x, y order)."""
    import pyproj

    src = pyproj.CRS.from_user_input(crs)
    dst = pyproj.CRS.from_user_input(settings.CRS_COMPUTE)
    if src.equals(dst):
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    xo, yo = tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(xo, dtype=float), np.asarray(yo, dtype=float)


# --- PBF files --------------------------------------------------------------------------------

class RoadArrays(NamedTuple):
    """Directed edges and their nodes, in the order of :meth:`RoadGraph.from_edges
    <narvaro.network.RoadGraph.from_edges>`'s parameters (``RoadGraph.from_edges(*arrays)``).

    Arrays rather than data frames: a national extract has tens of millions of edges, and
    frames would copy them once more.
    """

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    metadata: dict[str, Any]
