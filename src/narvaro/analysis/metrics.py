"""Thresholds, column names and population-weighted statistics of the coverage table.

Definitions (used by :func:`narvaro.analysis.coverage.coverage`):

Weighted mean
    ``sum(w * x) / sum(w)`` over reachable demand points, ``w`` = residents.
Weighted quantile (median ``q=0.5``, p90 ``q=0.9``)
    The smallest value ``x`` whose cumulative population share (points sorted by ``x``) is at
    least ``q`` (the "inverted CDF" definition, no interpolation).
Beyond a threshold
    Strictly greater than T; unreachable residents count as beyond every threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import settings
from ..errors import CoverageInputError
from ..provenance import get_provenance

__all__ = [
    "GROUPS",
    "GROUP_LABEL",
    "GROUP_OFFICE_LABEL",
    "GROUP_ORGS",
    "BOUND_SUFFIXES",
    "INTERVAL_SUFFIXES",
    "KIND_SUFFIXES",
    "aggregate_arrays",
    "format_range",
    "split_kind",
    "group_metric_columns",
    "groups_in",
    "parse_thresholds",
    "threshold_label",
    "threshold_labels",
    "thresholds_of",
    "weighted_quantile",
]

#: Organisation groups, in column order.
GROUPS: tuple[str, ...] = ("af", "ssc", "any")
#: Which office ``org`` values each group uses.
GROUP_ORGS: dict[str, tuple[str, ...]] = {"af": ("af",), "ssc": ("ssc",), "any": ("af", "ssc")}
#: Short group names per language (table labels, summary lines, map layer names).
GROUP_LABEL: dict[str, dict[str, str]] = {"en": {"af": "AF", "ssc": "SSC", "any": "AF or SSC"},
                                          "sv": {"af": "AF", "ssc": "SSC", "any": "AF eller SSC"}}
#: What an office of each group is called in sentences ("no AF office in the kommun").
GROUP_OFFICE_LABEL: dict[str, str] = {"af": "AF office", "ssc": "SSC servicekontor",
                                      "any": "AF office or SSC servicekontor"}

_STATS = ("mean", "median", "p90", "max")


# --------------------------------------------------------------------------------------
# Thresholds and column names
# --------------------------------------------------------------------------------------
def threshold_label(value: float, unit: str) -> str:
    """Column suffix of a threshold: ``threshold_label(25.0, "km") == "25km"``, ``2.5 -> "2.5km"``."""
    return f"{float(value):g}{unit}"


def threshold_labels(km: Sequence[float], mins: Sequence[float]) -> list[str]:
    """Labels of all thresholds, distance first: ``["10km", "25km", "50km", "30min", ...]``."""
    return [threshold_label(t, "km") for t in km] + [threshold_label(t, "min") for t in mins]


def parse_thresholds(
    thresholds: Mapping[str, Sequence[float]] | Sequence[Sequence[float]] | None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Validate thresholds and return ``(distance_km, time_min)`` tuples.

    Parameters
    ----------
    thresholds : dict, pair of sequences, or None
        ``{"km": (10, 25, 50), "min": (30, 45, 60)}`` (keys ``distance_km``/``time_min``
        also accepted; a missing key takes its default), or ``((10, 25, 50), (30, 45, 60))``,
        or None for :data:`narvaro.settings.DISTANCE_THRESHOLDS_KM` and
        :data:`narvaro.settings.TIME_THRESHOLDS_MIN`.

    Raises
    ------
    CoverageInputError
        A threshold that is not a finite positive number, or a list not strictly increasing.
    """
    km: Any = settings.DISTANCE_THRESHOLDS_KM
    mins: Any = settings.TIME_THRESHOLDS_MIN
    if thresholds is not None:
        if isinstance(thresholds, Mapping):
            unknown = set(thresholds) - {"km", "min", "distance_km", "time_min"}
            if unknown:
                raise CoverageInputError(f"unknown threshold keys {sorted(unknown)}; use 'km' and 'min'")
            km = thresholds.get("km", thresholds.get("distance_km", km))
            mins = thresholds.get("min", thresholds.get("time_min", mins))
        else:
            try:
                km, mins = thresholds
            except (TypeError, ValueError):
                raise CoverageInputError(
                    "thresholds must be a dict {'km': (...), 'min': (...)} or a pair (km_tuple, min_tuple)"
                ) from None
    out = []
    for unit, values in (("km", km), ("min", mins)):
        if np.isscalar(values):
            values = (values,)
        problems = []
        vals = []
        for i, v in enumerate(values):
            try:
                f = float(v)
            except (TypeError, ValueError):
                f = float("nan")
            if not np.isfinite(f) or f <= 0:
                problems.append({"row": i, "id": f"{v}{unit}", "problem": "threshold must be a positive number"})
            elif vals and f <= vals[-1]:
                problems.append({"row": i, "id": f"{v}{unit}",
                                 "problem": f"not greater than the previous threshold {vals[-1]:g}"})
            vals.append(f)
        if problems:
            raise CoverageInputError(f"{unit} thresholds must be positive and strictly increasing", problems)
        out.append(tuple(vals))
    return out[0], out[1]


