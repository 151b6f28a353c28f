"""The national summary, its text rendering, and exports (CSV, Excel, GeoPackage; lang="sv").

Rendered from one :class:`narvaro.report.assessment.Assessment` (``narvaro.assess()``), so the
console, report.txt and report.html print the same numbers.

Every printed table carries the provenance line (:func:`narvaro.provenance.describe`): method
(road network or estimate, never presented as a measurement) and how complete the office lists
are. Ranges print as "lo-hi"; a single number when the two ends agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.bounds import BOUNDS_ATTR
from ..analysis.coverage import national
from ..analysis.metrics import (
    GROUP_LABEL,
    KIND_SUFFIXES,
    format_range,
    groups_in,
    threshold_labels,
    thresholds_of,
)
from ..analysis.presence import RULES, kommuner_without_presence, scenario_name
from ..errors import CoverageInputError
from ..i18n import sentence, value
from ..offices.draws import split_scenario
from ..offices.sources import NETWORKS, published_kommun_count, scenario_title
from ..provenance import describe, get_provenance

__all__ = [
    "format_presence",
    "format_summary",
    "format_threshold_table",
    "format_unknowns",
    "national_summary",
    "scenario_label",
]

#: Rules counted in the summary (see :data:`narvaro.analysis.presence.RULES`).
SUMMARY_RULES: tuple[str, ...] = ("no_office_inside", "no_office_and_far", "af_definition")


# --------------------------------------------------------------------------------------
# National summary
# --------------------------------------------------------------------------------------
def _status_known(cov: pd.DataFrame, group: str) -> str | None:
    col = f"{group}_status"
    if col not in cov.columns:
        return None
    return f"{int((cov[col] != 'unknown').sum())} of {len(cov)}"


def national_summary(
    covs: Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame],
    rules: Sequence[str] = SUMMARY_RULES,
    constrained: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One table: per scenario and group, residents and share beyond each threshold and the
    number of kommuner without presence per rule.

    Parameters
    ----------
    covs : dict name -> coverage table, or a sequence of coverage tables (named by their scenario)
    rules : sequence of str
        Presence rules to count (:data:`narvaro.analysis.presence.RULES`); ``af_definition`` only where the
        table holds AF and SSC (group "any" row).
    constrained : dict name -> DataFrame, optional
        :func:`narvaro.analysis.bounds.constrained_range` results per scenario; adds ``pop_over_{T}_clo``,
        ``_chi`` and ``share_over_{T}_clo``/``_chi`` (range given the published count).

    Returns
    -------
    DataFrame
        ``scenario``, ``group``, ``method``, ``status_known`` ("90 of 290" with ranges),
        ``population``; per threshold ``pop_over_{T}``, ``share_over_{T}`` (the best estimate,
        + ``_q05``/``_q95`` with draws, + ``_lo``/``_hi`` with ranges); per rule
        ``without_{rule}`` (number of kommuner: the median over the draws, else the count; with
        draws ``_q05``/``_q95``; with ranges ``_lo`` = certain, ``_hi`` = possibly).
        ``attrs["provenance"]``: scenario -> provenance line.
    """
    if not isinstance(covs, Mapping):
        covs = {scenario_name(c): c for c in covs}
    rows, prov = [], {}
    for name, cov in covs.items():
        nat = national(cov)
        km, mins = thresholds_of(cov)
        labels = threshold_labels(km, mins)
        prov[name] = describe(cov)
        cr = constrained.get(name) if constrained else None
        for g in groups_in(cov):
            row: dict[str, Any] = {"scenario": name, "group": g, "method": cov["method"].iloc[0],
                                   "status_known": _status_known(cov, g), "population": nat["population"]}
            for lab in labels:
                for kind in ("pop", "share"):
                    col = f"{g}_{kind}_over_{lab}"
                    row[f"{kind}_over_{lab}"] = nat.get(col)
                    for suffix in KIND_SUFFIXES:
                        if f"{col}{suffix}" in nat:
                            row[f"{kind}_over_{lab}{suffix}"] = nat[f"{col}{suffix}"]
                if cr is not None and len(cr):
                    hit = cr[(cr["group"] == g) & (cr["threshold"] == lab)]
                    if len(hit) and str(hit.iloc[0]["range"]).startswith("range given"):
                        h = hit.iloc[0]  # only where a published count constrains it
                        row[f"pop_over_{lab}_clo"], row[f"pop_over_{lab}_chi"] = h["pop_lo"], h["pop_hi"]
                        row[f"share_over_{lab}_clo"], row[f"share_over_{lab}_chi"] = h["share_lo"], h["share_hi"]
                        row["constrained_range"] = h["range"]
                        row["constrained_note"] = h["note"]
            info = cov.attrs.get(BOUNDS_ATTR)
            if info is not None and g in ("af", "ssc"):
                nets = info.group_networks(g)
                got = published_kommun_count(nets[0]) if len(nets) == 1 else None
                if got is not None:
                    row["without_no_office_inside_published"] = len(cov) - int(got[0])
            for rule in rules:
                if rule == "af_definition":
                    if g != "any":
                        continue
                    gr_rule = "af"
                else:
                    gr_rule = g
                try:
                    lst = kommuner_without_presence(cov, rule=rule, group=gr_rule)
                except CoverageInputError:
                    continue
                count = lst.attrs["narvaro"].get("count", {})
                row[f"without_{rule}"] = count.get("best", len(lst) if not count else np.nan)
                for kind in ("q05", "q95", "lo", "hi"):
                    if kind in count:
                        row[f"without_{rule}_{kind}"] = count[kind]
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["provenance"] = prov
    return out


