"""Plots of the report (matplotlib, Agg): how distance and time are spread over the population,
and residents beyond 25 km per län, before against after.

Inputs are small: per-point distances for each scenario (:func:`point_distances`, one nearest-
office pass per office set, well under a second in estimate mode) and the per-län tables of
:mod:`narvaro.analysis.regions`. Where a range exists (confirmed offices only vs confirmed +
every candidate) it is drawn as a light band between the two curves; where office draws exist
the 90 % interval over a subsample of them is a darker band inside it, around the median draw.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..maps.i18n import scenario_title

__all__ = ["PointDistances", "bars_per_lan", "cumulative_plot", "point_distances", "save_figure"]

#: Okabe-Ito colours: before, after, other scenarios.
_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]

_TEXT = {
    "dist_x": ("Distance to the nearest office (km)", "Avstånd till närmaste kontor (km)"),
    "time_x": ("Travel time to the nearest office (min)", "Restid till närmaste kontor (min)"),
    "share_y": ("Share of residents within (%)", "Andel invånare inom (%)"),
    "band": ("band: confirmed offices only … with every candidate office",
             "band: endast bekräftade kontor … med alla tänkbara kontor"),
    "confirmed": ("confirmed offices", "bekräftade kontor"),
    "median_draw": ("best estimate: median draw", "bästa skattning: mediandragning"),
    "band_dashed": ("band: possible range; dashed: confirmed offices only",
                    "band: möjligt spann; streckat: endast bekräftade kontor"),
    "beyond": ("Residents beyond {t} (thousands)", "Invånare längre bort än {t} (tusental)"),
    "bars_note": ("bars: {kind}; whiskers: possible range", "staplar: {kind}; streck: möjligt spann"),
    "bars_note_iv": ("bars: {kind}; thick line: 90 % interval; thin line: possible range; ▸ n: the range goes on "
                     "to n beyond the axis",
                     "staplar: {kind}; tjockt streck: 90 %-intervall; tunt streck: möjligt spann; ▸ n: spannet "
                     "fortsätter till n utanför axeln"),
    "bars_clip": ("▸ n: the range goes on to n beyond the axis", "▸ n: spannet fortsätter till n utanför axeln"),
    "iv_band": ("90 % interval ({n} draws)", "90 %-intervall ({n} dragningar)"),
    "range_band": ("possible range", "möjligt spann"),
    "bars_range": ("bars: possible range (no best estimate yet)",
                   "staplar: möjligt spann (ingen bästa skattning ännu)"),
    "best": ("best estimate", "bästa skattning"),
    "conf_only": ("confirmed offices only", "endast bekräftade kontor"),
    "value": ("value", "värde"),
}


def _t(key: str, lang: str, **kw: object) -> str:
    text = _TEXT[key][0 if lang == "en" else 1]
    return text.format(**kw) if kw else text


@dataclass
class PointDistances:
    """Per-point distance and time to the nearest office of one scenario and group.

    ``hi`` holds the confirmed offices only; ``lo`` adds every candidate office (None when the
    office list has no candidates: then ``hi`` is the value).
    """

    weights: np.ndarray
    dist_hi: np.ndarray
    time_hi: np.ndarray
    dist_lo: np.ndarray | None = None
    time_lo: np.ndarray | None = None
    dist_best: np.ndarray | None = None  # the office draw at the median of residents beyond 25 km
    time_best: np.ndarray | None = None
    dist_draws: np.ndarray | None = None  # (n_sub, n_points): a subsample of the joint office draws
    time_draws: np.ndarray | None = None


def point_distances(demand: pd.DataFrame, offices: pd.DataFrame, graph: object = None,
                    orgs: tuple[str, ...] | None = None) -> PointDistances:
    """Nearest-office distance and time of every demand point, confirmed offices and with candidates.

    Parameters
    ----------
    demand : demand points (:func:`narvaro.data.load_demand_points`)
    offices : an office list, candidates marked ``basis="candidate"``
    graph : RoadGraph, optional (None = estimate mode)
    orgs : organisations to keep (e.g. ``("af",)``); default all
    """
    from ..network.distance import nearest_office
    from ..offices.lists import is_candidate

    if orgs is not None:
        offices = offices[offices["org"].isin(orgs)]
    cand = is_candidate(offices)
    near = nearest_office(demand, offices[~cand], graph)
    out = PointDistances(
        weights=demand["population"].to_numpy(dtype=float),
        dist_hi=near["distance_km"].to_numpy(dtype=float),
        time_hi=near["time_min"].to_numpy(dtype=float),
    )
    if cand.any():
        near_all = nearest_office(demand, offices, graph)
        out.dist_lo = near_all["distance_km"].to_numpy(dtype=float)
        out.time_lo = near_all["time_min"].to_numpy(dtype=float)
    return out


def _cdf(x: np.ndarray, w: np.ndarray, grid: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x)
    order = np.argsort(x[ok])
    xs, cw = x[ok][order], np.cumsum(w[ok][order])
    idx = np.searchsorted(xs, grid, side="right")
    return np.where(idx > 0, cw[np.maximum(idx - 1, 0)], 0.0) / w.sum() * 100


def _curve_band(x_draws: np.ndarray, w: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 5th and 95th percentile of the cumulative curves of the draws (rows of ``x_draws``)."""
    curves = np.vstack([_cdf(x, w, grid) for x in x_draws])
    return np.percentile(curves, 5, axis=0), np.percentile(curves, 95, axis=0)


