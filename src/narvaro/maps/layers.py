"""Kommun layers of narvaro's maps: choropleth, outlines, hatching, tooltips, page elements.

The kommun polygons are simplified for the web (:func:`simplify_kommuner`) and drawn as
GeoJSON layers: the choropleth of a coverage column with an HTML tooltip per kommun, and
outline layers (kommuner without presence, hatched kommuner whose office status is
unknown). The custom Leaflet elements (:class:`_Header` with the CSS and hatch pattern,
:class:`_Control` for the legend and title) are plain HTML/CSS/JS, no CDN plugin. Every
text is HTML-escaped before it is embedded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from .. import settings
from ..analysis.intervals import DRAWS_ATTR
from ..analysis.presence import kommuner_without_presence
from ..errors import CoverageInputError
from .i18n import tr
from .style import (
    _GROUPS,
    _NO_DATA,
    P_NONE_BREAKS,
    P_NONE_COLOURS,
    P_NONE_UNKNOWN,
    _Classes,
    _esc,
    _fmt,
    _unit,
    classify,
    office_name,
)

_KOMMUN_CLASS = "narvaro-kommun"
_KOMMUN_PANE = "narvaroKommuner"
#: Default simplification tolerance (metres, EPSG:3006) of kommun polygons for the web.
SIMPLIFY_M = 500.0


# --------------------------------------------------------------------------------------
# Geometry for the web
# --------------------------------------------------------------------------------------
def simplify_kommuner(
    gdf: gpd.GeoDataFrame, tolerance_m: float = SIMPLIFY_M, decimals: int = 5
) -> gpd.GeoSeries:
    """Simplify kommun polygons for the web as one coverage, so neighbours keep sharing their edges.

    :func:`shapely.coverage_simplify` simplifies each shared border once (``tolerance_m`` in
    EPSG:3006), so no slivers open between neighbouring kommuner at any zoom; the result goes
    to EPSG:4326 rounded to ``decimals`` (1 m). Falls back to simplifying polygon by polygon
    where the input is not a valid coverage. Returns a GeoSeries aligned to ``gdf``.
    """
    if gdf.crs is None:
        raise CoverageInputError("the coverage table has no CRS; expected EPSG:3006 as coverage() returns")
    geom = gdf.geometry.to_crs(settings.CRS_COMPUTE)
    values = shapely.make_valid(geom.values)
    try:
        simple = shapely.coverage_simplify(values, tolerance_m)
    except Exception:  # not a valid coverage (overlaps): one by one as before
        simple = shapely.simplify(values, tolerance_m, preserve_topology=True)
    small = shapely.is_empty(simple) | (shapely.area(simple) <= 0)
    simple = np.where(small, values, simple)  # never drop a (tiny island) kommun
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
.narvaro-legend { width: 300px; box-sizing: border-box; overflow-y: auto; clear: both; }
.narvaro-legend details summary { cursor: pointer; color: #333; }
.narvaro-legend .shows { font-size: 11px; color: #333; margin: 2px 0 4px 0; font-style: italic; }
.narvaro-legend details.fold { margin: 3px 0; }
.narvaro-title { max-width: calc(100vw - 420px); }
.narvaro-town { background: none; border: none; box-shadow: none; padding: 0; font-size: 11px; font-weight: 600;
  color: #222; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.leaflet-control-layers { font-size: 12px; line-height: 1.25; }
.leaflet-control-layers label { margin: 1px 0; }
.narvaro-town-icon { background: none; border: none; white-space: nowrap; pointer-events: none; }
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
.leaflet-tooltip.narvaro-tip { white-space: normal; width: max-content; max-width: 420px; box-sizing: border-box;
  overflow-wrap: break-word; line-height: 1.3; }
.leaflet-tooltip.narvaro-tip table { margin: 0; }
path.narvaro-pnone-unknown { fill: url(#narvaro-hatch) #bdbdbd; }
.narvaro-legend details.prov[open] { overflow-y: auto; overscroll-behavior: contain; }
"""
_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="narvaro-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff" fill-opacity="0.25"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#1a1a1a" stroke-opacity="0.9" stroke-width="2.2"/>'
    "</pattern></defs></svg>"
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


