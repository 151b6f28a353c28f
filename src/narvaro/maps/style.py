"""Styling and text of narvaro's maps: classes, palettes, units, labels, numbers, legend HTML.

Pure functions and constants, no map objects: which column a map shows by default, its
unit and readable label (:func:`column_label`), the class breaks (:data:`DEFAULT_CLASSES`,
:func:`classify`, mapclassify schemes) and colours, number formatting, the office symbols
(:data:`OFFICE_LAYERS`) and the legend HTML. Every text is HTML-escaped with :func:`_esc`
before it reaches a page.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import branca
import numpy as np
import pandas as pd

from ..errors import CoverageInputError
from ..provenance import get_provenance
from .i18n import describe_lang, scenario_title, tr

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
_GROUPS = ("any", "af", "ssc")
#: Class breaks (upper bounds) of P(no office in the kommun): below 0.5 % an office is as good as
#: certain, from 99.5 % its absence is; the middle in steps of 20 percentage points.
P_NONE_BREAKS: tuple[float, ...] = (0.005, 0.2, 0.4, 0.6, 0.8, 0.995)
#: Sequential ColorBrewer YlOrRd (7 classes, colour-blind safe; distinct from the YlGnBu of the
#: travel-time classes): light = an office is likely, dark red = the kommun likely lacks one.
P_NONE_COLOURS: tuple[str, ...] = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
#: Fill of kommuner whose P(no office) is not known (no draws and an office of unknown status);
#: drawn hatched (CSS class ``narvaro-pnone-unknown``).
P_NONE_UNKNOWN = "#bdbdbd"
_CANDIDATE_NAME = re.compile(r"^Candidate (AF|SSC) (.+)$")
_COLUMN_PREFERENCE = (
    "any_time_mean_min",
    "af_time_mean_min",
    "ssc_time_mean_min",
    "any_dist_mean_km",
    "af_dist_mean_km",
    "ssc_dist_mean_km",
)
_STAT_LABEL = {"mean": "Mean", "median": "Median", "p90": "90th percentile of", "max": "Longest"}


def _esc(value: Any) -> str:
    """HTML-escape any value ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def office_name(name: Any, lang: str = "en") -> str:
    """An office name as shown to the reader: generated candidate names in ``lang``, others as they are.

    Candidate offices are named ``"Candidate AF 2020 Stockholm"`` in the data
    (:func:`narvaro.offices.candidate_offices`); the map renders them per language and leaves
    official names untouched. The result is not escaped.

    Examples
    --------
    >>> office_name("Candidate AF 2020 Stockholm", "sv")
    'Tänkbart AF-kontor 2020 Stockholm'
    >>> office_name("Arbetsförmedlingen Kiruna", "sv")
    'Arbetsförmedlingen Kiruna'
    """
    if name is None or (isinstance(name, float) and math.isnan(name)) or name is pd.NA:
        return ""
    match = _CANDIDATE_NAME.match(str(name))
    if match is None:
        return str(name)
    return tr("name.candidate", lang, org=match.group(1), rest=match.group(2))


# --------------------------------------------------------------------------------------
# Columns, units, classes
# --------------------------------------------------------------------------------------
def _unit(column: str) -> str:
    base = re.sub(r"_(lo|hi|q05|q95)$", "", column)
    if "_share_" in base:
        return "share"
    if "_pop_" in base:
        return "pop"
    if base.endswith("_n_offices"):
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