def _threshold_lines(ax, what: str) -> None:
    """Dotted vertical lines at the report's thresholds, each labelled at the top ("25 km", "60 min")."""
    unit = "km" if what == "dist" else "min"
    for t in ((10, 25, 50) if what == "dist" else (30, 45, 60)):
        ax.axvline(t, color="#777", linewidth=0.9, linestyle=":", zorder=1)
        ax.text(t, 101, f"{t} {unit}", ha="center", va="bottom", fontsize=7, color="#444", clip_on=False)


def cumulative_plot(curves: Mapping[str, PointDistances], what: str = "dist", lang: str = "en",
                    xmax: float | None = None):
    """Cumulative share of residents against distance (``what="dist"``) or time (``"time"``).

    One line per scenario: the median office draw where draws exist (a darker band gives the
    pointwise 90 % interval over the subsample of draws in ``*_draws``), else the confirmed
    offices. Where candidates exist a light band reaches from the confirmed offices only (dashed)
    to every candidate office: the possible range. The thresholds are labelled lines. Returns a
    matplotlib Figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    xmax = xmax or (100.0 if what == "dist" else 90.0)
    grid = np.linspace(0, xmax, 400)
    fig, ax = plt.subplots(figsize=(6.4, 3.9), dpi=110)
    any_range, n_iv = False, 0
    for i, (name, pd_) in enumerate(curves.items()):
        c = _COLOURS[i % len(_COLOURS)]
        hi = _cdf(getattr(pd_, f"{what}_hi"), pd_.weights, grid)
        lo_x, best_x, draws_x = (getattr(pd_, f"{what}_{k}") for k in ("lo", "best", "draws"))
        label = scenario_title(name, lang)
        if lo_x is not None:  # possible range: light, edged by the dashed confirmed-only curve
            ax.fill_between(grid, hi, _cdf(lo_x, pd_.weights, grid), color=c, alpha=0.08, linewidth=0)
            ax.plot(grid, hi, color=c, linewidth=0.8, linestyle="--")
            any_range = True
        if draws_x is not None and len(draws_x):
            q05, q95 = _curve_band(draws_x, pd_.weights, grid)
            ax.fill_between(grid, q05, q95, color=c, alpha=0.35, linewidth=0)
            n_iv = max(n_iv, len(draws_x))
        if best_x is not None:  # the median draw: the best estimate's picture
            ax.plot(grid, _cdf(best_x, pd_.weights, grid), color=c, linewidth=2,
                    label=f"{label} ({_t('median_draw', lang)})")
        elif lo_x is None:
            ax.plot(grid, hi, color=c, linewidth=2, label=label)
        else:
            ax.lines[-1].set_label(f"{label} ({_t('confirmed', lang)})")
    ax.set_xlim(0, xmax)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_t(f"{what}_x", lang))
    ax.set_ylabel(_t("share_y", lang))
    ax.grid(alpha=0.3)
    _threshold_lines(ax, what)
    handles, _ = ax.get_legend_handles_labels()
    if n_iv:
        handles.append(Patch(color="#555", alpha=0.35, label=_t("iv_band", lang, n=n_iv)))
    if any_range:
        handles.append(Patch(color="#555", alpha=0.08, label=_t("range_band", lang)))
    title = _t("band_dashed" if any_range and n_iv else "band", lang) if any_range else None
    ax.legend(handles=handles, loc="lower right", fontsize=7.5, title=title, title_fontsize=7)
    fig.tight_layout()
    return fig


def _axis_max(regions: Mapping[str, pd.DataFrame], col: str) -> float:
    """The bar axis' end: the largest best estimate or 90 % interval end (or, without them, range end), +15 %."""
    top = 0.0
    for t in regions.values():
        t = t[t["lanskod"] != "SE"]
        cols = [c for c in (col, f"{col}_q95") if c in t] or [f"{col}_hi"]
        top = max(top, float(np.nanmax(t[cols].to_numpy(dtype=float))))
    return max(top, 1.0) * 1.15