class _MapScript(MacroElement):
    """Metric scale bar, zoom-dependent town labels, and a legend that never overlaps the layer control.

    The legend sits in the top-right corner below the layer control (Leaflet stacks the
    controls of one corner, so the two cannot overlap); its height is capped to what is left
    of the map below it, with a scroll bar only when the window is too small.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            if (!L.Tooltip.prototype._narvaroClamp) {
                // keep every tooltip inside its map: Leaflet places it beside the pointer, we pull it back in
                var place = L.Tooltip.prototype._setPosition;
                L.Tooltip.prototype._setPosition = function (pos) {
                    place.call(this, pos);
                    var el = this._container, m = this._map;
                    if (!el || !m) { return; }
                    var b = el.getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();
                    var dx = Math.max(0, c.left + 2 - b.left) - Math.max(0, b.right - (c.right - 2));
                    var dy = Math.max(0, c.top + 2 - b.top) - Math.max(0, b.bottom - (c.bottom - 2));
                    if (b.height > c.height - 4) { dy = c.top + 2 - b.top; }
                    if (dx || dy) { L.DomUtil.setPosition(el, L.DomUtil.getPosition(el).add([dx, dy])); }
                };
                L.Tooltip.prototype._narvaroClamp = true;
            }
            L.control.scale({metric: true, imperial: false, position: 'bottomleft', maxWidth: 150}).addTo(map);
            function fit() {
                var box = map.getContainer(), leg = box.querySelector('.narvaro-legend');
                if (!leg) { return; }
                var top = leg.getBoundingClientRect().top - box.getBoundingClientRect().top;
                leg.style.maxHeight = Math.max(120, box.clientHeight - top - 12) + 'px';
            }
            function towns() {
                var z = map.getZoom();
                map.getContainer().querySelectorAll('.narvaro-town').forEach(function (el) {
                    el.style.display = (parseFloat(el.dataset.minzoom || '0') <= z) ? '' : 'none';
                });
            }
            function sources() {
                // the open sources panel scrolls inside the legend, and the legend shows all of it
                var box = map.getContainer(), leg = box.querySelector('.narvaro-legend');
                var det = leg && leg.querySelector('details.prov');
                if (!det) { return; }
                det.style.maxHeight = '';
                if (!det.open) { return; }
                fit();
                var room = leg.clientHeight - (det.offsetTop - leg.offsetTop) - 8;
                if (room < 120) { room = Math.max(120, leg.clientHeight - 16); }
                det.style.maxHeight = room + 'px';
                var below = det.getBoundingClientRect().bottom - leg.getBoundingClientRect().bottom;
                if (below > 0) { leg.scrollTop += below + 4; }
            }
            map.whenReady(function () {
                setTimeout(function () { fit(); towns(); }, 0);
                var det = map.getContainer().querySelector('.narvaro-legend details.prov');
                if (det) { det.addEventListener('toggle', sources); }
            });
            map.on('resize', sources);
            map.on('resize', fit);
            map.on('zoomend overlayadd', towns);
            map.on('overlayadd overlayremove', fit);
            window.addEventListener('load', fit);
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "NarvaroMapScript"


class _Towns(MacroElement):
    """Labels of the larger tätorter (offline; the bigger towns first, the smaller from zoom 7)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var rows = {{ this.rows|tojson }};
            rows.forEach(function (r) {
                var icon = L.divIcon({className: 'narvaro-town-icon', iconSize: null,
                    html: '<span class="narvaro-town" data-minzoom="' + r[3] + '"></span>'});
                var m = L.marker([r[0], r[1]], {icon: icon, interactive: false, keyboard: false});
                m.on('add', function () {
                    var el = m.getElement() && m.getElement().querySelector('.narvaro-town');
                    if (el) { el.textContent = r[2]; }
                });
                m.addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]]):
        super().__init__()
        self._name = "NarvaroTowns"
        self.rows = rows


#: Tätorter labelled on every map: population at least this many from country view, and at
#: least :data:`TOWN_MIN_POP_ZOOMED` from zoom 7.
TOWN_MIN_POP = 90_000
TOWN_MIN_POP_ZOOMED = 10_000
#: Tätorter of at least this many residents outside the three metropolitan län get a label from
#: country view too, so the sparse north keeps its place names.
TOWN_MIN_POP_NORTH = 20_000


def town_rows(tatorter: gpd.GeoDataFrame | None = None) -> list[list[Any]]:
    """[lat, lon, name, min zoom] of the larger tätorter (SCB 2020), largest first."""
    if tatorter is None:
        from ..data.layers import load_tatorter

        tatorter = load_tatorter()
    big = tatorter[tatorter["population"] >= TOWN_MIN_POP_ZOOMED].sort_values("population", ascending=False)
    pts = big.geometry.to_crs(settings.CRS_STORE)
    return [
        [round(p.y, 4), round(p.x, 4), str(name), _min_zoom(pop, p.y, str(name))]
        for p, name, pop in zip(pts, big["tatort"], big["population"], strict=True)
    ]


