"""Kommuner without presence under named rules, and the before/after comparison.

Presence rules (:data:`RULES`)
------------------------------
``"no_office_inside"``
    The kommun has no office of the group inside its borders (by the offices' ``kommunkod``).
``"no_office_and_far"``
    No office inside *and* the population-weighted mean travel time to the nearest office of
    the group above ``max_time_min`` (default 30 min, the first of
    :data:`narvaro.settings.TIME_THRESHOLDS_MIN`: the usual one-way commuting step; AF's
    own 2015 guideline of "another office within one hour" is the looser 60).
``"af_definition"``
    AF's own definition in its final report of 23 October 2020 (82 kommuner "completely
    without AF presence"): neither an own AF office nor a samarbetslösning, i.e. a
    servicekontor or a kommun agreement where AF meets clients. Approximated as *no AF office
    and no SSC servicekontor inside the kommun*; it needs a scenario holding both (e.g.
    ``af_2020+ssc_2020``). Gap: the 102 samarbetslösningar with kommuner are not in any
    obtainable list, so this rule finds *more* kommuner without presence than AF's 82.

With ranges (a table from ``coverage(..., bounds=True)``) the returned list holds every kommun
that *may* be without presence (with the confirmed offices only) and ``certainty`` says
``"certain"`` (also without presence with every candidate office) or ``"depends_on_unknown"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..errors import CoverageInputError
from ..offices.sources import CONTAINED_IN
from ..provenance import get_provenance, merge_provenance, set_provenance
from .bounds import BOUNDS_ATTR
from .coverage import national
from .intervals import DRAWS_ATTR, summarise
from .metrics import (
    GROUP_OFFICE_LABEL,
    format_range,
    group_metric_columns,
    groups_in,
    threshold_label,
    thresholds_of,
)

__all__ = ["PRESENCE_CLASSES", "RULES", "compare", "kommuner_without_presence", "presence_table"]

#: Presence rules and their one-line descriptions.
RULES: dict[str, str] = {
    "no_office_inside": "no office of the group inside the kommun",
    "no_office_and_far": "no office inside and population-weighted mean travel time above T",
    "af_definition": ("AF's Oct 2020 definition approximated: no AF office and no SSC servicekontor "
                      "inside the kommun (kommun agreements not in the data)"),
}


def _col(cov: pd.DataFrame, name: str, end: str) -> pd.Series:
    """``name`` with suffix ``end`` ("_lo"/"_hi") if the table has ranges, else ``name``."""
    return cov[name + end] if name + end in cov.columns else cov[name]


def _has_bounds(cov: pd.DataFrame) -> bool:
    return any(c.endswith("_has_office_lo") for c in cov.columns)


def kommuner_without_presence(
    cov: pd.DataFrame,
    rule: str = "no_office_inside",
    group: str = "af",
    max_time_min: float | None = None,
) -> pd.DataFrame:
    """The kommuner without presence under a named rule, with the reason for each.

    Parameters
    ----------
    cov : GeoDataFrame
        A coverage table (:func:`narvaro.analysis.coverage.coverage`).
    rule : {"no_office_inside", "no_office_and_far", "af_definition"}
        See :data:`RULES` and the module docstring.
    group : {"af", "ssc", "any"}
        Organisation group for the first two rules (``af_definition`` always uses AF and SSC).
    max_time_min : float, optional
        T of ``"no_office_and_far"``; default the first time threshold (30 min).

    Returns
    -------
    DataFrame
        ``kommunkod``, ``kommunnamn``, ``population``, ``reason`` and, for a table with ranges,
        ``certainty`` ("certain" / "depends_on_unknown"); for a table with office draws also
        ``p_without`` (share of the draws in which the kommun has no presence). One row per
        kommun that possibly lacks presence, sorted by kommunkod. ``attrs["narvaro"]`` carries
        the table's provenance plus ``rule``, ``group`` and, for a table with ranges,
        ``count``: ``lo`` (certain kommuner), ``hi`` (possible kommuner) and, with draws,
        ``expected`` (sum of the probabilities), ``best`` (median count over the draws),
        ``q05``/``q95`` (its 90 % interval).

    Raises
    ------
    CoverageInputError
        Unknown rule or group, or ``af_definition`` on a table without both AF and SSC.
    """
    if rule not in RULES:
        raise CoverageInputError(f"unknown presence rule {rule!r}; choose one of {sorted(RULES)}")
    present = groups_in(cov)
    bounded = _has_bounds(cov)
    if rule == "af_definition":
        if not {"af", "ssc"} <= set(present):
            raise CoverageInputError(
                "rule 'af_definition' needs a coverage table with both AF offices and SSC servicekontor "
                "(e.g. scenario af_2020+ssc_2020)")
        maybe = ~_col(cov, "af_has_office", "_lo").astype(bool) & ~_col(cov, "ssc_has_office", "_lo").astype(bool)
        sure = ~_col(cov, "af_has_office", "_hi").astype(bool) & ~_col(cov, "ssc_has_office", "_hi").astype(bool)
        reasons = pd.Series("no AF office and no SSC servicekontor in the kommun", index=cov.index)
        group = "af+ssc"
    else:
        if group not in present:
            raise CoverageInputError(f"group {group!r} is not in this coverage table (it has {present})")
        has = f"{group}_has_office"
        maybe = ~_col(cov, has, "_lo").astype(bool)
        sure = ~_col(cov, has, "_hi").astype(bool)
        reasons = pd.Series(f"no {GROUP_OFFICE_LABEL[group]} in the kommun", index=cov.index)
        if rule == "no_office_and_far":
            t = float(max_time_min if max_time_min is not None else settings.TIME_THRESHOLDS_MIN[0])
            mean = f"{group}_time_mean_min"
            maybe &= _col(cov, mean, "_hi") > t
            sure &= _col(cov, mean, "_lo") > t
            lo, hi = _col(cov, mean, "_lo"), _col(cov, mean, "_hi")
            span = [format_range(a, b, ".0f") for a, b in zip(lo, hi, strict=True)]
            reasons = reasons + ", mean travel time " + pd.Series(span, index=cov.index) + f" min > {t:g} min"
    sel = maybe.to_numpy()
    out = pd.DataFrame({
        "kommunkod": cov["kommunkod"].to_numpy()[sel],
        "kommunnamn": cov["kommunnamn"].to_numpy()[sel],
        "population": cov["population"].to_numpy()[sel],
        "reason": reasons.to_numpy()[sel],
    })
    count = None
    if bounded:
        certain = sure.to_numpy()[sel]
        out["certainty"] = np.where(certain, "certain", "depends_on_unknown")
        out.loc[~certain, "reason"] = out.loc[~certain, "reason"] + " (unless the office of unknown status exists)"
        count = {"lo": int(sure.sum()), "hi": int(maybe.sum())}
    per_draw = _without_per_draw(cov, rule, group, max_time_min)
    if per_draw is not None:
        p_without = per_draw.mean(axis=0)
        out["p_without"] = p_without[sel]
        n_without = per_draw.sum(axis=1)
        best, q05, q95 = summarise(n_without)
        count = {"expected": float(p_without.sum()), "best": float(best), "q05": float(q05), "q95": float(q95),
                 **(count or {})}
    out = out.sort_values("kommunkod", ignore_index=True)
    out.attrs = {}
    set_provenance(out, **get_provenance(cov))
    out.attrs["narvaro"]["rule"] = rule
    out.attrs["narvaro"]["group"] = group
    if count is not None:
        out.attrs["narvaro"]["count"] = count
    return out


#: The ``class`` codes of :func:`presence_table`, one per kommun, mutually exclusive, with their Swedish text.
PRESENCE_CLASSES: dict[str, str] = {
    "without presence (certain)": "utan närvaro (säkert)",
    "without presence (best estimate)": "utan närvaro (bästa skattning)",
    "possibly without presence": "möjligen utan närvaro",
    "has presence": "har närvaro",
}


def presence_table(
    cov: pd.DataFrame,
    rule: str = "no_office_inside",
    group: str = "af",
    max_time_min: float | None = None,
) -> pd.DataFrame:
    """Every kommun of ``cov`` with its presence class under a rule: a file whose row counts cannot mislead.

    :func:`kommuner_without_presence` lists every kommun that *may* lack presence, so counting its
    rows gives the possible count, not the best estimate. This table holds all kommuner, and its
    ``class`` column splits them into four exclusive classes (:data:`PRESENCE_CLASSES`):

    * ``"without presence (certain)"``: no presence whatever the offices of unknown status turn
      out to be (for a complete office list: every kommun without presence);
    * ``"without presence (best estimate)"``: not certain, but without presence in at least half
      of the joint office draws (``p_without >= 0.5``);
    * ``"possibly without presence"``: without presence in some office list consistent with what
      is known, but not in the best estimate (``p_without < 0.5``, or no draws);
    * ``"has presence"``: presence in every consistent office list.

    The first two together are the best-estimate set (P >= 0.5). Its size is not always the
    best-estimate *count* (the median count over the draws, ``attrs["narvaro"]["count"]["best"]``):
    many kommuner with P a little above one half make the set larger than the median count.

    Parameters
    ----------
    cov, rule, group, max_time_min
        As for :func:`kommuner_without_presence`.

    Returns
    -------
    DataFrame
        One row per kommun in the order of ``cov``: ``kommunkod``, ``kommunnamn``, ``lanskod``
        and ``lansnamn`` (when ``cov`` has them), ``population``, ``p_without`` (share of the draws
        without presence; NaN without draws), ``certainty`` ("certain", "depends_on_unknown" or
        "has_presence") and ``class``. ``attrs`` as for :func:`kommuner_without_presence`.
    """
    lst = kommuner_without_presence(cov, rule, group, max_time_min)
    keep = [c for c in ("kommunkod", "kommunnamn", "lanskod", "lansnamn", "population") if c in cov.columns]
    out = pd.DataFrame({c: cov[c].to_numpy() for c in keep})
    listed = lst.set_index("kommunkod")
    codes = pd.Index(out["kommunkod"])
    inside = codes.isin(listed.index)
    certainty = (listed["certainty"] if "certainty" in listed.columns
                 else pd.Series("certain", index=listed.index)).reindex(codes)
    out["certainty"] = np.where(inside, certainty.to_numpy(dtype=object), "has_presence")
    if "p_without" in listed.columns:
        out["p_without"] = listed["p_without"].reindex(codes).fillna(0.0).to_numpy(dtype=float)
    else:
        out["p_without"] = np.nan
    certain = out["certainty"].to_numpy() == "certain"
    best = ~certain & inside & (out["p_without"].to_numpy() >= 0.5)
    out["class"] = np.select([certain, best, inside], list(PRESENCE_CLASSES)[:3], default="has presence")
    out = out[[*keep, "p_without", "certainty", "class"]]
    out.attrs = {}
    out.attrs["narvaro"] = dict(lst.attrs.get("narvaro", {}))
    return out


def _without_per_draw(cov: pd.DataFrame, rule: str, group: str, max_time_min: float | None) -> np.ndarray | None:
    """Bool (n_draws, n_kommuner): no presence under ``rule`` in each draw; None without draws."""
    values = cov.attrs.get(DRAWS_ATTR)
    if values is None or tuple(cov["kommunkod"]) != values.codes:
        return None
    per = values.per_kommun
    if rule == "af_definition":
        return (per["af_has_office"] < 0.5) & (per["ssc_has_office"] < 0.5)
    without = per[f"{group}_has_office"] < 0.5
    if rule == "no_office_and_far":
        t = float(max_time_min if max_time_min is not None else settings.TIME_THRESHOLDS_MIN[0])
        without &= per[f"{group}_time_mean_min"] > t
    return without


# --------------------------------------------------------------------------------------
# Compare two scenarios
# --------------------------------------------------------------------------------------
def scenario_name(cov: pd.DataFrame) -> str:
    """The scenario a coverage table answers (its provenance, else its ``office_lists``)."""
    return str(get_provenance(cov).get("scenario") or (cov["office_lists"].iloc[0] if "office_lists" in cov else "?"))


def compare(cov_before: pd.DataFrame, cov_after: pd.DataFrame, national_row: bool = True,
            groups: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Per kommun and nationally: the change from one scenario to another.

    For every group present in both tables:

    * ``{g}_{dist|time}_{mean|median|p90|max}_{unit}_before``, ``_after``, ``_delta`` (after - before);
    * ``{g}_pop_over_{T}_before``, ``_after`` and ``_delta``: residents who moved across the
      threshold (positive: now beyond it). This is the net change; it equals the gross number
      of residents who crossed whenever one office list contains the other (offices only closed,
      as AF 2019 -> 2020, or only added, as AF 2020 -> AF 2020 + SSC); ``{g}_share_over_{T}_delta``;
    * ``{g}_has_office_before``/``_after`` and ``{g}_lost_last_office`` (True: the kommun had an
      office of the group before and has none after).

    When both tables carry ranges, ``_delta_lo``/``_delta_hi`` bound the change, and
    ``{g}_lost_last_office_lo`` (certainly lost) / ``_max`` (possibly lost) are added. The bound
    is the interval difference (after_min - before_max .. after_max - before_min), tightened
    where the two groups rest on the same office networks (see ``narvaro.analysis.bounds``):

    * same networks and identical figures: the same offices, so every change is exactly 0;
    * the after group uses every network of the before group and more (AF -> AF or SSC): offices
      are only added, so distances, times and residents beyond can only fall (``_delta_hi <= 0``).

    Parameters
    ----------
    cov_before, cov_after : GeoDataFrame
        Coverage tables over the same kommuner (e.g. scenarios af_2019 and af_2020).
    national_row : bool, default True
        Append one national row (``kommunkod="SE"``, ``kommunnamn="Sverige"``, no geometry):
        national figures from :func:`narvaro.analysis.coverage.national`; ``{g}_lost_last_office`` is
        there the number of kommuner.
    groups : dict before_group -> after_group, optional
        Compare different groups, e.g. ``{"af": "any"}``: AF offices before against the nearest
        AF office or servicekontor after ("AF after + SSC"). Output columns carry the after
        group's prefix; ``attrs["narvaro"]["compared_groups"]`` records the pairs. Default: every
        group present in both tables against itself.

    Returns
    -------
    GeoDataFrame
        ``kommunkod``, ``kommunnamn``, ``population`` and the columns above; ``attrs`` name the
        scenarios (``scenario_before``, ``scenario_after``) and merge the provenance.
    """
    if len(cov_before) != len(cov_after) or set(cov_before["kommunkod"]) != set(cov_after["kommunkod"]):
        raise CoverageInputError("the two coverage tables cover different kommuner")
    after = cov_after.set_index("kommunkod").loc[cov_before["kommunkod"]].reset_index()
    before = cov_before.reset_index(drop=True)
    if groups is None:
        pairs = [(g, g) for g in groups_in(before) if g in groups_in(after)]
    else:
        pairs = list(groups.items())
        bad = [f"{b}->{a}" for b, a in pairs if b not in groups_in(before) or a not in groups_in(after)]
        if bad:
            raise CoverageInputError(f"groups not in the tables: {bad}")
    if not pairs:
        raise CoverageInputError("the two coverage tables share no organisation group")
    km_b, min_b = thresholds_of(before)
    km_a, min_a = thresholds_of(after)
    km = [t for t in km_b if t in km_a]
    mins = [t for t in min_b if t in min_a]
    bounded = _has_bounds(before) and _has_bounds(after)
    nat_b, nat_a = national(before), national(after)
    draws_b, draws_a = _coupled_draws(cov_before, cov_after)
    cols: dict[str, Any] = {"kommunkod": before["kommunkod"].to_numpy(),
                            "kommunnamn": before["kommunnamn"].to_numpy(),
                            "population": before["population"].to_numpy()}
    nat: dict[str, Any] = {"kommunkod": "SE", "kommunnamn": "Sverige", "population": nat_b.get("population")}
    for gb, g in pairs:
        relation = _relation(cov_before, cov_after, gb, g, km, mins) if bounded else "independent"
        metrics = [c for c in group_metric_columns(g, km, mins, include_office=False) if "_share_" not in c]
        metrics += [f"{g}_share_over_{threshold_label(t, 'km')}" for t in km]
        metrics += [f"{g}_share_over_{threshold_label(t, 'min')}" for t in mins]
        for m in metrics:
            mb = gb + m[len(g):]  # the before table's column
            if mb in before.columns and m in after.columns:  # plain values: absent for ranges without draws
                b, a = before[mb].to_numpy(dtype=float), after[m].to_numpy(dtype=float)
                if "_share_" not in m:
                    cols[m + "_before"], cols[m + "_after"] = b, a
                    nat[m + "_before"], nat[m + "_after"] = nat_b.get(mb), nat_a.get(m)
                cols[m + "_delta"] = a - b
                nat[m + "_delta"] = _sub(nat_a.get(m), nat_b.get(mb))
            if draws_b is not None and mb in draws_b.per_kommun and m in draws_a.per_kommun:
                # within each draw: the same world before and after, then the median change
                d = _in_order(draws_a, m, before["kommunkod"]) - _in_order(draws_b, mb, before["kommunkod"])
                cols[m + "_delta"], cols[m + "_delta_q05"], cols[m + "_delta_q95"] = summarise(d)
                nd = summarise(draws_a.national[m] - draws_b.national[mb])
                nat[m + "_delta"], nat[m + "_delta_q05"], nat[m + "_delta_q95"] = (float(x) for x in nd)
            if bounded and mb + "_lo" in before.columns and m + "_lo" in after.columns:
                lo = after[m + "_lo"].to_numpy(dtype=float) - before[mb + "_hi"].to_numpy(dtype=float)
                hi = after[m + "_hi"].to_numpy(dtype=float) - before[mb + "_lo"].to_numpy(dtype=float)
                nlo = _sub(nat_a.get(m + "_lo"), nat_b.get(mb + "_hi"))
                nhi = _sub(nat_a.get(m + "_hi"), nat_b.get(mb + "_lo"))
                if relation == "same":
                    lo, hi, nlo, nhi = np.zeros_like(lo), np.zeros_like(hi), 0.0, 0.0
                elif relation == "added":
                    hi, nhi = np.minimum(hi, 0.0), min(nhi, 0.0)
                elif relation == "removed":  # offices only closed: nobody gets closer
                    lo, nlo = np.maximum(lo, 0.0), max(nlo, 0.0)
                cols[m + "_delta_lo"], cols[m + "_delta_hi"] = lo, hi
                nat[m + "_delta_lo"], nat[m + "_delta_hi"] = nlo, nhi
        if f"{gb}_has_office" in before.columns and f"{g}_has_office" in after.columns:
            hb = before[f"{gb}_has_office"].astype(bool).to_numpy()
            ha = after[f"{g}_has_office"].astype(bool).to_numpy()
            cols[f"{g}_has_office_before"], cols[f"{g}_has_office_after"] = hb, ha
            cols[f"{g}_lost_last_office"] = hb & ~ha
            nat[f"{g}_has_office_before"], nat[f"{g}_has_office_after"] = int(hb.sum()), int(ha.sum())
            nat[f"{g}_lost_last_office"] = int((hb & ~ha).sum())
        if draws_b is not None and f"{gb}_has_office" in draws_b.per_kommun:
            lost = ((_in_order(draws_b, f"{gb}_has_office", before["kommunkod"]) > 0.5)
                    & (_in_order(draws_a, f"{g}_has_office", before["kommunkod"]) < 0.5))
            p_lost = lost.mean(axis=0)
            cols[f"{g}_lost_last_office"], cols[f"{g}_p_lost_last_office"] = p_lost >= 0.5, p_lost
            # percentiles of the 0/1 outcome over the draws: lost in more than 95 % / 5 % of them
            cols[f"{g}_lost_last_office_q05"], cols[f"{g}_lost_last_office_q95"] = p_lost > 0.95, p_lost > 0.05
            best, q05, q95 = summarise(lost.sum(axis=1))
            nat[f"{g}_lost_last_office"] = float(best)
            nat[f"{g}_lost_last_office_q05"], nat[f"{g}_lost_last_office_q95"] = float(q05), float(q95)
        if bounded:
            b_lo = _col(before, f"{gb}_has_office", "_lo").astype(bool).to_numpy()
            b_hi = _col(before, f"{gb}_has_office", "_hi").astype(bool).to_numpy()
            a_lo = _col(after, f"{g}_has_office", "_lo").astype(bool).to_numpy()
            a_hi = _col(after, f"{g}_has_office", "_hi").astype(bool).to_numpy()
            lost_lo, lost_hi = b_lo & ~a_hi, b_hi & ~a_lo
            if relation in ("same", "added"):  # the after group keeps every office of the before group
                lost_lo, lost_hi = np.zeros_like(lost_lo), np.zeros_like(lost_hi)
            cols[f"{g}_lost_last_office_lo"], cols[f"{g}_lost_last_office_hi"] = lost_lo, lost_hi
            nat[f"{g}_lost_last_office_lo"] = int(lost_lo.sum())
            nat[f"{g}_lost_last_office_hi"] = int(lost_hi.sum())
    out = pd.DataFrame(cols)
    geometry = list(cov_before.geometry.values) if isinstance(cov_before, gpd.GeoDataFrame) else [None] * len(out)
    if national_row:
        out = pd.concat([out, pd.DataFrame([{k: nat.get(k) for k in out.columns}])], ignore_index=True)
        geometry.append(None)
    crs = cov_before.crs if isinstance(cov_before, gpd.GeoDataFrame) else settings.CRS_COMPUTE
    out = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=crs))
    out.attrs = {}
    set_provenance(out, **merge_provenance(cov_before, cov_after))
    set_provenance(out, compared_groups={a: b for b, a in pairs},
                   scenario=f"{scenario_name(cov_before)} -> {scenario_name(cov_after)}",
                   scenario_before=scenario_name(cov_before), scenario_after=scenario_name(cov_after))
    return out


