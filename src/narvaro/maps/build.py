"""Folium maps of the coverage table: choropleth, offices, before/after, offline HTML.

:func:`coverage_map` draws one map of the 290 kommuner coloured by a coverage column (mean
travel time by default) with the offices on top; :func:`compare_map` draws the same column
before and after the closures as two switchable layers plus the change between them.
Both return a :class:`CoverageMap` (a :class:`folium.Map`) whose :meth:`CoverageMap.save`
writes one self-contained HTML file by default: Leaflet's JS and CSS (vendored under
``narvaro/maps/static/leaflet``, see ``scripts/vendor_leaflet.sh``) are inlined and folium's
CDN links are dropped, so the map opens on a machine with no access to public CDNs. No tile
layer is added unless asked for (``tiles=``); tiles always need the network.

Every text that reaches the page (kommun and office names, sources, the title, the
provenance line) is HTML-escaped in Python before it is embedded, and data are embedded
with ``tojson``, so a name like ``<script>alert(1)</script>`` shows as text.

This module holds the two entry points; the pieces live in :mod:`narvaro.map_style` (classes,
palettes, labels, legend), :mod:`narvaro.map_layers` (kommun layers, tooltips, page elements),
:mod:`narvaro.map_offices` (office layers and popups) and :mod:`narvaro.map_html` (the
self-contained page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from .. import settings
from ..analysis.intervals import DRAWS_ATTR
from ..errors import CoverageInputError
from ..provenance import get_provenance
from .html import CoverageMap
from .html import leaflet_version as leaflet_version
from .i18n import check_lang, tr
from .layers import (
    _KOMMUN_PANE,
    SIMPLIFY_M,
    _choropleth,
    _Control,
    _hatch_layer,
    _Header,
    _is_unknown,
    _MapScript,
    _p_none_layer,
    _presence_layer,
    _status,
    _tips,
    _Towns,
    _without_presence,
    simplify_kommuner,
    town_rows,
)
from .offices import _office_layers
from .offices import _office_popup as _office_popup
from .offices import _Points as _Points
from .style import (
    _CHANGE_CLASSES,
    _CHANGE_COLOURS,
    _HATCH_SYM,
    _NO_DATA,
    _OUTLINE_SYM,
    NOPRESENCE_COLOUR,
    P_NONE_BREAKS,
    P_NONE_COLOURS,
    P_NONE_UNKNOWN,
    _class_labels,
    _classes_for,
    _esc,
    _legend_html,
    _prov_lines,
    _short_name,
    classify,
    default_column,
)
from .style import _palette as _palette
from .style import _unit as _unit

__all__ = [
    "compare_map",
    "coverage_map",
]

_SWEDEN_BOUNDS = [
    [settings.SWEDEN_BBOX_WGS84[1], settings.SWEDEN_BBOX_WGS84[0]],
    [settings.SWEDEN_BBOX_WGS84[3], settings.SWEDEN_BBOX_WGS84[2]],
]


#: CARTO's light basemap (OpenStreetMap data): without labels under the kommuner, labels on top.
_CARTO = "https://{s}.basemaps.cartocdn.com/{style}/{z}/{x}/{y}{r}.png"
_CARTO_ATTRIBUTION = {
    "en": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    "sv": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bidragsgivare '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>',
}
_LABEL_PANE = "narvaroLabels"


def _basemap(m: CoverageMap, lang: str) -> None:
    """CARTO light tiles under the kommuner and its place names above them (both need internet).

    Offline the tiles simply do not load: the kommuner, offices and town labels are drawn from
    the page itself.
    """
    folium.TileLayer(
        _CARTO.replace("{style}", "light_nolabels"),
        attr=_CARTO_ATTRIBUTION[lang],
        name=_esc(tr("layer.basemap", lang)),
        overlay=True,
        control=True,
        show=True,
        subdomains="abcd",
        max_zoom=19,
    ).add_to(m)
    folium.map.CustomPane(_LABEL_PANE, z_index=450, pointer_events=False).add_to(m)
    folium.TileLayer(
        _CARTO.replace("{style}", "light_only_labels"),
        attr=_CARTO_ATTRIBUTION[lang],
        name=_esc(tr("layer.basemap", lang)) + " – labels",
        overlay=True,
        control=False,
        show=True,
        subdomains="abcd",
        max_zoom=19,
        pane=_LABEL_PANE,
    ).add_to(m)


def _new_map(
    title: str | None,
    tiles: str | None,
    self_contained: bool,
    lang: str = "en",
    basemap: bool = True,
    towns: bool | gpd.GeoDataFrame = True,
) -> CoverageMap:
    """An empty map of Sweden: basemap, CSS, the kommun pane, town labels, scale bar and the title."""
    lat = (_SWEDEN_BOUNDS[0][0] + _SWEDEN_BOUNDS[1][0]) / 2
    lon = (_SWEDEN_BOUNDS[0][1] + _SWEDEN_BOUNDS[1][1]) / 2
    m = CoverageMap(
        location=[lat, lon],
        zoom_start=5,
        tiles=None,
        control_scale=False,  # our own metric-only scale bar (_MapScript)
        self_contained=self_contained,
        min_zoom=3,
        max_zoom=13,
        zoom_snap=0.25,
    )
    if basemap:
        _basemap(m, lang)
    if tiles:
        folium.TileLayer(
            tiles, name=_esc(tr("layer.basemap", lang)), overlay=False, show=False, control=True
        ).add_to(m)
    _Header().add_to(m)
    # Choropleths live in their own pane below the overlay pane, so outlines, hatching and
    # office markers stay on top whichever base layer is switched on.
    folium.map.CustomPane(_KOMMUN_PANE, z_index=350, pointer_events=True).add_to(m)
    if towns is not False:
        rows = town_rows(None if towns is True else towns)
        group = folium.FeatureGroup(name=_esc(tr("layer.towns", lang)), show=True, overlay=True, control=True)
        group.add_child(_Towns(rows))
        group.add_to(m)
    if title:
        m.add_child(_Control(f"<h3>{_esc(title)}</h3>", position="topleft", css_class="narvaro-title"))
    m.fit_bounds(_SWEDEN_BOUNDS)
    return m


def _shows(cov: pd.DataFrame, column: str, lang: str) -> str:
    """Which of the three kinds of number the colours show."""
    if f"{column}_q05" in cov.columns:
        values = cov.attrs.get(DRAWS_ATTR)
        return tr("legend.shows_best", lang, n=f"{values.n_draws:,}".replace(",", "\u00a0" if lang == "sv" else ",")
                  if values is not None else ("the" if lang == "en" else "de"))
    if f"{column}_lo" in cov.columns:
        return tr("legend.shows_confirmed", lang)
    return tr("legend.shows_value", lang)


def _check_cov(cov: pd.DataFrame, column: str) -> None:
    """Raise CoverageInputError unless ``cov`` is a GeoDataFrame with kommunkod, kommunnamn and ``column``."""
    if not isinstance(cov, gpd.GeoDataFrame):
        raise CoverageInputError("the coverage table must be a GeoDataFrame (as coverage() returns)")
    missing = [c for c in ("kommunkod", "kommunnamn", column) if c not in cov.columns]
    if missing:
        raise CoverageInputError(
            f"the coverage table lacks column(s) {', '.join(missing)}; "
            f"available: {', '.join(c for c in cov.columns if c != 'geometry')}"
        )


def _finish(m: CoverageMap, legend: str) -> CoverageMap:
    """Add the layer control, then the legend below it in the same corner; return ``m``."""
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_Control(legend, position="topright"))
    m.add_child(_MapScript())
    return m


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
    lang: str = "en",
    basemap: bool = True,
    towns: bool | gpd.GeoDataFrame = True,
) -> CoverageMap:
    """Map of the 290 kommuner coloured by a coverage column, with the offices on top.

    Parameters
    ----------
    cov : GeoDataFrame
        A coverage table (:func:`narvaro.analysis.coverage`): one row per kommun, EPSG:3006.
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
        :func:`narvaro.analysis.presence.kommuner_without_presence` with ``rule`` for the column's group
        (af, ssc or any); with ranges only the kommuner *certainly* without presence are
        outlined (those that depend on an office of unknown status are hatched).
        ``False`` draws no outline layer.
    rule : str
        Presence rule passed to :func:`narvaro.analysis.presence.kommuner_without_presence`.
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
    lang : {"en", "sv"}
        Language of the title's default, legend, tooltips, popups and layer names; official
        names stay as they are.
    basemap : bool, default True
        CARTO light tiles (OpenStreetMap data) under the kommuner and their place names on top;
        they need the internet, everything else renders offline.
    towns : bool or GeoDataFrame, default True
        Labels of the larger tätorter (SCB 2020; offline), or your own points with ``tatort``
        and ``population``.

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
    check_lang(lang)
    column = column or default_column(cov)
    _check_cov(cov, column)
    cov = cov.sort_values("kommunkod")
    prov = get_provenance(cov)
    style = _classes_for(cov, column, classes, prov.get("method"), lang)
    geoms = simplify_kommuner(cov, simplify_m)
    status = _status(cov, style.group)

    m = _new_map(title, tiles, self_contained, lang, basemap, towns)
    name = _short_name(column, lang)
    tips = _tips(cov, style, name, status, lang)
    _choropleth(
        cov,
        geoms,
        style,
        name,
        show=True,
        overlay=True,
        layer_class="narvaro-kommun-main",
        status=status,
        lang=lang,
        tips=tips,
    ).add_to(m)
    m.kommun_count = len(cov)
    who = tr(f"group.{style.group or 'any'}", lang)
    p_layer, p_values = _p_none_layer(cov, geoms, style.group, tips, tr("layer.p_none", lang, g=who))
    p_layer.add_to(m)

    unknown = _is_unknown(status)
    hatch = _hatch_layer(m, geoms, cov, unknown, tr("layer.unknown", lang, n=int(unknown.sum())))
    codes, rule_text, certain_only = _without_presence(cov, style.group, without_presence, rule, lang)
    outline, n_nopres = _presence_layer(
        m,
        geoms,
        cov,
        codes,
        tr("layer.without_certain" if certain_only else "layer.without", lang),
        css="narvaro-nopresence",
        style={"color": NOPRESENCE_COLOUR, "weight": 3.0, "fill": False, "dashArray": None},
    )

    symbols, warn = _office_layers(m, cov, offices, closed, candidates, lang)
    legend_classes = [("", _shows(cov, column, lang)), *style.legend_rows()]
    if (classify(cov[column], style.breaks) < 0).any():
        legend_classes.append((_NO_DATA, tr("legend.no_data", lang)))
    if outline is not None:
        given = without_presence is not None
        prefix = "legend.without_certain" if certain_only else "legend.without"
        text = (
            tr(f"{prefix}_rule", lang, n=n_nopres, rule=rule_text)
            if rule_text and not given
            else tr(prefix, lang, n=n_nopres)
        )
        symbols.insert(0, (_OUTLINE_SYM, text))
    if hatch is not None:
        symbols.insert(
            1 if outline is not None else 0, (_HATCH_SYM, tr("legend.unknown", lang, n=int(unknown.sum())))
        )
    if prov.get("method") == "estimate":
        warn = (warn + " " if warn else "") + tr("legend.estimate", lang)
    extra = [tr("legend.basemap", lang)] if basemap else []
    folded = (tr("legend.p_none", lang, g=who), _p_none_rows(p_values, lang))
    return _finish(
        m,
        _legend_html(
            style.label, legend_classes, symbols, _prov_lines(cov, extra=extra, lang=lang), warn, folded=folded
        ),
    )