def scenario_label(name: str, lang: str = "en") -> str:
    """The name people use for a scenario (:func:`narvaro.offices.sources.scenario_title`)."""
    return scenario_title(name, lang)


def format_scenarios(scenarios: Sequence[str], lang: str = "en") -> str:
    """One line per scenario: its name as people say it, its code (file names, API) and its lists."""
    sv = lang == "sv"
    lines = ["Scenarier (kod i filnamn och API):" if sv else "Scenarios (code in file names and the API):"]
    for name in scenarios:
        if sv:
            parts = [scenario_title(p, "sv") if (p in NETWORKS or all(q in NETWORKS for q in p.split("+")))
                     else f"{p} (egen lista, tagen som komplett)" for p in split_scenario(name)]
        else:
            parts = [NETWORKS[p].description if p in NETWORKS else
                     " + ".join(NETWORKS[q].description for q in p.split("+"))
                     if all(q in NETWORKS for q in p.split("+"))
                     else f"{p} (analyst list, taken as complete)" for p in split_scenario(name)]
        lines.append(f"  {scenario_title(name, lang)} [{name}] = {' + '.join(parts)}")
    return "\n".join(lines)


def _kinds(row: pd.Series, col: str) -> dict[str, Any]:
    """The kinds of number a summary row holds for ``col``: best, q05, q95, lo, hi, clo, chi."""
    out: dict[str, Any] = {"best": row.get(col)}
    for kind in ("q05", "q95", "lo", "hi", "clo", "chi"):
        v = row.get(f"{col}_{kind}")
        out[kind] = None if v is None or (isinstance(v, float) and np.isnan(v)) else v
    if out["best"] is not None and isinstance(out["best"], float) and np.isnan(out["best"]):
        out["best"] = None
    return out


def _shown_range(k: Mapping[str, Any]) -> tuple[float, float, str]:
    """The one possible range a figure shows: given the published count where there is one."""
    if k.get("clo") is not None:
        return k["clo"], k["chi"], "possible range given the published count of kommuner with an office"
    return k["lo"], k["hi"], "possible range"


def format_number(k: Mapping[str, Any], fmt: str, scale: float = 1.0, unit: str = "", words: bool = True) -> str:
    """Best estimate first, then the 90 % interval, then the hard bounds (and those given the count).

    With ``words`` the kinds are named ("12.3 % (90 % interval 10.1-14.8 %; possible range
    8.2-74.2 %)"); without, the compact table form "12.3 (10.1-14.8) [8.2-74.2]". A quantity
    that has only hard bounds (no draws) shows its range; a complete list shows one number.

    Examples
    --------
    >>> format_number({"best": 0.123, "q05": 0.101, "q95": 0.148, "lo": 0.082, "hi": 0.742}, ".1f", 100, " %")
    '12.3 % (90 % interval 10.1-14.8 %; possible range 8.2-74.2 %)'
    >>> format_number({"best": 189, "q05": 188, "q95": 190, "lo": 62, "hi": 248}, ".0f", words=False)
    '189 (188-190) [62-248]'
    """
    def f(v: Any) -> str:
        return format(v * scale, fmt)

    has_q = k.get("q05") is not None
    has_b = k.get("lo") is not None
    if k.get("best") is None or (has_b and not has_q):  # bounds only: never the worst case as the value
        if not has_b:
            return "n/a"
        lo, hi, name = _shown_range(k)
        rng = format_range(lo * scale, hi * scale, fmt, unit)
        return f"{rng} ({name}; no best estimate)" if words else f"[{format_range(lo * scale, hi * scale, fmt)}]"
    text = f(k["best"]) + unit
    if words:
        bits = []
        if has_q:
            bits.append(f"90 % interval {format_range(k['q05'] * scale, k['q95'] * scale, fmt, unit)}")
        if has_b:
            lo, hi, name = _shown_range(k)
            bits.append(f"{name} {format_range(lo * scale, hi * scale, fmt, unit)}")
        return text + (f" ({'; '.join(bits)})" if bits else "")
    if has_q:
        text = f(k["best"]) + f" ({format_range(k['q05'] * scale, k['q95'] * scale, fmt)})"
    if has_b:
        lo, hi = (k["clo"], k["chi"]) if k.get("clo") is not None else (k["lo"], k["hi"])
        text += f" [{format_range(lo * scale, hi * scale, fmt)}]"
    return text


