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

from ..analysis.presence import presence_table
from .export import export
from .presence_lists import localise_classes
from .summary import format_scenarios, format_threshold_table, format_unknowns

__all__ = ["report_text", "write_report"]

def report_text(a: Any, page_text: str, lang: str = "en", top: int = 20) -> str:
    """report.txt and the console: the page's text, then the national table, the scenarios, the unknowns.

    The same sections and tables in every language; every figure is read from the assessment.
    """
    parts = [page_text, "", format_threshold_table(a.summary, lang), "", format_scenarios(a.scenarios, lang)]
    if len(a.unknowns) and top > 0:
        parts += ["", format_unknowns(a.unknowns, top=top, lang=lang)]
    return "\n".join(parts)


def write_report(
    a: Any,
    out: Path,
    lang: str = "en",
    maps_dir: str | Path | None = None,
    formats: Sequence[str] = ("csv", "xlsx"),
    top: int = 20,
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
    text = report_text(a, page_text, lang, top)
    if getattr(a, "transit", None):  # --- public transport (issue 23) ---
        from .transit_section import format_transit, write_transit

        files += write_transit(a, out, lang=lang, maps_dir=maps_dir)
        text += "\n\n" + format_transit(a.transit, lang)
    (out / "report.txt").write_text(text + "\n", encoding="utf-8")
    files.append(out / "report.txt")
    return files, text



def safe_name(name: str) -> str:
    """A scenario or list key as a file-name part: ``"a -> b"`` -> ``"a__b"``, ``":"`` -> ``"_"``."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name.replace(" -> ", "__").replace(":", "_"))