def _p_none_rows(p: pd.Series, lang: str) -> list[tuple[str, str]]:
    """Legend rows of the P(no office) layer: its classes, and the hatched grey where it is not known."""
    rows = list(zip(P_NONE_COLOURS, _class_labels(P_NONE_BREAKS, "share", lang), strict=True))
    if p.isna().any():
        rows.append((P_NONE_UNKNOWN, tr("legend.p_none_unknown", lang)))
    return rows


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
    lang: str = "en",
    basemap: bool = True,
    towns: bool | gpd.GeoDataFrame = True,
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
    column, classes, title, tiles, simplify_m, self_contained, lang, basemap, towns
        See :func:`coverage_map`; the same classes are used for both tables.
    labels : (str, str)
        Names of the two scenarios, e.g. ``("2019", "2020")``.
    without_presence : (before, after), optional
        Kommuner to outline for each table; default as in :func:`coverage_map`.
    """
    check_lang(lang)
    column = column or default_column(cov_after)
    for cov in (cov_before, cov_after):
        _check_cov(cov, column)
    before = cov_before.sort_values("kommunkod").reset_index(drop=True)
    after = cov_after.sort_values("kommunkod").reset_index(drop=True)
    if not before["kommunkod"].astype(str).equals(after["kommunkod"].astype(str)):
        raise CoverageInputError("the two coverage tables do not cover the same kommuner")
    style = _classes_for(
        pd.concat([before[[column]], after[[column]]]), column, classes, get_provenance(after).get("method"), lang
    )
    group = style.group
    geoms = simplify_kommuner(after, simplify_m)
    m = _new_map(title, tiles, self_contained, lang, basemap, towns)

    short = _short_name(column, lang)
    for cov, name, show in ((after, labels[1], True), (before, labels[0], False)):
        _choropleth(
            cov,
            geoms,
            style,
            f"{name}: {short}",
            show=show,
            overlay=False,
            layer_class=f"narvaro-kommun-{'after' if show else 'before'}",
            status=_status(cov, group),
            lang=lang,
        ).add_to(m)
    change = after.copy()
    change[column] = pd.to_numeric(after[column], errors="coerce") - pd.to_numeric(
        before[column], errors="coerce"
    )
    change = change.drop(
        columns=[f"{column}_{end}" for end in ("lo", "hi", "q05", "q95")], errors="ignore"
    )  # not a range of the change
    cbreaks = _CHANGE_CLASSES.get(style.unit, _CHANGE_CLASSES["min"])
    _choropleth(
        change,
        geoms,
        replace(style, breaks=cbreaks, colours=_CHANGE_COLOURS),
        tr("layer.change", lang, a=labels[0], b=labels[1], short=short),
        show=False,
        overlay=False,
        layer_class="narvaro-kommun-change",
        status=_status(after, group),
        lang=lang,
    ).add_to(m)
    m.kommun_count = len(after)

    wp = without_presence or (None, None)
    symbols: list[tuple[str, str]] = []
    for cov, name, show, given in ((before, labels[0], False, wp[0]), (after, labels[1], True, wp[1])):
        codes, _, certain_only = _without_presence(cov, group, given, lang=lang)
        layer_name = tr("layer.without_certain_in" if certain_only else "layer.without_in", lang, name=name)
        layer, n = _presence_layer(
            m,
            geoms,
            cov,
            codes,
            layer_name,
            css=f"narvaro-nopresence narvaro-nopresence-{'after' if show else 'before'}",
            style={
                "color": NOPRESENCE_COLOUR if show else "#7f7f7f",
                "weight": 3.0,
                "fill": False,
                "dashArray": None if show else "5 4",
            },
            show=show,
        )
        if layer is not None:
            symbols.append(
                (
                    _OUTLINE_SYM
                    if show
                    else _OUTLINE_SYM.replace(
                        f'stroke="{NOPRESENCE_COLOUR}"', 'stroke="#7f7f7f" stroke-dasharray="4 3"'
                    ),
                    f"{layer_name}: {n} kommuner",
                )
            )
    unknown = _is_unknown(_status(after, group))
    hatch = _hatch_layer(
        m, geoms, after, unknown, tr("layer.unknown_in", lang, name=labels[1], n=int(unknown.sum()))
    )
    if hatch is not None:
        symbols.append((_HATCH_SYM, f"{labels[1]}: " + tr("legend.unknown", lang, n=int(unknown.sum()))))

    office_symbols, warn = _office_layers(m, after, offices_after, closed, candidates, lang)
    change_rows = list(
        zip(
            _CHANGE_COLOURS,
            [tr("legend.decrease", lang), tr("legend.no_change", lang)]
            + [tr("legend.increase", lang, x=lab) for lab in _class_labels(cbreaks[1:], style.unit, lang)[1:]],
            strict=False,
        )
    )
    html_classes = [("", _shows(after, column, lang)), *style.legend_rows()]
    if get_provenance(after).get("method") == "estimate":
        warn = (warn + " " if warn else "") + tr("legend.estimate", lang)
    extra = [tr("legend.basemap", lang)] if basemap else []
    legend = _legend_html(
        style.label,
        html_classes,
        symbols + office_symbols,
        _prov_lines(before, after, names=labels, extra=extra, lang=lang),
        warn,
        folded=(tr("legend.change_layer", lang, a=labels[0], b=labels[1]), change_rows),
    )
    return _finish(m, legend)