def format_summary(summary: pd.DataFrame, headline: str = "25km", lang: str = "en") -> str:
    """Render :func:`national_summary` as text, leading with the best estimates.

    One headline line per scenario (its combined group where it holds AF and SSC), e.g. ``"AF 2020
    (AF): 21.3 % of residents beyond 25 km (90 % interval 20.2-25.6 %; possible range 8.2-74.1 %)
    - estimate: straight line x circuity, not a road measurement; office status known for 104 of
    290 kommuner"``, then the table of all thresholds and groups (best (90 % interval) [hard
    bounds, given the published count where there is one]), then each scenario's provenance.
    """
    lines = []
    method_word = {"estimate": "estimate: straight line x circuity, not a road measurement", "road": "by road"}
    m = re.match(r"(\d+(?:\.\d+)?)(km|min)", headline)
    what = f"{m.group(1)} {m.group(2)}" if m else headline  # "25km" -> "25 km"
    shown = set(zip(summary["scenario"], summary["group"], strict=True))
    for _, r in summary.iterrows():
        parts = str(r["scenario"]).split("+")
        if len(parts) > 1 and any((p, r["group"]) in shown for p in parts):
            continue  # a combined scenario's AF (SSC) row repeats its AF (SSC) scenario's
        k = _kinds(r, f"share_over_{headline}")
        if k["best"] is None and k["lo"] is None:
            continue
        text = (f"{scenario_label(r['scenario'])} ({GROUP_LABEL['en'][r['group']]}): "
                f"{format_number(k, '.1f', 100, ' %')} of residents beyond {what}"
                f" - {method_word.get(r['method'], r['method'])}")
        if r.get("status_known"):
            text += f"; office status known for {r['status_known']} kommuner"
        lines.append(text)
    lines.append("")
    lines.append(format_threshold_table(summary, lang))
    for name, line in summary.attrs.get("provenance", {}).items():
        lines.append(f"{name}: {line}")
    return "\n".join(lines)


def format_presence(lst: pd.DataFrame, title: str | None = None, limit: int | None = None) -> str:
    """Render a :func:`narvaro.analysis.presence.kommuner_without_presence` list with its provenance line."""
    prov = get_provenance(lst)
    head = title or f"Kommuner without presence ({prov.get('rule')}, {prov.get('group')}, {prov.get('scenario')})"
    count = prov.get("count") or {}
    if "p_without" in lst.columns and "best" in count:
        residents = float((lst["p_without"] * lst["population"]).sum())
        lines = [f"{head}: {format_number(count, '.0f', words=False)} kommuner - best estimate (90 % interval) "
                 f"[certain-possible]; about {residents:,.0f} residents live in them (expected over the draws)"]
    else:
        lines = [f"{head}: {len(lst)} kommuner, {lst['population'].sum():,.0f} residents"]
        if "certainty" in lst.columns:
            n_c = int((lst["certainty"] == "certain").sum())
            lines[0] += f" ({n_c} certain, {len(lst) - n_c} depend on offices of unknown status)"
    if "p_without" in lst.columns:  # most likely first, the largest first among equals
        order = np.lexsort((-lst["population"].to_numpy(), -lst["p_without"].round(2).to_numpy()))
        lst = lst.iloc[order]
    elif "certainty" in lst.columns:  # the certain ones first, then the largest that hinge on unknowns
        order = np.lexsort((-lst["population"].to_numpy(), (lst["certainty"] != "certain").to_numpy()))
        lst = lst.iloc[order]
    shown = lst if limit is None else lst.head(limit)
    cols = [c for c in ("kommunkod", "kommunnamn", "population", "p_without", "certainty", "reason")
            if c in shown.columns]
    if len(shown):
        lines.append(shown[cols].to_string(index=False))
    if limit is not None and len(lst) > limit:
        lines.append(f"... and {len(lst) - limit} more (see the exported file)")
    lines.append(describe(lst))
    return "\n".join(lines)


#: Column headers of the unknowns table in report.txt, per language.
_UNKNOWN_HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("rank", "rang"),
    "network": ("network", "nät"),
    "kommunkod": ("kommunkod", "kommunkod"),
    "kommunnamn": ("kommun", "kommun"),
    "status": ("status", "kontorsstatus"),
    "p_office": ("P(office)", "P(kontor)"),
    "narrows_interval_by": ("narrows by", "smalnar av med"),
    "question": ("question", "fråga"),
    "question_narrows_interval_by": ("question narrows by", "frågan smalnar av med"),
}