def _min_zoom(pop: float, lat: float, name: str = "") -> float:
    """Zoom from which a town label shows: the big ones always, the north's towns early, the rest at 7."""
    if (pop >= TOWN_MIN_POP and " och " not in name) or (pop >= TOWN_MIN_POP_NORTH and lat > 61.0):
        return 0
    if pop >= 25_000:
        return 6
    return 7.5


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
    cov: pd.DataFrame, group: str | None, without_presence: Any, rule: str = "no_office_inside", lang: str = "en"
) -> tuple[set[str], str, bool]:
    """Kommuner to outline, the rule's description, and whether only the *certain* ones are kept.

    Default: :func:`narvaro.analysis.presence.kommuner_without_presence` (``rule``, the column's group);
    with ranges only the kommuner *certainly* without presence are outlined (the others have
    an office of unknown status and are hatched), and the third value is True so that the
    layer and the legend say "certainly": the headline's best estimate counts more kommuner.
    Fallback when the table does not fit that rule (e.g. the group lacks from it):
    ``{group}_status == "none"``, else ``{group}_has_office == False``.
    """
    if without_presence is False:
        return set(), "", False
    if without_presence is not None:
        return _codes(without_presence, cov), tr("rule.given", lang), False
    who = tr(f"group.{group or 'any'}", lang)
    try:
        found = kommuner_without_presence(cov, rule=rule, group=group or "any")
    except CoverageInputError:
        found = None
    if found is not None:
        certain_only = "certainty" in found
        if certain_only:
            found = found[found["certainty"] == "certain"]
        text = tr(f"rule.{rule}", lang, g=who) if f"rule.{rule}" in _RULE_KEYS else rule
        return set(found["kommunkod"].astype(str)), text, certain_only
    if group and f"{group}_status" in cov:
        status = cov[f"{group}_status"].astype("string")
        return set(
            cov.loc[status.eq("none").fillna(False).astype(bool), "kommunkod"].astype(str)
        ), tr("rule.confirmed_none", lang, g=who), False
    col = f"{group}_has_office" if group else None
    if col and col in cov:
        has = cov[col].astype("boolean").fillna(False).astype(bool)
        return set(cov.loc[~has, "kommunkod"].astype(str)), tr("rule.no_office_inside", lang, g=who), False
    return set(), "", False


_RULE_KEYS = {"rule.no_office_inside", "rule.no_office_and_far", "rule.af_definition"}


def _status(cov: pd.DataFrame, group: str | None) -> pd.Series:
    for col in ([f"{group}_status"] if group else []) + [f"{g}_status" for g in _GROUPS]:
        if col in cov:
            return cov[col].astype("string").fillna("unknown")
    return pd.Series(pd.NA, index=cov.index, dtype="string")


# --------------------------------------------------------------------------------------
# Tooltips and layers
# --------------------------------------------------------------------------------------
def _spread(row: pd.Series, col: str, unit: str, lang: str) -> str:
    """" (90 % interval a-b; possible range c-d)" for ``col`` where the table has them, else ""."""
    bits = []
    for lo_end, hi_end, key in (("_q05", "_q95", "tip.interval"), ("_lo", "_hi", "tip.bounds")):
        lo, hi = row.get(f"{col}{lo_end}"), row.get(f"{col}{hi_end}")
        if lo is None or hi is None or pd.isna(lo) or pd.isna(hi) or np.isclose(float(lo), float(hi)):
            continue
        lo_text, hi_text = _fmt(lo, unit, lang), _fmt(hi, unit, lang)
        if lo_text != hi_text:  # "12.5 km–12.5 km" says nothing
            bits.append(f"{tr(key, lang)} {lo_text}–{hi_text}")
    return f" ({'; '.join(bits)})" if bits else ""


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value is not pd.NA


def p_office(status: Any, p: Any) -> float | None:
    """P(an office of the group in the kommun) as a tooltip and the P(no office) layer state it.

    A status that the rules settle wins: ``"confirmed"`` (also when deduced by a rule, with no
    office row) is 1, ``"none"`` is 0; otherwise the share of draws ``p`` (``{g}_p_office``),
    or None where the table has no draws (the kommun depends on offices of unknown status).
    """
    if _known(status) and str(status) == "confirmed":
        return 1.0
    if _known(status) and str(status) == "none":
        return 0.0
    return float(p) if _known(p) else None


