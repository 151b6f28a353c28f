"""Folium maps of the coverage table: choropleth, offices, before/after, offline HTML.

:func:`coverage_map` draws one map of the 290 kommuner coloured by a coverage column (mean
travel time by default) with the offices on top; :func:`compare_map` draws the same column
before and after the closures as two switchable layers plus the change between them.
Both return a :class:`CoverageMap` (a :class:`folium.Map`) whose :meth:`CoverageMap.save`
writes one self-contained HTML file by default: Leaflet's JS and CSS (vendored under
``narvaro/static/leaflet``, see ``scripts/vendor_leaflet.sh``) are inlined and folium's
CDN links are dropped, so the map opens on a machine with no access to public CDNs. No tile
layer is added unless asked for (``tiles=``); tiles always need the network.

Every text that reaches the page (kommun and office names, sources, the title, the
provenance line) is HTML-escaped in Python before it is embedded, and data are embedded
with ``tojson``, so a name like ``<script>alert(1)</script>`` shows as text.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import branca
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from jinja2 import Template

from . import settings
from .errors import CoverageInputError, NarvaroError
from .provenance import describe, get_provenance

__all__ = [
    "CoverageMap",
    "DEFAULT_CLASSES",
    "OFFICE_LAYERS",
    "SelfContainedError",
    "classify",
    "column_label",
    "compare_map",
    "coverage_map",
    "default_column",
    "save_map",
    "simplify_kommuner",
    "to_html",
]

# --------------------------------------------------------------------------------------
# Styles
# --------------------------------------------------------------------------------------
#: Fixed class breaks (upper bounds, the last class is open) per unit of the mapped column.
#: Minutes: AF's own 60-minute guideline and the 30/45 commuting steps of
#: :data:`narvaro.settings.TIME_THRESHOLDS_MIN`; km: PTS's 25 km rule and its 10/50 km brackets
#: (:data:`narvaro.settings.DISTANCE_THRESHOLDS_KM`); shares in percent of residents.
DEFAULT_CLASSES: dict[str, tuple[float, ...]] = {
    "min": (10.0, 20.0, 30.0, 45.0, 60.0),
    "km": (5.0, 10.0, 25.0, 50.0, 100.0),
    "share": (0.01, 0.05, 0.10, 0.25, 0.50),
    "pop": (100.0, 1_000.0, 5_000.0, 20_000.0, 50_000.0),
    "count": (1.0, 2.0, 3.0, 5.0, 10.0),
}
#: Sequential ColorBrewer YlGnBu (colour-blind safe): light = near, dark = far.
_YLGNBU = {
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    8: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    9: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"],
}
_NO_DATA = "#d9d9d9"
#: Change classes for :func:`compare_map` (after minus before, in the column's unit):
#: upper bounds; ColorBrewer PuOr-like, colour-blind safe (purple = decrease, orange = increase).
_CHANGE_CLASSES: dict[str, tuple[float, ...]] = {
    "min": (-0.5, 0.5, 5.0, 15.0, 30.0),
    "km": (-0.5, 0.5, 5.0, 15.0, 30.0),
    "share": (-0.005, 0.005, 0.05, 0.15, 0.30),
    "pop": (-0.5, 0.5, 1_000.0, 5_000.0, 20_000.0),
    "count": (-0.5, 0.5, 1.0, 2.0, 3.0),
}
_CHANGE_COLOURS = ["#8073ac", "#f7f7f7", "#fee0b6", "#fdb863", "#e08214", "#b35806"]

#: Office layers: Okabe-Ito colours and distinct shapes so they read without colour vision.
OFFICE_LAYERS: dict[str, dict[str, Any]] = {
    "af": {"label": "AF offices", "shape": "circle", "color": "#D55E00", "radius": 6},
    "ssc": {"label": "SSC servicekontor", "shape": "diamond", "color": "#CC79A7", "size": 13},
    "closed": {
        "label": "AF offices closed (or decided closed) 2019-2020",
        "shape": "cross",
        "color": "#000000",
        "size": 13,
    },
    "candidate": {
        "label": "Candidate offices (not confirmed)",
        "shape": "ring",
        "color": "#0072B2",
        "radius": 7,
    },
}
_GROUP_LABEL = {
    "af": "nearest AF office",
    "ssc": "nearest SSC servicekontor",
    "any": "nearest AF office or SSC servicekontor",
}
_GROUPS = ("any", "af", "ssc")
_COLUMN_PREFERENCE = (
    "any_time_mean_min",
    "af_time_mean_min",
    "ssc_time_mean_min",
    "any_dist_mean_km",
    "af_dist_mean_km",
    "ssc_dist_mean_km",
)
_STAT_LABEL = {"mean": "Mean", "median": "Median", "p90": "90th percentile of", "max": "Longest"}
_KOMMUN_CLASS = "narvaro-kommun"
_KOMMUN_PANE = "narvaroKommuner"
_STATIC = "static/leaflet"
_SWEDEN_BOUNDS = [
    [settings.SWEDEN_BBOX_WGS84[1], settings.SWEDEN_BBOX_WGS84[0]],
    [settings.SWEDEN_BBOX_WGS84[3], settings.SWEDEN_BBOX_WGS84[2]],
]
#: Default simplification tolerance (metres, EPSG:3006) of kommun polygons for the web.
SIMPLIFY_M = 500.0


def _esc(value: Any) -> str:
    """HTML-escape any value ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------------------
# Columns, units, classes
# --------------------------------------------------------------------------------------
def _unit(column: str) -> str:
    base = re.sub(r"_(min|max)$", "", column) if re.search(r"_(km|min)_(min|max)$", column) else column
    if "_share_" in base:
        return "share"
    if "_pop_" in base:
        return "pop"
    if base.endswith("_n_offices") or base.endswith("_n_offices_min") or base.endswith("_n_offices_max"):
        return "count"
    if base.endswith("_km"):
        return "km"
    if base.endswith("_min"):
        return "min"
    return "value"


def _group(column: str) -> str | None:
    head = column.split("_", 1)[0]
    return head if head in _GROUPS else None


def default_column(cov: pd.DataFrame) -> str:
    """Return the column mapped by default: mean time to any office, else the first available."""
    for col in _COLUMN_PREFERENCE:
        if col in cov.columns:
            return col
    raise CoverageInputError(
        "the coverage table has none of the columns a map can show by default "
        f"({', '.join(_COLUMN_PREFERENCE)}); pass column= explicitly"
    )