def format_unknowns(unk: pd.DataFrame, top: int = 20, by: str = "25km", lang: str = "en") -> str:
    """Render the top of :func:`narvaro.analysis.bounds.unknowns` in ``lang`` (the same table in each)."""
    sv = lang == "sv"
    n = min(top, len(unk))
    if "narrows_interval_by" in unk.columns:  # from the draws: value of knowing the kommun's office
        head = (f"Okänd kontorsstatus att kontrollera först (de {n} viktigaste av {len(unk)}), efter hur mycket "
                f"kunskapen skulle smalna av 90 %-intervallet för antalet invånare längre än {by} i landet (varje "
                "invånare räknas en gång); 'fråga' samlar kommunerna som en länslista skulle besvara:" if sv else
                f"Unknown office status to check first (top {n} of {len(unk)}), by how much "
                f"knowing it would narrow the 90 % interval of national residents beyond {by} (each resident "
                "counted once); 'question' groups the kommuner one county list would answer:")
        cols = ["rank", "network", "kommunkod", "kommunnamn", "p_office", "narrows_interval_by", "question",
                "question_narrows_interval_by"]
    else:
        head = (f"Okänd kontorsstatus att kontrollera först (de {n} viktigaste av {len(unk)}), efter antal "
                f"invånare vars sida om {by} beror på kommunens kontor:" if sv else
                f"Unknown office status to check first (top {n} of {len(unk)}), by residents "
                f"whose side of {by} depends on the kommun's office:")
        cols = ["rank", "network", "kommunkod", "kommunnamn", "status", f"pop_depends_over_{by}"]
    if not len(unk):
        return head
    show = unk.head(top)[[c for c in cols if c in unk.columns]].copy()
    for c in show.columns:
        if c.startswith(("pop_depends", "narrows", "question_narrows")):
            show[c] = show[c].round(0).astype("int64")
    if "p_office" in show:
        show["p_office"] = show["p_office"].round(2)
    if "network" in show:
        show["network"] = [scenario_title(v, lang) for v in show["network"]]
    if sv:
        for c in ("status", "question"):
            if c in show:
                show[c] = [sentence(v, "sv") for v in show[c]]
    headers = dict(_UNKNOWN_HEADERS)
    headers[f"pop_depends_over_{by}"] = (f"residents whose side of {by} depends on it",
                                         f"invånare vars sida om {by} beror på kommunen")
    show = show.rename(columns={c: headers[c][1 if sv else 0] for c in show.columns if c in headers})
    return head + "\n" + show.to_string(index=False)


def format_threshold_table(summary: pd.DataFrame, lang: str = "en") -> str:
    """The national table of :func:`national_summary`: every threshold and group, three kinds of number.

    Each cell is "best (90 % interval) [possible range]"; the possible range is the one given the
    published count of kommuner with an office where there is one (named so in the header line).
    """
    sv = lang == "sv"
    labels = [c[len("share_over_"):] for c in summary.columns
              if c.startswith("share_over_") and not c.endswith(("_lo", "_hi", "_clo", "_chi", "_q05", "_q95"))]
    table = pd.DataFrame({"scenario": [scenario_title(s, lang) for s in summary["scenario"]],
                          "group" if not sv else "grupp": summary["group"].map(GROUP_LABEL[lang])})
    for lab in labels:
        table[f"% >{lab}"] = [format_number(_kinds(r, f"share_over_{lab}"), ".1f", 100, words=False)
                              for _, r in summary.iterrows()]
    for rule in RULES:
        col = f"without_{rule}"
        if col in summary.columns:
            head = f"{'utan' if sv else 'without'}: {value(rule, lang)}"
            table[head] = ["" if pd.isna(r.get(col)) else format_number(_kinds(r, col), ".0f", words=False)
                           for _, r in summary.iterrows()]
            pub = summary.get("without_no_office_inside_published") if rule == "no_office_inside" else None
            if pub is not None:
                table[head] += [f" <{p:.0f}>" if pd.notna(p) else "" for p in pub]
    if sv:
        intro = ("Andel invånare längre än varje tröskel, %, och kommuner utan närvaro per regel: bästa skattning "
                 "(median över de samlade dragningarna av kontor) (90 %-intervall) [möjligt spann: det som är logiskt "
                 "möjligt, givet det publicerade antalet kommuner med kontor där det finns ett]; <n>: följer av det "
                 "publicerade antalet kommuner med kontor")
    else:
        intro = ("Share of residents beyond each threshold, %, and kommuner without presence per rule: best "
                 "estimate (median over the joint office draws) (90 % interval) [possible range: what is logically "
                 "possible, given the published count of kommuner with an office where there is one]; "
                 "<n>: implied by the published count of kommuner with an office")
    return intro + "\n" + table.to_string(index=False)