def p_none(cov: pd.DataFrame, group: str | None) -> pd.Series:
    """P(no office of ``group`` inside the kommun) per row of ``cov``: 1 - :func:`p_office`.

    From ``{g}_p_office`` (share of draws) where the table has draws, else from ``{g}_status``
    (1 for "none", 0 for "confirmed", NaN for "unknown"), else from ``{g}_has_office``.
    NaN where it is not known. Returns a float Series aligned to ``cov``.
    """
    g = group or "any"
    status = cov[f"{g}_status"] if f"{g}_status" in cov else pd.Series(pd.NA, index=cov.index)
    if f"{g}_p_office" in cov:
        p = cov[f"{g}_p_office"]
    elif f"{g}_status" not in cov and f"{g}_has_office" in cov:
        p = cov[f"{g}_has_office"].astype("boolean").astype("Float64")
    else:
        p = pd.Series(np.nan, index=cov.index)
    values = [p_office(st, pv) for st, pv in zip(status, p, strict=True)]
    return pd.Series([np.nan if v is None else 1.0 - v for v in values], index=cov.index, dtype=float)


def _p_text(status: Any, p: float | None, n_draws: int | None, lang: str) -> str:
    """A probability as a tooltip says it; an extreme share of draws says so when the status is unknown."""
    if p is None:
        return tr("tip.p_unknown", lang)
    text = _fmt(p, "share", lang)
    if n_draws and str(status) == "unknown" and p in (0.0, 1.0):
        text += f" ({tr('tip.p_every' if p == 1.0 else 'tip.p_never', lang, n=n_draws)})"
    return text


def _status_text(status: Any, lang: str) -> str:
    key = f"tip.status.{status}"
    return tr(key, lang) if key in _STATUS_KEYS else str(status)


def _org_lines(row: pd.Series, group: str, status: Any, n_draws: int | None, lang: str) -> list[str]:
    """Per organisation of ``group``: its own status and its own P(office), never another group's.

    ``status`` is the group's status as the caller found it; it stands in for the row's
    ``{group}_status`` only when the row lacks that column.
    """
    lines = []
    for org in ("af", "ssc") if group == "any" else (group,):
        st = row.get(f"{org}_status", status if org == group else None)
        p = row.get(f"{org}_p_office")
        if not _known(st) and not _known(p):
            continue
        who = tr(f"group.{org}", lang)
        text = _status_text(st, lang) if _known(st) else tr("tip.no_data", lang)
        prob = p_office(st, p)
        if prob is not None or _known(st) and str(st) == "unknown":
            text += f"; {tr('tip.org_p', lang, org=who)}: <b>{_esc(_p_text(st, prob, n_draws, lang))}</b>"
        lines.append(f"{tr('tip.org_status', lang, org=_esc(who))}: {text}")
    return lines


def _n_line(row: pd.Series, group: str, lang: str) -> str | None:
    """"Offices in the kommun (group): n"; a rule-confirmed office without an office row is not 0."""
    n = row.get(f"{group}_n_offices")
    if not _known(n):
        return None
    who = _esc(tr(f"group.{group}", lang))
    text = str(int(n))
    st = row.get(f"{group}_status")
    if int(n) < 1 and _known(st) and str(st) == "confirmed":
        text = _esc(tr("tip.n_rule", lang))
    elif f"{group}_n_offices_lo" in row:
        text += _esc(_spread(row, f"{group}_n_offices", "count", lang))
    return f"{tr('tip.n_offices_in', lang, g=who)}: {text}"


