"""Write an :class:`narvaro.report.assessment.Assessment`: tables, report.html, report.txt and maps.

Nothing here computes a number: every figure is read from the assessment, so the console, the
files and the page agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.metrics import GROUP_LABEL
from ..analysis.presence import RULES, presence_table
from ..provenance import get_provenance
from .export import export
from .presence_lists import localise_classes
from .summary import format_presence, format_scenarios, format_summary, format_unknowns, format_unknowns_sv

__all__ = ["console_text", "write_report"]

#: The presence lists the console and report.txt print (scenario:group:rule), when computed.
PRINTED_LISTS: tuple[str, ...] = (
    "af_2020+af_2020_changes:af:no_office_inside",
    "af_2020+af_2020_changes+ssc_2020:af+ssc:af_definition",
    "af_2020+af_2020_changes+ssc_2020:any:no_office_inside",
    "af_2020:af:no_office_inside",
    "af_2020+ssc_2020:af+ssc:af_definition",
    "af_2020+ssc_2020:any:no_office_inside",
)


def console_text(a: Any, top: int = 20, presence_limit: int | None = 25) -> str:
    """The English console summary of an assessment (national summary, lists, changes, unknowns)."""
    parts = ["National summary", format_summary(a.summary), "", format_scenarios(a.scenarios)]
    for key in PRINTED_LISTS:
        if key in a.presence:
            sc, g, rule = key.split(":")
            parts += ["", format_presence(a.presence[key], limit=presence_limit,
                                          title=f"Kommuner without presence, {sc}, "
                                                f"group {g}, rule {rule} ({RULES[rule]})")]
    for name, cmp in a.comparisons.items():
        line = _change_line(name, cmp)
        if line:
            parts += ["", line]
    if len(a.unknowns) and top > 0:
        parts += ["", format_unknowns(a.unknowns, top=top)]
    return "\n".join(parts)


def _change_line(name: str, cmp: pd.DataFrame) -> str:
    nat = cmp[cmp["kommunkod"] == "SE"].iloc[0]
    bits = []
    pairs = get_provenance(cmp).get("compared_groups", {})
    for g in ("af", "any"):
        col = f"{g}_pop_over_25km_delta"
        if col not in cmp.columns:
            continue
        gb = pairs.get(g, g)
        glab = GROUP_LABEL["en"][g] if gb == g else f"{GROUP_LABEL['en'][gb]} -> {GROUP_LABEL['en'][g]}"
        lost = f"{g}_lost_last_office"
        if f"{col}_q05" in cmp.columns:
            change = (f"{nat[col]:+,.0f} residents beyond 25 km (best estimate: the median of the differences "
                      f"within each draw; 90 % interval {nat[f'{col}_q05']:+,.0f} to {nat[f'{col}_q95']:+,.0f}; "
                      f"possible range {nat[f'{col}_lo']:+,.0f} to {nat[f'{col}_hi']:+,.0f}); {nat[lost]:,.0f} "
                      f"kommuner lost their last office (90 % interval {nat[f'{lost}_q05']:,.0f}-"
                      f"{nat[f'{lost}_q95']:,.0f}; possible {int(nat[f'{lost}_lo'])}-{int(nat[f'{lost}_hi'])})")
        elif f"{col}_lo" in cmp.columns and nat[f"{col}_lo"] != nat[f"{col}_hi"]:
            change = (f"{nat[f'{col}_lo']:+,.0f} to {nat[f'{col}_hi']:+,.0f} residents beyond 25 km; "
                      f"{int(nat[f'{lost}_lo'])}-{int(nat[f'{lost}_hi'])} "
                      "kommuner lost their last office (certain-possible)")
        else:
            value = nat[col] if col in nat and pd.notna(nat[col]) else nat.get(f"{col}_lo")
            lost_n = nat[lost] if lost in nat and pd.notna(nat[lost]) else nat.get(f"{lost}_lo")
            change = f"{value:+,.0f} residents beyond 25 km; {int(lost_n)} kommuner lost their last office"
        bits.append(f"{glab}: {change}")
    return f"Change {name}: " + "; ".join(bits) if bits else ""


def write_report(
    a: Any,
    out: Path,
    lang: str = "en",
    maps_dir: str | Path | None = None,
    formats: Sequence[str] = ("csv", "xlsx"),
    top: int = 20,
    presence_limit: int | None = 25,
) -> tuple[list[Path], str]:
    """Write every file of ``narvaro report`` for assessment ``a`` to ``out``; return (files, text).

    Per-kommun tables ``coverage_{scenario}.{csv,xlsx,gpkg}``, ``summary.csv``,
    ``without_presence_{scenario}_{group}_{rule}.csv`` (all 290 kommuner, ``p_without`` and a
    ``class`` each), ``compare_{a}__{b}.csv``,
    ``unknowns.csv``, ``constrained_ranges.csv``, ``per_lan.csv``/``.xlsx``, the plots,
    ``report.html`` and ``report.txt`` (the text returned, in ``lang``).
    """
    from .html import write_outputs

    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for sc, cov in a.coverages.items():
        for fmt in formats:
            files.append(export(cov, out / f"coverage_{safe_name(sc)}.{fmt}", lang=lang))
    files.append(export(a.summary, out / "summary.csv", lang=lang))
    for key in a.presence:  # all 290 kommuner with P and one class each: counting rows cannot mislead
        sc, group, rule = key.split(":")
        table = presence_table(a.coverages[sc], rule, "af" if group == "af+ssc" else group)
        table.attrs = dict(a.presence[key].attrs)
        files.append(export(localise_classes(table, lang), out / f"without_presence_{safe_name(key)}.csv",
                            lang=lang))
    for name, cmp in a.comparisons.items():
        files.append(export(cmp, out / f"compare_{safe_name(name)}.csv", lang=lang))
    if len(a.unknowns):
        files.append(export(a.unknowns, out / "unknowns.csv", lang=lang))
    if a.constrained:
        allc = pd.concat([c.assign(scenario=s) for s, c in a.constrained.items()], ignore_index=True)
        files.append(export(allc, out / "constrained_ranges.csv", lang=lang))
    written, page_text = write_outputs(a, out, a.offices, a.demand, a.kommuner, a.graph, lang, maps_dir)
    files += written
    if lang == "sv":
        text = page_text
        if len(a.unknowns) and top > 0:
            text += "\n\n" + format_unknowns_sv(a.unknowns, top)
    else:
        text = console_text(a, top=top, presence_limit=presence_limit) + "\n\n" + page_text
    (out / "report.txt").write_text(text + "\n", encoding="utf-8")
    files.append(out / "report.txt")
    if getattr(a, "transit", None):  # --- public transport (issue 23) ---
        from .transit_section import format_transit, write_transit

        files += write_transit(a, out, lang=lang, maps_dir=maps_dir)
        text += "\n\n" + format_transit(a.transit, lang)
    return files, text



def safe_name(name: str) -> str:
    """A scenario or list key as a file-name part: ``"a -> b"`` -> ``"a__b"``, ``":"`` -> ``"_"``."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name.replace(" -> ", "__").replace(":", "_"))