def column_label(column: str, method: str | None = None) -> str:
    """A readable label with units for a coverage column, e.g. ``any_time_mean_min``.

    Examples
    --------
    >>> column_label("any_time_mean_min")
    'Mean travel time by car to the nearest AF office or SSC servicekontor (minutes, population-weighted)'
    >>> column_label("af_share_over_25km")
    'Share of residents farther than 25 km from the nearest AF office (%)'
    """
    group = _group(column)
    target = _GROUP_LABEL.get(group or "", "nearest office")
    rest = column.split("_", 1)[1] if group else column
    bound = ""
    m = re.match(r"(.*)_(min|max)$", rest)
    if m and (
        re.search(r"_(km|min)$|_over_[\d.]+(km|min)$", m.group(1))
        or m.group(1) in ("has_office", "n_offices", "pop_unreachable")
    ):
        rest, bound = m.group(1), {"min": ", lower bound", "max": ", upper bound"}[m.group(2)]
    est = "estimated " if method == "estimate" else ""
    m = re.match(r"(dist|time)_(mean|median|p90|max)_(km|min)$", rest)
    if m:
        what, stat, unit = m.groups()
        noun = f"{est}road distance" if what == "dist" else f"{est}travel time by car"
        units = "km" if unit == "km" else "minutes"
        return f"{_STAT_LABEL[stat]} {noun} to the {target} ({units}, population-weighted{bound})"
    m = re.match(r"(share|pop)_over_([\d.]+)(km|min)$", rest)
    if m:
        kind, value, unit = m.groups()
        far = f"farther than {value} km from" if unit == "km" else f"more than {value} minutes by car from"
        if kind == "share":
            return f"Share of residents {far} the {target} (%{bound})"
        return f"Residents {far} the {target}{bound.replace(', ', ' (') + ')' if bound else ''}"
    if rest == "n_offices":
        return f"Offices in the kommun ({group or 'all'}{bound})"
    return column.replace("_", " ")


def _fmt(value: Any, unit: str) -> str:
    if value is None or pd.isna(value):
        return "no data"
    value = float(value)
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "km":
        return f"{value:,.1f} km"
    if unit == "min":
        return f"{value:,.0f} min"
    if unit in ("pop", "count"):
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _fmt_break(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value * 100:g} %"
    if unit == "km":
        return f"{value:g} km"
    if unit == "min":
        return f"{value:g} min"
    return f"{value:,g}"