def _kommun_tip(
    row: pd.Series,
    column: str,
    group: str | None,
    label: str,
    status: Any,
    lang: str = "en",
    n_draws: int | None = None,
) -> str:
    """The HTML tooltip of one kommun: names, population, nearest office, the mapped value, presence.

    Presence is stated per organisation of the map's group (AF, SSC): each with its own status
    and its own probability of an office, then the probability that the kommun has no office
    of the group at all (what the P(no office) layer colours). Every text is escaped.
    """
    unit = _unit(column)
    lines = [f"<b>{_esc(row.get('kommunnamn'))}</b> ({_esc(row.get('kommunkod'))})"]
    if "lansnamn" in row and _esc(row.get("lansnamn")):
        lines[0] += f", {_esc(row.get('lansnamn'))}"
    if "population" in row and not pd.isna(row.get("population")):
        lines.append(f"{tr('tip.population', lang)}: {_esc(_fmt(row['population'], 'pop', lang))}")
    g = group or "any"
    near = row.get(f"{g}_nearest_office")
    if _known(near):
        where = row.get(f"{g}_nearest_office_kommun")
        where = f" {tr('tip.in', lang)} {_esc(where)}" if _known(where) else ""
        lines.append(
            f"{tr('tip.nearest', lang, g=_esc(tr(f'group.{g}', lang)))}: {_esc(office_name(near, lang))}{where}"
        )
    for col, key, u in ((f"{g}_dist_mean_km", "tip.mean_dist", "km"), (f"{g}_time_mean_min", "tip.mean_time", "min")):
        if col in row and col != column:
            lines.append(f"{tr(key, lang)}: {_esc(_fmt(row[col], u, lang))}{_esc(_spread(row, col, u, lang))}")
    lines.append(
        f"{_esc(label)}: <b>{_esc(_fmt(row.get(column), unit, lang))}</b>{_esc(_spread(row, column, unit, lang))}"
    )
    n_line = _n_line(row, g, lang)
    if n_line:
        lines.append(n_line)
    lines += _org_lines(row, g, status, n_draws, lang)
    st = row.get(f"{g}_status", status)
    if g == "any" and (_known(st) or _known(row.get(f"{g}_p_office"))):
        prob = p_office(st, row.get(f"{g}_p_office"))
        none = None if prob is None else 1.0 - prob
        lines.append(
            f"{tr('tip.p_none', lang, g=_esc(tr('group.any', lang)))}: "
            f"<b>{_esc(_p_text(st, none, None, lang))}</b>"
        )
    if "method" in row and _esc(row.get("method")):
        method = str(row.get("method"))
        key = f"method.{method}"
        lines.append(f"{tr('tip.method', lang)}: {_esc(tr(key, lang) if key in _METHOD_KEYS else method)}")
    return "<br>".join(lines)


_STATUS_KEYS = {"tip.status.unknown", "tip.status.none", "tip.status.confirmed"}
_METHOD_KEYS = {"method.estimate", "method.road"}


def _n_draws(cov: pd.DataFrame) -> int | None:
    """Number of office draws behind the table (None without draws)."""
    values = cov.attrs.get(DRAWS_ATTR)
    n = getattr(values, "n_draws", None)
    return int(n) if n else None


def _tips(cov: pd.DataFrame, classes: _Classes, name: str, status: pd.Series, lang: str) -> list[str]:
    """The tooltip of every kommun of ``cov`` (see :func:`_kommun_tip`), in row order."""
    n = _n_draws(cov)
    return [
        _kommun_tip(row, classes.column, classes.group, name, st, lang, n)
        for (_, row), st in zip(cov.iterrows(), status, strict=False)
    ]


#: Tooltips of the kommun layers: wrapped at 420 px (CSS class ``narvaro-tip``), following the
#: pointer on the side of it that faces the map's centre, so they stay inside the map.
_TIP_OPTIONS: dict[str, Any] = {"sticky": True, "direction": "auto", "class_name": "narvaro-tip"}


def _kommun_layer(
    data: dict[str, Any], name: str, css: str, *, show: bool, overlay: bool, opacity: float = 0.85
) -> folium.GeoJson:
    """A GeoJSON layer of kommuner filled by ``properties.fill`` with the ``properties.tip`` tooltip."""

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        extra = feature["properties"].get("css", "")
        return {
            "fillColor": feature["properties"]["fill"],
            "color": "#ffffff",
            "weight": 0.6,
            "fillOpacity": opacity,
            "className": f"{css} {extra}".strip(),
            "pane": _KOMMUN_PANE,
        }

    return folium.GeoJson(
        data,
        name=_esc(name),
        show=show,
        overlay=overlay,
        control=True,
        style_function=style,
        highlight_function=lambda f: {"weight": 2, "color": "#000000", "fillOpacity": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, **_TIP_OPTIONS),
        smooth_factor=0.5,
    )


