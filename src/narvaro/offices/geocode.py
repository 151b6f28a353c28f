"""Offline geocoding of office towns: SCB tätorter 2020 and the kommun centralorter.

An office row names a town and a kommunkod; :func:`geocode_towns` turns that into a WGS84 point
without any network access: the SCB tätort of that name in that kommun (exact, then after
normalising case, hyphens, "(del av ...)" and either half of "A och B"), else the kommun's
centralort. A point found that way that lies outside the office's own kommun (SCB's tätort
reference point of Hallsberg lies in Kumla, Göteborg's in Mölndal, Ale's centralort point in
Kungälv on the land-clipped boundaries) is moved to the nearest point 100 m inside the kommun,
and ``geocode`` says so. Used by :mod:`narvaro.offices` to build the project lists and to read
an analyst's.

Public names
------------
geocode_towns, parse_float, place_inside_kommun, GEOCODE_METHODS, INSIDE_MARGIN_M.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.ops import nearest_points

from .. import settings
from ..data import layers as data
from ..errors import InputValueError

__all__ = ["GEOCODE_METHODS", "INSIDE_MARGIN_M", "geocode_towns", "parse_float", "place_inside_kommun"]

#: How a row's point was found: SCB tätort 2020 with the same name in the same kommun, the
#: same after normalisation, the kommun's centralort, a street address, or given coordinates;
#: ``tatort_moved`` / ``centralort_moved``: the tätort (exact or normalised) or centralort point
#: lay outside the kommun and was moved to the nearest point :data:`INSIDE_MARGIN_M` inside it.
GEOCODE_METHODS = (
    "tatort_exact",
    "tatort_normalised",
    "centralort",
    "tatort_moved",
    "centralort_moved",
    "address",
    "given",
)
#: How far inside the kommun a moved point is put (metres, SWEREF 99 TM).
INSIDE_MARGIN_M = 100.0

_DEL_AV = re.compile(r"\s*\((?:del av|del)[^)]*\)\s*$")


def _normalise(name: object) -> str:
    """Casefold, drop "(del av ...)" suffixes, treat hyphens as spaces; keep å/ä/ö."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFC", name).casefold().strip()
    text = _DEL_AV.sub("", text)
    text = re.sub(r"[-\u2013_/]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _name_variants(tatort: str) -> set[str]:
    """Normalised names a tätort answers to: itself and each part of "A och B"."""
    base = _normalise(tatort)
    out = {base}
    if " och " in base:
        out.update(p.strip() for p in base.split(" och ") if p.strip())
    return out


@functools.cache
def _tatort_index() -> tuple[dict, dict]:
    """(exact, normalised) lookups: (kommunkod, name) -> (x, y) of the most populous match."""
    tat = data.load_tatorter().sort_values("population", ascending=True)
    exact: dict[tuple[str, str], tuple[float, float]] = {}
    norm: dict[tuple[str, str], tuple[float, float]] = {}
    for row in tat.itertuples():
        xy = (row.geometry.x, row.geometry.y)
        exact[(row.kommunkod, row.tatort)] = xy  # ascending sort: the largest wins
        for variant in _name_variants(row.tatort):
            norm[(row.kommunkod, variant)] = xy
    return exact, norm


@functools.cache
def _centralorter() -> pd.DataFrame:
    c = data.load_centralorter()
    return pd.DataFrame(
        {
            "centralort": c["centralort"].to_numpy(),
            "x": c.geometry.x.to_numpy(),
            "y": c.geometry.y.to_numpy(),
        },
        index=c["kommunkod"].to_numpy(),
    )


@functools.cache
def _boundaries() -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    """kommunkod -> polygon in both boundary sets (Valmyndigheten with sea territory; SCB land-clipped)."""
    val = data.load_kommuner("valmyndigheten").set_index("kommunkod").geometry
    scb = data.load_kommuner("scb").set_index("kommunkod").geometry
    return val, scb


@functools.cache
def _kommun_interior(kod: str) -> object:
    """The part of the kommun inside both boundary sets, shrunk by INSIDE_MARGIN_M where possible."""
    val, scb = _boundaries()
    area = val[kod].intersection(scb[kod]) if kod in scb.index else val[kod]
    if area.is_empty:
        area = val[kod]
    inner = area.buffer(-INSIDE_MARGIN_M)
    return inner if not inner.is_empty else area


def place_inside_kommun(kommunkod: str, x: float, y: float) -> tuple[float, float, bool]:
    """Return the point (SWEREF 99 TM) itself if it lies in the kommun, else the nearest point inside.

    "In the kommun" means inside both boundary sets of :func:`narvaro.data.load_kommuner`
    (Valmyndigheten's, with sea territory, and SCB's land-clipped one). A point outside is moved
    to the nearest point :data:`INSIDE_MARGIN_M` metres inside that area. The third value says
    whether the point was moved. An unknown kommunkod returns the point unchanged.
    """
    val, scb = _boundaries()
    if kommunkod not in val.index:
        return x, y, False
    point = Point(x, y)
    if val[kommunkod].contains(point) and (kommunkod not in scb.index or scb[kommunkod].contains(point)):
        return x, y, False
    inside = nearest_points(_kommun_interior(kommunkod), point)[0]
    return float(inside.x), float(inside.y), True


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=settings.CRS_COMPUTE).to_crs(settings.CRS_STORE)
    return pts.x.to_numpy(), pts.y.to_numpy()