def column_label(column: str, method: str | None = None, lang: str = "en") -> str:
    """A readable label with units for a coverage column, e.g. ``any_time_mean_min``.

    Interval and bound columns (``_q05``, ``_q95``, ``_lo``, ``_hi``) get the label of their metric.

    Examples
    --------
    >>> column_label("any_time_mean_min")
    'Mean travel time by car to the nearest AF office or SSC servicekontor (minutes, population-weighted)'
    >>> column_label("af_share_over_25km")
    'Share of residents farther than 25 km from the nearest AF office (%)'
    >>> column_label("af_dist_median_km", lang="sv")
    'Vägavstånd till närmaste AF-kontor, median (km, befolkningsviktat)'
    """
    group = _group(column)
    target = tr(f"office.{group or 'any'}", lang)
    rest = column.split("_", 1)[1] if group else column
    end_match = re.search(r"_(lo|hi|q05|q95)$", rest)
    rest = rest[: end_match.start()] if end_match else rest
    end = tr(f"end.{end_match.group(1)}", lang) if end_match else ""
    est = "_est" if method == "estimate" else ""
    m = re.match(r"(dist|time)_(mean|median|p90|max)_(km|min)$", rest)
    if m:
        what, stat, unit = m.groups()
        what_text = tr(f"what.{what}{est}", lang)
        return tr("label.metric", lang, stat=tr(f"stat.{stat}", lang), stat_l=tr(f"stat.{stat}", lang).lower(),
                  what=what_text, What=what_text[:1].upper() + what_text[1:],
                  target=target, units=tr(f"unit.{unit}", lang), end=end)
    m = re.match(r"(share|pop)_over_([\d.]+)(km|min)$", rest)
    if m:
        kind, value, unit = m.groups()
        pop_end = f" ({end[2:]})" if end and kind == "pop" else end
        return tr(f"label.{kind}_{unit}", lang, t=value, target=target, end=pop_end)
    if rest == "n_offices":
        return tr("label.n_offices", lang, g=tr(f"group.{group or 'any'}", lang))
    if rest == "p_office":
        return tr("label.p_office", lang, g=tr(f"group.{group or 'any'}", lang))
    return column.replace("_", " ")


def map_title(column: str, scenarios: Sequence[str], lang: str = "en") -> str:
    """Default map title for ``column`` (a coverage column; "" = mean time) and one or two scenarios."""
    names = [scenario_title(s, lang) for s in scenarios]
    is_dist = "_dist_" in column
    if len(names) == 2:
        return tr("title.compare_dist" if is_dist else "title.compare", lang, a=names[0], b=names[1])
    if not column or "_time_" in column:
        return tr("title.time", lang, scen=names[0])
    if is_dist:
        return tr("title.dist", lang, scen=names[0])
    return tr("title.other", lang, what=column_label(column, lang=lang), scen=names[0])


#: Per unit: (scale, format of a value, format of a class break).
_UNIT_FORMATS: dict[str, tuple[float, str, str]] = {
    "share": (100.0, "{:.1f} %", "{:g} %"),
    "km": (1.0, "{:,.1f} km", "{:g} km"),
    "min": (1.0, "{:,.0f} min", "{:g} min"),
    "pop": (1.0, "{:,.0f}", "{:,g}"),
    "count": (1.0, "{:,.0f}", "{:,g}"),
}
_OTHER_FORMAT = (1.0, "{:,.3g}", "{:,g}")


def _fmt(value: Any, unit: str, lang: str = "en") -> str:
    """A value with its unit, e.g. "12.3 km", "4.5 %" (shares are fractions); "no data" if missing."""
    if value is None or pd.isna(value):
        return tr("tip.no_data", lang)
    scale, fmt, _ = _UNIT_FORMATS.get(unit, _OTHER_FORMAT)
    text = fmt.format(float(value) * scale)
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _fmt_break(value: float, unit: str, lang: str = "en") -> str:
    """A class break with its unit, as short as it can be written ("25 km", "5 %")."""
    scale, _, fmt = _UNIT_FORMATS.get(unit, _OTHER_FORMAT)
    text = fmt.format(value * scale if scale != 1.0 else value)
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


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


def _class_labels(breaks: Sequence[float], unit: str, lang: str = "en") -> list[str]:
    f = functools.partial(_fmt_break, unit=unit, lang=lang)
    labels = [tr("legend.under", lang, a=f(breaks[0]))]
    labels += [tr("legend.between", lang, a=f(lo), b=f(hi)) for lo, hi in zip(breaks[:-1], breaks[1:], strict=False)]
    labels.append(tr("legend.over", lang, a=f(breaks[-1])))
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


def _short_name(column: str, lang: str = "en") -> str:
    """A short layer name, e.g. "Mean time, AF or SSC (min)"."""
    group = _group(column)
    rest = column.split("_", 1)[1] if group else column
    who = tr(f"group.{group}", lang) if group else ""
    m = re.match(r"(dist|time)_(mean|median|p90|max)_(km|min)(_lo|_hi|_q05|_q95)?$", rest)
    if m:
        what, stat, _unit, _end = m.groups()
        stat_text = "P90" if stat == "p90" else tr(f"stat.{stat}", lang)
        return tr(f"short.{what}", lang, stat=stat_text, stat_l=stat_text.lower(), g=who)
    return f"{rest.replace('_', ' ')}, {who}" if who else rest.replace("_", " ")