def _coupled_draws(cov_b: pd.DataFrame, cov_a: pd.DataFrame) -> tuple[Any, Any]:
    """Both tables' draw values when they come from the same joint draws, else (None, None)."""
    vb, va = cov_b.attrs.get(DRAWS_ATTR), cov_a.attrs.get(DRAWS_ATTR)
    if vb is None or va is None or vb.n_draws != va.n_draws or vb.description != va.description:
        return None, None
    return vb, va


def _in_order(values: Any, column: str, codes: pd.Series) -> np.ndarray:
    """A per-draw matrix (n_draws, n_kommuner) with its columns in the order of ``codes``."""
    pos = pd.Index(values.codes).get_indexer(codes)
    return values.per_kommun[column][:, pos]


def _relation(cov_b: pd.DataFrame, cov_a: pd.DataFrame, gb: str, ga: str, km, mins) -> str:
    """"same" (same networks, identical figures), "added" (after uses every network of before and
    more, with the same figures for the shared group), "removed" (every after network lies inside
    a before network, :data:`narvaro.offices.sources.CONTAINED_IN`: offices only closed) or
    "independent"."""

    info_b, info_a = cov_b.attrs.get(BOUNDS_ATTR), cov_a.attrs.get(BOUNDS_ATTR)
    if info_b is None or info_a is None:
        return "independent"
    nets_b, nets_a = set(info_b.group_networks(gb)), set(info_a.group_networks(ga))
    if nets_a and nets_b and nets_a != nets_b and all(
            n in nets_b or set(CONTAINED_IN.get(n, ())) & nets_b for n in nets_a):
        return "removed"
    if not nets_b or not nets_b <= nets_a:
        return "independent"
    # the before group's own figures must be identical in the after table (same offices, same status)
    if gb not in groups_in(cov_a):
        return "independent"
    cols = [c + s for c in group_metric_columns(gb, km, mins) for s in ("", "_lo", "_hi")]
    cols = [c for c in cols if c in cov_b.columns and c in cov_a.columns]
    left = cov_b.set_index("kommunkod")[cols].astype(float)
    right = cov_a.set_index("kommunkod").loc[left.index, cols].astype(float)
    if not np.allclose(left.to_numpy(), right.to_numpy(), equal_nan=True):
        return "independent"
    return "same" if nets_b == nets_a else "added"


def _sub(a: Any, b: Any) -> float:
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return float("nan")