def thresholds_of(cov: pd.DataFrame) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The ``(km, min)`` thresholds a coverage table was computed with (from its provenance)."""
    th = get_provenance(cov).get("thresholds")
    if th:
        return tuple(th["km"]), tuple(th["min"])
    return settings.DISTANCE_THRESHOLDS_KM, settings.TIME_THRESHOLDS_MIN


def groups_in(cov: pd.DataFrame) -> list[str]:
    """The organisation groups present in a coverage table, in :data:`GROUPS` order."""
    return [g for g in GROUPS if f"{g}_has_office" in cov.columns or f"{g}_has_office_lo" in cov.columns]


def group_metric_columns(group: str, km: Sequence[float], mins: Sequence[float],
                         include_office: bool = True) -> list[str]:
    """Numeric metric columns of one group (those that get ``_lo``/``_hi`` with bounds)."""
    cols = [f"{group}_{m}_{s}_{u}" for m, u in (("dist", "km"), ("time", "min")) for s in _STATS]
    for values, unit in ((km, "km"), (mins, "min")):
        for t in values:
            lab = threshold_label(t, unit)
            cols += [f"{group}_pop_over_{lab}", f"{group}_share_over_{lab}"]
    cols.append(f"{group}_pop_unreachable")
    if include_office:
        cols += [f"{group}_has_office", f"{group}_n_offices"]
    return cols


#: Suffixes of the three kinds of number. A plain column ``X`` is the best estimate (the
#: median over joint office draws; with a complete office list, the value itself).
INTERVAL_SUFFIXES: tuple[str, str] = ("_q05", "_q95")  # the 90 % interval over the draws
BOUND_SUFFIXES: tuple[str, str] = ("_lo", "_hi")        # the hard bounds: what is logically possible
KIND_SUFFIXES: tuple[str, ...] = INTERVAL_SUFFIXES + BOUND_SUFFIXES


def split_kind(column: str) -> tuple[str, str]:
    """Split a column into its base and its kind: ``"best"``, ``"q05"``, ``"q95"``, ``"lo"``, ``"hi"``.

    Examples
    --------
    >>> split_kind("af_time_mean_min_lo")
    ('af_time_mean_min', 'lo')
    >>> split_kind("af_time_mean_min")
    ('af_time_mean_min', 'best')
    """
    for suffix in KIND_SUFFIXES:
        if column.endswith(suffix):
            return column[: -len(suffix)], suffix[1:]
    return column, "best"


def format_range(lo: Any, hi: Any, fmt: str, unit: str = "") -> str:
    """Render a range as ``"lo-hi"``, or one number when both ends print the same; "n/a" if missing.

    Examples
    --------
    >>> format_range(7.81, 80.34, ".1f", " %")
    '7.8-80.3 %'
    >>> format_range(12.4, 11.6, ".0f")
    '12'
    """
    if lo is None or hi is None or (isinstance(lo, float) and np.isnan(lo)):
        return "n/a"
    a, b = format(lo, fmt), format(hi, fmt)
    return f"{a}{unit}" if a == b else f"{a}-{b}{unit}"


# --------------------------------------------------------------------------------------
# Weighted statistics
# --------------------------------------------------------------------------------------
def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value whose cumulative weight share (values sorted ascending) is >= ``q``.

    NaN values and zero weights are ignored; NaN if nothing is left.

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], not {q}")
    return float(_grouped_quantile(values[ok], weights[ok], np.zeros(int(ok.sum()), dtype=np.int64), 1, q)[0])


def _grouped_quantile(x: np.ndarray, w: np.ndarray, g: np.ndarray, n: int, q: float) -> np.ndarray:
    """Weighted quantile per group (``g`` in 0..n-1); inputs finite with w > 0."""
    out = np.full(n, np.nan)
    if len(x) == 0:
        return out
    order = np.lexsort((x, g))
    xs, ws, gs = x[order], w[order], g[order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    totals = np.add.reduceat(ws, starts)
    cw = np.cumsum(ws)
    before = np.r_[0.0, cw[:-1]][starts]
    share = (cw - np.repeat(before, np.diff(np.r_[starts, len(xs)]))) / np.repeat(totals, np.diff(np.r_[starts, len(xs)]))
    pos = np.where(share >= q - 1e-12, np.arange(len(xs)), len(xs) - 1)
    # the last element of each group always qualifies (share == 1), so the minimum exists
    first = np.minimum.reduceat(pos, starts)
    out[gs[starts]] = xs[first]
    return out


def _grouped_stats(x: np.ndarray, w: np.ndarray, g: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Weighted mean, median, p90 and max per group; inputs finite with w > 0."""
    wsum = np.bincount(g, weights=w, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=w * x, minlength=n) / wsum
    mean[wsum <= 0] = np.nan
    mx = np.full(n, -np.inf)
    np.maximum.at(mx, g, x)
    mx[~np.isfinite(mx)] = np.nan
    return {"mean": mean, "median": _grouped_quantile(x, w, g, n, 0.5),
            "p90": _grouped_quantile(x, w, g, n, 0.9), "max": mx}


