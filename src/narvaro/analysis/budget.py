"""Error budget of the headline figures: the 90 % interval with every source on, and each source alone.

:func:`error_budget` runs the assessment once with every source of error on
(:data:`narvaro.settings.ALL_SOURCES`) and once per source alone
(:meth:`narvaro.settings.ErrorSources.only`), and reports, per headline scenario and figure
(share of residents beyond 25 km, mean distance), the best estimate, the 90 % interval and its
width. Sources that act through the office draws (the presence model's coefficients, the län
effects, the deduced statuses) cannot be switched on without them: their rows are "offices +
coefficients" etc., and the row "offices" alone says how much of that is the office draws.

``assess`` is passed in (the report layer's :func:`narvaro.assess`), so this module does not
import the report layer (data flows one way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .. import settings
from .coverage import national

__all__ = ["BUDGET_ROWS", "FIGURES", "budget_sentence", "budget_table", "error_budget"]

#: The rows of the budget: label -> the sources switched on.
BUDGET_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("all", settings.ErrorSources.names()),
    ("offices", ("offices",)),
    ("offices + coefficients", ("offices", "coefficients")),
    ("offices + lan_effects", ("offices", "lan_effects")),
    ("offices + deduced", ("offices", "deduced")),
    ("circuity", ("circuity",)),
    ("speed", ("speed",)),
    ("demand", ("demand",)),
)
#: Headline figures: (national column, label en, label sv, unit).
FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("share_over_25km", "share of residents beyond 25 km", "andel invånare längre bort än 25 km", "%"),
    ("dist_mean_km", "mean distance", "medelavstånd", "km"),
)
_LABEL_SV = {
    "all": "alla",
    "offices": "kontor",
    "offices + coefficients": "kontor + koefficienter",
    "offices + lan_effects": "kontor + länseffekter",
    "offices + deduced": "kontor + härledda statusar",
    "circuity": "omvägsfaktor",
    "speed": "hastighet",
    "demand": "befolkningens läge",
}


def _figure(nat: pd.Series, col: str) -> tuple[float, float, float]:
    """(estimate, q05, q95) of a national figure; the "any" group where the scenario has several."""
    names = [c for c in nat.index if c.endswith(f"_{col}")]
    if not names:
        raise KeyError(f"no national figure '*_{col}' in {list(nat.index)}")
    base = next((c for c in names if c.startswith("any_")), names[0])
    scale = 100.0 if col.startswith("share") else 1.0
    return tuple(float(nat[c]) * scale for c in (base, f"{base}_q05", f"{base}_q95"))  # type: ignore[return-value]


def error_budget(
    assess: Callable[..., object],
    scenarios: Sequence[str],
    *,
    draws: int = settings.N_DRAWS,
    seed: int = 0,
    rows: Sequence[tuple[str, tuple[str, ...]]] = BUDGET_ROWS,
    **kwargs: object,
) -> pd.DataFrame:
    """The error budget of the headline figures.

    Parameters
    ----------
    assess : callable
        :func:`narvaro.assess` (takes ``scenarios``, ``draws``, ``seed``, ``sources``).
    scenarios : sequence of str
        The scenarios (e.g. :data:`narvaro.report.assessment.HEADLINE_SCENARIOS`).
    draws, seed : int
        Draws and seed of every run (the same seed for each row, so rows differ only by source).
    rows : sequence of (label, sources)
        The rows (default :data:`BUDGET_ROWS`).
    **kwargs
        Passed to ``assess`` (e.g. ``graph=`` for road mode).

    Returns
    -------
    DataFrame
        One row per scenario, figure and source row: ``scenario``, ``figure``, ``unit``,
        ``sources`` (the row label), ``estimate``, ``q05``, ``q95``, ``width`` (q95 - q05; in
        percentage points for shares), ``share_of_all`` (width / the width with all on).
    """
    out = []
    for label, names in rows:
        a = assess(list(scenarios), draws=draws, seed=seed, sources=settings.ErrorSources.only(*names),
                   constrained=False, progress=False, **kwargs)
        for sc in scenarios:
            nat = national(a.coverages[sc])  # type: ignore[attr-defined]
            for col, _en, _sv, unit in FIGURES:
                est, lo, hi = _figure(nat, col)
                out.append({"scenario": sc, "figure": col, "unit": unit, "sources": label,
                            "estimate": est, "q05": lo, "q95": hi, "width": hi - lo})
    df = pd.DataFrame(out)
    full = df[df["sources"] == "all"].set_index(["scenario", "figure"])["width"]
    df["share_of_all"] = [w / full.loc[(s, f)] if full.loc[(s, f)] > 0 else float("nan")
                          for s, f, w in zip(df["scenario"], df["figure"], df["width"], strict=True)]
    df.attrs["how"] = (f"{draws} joint draws, seed {seed}, per row only the sources named switched on "
                       "(narvaro.settings.ErrorSources.only); interval = 5th-95th percentile over the draws")
    return df


def budget_table(budget: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The budget as a readable table (one row per scenario and source; en or sv headings)."""
    sv = lang == "sv"
    rows = []
    for (sc, src), grp in budget.groupby(["scenario", "sources"], sort=False):
        row = {"scenario" if not sv else "scenario": sc, ("sources" if not sv else "felkällor"):
               _LABEL_SV.get(src, src) if sv else src}
        for col, en, svl, unit in FIGURES:
            r = grp[grp["figure"] == col].iloc[0]
            name = svl if sv else en
            row[f"{name} ({unit})"] = f"{r['estimate']:.1f} ({r['q05']:.1f}-{r['q95']:.1f})"
            row[("bredd " if sv else "width ") + f"{name}"] = round(float(r["width"]), 2)
        rows.append(row)
    return pd.DataFrame(rows)


def budget_sentence(budget: pd.DataFrame, scenario: str, lang: str = "en") -> str:
    """One sentence in plain words: the interval with every source on and the largest single source."""
    b = budget[(budget["scenario"] == scenario) & (budget["figure"] == "share_over_25km")]
    full = b[b["sources"] == "all"].iloc[0]
    parts = b[b["sources"] != "all"].sort_values("width", ascending=False)
    top = parts.iloc[0]
    if lang == "sv":
        return (f"Med alla felkällor är andelen invånare längre bort än 25 km {full['estimate']:.1f} % "
                f"(90 %-intervall {full['q05']:.1f}-{full['q95']:.1f} %, bredd {full['width']:.1f} "
                f"procentenheter); störst ensam är {_LABEL_SV.get(top['sources'], top['sources'])} "
                f"({top['width']:.1f} procentenheter).")
    return (f"With every source of error on, the share of residents beyond 25 km is {full['estimate']:.1f} % "
            f"(90 % interval {full['q05']:.1f}-{full['q95']:.1f} %, {full['width']:.1f} percentage points wide); "
            f"the largest single source is {top['sources']} ({top['width']:.1f} points).")
