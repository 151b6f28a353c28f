"""Office layers of narvaro's maps: AF, SSC, closed and candidate offices as point layers.

Offices are split by ``org``, ``status`` and ``basis`` into four layers, each drawn with
its own colour-blind-safe symbol (:data:`narvaro.map_style.OFFICE_LAYERS`); each marker has
an HTML-escaped popup (organisation, place, kommun, status, source link for http(s) sources
only) and tooltip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from .. import settings
from ..errors import CoverageInputError
from ..offices.lists import is_candidate
from .html import CoverageMap
from .i18n import tr, value
from .style import OFFICE_LAYERS, _esc, _symbol_html, office_layer_label, office_name


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


def _is_closed(frame: pd.DataFrame) -> pd.Series:
    """True for offices whose ``status`` says closed (English or Swedish); False without a status."""
    if "status" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["status"].astype("string").str.lower().str.contains("clos|stäng|nedlag", regex=True, na=False)


def _office_popup(
    row: Mapping[str, Any], kind: str, names: Mapping[str, str] | None = None, lang: str = "en"
) -> str:
    title = _esc(office_name(row.get("name"), lang)) or _esc(row.get("office_id")) or tr("pop.office", lang)
    place = row.get("address")
    if place is None or pd.isna(place) or str(place).strip() == "":
        place = row.get("town")
    rows = [
        (
            tr("pop.organisation", lang),
            {"af": "Arbetsförmedlingen", "ssc": "Statens servicecenter"}.get(
                str(row.get("org", "")).lower(), row.get("org")
            ),
        )
    ]
    code = row.get("kommunkod")
    kommun = row.get("kommunnamn") or (names or {}).get(str(code))
    kommun = f"{kommun} ({code})" if kommun and code else (kommun or code)
    rows += [(tr("pop.address" if row.get("address") else "pop.town", lang), place), (tr("pop.kommun", lang), kommun)]
    rows += [
        (tr("pop.status", lang), value(row.get("status"), lang)),
        (tr("pop.basis", lang), value(row.get("basis"), lang)),
        (tr("pop.valid", lang), _valid(row, lang)),
        (tr("pop.located", lang), value(row.get("geocode"), lang)),
        (tr("pop.note", lang), row.get("note")),
    ]
    note_key = tr("pop.note", lang)
    # the project's source notes are written in English: marked as such for readers and screen readers
    note_attr = ' lang="en"' if lang != "en" else ""
    body = "".join(
        f"<tr><th>{_esc(k)}</th><td{note_attr if k == note_key else ''}>{_esc(v)}</td></tr>"
        for k, v in rows
        if _esc(v)
    )
    src = row.get("source")
    if src is not None and not pd.isna(src) and str(src).strip():
        s = str(src).strip()
        link = (
            f'<a href="{_esc(s)}" target="_blank" rel="noopener noreferrer">{_esc(s)}</a>'
            if re.match(r"https?://", s)
            else _esc(s)
        )
        body += f'<tr><th>{_esc(tr("pop.source", lang))}</th><td style="word-break:break-all">{link}</td></tr>'
    label = office_layer_label(kind, lang)
    return f"<b>{title}</b><br><i>{_esc(label)}</i><table>{body}</table>"


def _valid(row: Mapping[str, Any], lang: str = "en") -> str:
    lo, hi = row.get("valid_from"), row.get("valid_to")
    lo = "" if lo is None or pd.isna(lo) else str(lo)
    hi = "" if hi is None or pd.isna(hi) else str(hi)
    return f"{lo} {tr('pop.to', lang)} {hi}".strip() if (lo or hi) else ""


def _points(
    frame: gpd.GeoDataFrame | None, kind: str, names: Mapping[str, str] | None = None, lang: str = "en"
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
        tip = _esc(office_name(row.get("name"), lang)) or _esc(row.get("office_id"))
        out.append([round(pt.y, 5), round(pt.x, 5), _office_popup(row, kind, names, lang), tip])
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
    cand = is_candidate(offices)
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


def _add_offices(
    m: folium.Map,
    layers: Mapping[str, gpd.GeoDataFrame | None],
    names: Mapping[str, str] | None = None,
    lang: str = "en",
) -> tuple[list[tuple[str, str]], int]:
    symbols: list[tuple[str, str]] = []
    missing = 0
    for kind in ("af", "ssc", "closed", "candidate"):
        pts, miss = _points(layers.get(kind), kind, names, lang)
        missing += miss
        if not pts:
            continue
        label = f"{office_layer_label(kind, lang)} ({len(pts)})"
        fg = folium.FeatureGroup(name=_esc(label), show=kind != "candidate", overlay=True, control=True)
        fg.add_child(_Points(pts, _marker_style(kind)))
        fg.add_to(m)
        if isinstance(m, CoverageMap):
            m.office_counts[kind] = len(pts)
        symbols.append((_symbol_html(kind), label))
    return symbols, missing


def _office_layers(
    m: folium.Map,
    cov: pd.DataFrame,
    offices: gpd.GeoDataFrame | None,
    closed: gpd.GeoDataFrame | None,
    candidates: gpd.GeoDataFrame | None,
    lang: str = "en",
) -> tuple[list[tuple[str, str]], str]:
    """Add the office layers to ``m``; return their legend symbols and a warning about unlocated offices.

    Office popups name the kommun from the coverage table ``cov``.
    """
    names = dict(zip(cov["kommunkod"].astype(str), cov["kommunnamn"].astype(str), strict=True))
    symbols, missing = _add_offices(m, _split_offices(offices, closed, candidates), names, lang)
    warn = tr("legend.unlocated", lang, n=missing) if missing else ""
    return symbols, warn