def aggregate(near: pd.DataFrame, w: np.ndarray, g: np.ndarray, n: int, group: str,
              km: Sequence[float], mins: Sequence[float]) -> dict[str, np.ndarray]:
    """Per-group-index metric arrays from one nearest-office frame (see :func:`aggregate_arrays`)."""
    return aggregate_arrays(near["reachable"].to_numpy(dtype=bool), near["distance_km"].to_numpy(dtype=float),
                            near["time_min"].to_numpy(dtype=float), w, g, n, group, km, mins)


def aggregate_arrays(reachable: np.ndarray, d: np.ndarray, t: np.ndarray, w: np.ndarray, g: np.ndarray,
                     n: int, group: str, km: Sequence[float], mins: Sequence[float]) -> dict[str, np.ndarray]:
    """Per-group-index metric arrays: distance ``d`` (km) and time ``t`` (min) per demand point.

    ``g`` assigns each point to one of ``n`` groups (kommuner, or draws of one kommun); a
    point that is not ``reachable`` or has a non-finite value counts beyond every threshold.
    """
    reach = np.asarray(reachable, dtype=bool) & np.isfinite(d) & np.isfinite(t)
    out: dict[str, np.ndarray] = {}
    use = reach & (w > 0)
    for name, vals in (("dist", d), ("time", t)):
        unit = "km" if name == "dist" else "min"
        stats = _grouped_stats(vals[use], w[use], g[use], n)
        for s in _STATS:
            out[f"{group}_{name}_{s}_{unit}"] = stats[s]
    total = np.bincount(g, weights=w, minlength=n)
    for values, vals, unit in ((km, d, "km"), (mins, t, "min")):
        for thr in values:
            beyond = ~reach | (vals > thr)
            pop = np.bincount(g, weights=np.where(beyond, w, 0.0), minlength=n)
            lab = threshold_label(thr, unit)
            out[f"{group}_pop_over_{lab}"] = pop
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{group}_share_over_{lab}"] = np.where(total > 0, pop / total, np.nan)
    out[f"{group}_pop_unreachable"] = np.bincount(g, weights=np.where(reach, 0.0, w), minlength=n)
    return out