@dataclass(frozen=True)
class _Classes:
    """What a choropleth of one column shows: its group, label, unit, class breaks and colours."""

    column: str
    group: str | None
    label: str
    unit: str
    breaks: tuple[float, ...]
    colours: list[str]
    lang: str = "en"

    def legend_rows(self) -> list[tuple[str, str]]:
        """(colour, class label) rows of the legend."""
        return list(zip(self.colours, _class_labels(self.breaks, self.unit, self.lang), strict=False))


def _classes_for(
    values: pd.DataFrame, column: str, classes: Sequence[float] | str | None, method: str | None, lang: str = "en"
) -> _Classes:
    """Classes of ``column`` (breaks from ``values``, see :func:`_resolve_breaks`) and their colours."""
    breaks = _resolve_breaks(values, column, classes)
    return _Classes(
        column=column,
        group=_group(column),
        label=column_label(column, method, lang),
        unit=_unit(column),
        breaks=breaks,
        colours=_palette(len(breaks) + 1),
        lang=lang,
    )


# --------------------------------------------------------------------------------------
# Symbols and legend
# --------------------------------------------------------------------------------------
def office_layer_label(kind: str, lang: str = "en") -> str:
    """Layer name of an office kind ("af", "ssc", "closed", "candidate") in ``lang``."""
    return tr(f"layer.{kind}", lang)


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


def _prov_lines(*covs: pd.DataFrame, names: Sequence[str] = (), extra: Sequence[str] = (), lang: str = "en") -> str:
    """Completeness and provenance of the tables, folded in a <details> element of the legend."""
    parts = []
    seen: set[str] = set()
    for i, cov in enumerate(covs):
        tag = f"{names[i]}: " if i < len(names) else ""
        prov = get_provenance(cov)
        labels = [o.get("label") or o.get("name") for o in prov.get("offices") or []]
        labels = [lab for lab in labels if lab]
        if labels:
            line = f"{tag}{tr('legend.completeness', lang)}: " + describe_lang({"offices": prov["offices"]}, lang)
            if line not in seen:
                seen.add(line)
                parts.append(f"<div>{_esc(line)}</div>")
        rest = describe_lang({k: v for k, v in prov.items() if k != "offices"}, lang)
        if prov.get("scenario"):
            rest = f"{tr('legend.scenario', lang)}: {scenario_title(str(prov['scenario']), lang)}" + (
                f" | {rest}" if rest else ""
            )
        if rest and rest not in seen:
            seen.add(rest)
            parts.append(f"<div>{_esc(rest)}</div>")
    parts += [f"<div>{_esc(e)}</div>" for e in extra if e]
    if not parts:
        return ""
    summary = tr("legend.sources", lang)
    return f'<details class="prov"><summary>{_esc(summary)}</summary>{"".join(parts)}</details>'


def _class_rows(classes: list[tuple[str, str]]) -> list[str]:
    return [
        f'<div class="row"><span class="sw" style="background:{c}"></span>{_esc(lab)}</div>'
        if c
        else f'<div class="shows">{_esc(lab)}</div>'
        for c, lab in classes
    ]


def _legend_html(
    title: str,
    classes: list[tuple[str, str]],
    symbols: list[tuple[str, str]],
    prov_html: str,
    warn: str = "",
    folded: tuple[str, list[tuple[str, str]]] | None = None,
) -> str:
    """The legend: title, class rows, an optional folded block (e.g. the change classes), symbols, provenance."""
    rows = [f"<h4>{_esc(title)}</h4>", *_class_rows(classes)]
    if folded is not None:
        rows.append(
            f'<details class="fold"><summary>{_esc(folded[0])}</summary>{"".join(_class_rows(folded[1]))}</details>'
        )
    rows += [f'<div class="row"><span class="sym">{sym}</span>{_esc(lab)}</div>' for sym, lab in symbols]
    if warn:
        rows.append(f'<div class="warn">{_esc(warn)}</div>')
    return "".join(rows) + prov_html


#: Outline of kommuner without presence: magenta, thick, so it never reads as the (black) hover.
NOPRESENCE_COLOUR = "#e7298a"
_OUTLINE_SYM = (
    '<svg width="18" height="12"><rect x="1.5" y="1.5" width="15" height="9" fill="none" '
    f'stroke="{NOPRESENCE_COLOUR}" stroke-width="3"/></svg>'
)
_HATCH_SYM = (
    '<svg width="18" height="12"><rect x="0.5" y="0.5" width="17" height="11" fill="url(#narvaro-hatch)" '
    'stroke="#525252"/></svg>'
)