def classify(values: pd.Series, breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value: 0 for ``v < breaks[0]``, ..., ``len(breaks)`` for the open top; -1 for NaN.

    Parameters
    ----------
    values : Series of float
    breaks : increasing sequence of upper class bounds
    """
    b = np.asarray(breaks, dtype=float)
    if b.ndim != 1 or len(b) == 0 or np.any(np.diff(b) <= 0):
        raise ValueError(f"class breaks must be a non-empty increasing sequence, got {list(breaks)}")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(b, v, side="right")
    return np.where(np.isnan(v), -1, idx)


def _class_labels(breaks: Sequence[float], unit: str) -> list[str]:
    f = functools.partial(_fmt_break, unit=unit)
    labels = [f"under {f(breaks[0])}"]
    labels += [f"{f(lo)} to under {f(hi)}" for lo, hi in zip(breaks[:-1], breaks[1:], strict=False)]
    labels.append(f"{f(breaks[-1])} or more")
    return labels


def _palette(n: int) -> list[str]:
    if n in _YLGNBU:
        return list(_YLGNBU[n])
    return list(branca.utilities.color_brewer("YlGnBu", n))[:n]


def _resolve_breaks(
    cov: pd.DataFrame, column: str, classes: Sequence[float] | str | None
) -> tuple[float, ...]:
    unit = _unit(column)
    if classes is None:
        if unit in DEFAULT_CLASSES:
            return DEFAULT_CLASSES[unit]
        classes = "quantiles"
    if isinstance(classes, str):
        import mapclassify

        values = pd.to_numeric(cov[column], errors="coerce").dropna().to_numpy()
        if len(np.unique(values)) < 2:
            return (float(values[0]) + 1.0,) if len(values) else (1.0,)
        scheme = {
            "quantiles": mapclassify.Quantiles,
            "naturalbreaks": mapclassify.NaturalBreaks,
            "equalinterval": mapclassify.EqualInterval,
        }.get(classes.lower())
        if scheme is None:
            raise ValueError(
                f"unknown classification {classes!r}; use quantiles, naturalbreaks or equalinterval "
                "or a sequence of class breaks"
            )
        bins = np.unique(np.round(scheme(values, k=min(5, len(np.unique(values)))).bins[:-1], 6))
        return tuple(float(b) for b in bins) or (float(values.max()),)
    breaks = tuple(float(b) for b in classes)
    classify(pd.Series([], dtype=float), breaks)  # validates
    return breaks


# --------------------------------------------------------------------------------------
# Geometry for the web
# --------------------------------------------------------------------------------------
def simplify_kommuner(
    gdf: gpd.GeoDataFrame, tolerance_m: float = SIMPLIFY_M, decimals: int = 5
) -> gpd.GeoSeries:
    """Simplify polygons for the web: ``tolerance_m`` in EPSG:3006, then EPSG:4326 rounded to ``decimals``.

    Topology between neighbours is not preserved exactly (slivers of a few hundred metres
    can appear along borders); at the zoom levels of a national map they are invisible.
    Returns a GeoSeries aligned to ``gdf``.
    """
    if gdf.crs is None:
        raise CoverageInputError("the coverage table has no CRS; expected EPSG:3006 as coverage() returns")
    geom = gdf.geometry.to_crs(settings.CRS_COMPUTE)
    simple = shapely.simplify(geom.values, tolerance_m, preserve_topology=True)
    small = shapely.is_empty(simple) | (shapely.area(simple) <= 0)
    simple = np.where(small, geom.values, simple)  # never drop a (tiny island) kommun
    out = gpd.GeoSeries(simple, index=gdf.index, crs=settings.CRS_COMPUTE).to_crs(settings.CRS_STORE)
    rounded = shapely.transform(out.values, lambda xy: np.round(xy, decimals))
    return gpd.GeoSeries(shapely.make_valid(rounded), index=gdf.index, crs=settings.CRS_STORE)


def _features(geoms: gpd.GeoSeries, props: list[dict[str, Any]], ids: Iterable[str]) -> dict[str, Any]:
    feats = []
    for geom, prop, ident in zip(geoms.values, props, ids, strict=False):
        feats.append(
            {
                "type": "Feature",
                "id": str(ident),
                "properties": prop,
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------------------
# Page elements (plain HTML/CSS/JS: no CDN plugin needed)
# --------------------------------------------------------------------------------------
_CSS = """
.leaflet-container { background: #eef3f7; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.narvaro-legend, .narvaro-title { background: rgba(255,255,255,0.93); padding: 8px 10px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.35; color: #222; }
.narvaro-legend { max-width: 330px; max-height: 70vh; overflow-y: auto; }
.narvaro-legend h4, .narvaro-title h3 { margin: 0 0 4px 0; font-size: 13px; }
.narvaro-title h3 { font-size: 15px; }
.narvaro-legend .row { display: flex; align-items: center; margin: 2px 0; }
.narvaro-legend .sw { display: inline-block; width: 18px; height: 12px; margin-right: 6px; flex: none;
  border: 1px solid #777; }
.narvaro-legend .sym { display: inline-block; width: 18px; text-align: center; margin-right: 6px; flex: none; }
.narvaro-legend .prov { margin-top: 6px; padding-top: 4px; border-top: 1px solid #ccc; color: #444; font-size: 11px; }
.narvaro-legend .warn { color: #8a3b00; }
path.narvaro-unknown { fill: url(#narvaro-hatch) #969696; }
.narvaro-pop table { border-collapse: collapse; }
.narvaro-pop th { text-align: left; padding-right: 6px; font-weight: 600; vertical-align: top; }
.narvaro-divicon { background: none; border: none; }
"""
_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="narvaro-hatch" patternUnits="userSpaceOnUse" width="8" height="8" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff" fill-opacity="0.15"/>'
    '<line x1="0" y1="0" x2="0" y2="8" stroke="#404040" stroke-opacity="0.8" stroke-width="1.6"/>'
    "</pattern></defs></svg>"
)


def _symbol_html(kind: str) -> str:
    """Inline SVG of an office symbol (legend and DivIcons share it)."""
    s = OFFICE_LAYERS[kind]
    c = s["color"]
    if kind == "af":
        return (
            f'<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="{c}" stroke="#fff" '
            'stroke-width="1.5"/></svg>'
        )
    if kind == "ssc":
        return (
            f'<svg width="16" height="16"><rect x="3" y="3" width="10" height="10" fill="{c}" stroke="#000" '
            'stroke-width="1" transform="rotate(45 8 8)"/></svg>'
        )
    if kind == "closed":
        return (
            f'<svg width="16" height="16"><path d="M3 3 L13 13 M13 3 L3 13" stroke="#fff" stroke-width="4.5"/>'
            f'<path d="M3 3 L13 13 M13 3 L3 13" stroke="{c}" stroke-width="2.5"/></svg>'
        )
    return (
        f'<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="none" stroke="{c}" '
        'stroke-width="2" stroke-dasharray="3 2"/></svg>'
    )


class _Header(MacroElement):
    """CSS and the hatch pattern, added once per map."""

    _template = Template(
        "{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}"
        "{% macro html(this, kwargs) %}{{ this.svg }}{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "NarvaroHeader"
        self.css = _CSS
        self.svg = _HATCH_SVG


class _Control(MacroElement):
    """A Leaflet control holding escaped HTML (legend or title)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
            div.innerHTML = {{ this.content|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, content: str, position: str = "bottomright", css_class: str = "narvaro-legend"):
        super().__init__()
        self._name = "NarvaroControl"
        self.content = content
        self.position = position
        self.css_class = css_class


class _Points(MacroElement):
    """Office markers added to the parent FeatureGroup; popups/tooltips are pre-escaped HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var pts = {{ this.points|tojson }};
            var st = {{ this.style|tojson }};
            for (var i = 0; i < pts.length; i++) {
                var p = pts[i], m;
                if (st.icon) {
                    m = L.marker([p[0], p[1]], {icon: L.divIcon({className: st.className, html: st.icon,
                        iconSize: [st.size, st.size], iconAnchor: [st.size / 2, st.size / 2]}), riseOnHover: true});
                } else {
                    m = L.circleMarker([p[0], p[1]], st.path);
                }
                m.bindPopup(p[2], {maxWidth: 340, className: 'narvaro-pop'});
                m.bindTooltip(p[3]);
                m.addTo({{ this._parent.get_name() }});
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points: list[list[Any]], style: dict[str, Any]):
        super().__init__()
        self._name = "NarvaroPoints"
        self.points = points
        self.style = style


def _marker_style(kind: str) -> dict[str, Any]:
    s = OFFICE_LAYERS[kind]
    cls = f"narvaro-office narvaro-office-{kind}"
    if s["shape"] == "circle":
        return {
            "path": {
                "radius": s["radius"],
                "color": "#ffffff",
                "weight": 1.5,
                "fillColor": s["color"],
                "fillOpacity": 1.0,
                "className": cls,
            }
        }
    if s["shape"] == "ring":
        return {
            "path": {
                "radius": s["radius"],
                "color": s["color"],
                "weight": 2.5,
                "dashArray": "4 3",
                "fill": True,
                "fillColor": "#ffffff",
                "fillOpacity": 0.4,
                "className": cls,
            }
        }
    size = s["size"]
    return {
        "icon": _symbol_html(kind).replace(
            'width="16" height="16"', f'width="{size}" height="{size}" viewBox="0 0 16 16"'
        ),
        "size": size,
        "className": f"narvaro-divicon {cls}",
    }


# --------------------------------------------------------------------------------------
# Offices
# --------------------------------------------------------------------------------------
def _is_closed(frame: pd.DataFrame) -> pd.Series:
    status = frame["status"].astype("string").str.lower() if "status" in frame else None
    if status is None:
        return pd.Series(False, index=frame.index)
    return status.str.contains("clos|stäng|nedlag", regex=True, na=False)


def _is_candidate(frame: pd.DataFrame) -> pd.Series:
    if "basis" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["basis"].astype("string").str.lower().eq("candidate").fillna(False)


def _office_popup(row: Mapping[str, Any], kind: str, names: Mapping[str, str] | None = None) -> str:
    title = _esc(row.get("name")) or _esc(row.get("office_id")) or "office"
    place = row.get("address")
    if place is None or pd.isna(place) or str(place).strip() == "":
        place = row.get("town")
    rows = [
        (
            "Organisation",
            {"af": "Arbetsförmedlingen", "ssc": "Statens servicecenter"}.get(
                str(row.get("org", "")).lower(), row.get("org")
            ),
        )
    ]
    code = row.get("kommunkod")
    kommun = row.get("kommunnamn") or (names or {}).get(str(code))
    kommun = f"{kommun} ({code})" if kommun and code else (kommun or code)
    rows += [("Address" if row.get("address") else "Town", place), ("Kommun", kommun)]
    rows += [
        ("Status", row.get("status")),
        ("Basis", row.get("basis")),
        ("Valid", _valid(row)),
        ("Located by", row.get("geocode")),
        ("Note", row.get("note")),
    ]
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows if _esc(v))
    src = row.get("source")
    if src is not None and not pd.isna(src) and str(src).strip():
        s = str(src).strip()
        link = (
            f'<a href="{_esc(s)}" target="_blank" rel="noopener noreferrer">{_esc(s)}</a>'
            if re.match(r"https?://", s)
            else _esc(s)
        )
        body += f'<tr><th>Source</th><td style="word-break:break-all">{link}</td></tr>'
    label = OFFICE_LAYERS[kind]["label"]
    return f"<b>{title}</b><br><i>{_esc(label)}</i><table>{body}</table>"


def _valid(row: Mapping[str, Any]) -> str:
    lo, hi = row.get("valid_from"), row.get("valid_to")
    lo = "" if lo is None or pd.isna(lo) else str(lo)
    hi = "" if hi is None or pd.isna(hi) else str(hi)
    return f"{lo} to {hi}".strip() if (lo or hi) else ""


def _points(
    frame: gpd.GeoDataFrame | None, kind: str, names: Mapping[str, str] | None = None
) -> tuple[list[list[Any]], int]:
    """Marker rows [lat, lon, popup, tooltip] and the number of offices without a location."""
    if frame is None or len(frame) == 0:
        return [], 0
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise CoverageInputError("offices must be a GeoDataFrame with a CRS (as load_offices returns)")
    wgs = frame.to_crs(settings.CRS_STORE)
    ok = ~(wgs.geometry.isna() | wgs.geometry.is_empty)
    out = []
    for (_, row), geom in zip(wgs[ok].iterrows(), wgs.geometry[ok], strict=False):
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        tip = _esc(row.get("name")) or _esc(row.get("office_id"))
        out.append([round(pt.y, 5), round(pt.x, 5), _office_popup(row, kind, names), tip])
    return out, int((~ok).sum())


def _split_offices(
    offices: gpd.GeoDataFrame | None, closed: gpd.GeoDataFrame | None, candidates: gpd.GeoDataFrame | None
) -> dict[str, gpd.GeoDataFrame | None]:
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "af": None,
        "ssc": None,
        "closed": closed,
        "candidate": candidates,
    }
    if offices is None:
        return layers
    if "org" not in offices:
        raise CoverageInputError("offices lack the 'org' column ('af' or 'ssc') that splits them into layers")
    cand = _is_candidate(offices)
    shut = _is_closed(offices)
    org = offices["org"].astype("string").str.lower()
    live = ~cand & ~shut
    layers["af"] = offices[live & org.eq("af")]
    layers["ssc"] = offices[live & org.eq("ssc")]
    extra_closed = offices[shut & ~cand]
    if len(extra_closed):
        layers["closed"] = extra_closed if closed is None else pd.concat([closed, extra_closed])
    if cand.any():
        layers["candidate"] = offices[cand] if candidates is None else pd.concat([candidates, offices[cand]])
    return layers


# --------------------------------------------------------------------------------------
# Presence and status
# --------------------------------------------------------------------------------------
def _codes(obj: Any, cov: pd.DataFrame) -> set[str]:
    """Normalise kommunkoder given as a DataFrame, a boolean Series or an iterable."""
    if isinstance(obj, pd.DataFrame):
        if "kommunkod" not in obj:
            raise CoverageInputError("without_presence frame lacks a 'kommunkod' column")
        return set(obj["kommunkod"].astype(str))
    if isinstance(obj, pd.Series) and obj.dtype == bool:
        if obj.index.equals(cov.index):
            return set(cov.loc[obj, "kommunkod"].astype(str))
        return set(obj.index[obj].astype(str))
    return {str(c) for c in obj}


def _without_presence(
    cov: pd.DataFrame, group: str | None, without_presence: Any, rule: str = "no_office_inside"
) -> tuple[set[str], str]:
    """Kommuner to outline and the rule's description.

    Default: :func:`narvaro.presence.kommuner_without_presence` (``rule``, the column's group);
    with ranges only the kommuner *certainly* without presence are outlined (the others have
    an office of unknown status and are hatched). Fallback when that module is absent:
    ``{group}_status == "none"``, else ``{group}_has_office == False``.
    """
    if without_presence is False:
        return set(), ""
    if without_presence is not None:
        return _codes(without_presence, cov), "as given"
    who = "AF or SSC" if group in (None, "any") else group.upper()
    try:
        from .presence import RULES, kommuner_without_presence
    except ImportError:  # presence module not available: use the table's own columns
        kommuner_without_presence = None
    if kommuner_without_presence is not None:
        try:
            found = kommuner_without_presence(cov, rule=rule, group=group or "any")
        except CoverageInputError:
            found = None
        if found is not None:
            if "certainty" in found:
                found = found[found["certainty"] == "certain"]
            text = RULES.get(rule, rule).replace("the group", who)
            return set(found["kommunkod"].astype(str)), text
    if group and f"{group}_status" in cov:
        status = cov[f"{group}_status"].astype("string")
        return set(
            cov.loc[status.eq("none").fillna(False).astype(bool), "kommunkod"].astype(str)
        ), f"no {who} office, confirmed"
    col = f"{group}_has_office" if group else None
    if col and col in cov:
        has = cov[col].astype("boolean").fillna(False).astype(bool)
        return set(cov.loc[~has, "kommunkod"].astype(str)), f"no {who} office in the kommun"
    return set(), ""


def _status(cov: pd.DataFrame, group: str | None) -> pd.Series:
    for col in ([f"{group}_status"] if group else []) + [f"{g}_status" for g in _GROUPS]:
        if col in cov:
            return cov[col].astype("string").fillna("unknown")
    return pd.Series(pd.NA, index=cov.index, dtype="string")


# --------------------------------------------------------------------------------------
# Tooltips and legend
# --------------------------------------------------------------------------------------
def _range(row: pd.Series, col: str, unit: str) -> str:
    lo, hi = row.get(f"{col}_min"), row.get(f"{col}_max")
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi) or np.isclose(float(lo), float(hi)):
        return ""
    return f" (range {_fmt(lo, unit)} to {_fmt(hi, unit)})"


def _kommun_tip(row: pd.Series, column: str, group: str | None, label: str, status: Any) -> str:
    unit = _unit(column)
    lines = [f"<b>{_esc(row.get('kommunnamn'))}</b> ({_esc(row.get('kommunkod'))})"]
    if "lansnamn" in row and _esc(row.get("lansnamn")):
        lines[0] += f", {_esc(row.get('lansnamn'))}"
    if "population" in row and not pd.isna(row.get("population")):
        lines.append(f"Population: {int(row['population']):,}")
    g = group or "any"
    near = row.get(f"{g}_nearest_office")
    if near is not None and not pd.isna(near):
        where = row.get(f"{g}_nearest_office_kommun")
        where = f" in {_esc(where)}" if where is not None and not pd.isna(where) else ""
        lines.append(
            f"Nearest office ({_esc(g.upper() if g != 'any' else 'AF or SSC')}): {_esc(near)}{where}"
        )
    for col, name, u in (
        (f"{g}_dist_mean_km", "Mean distance", "km"),
        (f"{g}_time_mean_min", "Mean time", "min"),
    ):
        if col in row and col != column:
            lines.append(f"{name}: {_esc(_fmt(row[col], u))}{_esc(_range(row, col, u))}")
    lines.append(
        f"{_esc(label)}: <b>{_esc(_fmt(row.get(column), unit))}</b>{_esc(_range(row, column, unit))}"
    )
    n = row.get(f"{g}_n_offices")
    if n is not None and not pd.isna(n):
        lines.append(f"Offices in the kommun: {int(n)}")
    if status is not None and not pd.isna(status):
        text = {
            "unknown": "unknown (office list incomplete here: values are a range)",
            "none": "no office (confirmed)",
            "confirmed": "office confirmed",
        }.get(str(status), str(status))
        lines.append(f"Office status: {_esc(text)}")
    if "method" in row and _esc(row.get("method")):
        lines.append(f"Method: {_esc(row.get('method'))}")
    return "<br>".join(lines)


def _prov_lines(*covs: pd.DataFrame, names: Sequence[str] = (), extra: Sequence[str] = ()) -> str:
    parts = []
    seen: set[str] = set()
    for i, cov in enumerate(covs):
        tag = f"{names[i]}: " if i < len(names) else ""
        prov = get_provenance(cov)
        labels = [o.get("label") or o.get("name") for o in prov.get("offices") or []]
        labels = [lab for lab in labels if lab]
        if labels:
            line = f"{tag}Completeness: " + "; ".join(labels)
            if line not in seen:
                seen.add(line)
                parts.append(f"<div>{_esc(line)}</div>")
        rest = describe({k: v for k, v in prov.items() if k != "offices"})
        if prov.get("scenario"):
            rest = f"Scenario: {prov['scenario']}" + (f" | {rest}" if rest else "")
        if rest and rest not in seen:
            seen.add(rest)
            parts.append(f"<div>{_esc(rest)}</div>")
    parts += [f"<div>{_esc(e)}</div>" for e in extra if e]
    return f'<div class="prov">{"".join(parts)}</div>' if parts else ""


def _legend_html(
    title: str, classes: list[tuple[str, str]], symbols: list[tuple[str, str]], prov_html: str, warn: str = ""
) -> str:
    rows = [f"<h4>{_esc(title)}</h4>"]
    rows += [
        f'<div class="row"><span class="sw" style="background:{c}"></span>{_esc(lab)}</div>'
        if c
        else f"<h4>{_esc(lab)}</h4>"
        for c, lab in classes
    ]
    rows += [f'<div class="row"><span class="sym">{sym}</span>{_esc(lab)}</div>' for sym, lab in symbols]
    if warn:
        rows.append(f'<div class="warn">{_esc(warn)}</div>')
    return "".join(rows) + prov_html


_OUTLINE_SYM = (
    '<svg width="18" height="12"><rect x="1" y="1" width="16" height="10" fill="none" '
    'stroke="#000" stroke-width="2.5"/></svg>'
)
_HATCH_SYM = (
    '<svg width="18" height="12"><rect x="0.5" y="0.5" width="17" height="11" fill="url(#narvaro-hatch)" '
    'stroke="#525252"/></svg>'
)


# --------------------------------------------------------------------------------------
# The map class and offline HTML
# --------------------------------------------------------------------------------------
class SelfContainedError(NarvaroError):
    """A map uses a remote resource that narvaro has no local copy of."""


#: CDN resources folium adds by default that narvaro's maps do not use (dropped offline).
_DROPPABLE = re.compile(
    r"jquery|bootstrap|font-?awesome|fontawesome|awesome-markers|awesome\.rotate|glyphicons", re.I
)
_LEAFLET_URL = re.compile(r"/leaflet(@[\w.\-]+)?/dist/leaflet(\.min)?\.(js|css)(\?.*)?$", re.I)
_REMOTE_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<js>(?:https?:)?//[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<css>(?:https?:)?//[^\"']+)[\"'][^>]*/?>",
    re.I,
)
#: A tiny stand-in for the jQuery calls folium's own templates make ($(html)[0] in Popup,
#: $(document).ready in keep_in_front), so those still work without jQuery.
_JQUERY_SHIM = (
    "if (typeof window.$ === 'undefined') { window.$ = function (x) {"
    " if (typeof x === 'function') { if (document.readyState !== 'loading') { x(); }"
    " else { document.addEventListener('DOMContentLoaded', x); } return; }"
    " if (x === document) { return { ready: function (f) { window.$(f); } }; }"
    " var t = document.createElement('template'); t.innerHTML = String(x).trim();"
    " return Array.prototype.slice.call(t.content.childNodes); }; }"
)


@functools.cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images as data: URIs) from the vendored copy."""
    root = resources.files("narvaro").joinpath(_STATIC)
    try:
        js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
        css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SelfContainedError(
            "narvaro's vendored Leaflet (narvaro/static/leaflet) is missing; reinstall narvaro or run "
            "scripts/vendor_leaflet.sh"
        ) from exc

    def data_uri(match: re.Match) -> str:
        name = match.group(1)
        blob = root.joinpath("images", name).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(blob).decode('ascii')})"

    css = re.sub(r"url\(\s*['\"]?images/([\w\-]+\.png)['\"]?\s*\)", data_uri, css)
    if "</script" in js.lower():
        raise SelfContainedError("vendored leaflet.js contains '</script' and cannot be inlined")
    return js, css


def leaflet_version() -> str:
    """Version of the vendored Leaflet (first line of ``static/leaflet/VERSION``)."""
    text = resources.files("narvaro").joinpath(_STATIC, "VERSION").read_text(encoding="utf-8")
    return text.splitlines()[0].split()[-1]


def _inline(page: str) -> str:
    """Drop folium's CDN links, inline Leaflet; raise if another remote resource remains."""
    unknown = []

    def drop(match: re.Match) -> str:
        url = match.group("js") or match.group("css")
        if _LEAFLET_URL.search(url) or _DROPPABLE.search(url):
            return ""
        unknown.append(url)
        return match.group(0)

    page = _REMOTE_TAG.sub(drop, page)
    if unknown:
        raise SelfContainedError(
            "cannot write a self-contained map: it loads "
            + ", ".join(sorted(set(unknown)))
            + " and narvaro has no local copy; save with self_contained=False"
        )
    js, css = _leaflet_assets()
    assets = f"<style>{css}</style>\n<script>{js}</script>\n<script>{_JQUERY_SHIM}</script>\n"
    head = re.search(r"<head[^>]*>", page, re.I)
    if head is None:
        return assets + page
    return page[: head.end()] + "\n" + assets + page[head.end() :]


class _NarvaroFigure(Figure):
    """A branca Figure whose rendering is self-contained when ``self_contained`` is True."""

    def __init__(self, self_contained: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.self_contained = self_contained

    def render(self, **kwargs: Any) -> str:
        page = super().render(**kwargs)
        return _inline(page) if self.self_contained else page


class CoverageMap(folium.Map):
    """A :class:`folium.Map` that saves (and shows in Jupyter) as one self-contained HTML file.

    Parameters
    ----------
    self_contained : bool, default True
        Inline Leaflet and drop CDN links when rendering (``save``, notebook display).
    **kwargs
        Passed to :class:`folium.Map`.
    """

    def __init__(self, *args: Any, self_contained: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _NarvaroFigure(self_contained=self_contained).add_child(self)
        self.kommun_count = 0
        self.office_counts: dict[str, int] = {}

    @property
    def self_contained(self) -> bool:
        """Whether rendering inlines Leaflet (offline) or links folium's CDNs."""
        return bool(getattr(self.get_root(), "self_contained", False))

    @self_contained.setter
    def self_contained(self, value: bool) -> None:
        root = self.get_root()
        if isinstance(root, _NarvaroFigure):
            root.self_contained = bool(value)

    def to_html(self, self_contained: bool | None = None) -> str:
        """Return the whole page as a string (see :func:`to_html`)."""
        return to_html(self, self_contained=self.self_contained if self_contained is None else self_contained)

    def save(self, outfile: str | Path, self_contained: bool = True, **kwargs: Any) -> Path:  # type: ignore[override]
        """Write the map to ``outfile`` (see :func:`save_map`); returns the path."""
        return save_map(self, outfile, self_contained=self_contained)


def to_html(m: folium.Map, self_contained: bool = True) -> str:
    """Render a folium map to a whole HTML page.

    Parameters
    ----------
    m : folium.Map
        Any folium map (not only narvaro's).
    self_contained : bool, default True
        Inline the vendored Leaflet JS/CSS (marker images as data: URIs) and drop folium's
        CDN ``<script>``/``<link>`` tags (jQuery, Bootstrap, Font Awesome, awesome-markers
        are not used by narvaro's maps). Raises :class:`SelfContainedError` if the map needs
        any other remote script or stylesheet. Tile layers, if any, still need the network.
    """
    root = m.get_root()
    if not isinstance(root, Figure):
        fig = Figure()
        fig.add_child(m)
        try:
            page = Figure.render(fig)
        finally:
            m._parent = None
    else:
        page = Figure.render(root)
    return _inline(page) if self_contained else page


def save_map(m: folium.Map, path: str | Path, self_contained: bool = True) -> Path:
    """Write ``m`` to ``path`` as one HTML file (UTF-8); create the folder; return the path.

    With ``self_contained=True`` (default) the file opens with no network: see :func:`to_html`.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(m, self_contained=self_contained), encoding="utf-8")
    return path


def _new_map(title: str | None, tiles: str | None, self_contained: bool) -> CoverageMap:
    lat = (_SWEDEN_BOUNDS[0][0] + _SWEDEN_BOUNDS[1][0]) / 2
    lon = (_SWEDEN_BOUNDS[0][1] + _SWEDEN_BOUNDS[1][1]) / 2
    m = CoverageMap(
        location=[lat, lon],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        self_contained=self_contained,
        min_zoom=3,
        max_zoom=13,
        zoom_snap=0.25,
    )
    if tiles:
        folium.TileLayer(
            tiles, name="Background map (needs internet)", overlay=False, show=False, control=True
        ).add_to(m)
    _Header().add_to(m)
    # Choropleths live in their own pane below the overlay pane, so outlines, hatching and
    # office markers stay on top whichever base layer is switched on.
    folium.map.CustomPane(_KOMMUN_PANE, z_index=350, pointer_events=True).add_to(m)
    if title:
        m.add_child(_Control(f"<h3>{_esc(title)}</h3>", position="topleft", css_class="narvaro-title"))
    m.fit_bounds(_SWEDEN_BOUNDS)
    return m


def _short_name(column: str) -> str:
    """A short layer name, e.g. "Mean time, AF or SSC (min)"."""
    group = _group(column)
    rest = column.split("_", 1)[1] if group else column
    who = {"af": "AF", "ssc": "SSC", "any": "AF or SSC"}.get(group or "", "")
    m = re.match(r"(dist|time)_(mean|median|p90|max)_(km|min)(_min|_max)?$", rest)
    if m:
        what, stat, unit, bound = m.groups()
        stat = {"p90": "P90"}.get(stat, stat.capitalize())
        text = f"{stat} {'distance' if what == 'dist' else 'time'}, {who} ({unit})"
        return text + {"_min": " lower", "_max": " upper"}.get(bound or "", "")
    return f"{rest.replace('_', ' ')}, {who}" if who else rest.replace("_", " ")


def _check_cov(cov: pd.DataFrame, column: str) -> None:
    if not isinstance(cov, gpd.GeoDataFrame):
        raise CoverageInputError("the coverage table must be a GeoDataFrame (as coverage() returns)")
    missing = [c for c in ("kommunkod", "kommunnamn", column) if c not in cov.columns]
    if missing:
        raise CoverageInputError(
            f"the coverage table lacks column(s) {', '.join(missing)}; "
            f"available: {', '.join(c for c in cov.columns if c != 'geometry')}"
        )


def _choropleth(
    cov: gpd.GeoDataFrame,
    geoms: gpd.GeoSeries,
    column: str,
    breaks: Sequence[float],
    colours: Sequence[str],
    label: str,
    name: str,
    *,
    show: bool,
    overlay: bool,
    layer_class: str,
    status: pd.Series,
    group: str | None,
) -> folium.GeoJson:
    idx = classify(cov[column], breaks)
    props = []
    for (_, row), k, st in zip(cov.iterrows(), idx, status, strict=False):
        props.append(
            {
                "kommunkod": str(row["kommunkod"]),
                "fill": colours[k] if k >= 0 else _NO_DATA,
                "tip": _kommun_tip(row, column, group, label, st),
            }
        )
    data = _features(geoms, props, cov["kommunkod"])
    css = f"{_KOMMUN_CLASS} {layer_class}"

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {
            "fillColor": feature["properties"]["fill"],
            "color": "#ffffff",
            "weight": 0.6,
            "fillOpacity": 0.85,
            "className": css,
            "pane": _KOMMUN_PANE,
        }

    layer = folium.GeoJson(
        data,
        name=_esc(name),
        show=show,
        overlay=overlay,
        control=True,
        style_function=style,
        highlight_function=lambda f: {"weight": 2.5, "color": "#333333"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        smooth_factor=0.5,
    )
    return layer


def _outline_layer(
    geoms: gpd.GeoSeries,
    cov: pd.DataFrame,
    mask: pd.Series,
    name: str,
    *,
    css: str,
    style: dict[str, Any],
    show: bool = True,
) -> folium.GeoJson | None:
    if not mask.any():
        return None
    data = _features(
        geoms[mask.to_numpy()],
        [{"kommunkod": str(c)} for c in cov.loc[mask, "kommunkod"]],
        cov.loc[mask, "kommunkod"],
    )
    st = {**style, "className": css, "interactive": False}
    return folium.GeoJson(
        data, name=_esc(name), show=show, overlay=True, control=True, style_function=lambda f: st
    )


def coverage_map(
    cov: gpd.GeoDataFrame,
    offices: gpd.GeoDataFrame | None = None,
    *,
    column: str | None = None,
    classes: Sequence[float] | str | None = None,
    without_presence: Any = None,
    rule: str = "no_office_inside",
    closed: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    tiles: str | None = None,
    simplify_m: float = SIMPLIFY_M,
    self_contained: bool = True,
) -> CoverageMap:
    """Map of the 290 kommuner coloured by a coverage column, with the offices on top.

    Parameters
    ----------
    cov : GeoDataFrame
        A coverage table (:func:`narvaro.coverage`): one row per kommun, EPSG:3006.
    offices : GeoDataFrame, optional
        The office list the table was computed from (:func:`narvaro.load_offices`). Rows are
        split by ``org`` into "AF offices" and "SSC servicekontor"; rows whose ``status`` says
        closed go to the closed layer, rows with ``basis="candidate"`` to the candidate layer.
    column : str, optional
        Coverage column to colour by; default ``any_time_mean_min`` or the first of
        ``af_/ssc_time_mean_min``, ``any_/af_/ssc_dist_mean_km`` present.
    classes : sequence of float or str, optional
        Upper class bounds in the column's unit (the last class is open), or a mapclassify
        scheme name ("quantiles", "naturalbreaks", "equalinterval"). Default
        :data:`DEFAULT_CLASSES` for the column's unit (minutes, km, share).
    without_presence : kommunkoder, DataFrame with ``kommunkod``, boolean Series, or False
        Kommuner outlined as "without presence". Default:
        :func:`narvaro.presence.kommuner_without_presence` with ``rule`` for the column's group
        (af, ssc or any); with ranges only the kommuner *certainly* without presence are
        outlined (those that depend on an office of unknown status are hatched).
        ``False`` draws no outline layer.
    rule : str
        Presence rule passed to :func:`narvaro.presence.kommuner_without_presence`.
    closed : GeoDataFrame, optional
        Closed AF offices (e.g. ``load_offices("af_closed_2020")``), a separate layer.
    candidates : GeoDataFrame, optional
        Candidate (unconfirmed) offices (``offices.candidate_offices(network)``), a separate layer.
    title : str, optional
        Title shown top left (escaped).
    tiles : str, optional
        A folium tile name (e.g. "OpenStreetMap") added as an optional background layer,
        hidden by default; tiles need the internet. Default: no tiles.
    simplify_m : float
        Polygon simplification tolerance in metres (see :func:`simplify_kommuner`).
    self_contained : bool, default True
        Render offline (Leaflet inlined) when shown in Jupyter or saved.

    Returns
    -------
    CoverageMap
        A folium.Map; ``.save(path)`` writes one self-contained HTML file.

    Notes
    -----
    Kommuner whose office status is "unknown" (``{group}_status`` from a table computed with
    ``bounds=True``) are hatched on their own layer: their values are ranges, and the tooltip
    gives the range. The legend states the completeness of each office list.
    """
    column = column or default_column(cov)
    _check_cov(cov, column)
    cov = cov.sort_values("kommunkod")
    group = _group(column)
    prov = get_provenance(cov)
    label = column_label(column, prov.get("method"))
    unit = _unit(column)
    breaks = _resolve_breaks(cov, column, classes)
    colours = _palette(len(breaks) + 1)
    geoms = simplify_kommuner(cov, simplify_m)
    status = _status(cov, group)

    m = _new_map(title, tiles, self_contained)
    _choropleth(
        cov,
        geoms,
        column,
        breaks,
        colours,
        _short_name(column),
        _short_name(column),
        show=True,
        overlay=True,
        layer_class="narvaro-kommun-main",
        status=status,
        group=group,
    ).add_to(m)
    m.kommun_count = len(cov)

    unknown = status.eq("unknown").fillna(False).astype(bool)
    hatch = _outline_layer(
        geoms,
        cov,
        unknown,
        f"Office status unknown ({int(unknown.sum())} kommuner, hatched)",
        css="narvaro-unknown",
        style={"color": "#525252", "weight": 0.8, "fillColor": "#969696", "fillOpacity": 1.0, "fill": True},
    )
    if hatch is not None:
        hatch.add_to(m)
    codes, rule_text = _without_presence(cov, group, without_presence, rule)
    nopres = cov["kommunkod"].astype(str).isin(codes)
    outline = _outline_layer(
        geoms,
        cov,
        nopres,
        f"Kommuner without presence ({int(nopres.sum())})",
        css="narvaro-nopresence",
        style={"color": "#000000", "weight": 2.0, "fill": False, "dashArray": None},
    )
    if outline is not None:
        outline.add_to(m)

    names = dict(zip(cov["kommunkod"].astype(str), cov["kommunnamn"].astype(str), strict=True))
    symbols, missing = _add_offices(m, _split_offices(offices, closed, candidates), names)
    legend_classes = list(zip(colours, _class_labels(breaks, unit), strict=False))
    if (classify(cov[column], breaks) < 0).any():
        legend_classes.append((_NO_DATA, "no data"))
    if outline is not None:
        symbols.insert(
            0,
            (
                _OUTLINE_SYM,
                f"Without presence: {int(nopres.sum())} kommuner"
                + (f" ({rule_text})" if rule_text and rule_text != "as given" else ""),
            ),
        )
    if hatch is not None:
        symbols.insert(
            1 if outline is not None else 0,
            (_HATCH_SYM, f"Office status unknown: {int(unknown.sum())} kommuner (values are ranges)"),
        )
    warn = f"{missing} office(s) without a location are not shown." if missing else ""
    if prov.get("method") == "estimate":
        warn = (
            warn + " " if warn else ""
        ) + "Estimate mode: straight line x circuity, not a road measurement."
    m.add_child(_Control(_legend_html(label, legend_classes, symbols, _prov_lines(cov), warn)))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def _add_offices(
    m: folium.Map, layers: Mapping[str, gpd.GeoDataFrame | None], names: Mapping[str, str] | None = None
) -> tuple[list[tuple[str, str]], int]:
    symbols: list[tuple[str, str]] = []
    missing = 0
    for kind in ("af", "ssc", "closed", "candidate"):
        pts, miss = _points(layers.get(kind), kind, names)
        missing += miss
        if not pts:
            continue
        label = f"{OFFICE_LAYERS[kind]['label']} ({len(pts)})"
        fg = folium.FeatureGroup(name=_esc(label), show=kind != "candidate", overlay=True, control=True)
        fg.add_child(_Points(pts, _marker_style(kind)))
        fg.add_to(m)
        if isinstance(m, CoverageMap):
            m.office_counts[kind] = len(pts)
        symbols.append((_symbol_html(kind), label))
    return symbols, missing


def compare_map(
    cov_before: gpd.GeoDataFrame,
    cov_after: gpd.GeoDataFrame,
    offices_after: gpd.GeoDataFrame | None = None,
    *,
    closed: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    column: str | None = None,
    classes: Sequence[float] | str | None = None,
    labels: tuple[str, str] = ("Before", "After"),
    without_presence: tuple[Any, Any] | None = None,
    title: str | None = None,
    tiles: str | None = None,
    simplify_m: float = SIMPLIFY_M,
    self_contained: bool = True,
) -> CoverageMap:
    """Before/after map: the same column for two coverage tables as switchable layers, plus the change.

    The three choropleths (before, after, after minus before) are base layers: one is shown
    at a time (radio buttons in the layer control), "after" first. Kommuner without presence
    are outlined on two overlay layers (before hidden, after shown); the offices of
    ``offices_after``, the closed offices and candidates are overlay layers as in
    :func:`coverage_map`.

    Parameters
    ----------
    cov_before, cov_after : GeoDataFrame
        Coverage tables for the two scenarios (same 290 kommuner).
    offices_after, closed, candidates : GeoDataFrame, optional
        See :func:`coverage_map`.
    column, classes, title, tiles, simplify_m, self_contained
        See :func:`coverage_map`; the same classes are used for both tables.
    labels : (str, str)
        Names of the two scenarios, e.g. ``("2019", "2020")``.
    without_presence : (before, after), optional
        Kommuner to outline for each table; default as in :func:`coverage_map`.
    """
    column = column or default_column(cov_after)
    for cov in (cov_before, cov_after):
        _check_cov(cov, column)
    before = cov_before.sort_values("kommunkod").reset_index(drop=True)
    after = cov_after.sort_values("kommunkod").reset_index(drop=True)
    if not before["kommunkod"].astype(str).equals(after["kommunkod"].astype(str)):
        raise CoverageInputError("the two coverage tables do not cover the same kommuner")
    group = _group(column)
    label = column_label(column, get_provenance(after).get("method"))
    unit = _unit(column)
    breaks = _resolve_breaks(pd.concat([before[[column]], after[[column]]]), column, classes)
    colours = _palette(len(breaks) + 1)
    geoms = simplify_kommuner(after, simplify_m)
    m = _new_map(title, tiles, self_contained)

    short = _short_name(column)
    for cov, name, show in ((after, labels[1], True), (before, labels[0], False)):
        _choropleth(
            cov,
            geoms,
            column,
            breaks,
            colours,
            f"{name}: {short}",
            f"{name}: {short}",
            show=show,
            overlay=False,
            layer_class=f"narvaro-kommun-{'after' if show else 'before'}",
            status=_status(cov, group),
            group=group,
        ).add_to(m)
    change = after.copy()
    change[column] = pd.to_numeric(after[column], errors="coerce") - pd.to_numeric(
        before[column], errors="coerce"
    )
    change = change.drop(
        columns=[f"{column}_min", f"{column}_max"], errors="ignore"
    )  # not a range of the change
    cbreaks = _CHANGE_CLASSES.get(unit, _CHANGE_CLASSES["min"])
    change_label = f"Change {labels[0]} to {labels[1]}: {short}"
    _choropleth(
        change,
        geoms,
        column,
        cbreaks,
        _CHANGE_COLOURS,
        change_label,
        change_label,
        show=False,
        overlay=False,
        layer_class="narvaro-kommun-change",
        status=_status(after, group),
        group=group,
    ).add_to(m)
    m.kommun_count = len(after)

    wp = without_presence or (None, None)
    symbols: list[tuple[str, str]] = []
    for cov, name, show, given in ((before, labels[0], False, wp[0]), (after, labels[1], True, wp[1])):
        codes, _ = _without_presence(cov, group, given)
        mask = cov["kommunkod"].astype(str).isin(codes)
        layer = _outline_layer(
            geoms,
            cov,
            mask,
            f"Without presence {name} ({int(mask.sum())})",
            css=f"narvaro-nopresence narvaro-nopresence-{'after' if show else 'before'}",
            style={
                "color": "#000000" if show else "#7f7f7f",
                "weight": 2.5,
                "fill": False,
                "dashArray": None if show else "5 4",
            },
            show=show,
        )
        if layer is not None:
            layer.add_to(m)
            symbols.append(
                (
                    _OUTLINE_SYM
                    if show
                    else _OUTLINE_SYM.replace('stroke="#000"', 'stroke="#7f7f7f" stroke-dasharray="4 3"'),
                    f"Without presence {name}: {int(mask.sum())} kommuner",
                )
            )
    unknown = _status(after, group).eq("unknown").fillna(False).astype(bool)
    hatch = _outline_layer(
        geoms,
        after,
        unknown,
        f"Office status unknown {labels[1]} ({int(unknown.sum())})",
        css="narvaro-unknown",
        style={"color": "#525252", "weight": 0.8, "fillColor": "#969696", "fillOpacity": 1.0, "fill": True},
    )
    if hatch is not None:
        hatch.add_to(m)
        symbols.append((_HATCH_SYM, f"Office status unknown {labels[1]}: {int(unknown.sum())} kommuner"))

    names = dict(zip(after["kommunkod"].astype(str), after["kommunnamn"].astype(str), strict=True))
    office_symbols, missing = _add_offices(m, _split_offices(offices_after, closed, candidates), names)
    classes_rows = list(zip(colours, _class_labels(breaks, unit), strict=False))
    change_rows = list(
        zip(
            _CHANGE_COLOURS,
            ["decrease (better)", "no change"]
            + [f"increase: {lab}" for lab in _class_labels(cbreaks[1:], unit)[1:]],
            strict=False,
        )
    )
    html_classes = classes_rows + [("", f"Change layer ({labels[1]} minus {labels[0]})")] + change_rows
    warn = f"{missing} office(s) without a location are not shown." if missing else ""
    m.add_child(
        _Control(
            _legend_html(
                label, html_classes, symbols + office_symbols, _prov_lines(before, after, names=labels), warn
            )
        )
    )
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m