def _clipped_whiskers(ax, yy: np.ndarray, lo: np.ndarray, hi: np.ndarray, xmax: float, lw: float,
                      lang: str) -> bool:
    """Horizontal whiskers lo..hi clipped at ``xmax``; a clipped one ends in ▸ and its true end (thousands)."""
    from ..maps.i18n import num

    ax.hlines(yy, np.minimum(lo, xmax), np.minimum(hi, xmax), color="#333", linewidth=lw, zorder=3)
    over = hi > xmax
    for y_, h_ in zip(yy[over], hi[over], strict=True):
        ax.plot([xmax], [y_], marker=">", color="#333", markersize=4, clip_on=False, zorder=4)
        ax.text(xmax * 0.985, y_, num(h_, 0, lang), ha="right", va="center", fontsize=6.5, color="#333",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85}, zorder=5)
    return bool(over.any())


def bars_per_lan(regions: Mapping[str, pd.DataFrame], threshold: str = "25km", lang: str = "en"):
    """Residents beyond ``threshold`` per län, one bar per scenario.

    Bars are the best estimates (or the values of a complete list); a thick line gives the 90 %
    interval, a thin one the possible range. The axis is scaled to the best estimates and their
    90 % intervals, so every bar is readable; a possible range running beyond the axis is clipped
    with a ▸ and its end printed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(regions)
    first = regions[names[0]]
    lans = first[first["lanskod"] != "SE"]
    y = np.arange(len(lans))
    h = 0.8 / max(len(names), 1)
    col = f"pop_over_{threshold}"
    xmax = _axis_max(regions, col) / 1000
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(lans) + 1.6), dpi=110)
    kind, interval, clipped = "value", False, False
    for i, name in enumerate(names):
        t = regions[name]
        t = t[t["lanskod"] != "SE"].set_index("lanskod").reindex(lans["lanskod"])
        yy = y + (i - (len(names) - 1) / 2) * h
        colour = _COLOURS[i % len(_COLOURS)]
        if col in t:  # best estimate (or the value of a complete list), whiskers for the range
            val = t[col].to_numpy(dtype=float)
            kind = "best" if f"{col}_q05" in t else "value"
            ax.barh(yy, val / 1000, height=h, color=colour, label=scenario_title(name, lang))
            if f"{col}_lo" in t:
                clipped |= _clipped_whiskers(ax, yy, t[f"{col}_lo"].to_numpy(dtype=float) / 1000,
                                             t[f"{col}_hi"].to_numpy(dtype=float) / 1000, xmax, 0.8, lang)
            if f"{col}_q05" in t:
                interval = True
                _clipped_whiskers(ax, yy, t[f"{col}_q05"].to_numpy(dtype=float) / 1000,
                                  t[f"{col}_q95"].to_numpy(dtype=float) / 1000, xmax, 2.4, lang)
        else:  # no best estimate: a floating bar over the possible range, never the worst case alone
            lo, hi = t[f"{col}_lo"].to_numpy(dtype=float), t[f"{col}_hi"].to_numpy(dtype=float)
            kind = "range"
            ax.barh(yy, (hi - lo) / 1000, left=lo / 1000, height=h, color=colour, alpha=0.55,
                    edgecolor=colour, label=scenario_title(name, lang))
    ax.set_xlim(0, xmax)
    ax.set_yticks(y, lans["lansnamn"].str.replace(" län", "", regex=False), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(_t("beyond", lang, t=threshold.replace("km", " km").replace("min", " min")))
    ax.grid(axis="x", alpha=0.3)
    if kind == "range":
        note = _t("bars_range", lang)
    elif interval:
        note = _t("bars_note_iv", lang, kind=_t(kind, lang))
    else:
        note = _t("bars_note", lang, kind=_t(kind, lang)) + ("" if not clipped else "; " + _t("bars_clip", lang))
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(note, fontsize=7, loc="left", wrap=True)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path | None = None) -> str:
    """Save ``fig`` as SVG (to ``path`` if given) and return the SVG text for inlining."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    # no date and fixed element ids: the same inputs give byte-identical files
    with mpl.rc_context({"svg.hashsalt": "narvaro"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    if path is not None:
        Path(path).write_text(svg, encoding="utf-8")
        fig.savefig(Path(path).with_suffix(".png"), format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