def _choropleth(
    cov: gpd.GeoDataFrame,
    geoms: gpd.GeoSeries,
    classes: _Classes,
    name: str,
    *,
    show: bool,
    overlay: bool,
    layer_class: str,
    status: pd.Series,
    lang: str = "en",
    tips: list[str] | None = None,
) -> folium.GeoJson:
    """Kommuner coloured by ``classes.column``; ``name`` is the layer name and the tooltip's label."""
    idx = classify(cov[classes.column], classes.breaks)
    tips = tips if tips is not None else _tips(cov, classes, name, status, lang)
    props = [
        {"kommunkod": str(code), "fill": classes.colours[k] if k >= 0 else _NO_DATA, "tip": tip}
        for code, k, tip in zip(cov["kommunkod"], idx, tips, strict=False)
    ]
    data = _features(geoms, props, cov["kommunkod"])
    return _kommun_layer(data, name, f"{_KOMMUN_CLASS} {layer_class}", show=show, overlay=overlay)


def p_none_colour(p: float) -> str:
    """Fill of a kommun whose P(no office) is ``p`` (:data:`P_NONE_COLOURS`; hatched grey if NaN)."""
    k = int(classify(pd.Series([p], dtype=float), P_NONE_BREAKS)[0])
    return P_NONE_COLOURS[k] if k >= 0 else P_NONE_UNKNOWN


def _p_none_layer(
    cov: gpd.GeoDataFrame, geoms: gpd.GeoSeries, group: str | None, tips: list[str], name: str
) -> tuple[folium.GeoJson, pd.Series]:
    """The switchable layer of kommuner coloured by P(no office of ``group`` inside), hidden at first.

    Kommuner whose probability is not known (no draws, an office of unknown status) are grey
    and hatched (class ``narvaro-pnone-unknown``). Returns the layer and the probabilities.
    """
    p = p_none(cov, group)
    props = [
        {
            "kommunkod": str(code),
            "fill": p_none_colour(v),
            "css": "narvaro-pnone-unknown" if np.isnan(v) else "",
            "tip": tip,
        }
        for code, v, tip in zip(cov["kommunkod"], p, tips, strict=False)
    ]
    data = _features(geoms, props, cov["kommunkod"])
    return _kommun_layer(data, name, "narvaro-pnone", show=False, overlay=True), p


def _add_outline(
    m: folium.Map,
    geoms: gpd.GeoSeries,
    cov: pd.DataFrame,
    mask: pd.Series,
    name: str,
    *,
    css: str,
    style: dict[str, Any],
    show: bool = True,
) -> folium.GeoJson | None:
    """Add a non-interactive layer of the kommuner in ``mask`` to ``m``; return it (None if ``mask`` is empty)."""
    if not mask.any():
        return None
    data = _features(
        geoms[mask.to_numpy()],
        [{"kommunkod": str(c)} for c in cov.loc[mask, "kommunkod"]],
        cov.loc[mask, "kommunkod"],
    )
    st = {**style, "className": css, "interactive": False}
    layer = folium.GeoJson(
        data, name=_esc(name), show=show, overlay=True, control=True, style_function=lambda f: st
    )
    layer.add_to(m)
    return layer


_HATCH_STYLE = {"color": "#525252", "weight": 0.8, "fillColor": "#969696", "fillOpacity": 1.0, "fill": True}


def _is_unknown(status: pd.Series) -> pd.Series:
    """True where the office status is "unknown" (missing counts as not unknown)."""
    return status.eq("unknown").fillna(False).astype(bool)


def _hatch_layer(
    m: folium.Map, geoms: gpd.GeoSeries, cov: pd.DataFrame, mask: pd.Series, name: str
) -> folium.GeoJson | None:
    """Add the hatched layer of the kommuner in ``mask`` (office status unknown) to ``m``; None if none."""
    return _add_outline(m, geoms, cov, mask, name, css="narvaro-unknown", style=_HATCH_STYLE)


def _presence_layer(
    m: folium.Map,
    geoms: gpd.GeoSeries,
    cov: pd.DataFrame,
    codes: set[str],
    name: str,
    *,
    css: str,
    style: dict[str, Any],
    show: bool = True,
) -> tuple[folium.GeoJson | None, int]:
    """Outline the kommuner in ``codes`` (without presence) on ``m`` as layer ``"{name} ({n})"``.

    Returns the layer (None if no kommun is outlined) and the number ``n`` of kommuner.
    """
    mask = cov["kommunkod"].astype(str).isin(codes)
    n = int(mask.sum())
    return _add_outline(m, geoms, cov, mask, f"{name} ({n})", css=css, style=style, show=show), n