def parse_float(series: pd.Series) -> pd.Series:
    """Parse numbers written as text (decimal comma allowed); anything else becomes NaN."""
    values = pd.to_numeric(
        series.astype("string").str.strip().str.replace(",", ".", regex=False), errors="coerce"
    )
    return pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), index=series.index)


def geocode_towns(df: pd.DataFrame, unmatched: str = "centralort") -> pd.DataFrame:
    """Fill ``lat``/``lon``/``geocode`` from ``town`` + ``kommunkod`` where coordinates are missing.

    Order: SCB tätort 2020 with the same name in the same kommun (``tatort_exact``), the same
    after normalisation (case, hyphens, "(del av ...)", either half of "A och B";
    ``tatort_normalised``), else the kommun's centralort (``centralort``). A tätort or centralort
    point outside the row's kommun is moved just inside it (:func:`place_inside_kommun`;
    ``tatort_moved``, ``centralort_moved``). Rows that already have both coordinates keep them
    (``geocode`` "given" unless set). Rows with an unknown kommunkod are left empty.

    Parameters
    ----------
    df : DataFrame
        With columns ``town``, ``kommunkod`` and optionally ``lat``, ``lon``, ``geocode``.
    unmatched : {"centralort", "none"}
        What to do with an empty town or a town that matches no tätort in its kommun: place
        it at the kommun's centralort (used when building the project lists, where
        kommun-level facts name no town) or leave it without coordinates (used by
        :func:`narvaro.offices.read_offices`, which then reports the row).

    Returns
    -------
    DataFrame
        A copy of ``df`` with ``lat``, ``lon`` (floats, WGS84) and ``geocode`` filled.
    """
    if unmatched not in ("centralort", "none"):
        raise InputValueError(f"unmatched must be 'centralort' or 'none', not {unmatched!r}")
    out = df.copy()
    for col in ("lat", "lon", "geocode"):
        if col not in out.columns:
            out[col] = np.nan if col != "geocode" else ""
    lat = parse_float(out["lat"])
    lon = parse_float(out["lon"])
    geocode = out["geocode"].astype("string").fillna("").str.strip()
    has_xy = lat.notna() & lon.notna()
    geocode = geocode.where(~has_xy | (geocode != ""), "given")
    exact, norm = _tatort_index()
    central = _centralorter()
    xs = np.full(len(out), np.nan)
    ys = np.full(len(out), np.nan)
    methods = geocode.to_numpy(dtype=object).copy()
    towns = (
        out["town"].astype("string").fillna("").str.strip().to_numpy() if "town" in out else [""] * len(out)
    )
    kods = out["kommunkod"].astype("string").fillna("").str.strip().to_numpy()
    for i, (town, kod) in enumerate(zip(towns, kods, strict=True)):
        if has_xy.iloc[i] or kod not in central.index:
            continue
        hit, how = None, ""
        if town:
            if (kod, town) in exact:
                hit, how = exact[(kod, town)], "tatort_exact"
            elif (key := (kod, _normalise(town))) in norm:
                hit, how = norm[key], "tatort_normalised"
        if hit is None and unmatched == "centralort":
            hit, how = (central.at[kod, "x"], central.at[kod, "y"]), "centralort"
        if hit is not None:
            x, y, moved = place_inside_kommun(kod, hit[0], hit[1])
            xs[i], ys[i] = x, y
            methods[i] = (how.split("_")[0] + "_moved") if moved else how
    todo = ~np.isnan(xs)
    if todo.any():
        lo, la = _to_wgs84(xs[todo], ys[todo])
        lon = lon.copy()
        lat = lat.copy()
        lon[todo] = np.round(lo, 6)
        lat[todo] = np.round(la, 6)
    out["lat"] = lat.astype(float).to_numpy()
    out["lon"] = lon.astype(float).to_numpy()
    out["geocode"] = methods
    return out
