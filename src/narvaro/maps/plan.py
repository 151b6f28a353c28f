"""A map of proposed office sites (:func:`narvaro.plan_offices`) over the offices kept.

Kept apart from the coverage maps: one small function, built on :class:`CoverageMap`, so it
saves as one self-contained HTML file (:func:`narvaro.maps.save_map`) that opens offline.
Every text reaching the page is HTML-escaped.
"""

from __future__ import annotations

from html import escape

import folium
import geopandas as gpd
import numpy as np

from .. import settings
from ..provenance import describe, get_provenance
from .html import CoverageMap

__all__ = ["plan_map"]


def _latlon(gdf: gpd.GeoDataFrame) -> np.ndarray:
    wgs = gdf.geometry.to_crs(settings.CRS_STORE)
    return np.column_stack([wgs.y.to_numpy(), wgs.x.to_numpy()])


def plan_map(plan: gpd.GeoDataFrame, existing: gpd.GeoDataFrame | None = None, *,
             title: str | None = None, self_contained: bool = True) -> CoverageMap:
    """Proposed sites (red, numbered by rank, with their gain) over the existing offices (grey).

    Parameters
    ----------
    plan : GeoDataFrame
        From :func:`narvaro.plan_offices`.
    existing : GeoDataFrame, optional
        The offices the plan kept.
    title : str, optional
        Map title (default from the plan).
    self_contained : bool, default True
        Inline Leaflet so the saved file opens offline.

    Returns
    -------
    CoverageMap
        ``m.save(path)`` writes one HTML file.
    """
    info = get_provenance(plan).get("plan", {})
    gain_col = info.get("gain_column") or next((c for c in plan.columns if c.startswith("gain_")), None)
    box = settings.SWEDEN_BBOX_WGS84
    m = CoverageMap(location=[(box[1] + box[3]) / 2, (box[0] + box[2]) / 2], zoom_start=5, tiles=None,
                    control_scale=True, self_contained=self_contained)
    m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    if existing is not None and len(existing):
        layer = folium.FeatureGroup(name=f"Offices kept ({len(existing)})")
        names = existing["name"].astype(str).to_numpy() if "name" in existing else [""] * len(existing)
        for (lat, lon), name in zip(_latlon(existing), names, strict=True):
            folium.CircleMarker([lat, lon], radius=4, color="#555555", fill=True, fill_opacity=0.8, weight=1,
                                tooltip=escape(name)).add_to(layer)
        layer.add_to(m)
    sites = folium.FeatureGroup(name=f"Proposed sites ({len(plan)})")
    for (lat, lon), (_, row) in zip(_latlon(plan), plan.iterrows(), strict=True):
        gain = row[gain_col] if gain_col else float("nan")
        gain_text = f"{gain:,.0f} residents newly within the threshold" if str(gain_col).startswith("gain_pop") \
            else f"mean {gain:.2f} {info.get('unit', '')} lower"
        popup = (f"<b>{int(row['rank'])}. {escape(str(row['name']))}</b><br>{escape(str(row.get('kommunnamn', '')))}"
                 f"<br>{escape(gain_text)}")
        folium.CircleMarker([lat, lon], radius=7, color="#b2182b", fill=True, fill_opacity=0.9, weight=1,
                            tooltip=f"{int(row['rank'])}. {escape(str(row['name']))}",
                            popup=folium.Popup(popup, max_width=300)).add_to(sites)
    sites.add_to(m)
    heading = title or f"{len(plan)} proposed sites ({info.get('objective', 'plan')})"
    legend = (f"<div style='background:white;padding:6px;font:12px sans-serif;max-width:420px'>"
              f"<b>{escape(heading)}</b><br>Red: proposed sites (rank, gain in the popup); grey: offices kept."
              f"<br><small>Assumed office set: {escape(str(info.get('office_set', '')))}<br>"
              f"{escape(describe(plan))}</small></div>")
    m.get_root().html.add_child(folium.Element(
        f"<div style='position:fixed;bottom:10px;left:10px;z-index:9999'>{legend}</div>"))
    folium.LayerControl(collapsed=False).add_to(m)
    return m
