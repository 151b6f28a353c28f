"""Map layer of public transport journey times by kommun (issue 23).

Kommuner coloured by the best estimate of the median quickest morning journey to the nearest
office of a group, offices as circles, and kommuner where more than half of the residents have no
journey that morning (best estimate) hatched. Self-contained (:class:`narvaro.maps.html.CoverageMap`).
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString

from .html import CoverageMap

__all__ = ["transit_map", "hatch"]

_BINS = (30, 60, 90, 120)
_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
_TEXT = {
    "en": {"title": "Public transport, quickest morning journey (median, min)", "none": "no data",
           "hatch": "hatched: most residents have no journey 08:00-10:00", "office": "office"},
    "sv": {"title": "Kollektivtrafik, snabbaste morgonresa (median, min)", "none": "uppgift saknas",
           "hatch": "streckat: de flesta invånare har ingen resa 08-10", "office": "kontor"},
}


def hatch(geom: Any, spacing: float) -> MultiLineString:
    """Diagonal lines ``spacing`` apart (in the geometry's units) clipped to ``geom``."""
    x0, y0, x1, y1 = geom.bounds
    span = (x1 - x0) + (y1 - y0)
    lines = [LineString([(x0 + k, y0), (x0 + k - span, y0 + span)]) for k in np.arange(0, 2 * span, spacing)]
    cut = MultiLineString(lines).intersection(geom)
    return cut if isinstance(cut, MultiLineString) else MultiLineString([c for c in getattr(cut, "geoms", [cut])
                                                                         if isinstance(c, LineString)])


def _colour(v: float) -> str:
    if not np.isfinite(v):
        return "#bbbbbb"
    return _COLOURS[int(np.searchsorted(_BINS, v, side="left"))]


def transit_map(table: pd.DataFrame, kommuner: gpd.GeoDataFrame, offices: gpd.GeoDataFrame | None = None,
                group: str = "af", lang: str = "en") -> CoverageMap:
    """Choropleth of one group's median journey time per kommun the feed covers.

    Parameters
    ----------
    table : DataFrame
        :func:`narvaro.analysis.transit.transit_coverage` output.
    kommuner : GeoDataFrame
        Kommun polygons (``kommunkod``).
    offices : GeoDataFrame, optional
        Offices to mark (confirmed and candidate; candidates drawn hollow).
    group : str
        Organisation group of the columns shown.
    lang : {"en", "sv"}
    """
    t = _TEXT["sv" if lang == "sv" else "en"]
    geo = kommuner.merge(table, on="kommunkod", how="inner", suffixes=("_k", ""))
    geo = gpd.GeoDataFrame(geo, geometry="geometry", crs=kommuner.crs).to_crs(4326)
    col = f"{group}_transit_median_min"
    c = geo.geometry.union_all().centroid
    m = CoverageMap(location=[c.y, c.x], zoom_start=6, tiles=None)
    for r in geo.itertuples():
        v = float(getattr(r, col))
        q05, q95 = getattr(r, col + "_q05"), getattr(r, col + "_q95")
        name = getattr(r, "kommunnamn", r.kommunkod)
        tip = f"{name}: {v:.0f} min (90 %: {q05:.0f}-{q95:.0f})" if np.isfinite(v) else f"{name}: {t['none']}"
        fill = _colour(v)
        folium.GeoJson(gpd.GeoSeries([r.geometry], crs=4326).__geo_interface__, tooltip=tip,
                       style_function=lambda _f, fill=fill: {"fillColor": fill, "color": "#555",
                                                                  "weight": 1, "fillOpacity": 0.7}).add_to(m)
    none = geo[geo[f"{group}_pop_no_transit"] > 0.5 * geo["population"]]
    if len(none):
        metric = none.to_crs(3006)
        lines = gpd.GeoSeries([hatch(g, 8000.0) for g in metric.geometry], crs=3006).to_crs(4326)
        folium.GeoJson(lines.__geo_interface__, name=t["hatch"],
                       style_function=lambda _f: {"color": "#333", "weight": 1}).add_to(m)
    if offices is not None and len(offices):
        off = offices.to_crs(4326)
        for r in off.itertuples():
            cand = getattr(r, "basis", "confirmed") == "candidate"
            folium.CircleMarker([r.geometry.y, r.geometry.x], radius=4, color="#000", weight=1,
                                fill=not cand, fill_color="#2166ac", fill_opacity=0.9,
                                tooltip=f"{t['office']}: {getattr(r, 'name', '')}").add_to(m)
    legend = "".join(f"<div><span style='background:{c};width:12px;height:12px;display:inline-block'></span> "
                     f"{lab}</div>" for c, lab in zip(_COLOURS, ("<= 30", "30-60", "60-90", "90-120", "> 120"), strict=False))
    m.get_root().html.add_child(folium.Element(
        f"<div style='position:fixed;bottom:20px;left:20px;z-index:9999;background:white;padding:6px;"
        f"font:12px sans-serif'><b>{t['title']}</b>{legend}<div>{t['hatch']}</div></div>"))
    return m
