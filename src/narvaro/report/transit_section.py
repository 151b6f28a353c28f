"""The public-transport section of ``narvaro report --gtfs FILE`` (issue 23).

Tables per scenario (:data:`TRANSIT_SCENARIOS`: AF before the closures, AF at the end of 2020,
AF + SSC), a text section appended to report.txt, the same as a section of report.html,
``transit_{scenario}.csv`` exports and a map ``transit_{scenario}.html`` per scenario.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import settings
from ..analysis.transit import complete_draws, transit_columns, transit_coverage
from ..network.transit import TransitNetwork
from ..offices.draws import END_2020
from .export import export

__all__ = ["TRANSIT_SCENARIOS", "transit_tables", "format_transit", "write_transit"]

#: Scenarios of the public-transport section, in order.
TRANSIT_SCENARIOS: tuple[str, ...] = ("af_2019", END_2020, f"{END_2020}+ssc_2020")

_T = {
    "en": {
        "head": "Public transport: quickest morning journey to the nearest office",
        "how": "How: {rule}. Feed {feed}, service date {date} ({trips} trips). Best estimate = median over {n} "
               "office draws; 90 % interval = 5th-95th percentile; possible range = confirmed offices only to every "
               "candidate present. Times are over the residents with a journey; 'no journey' residents are counted "
               "apart, never as a number of minutes.",
        "cols": ("kommun", "median min (90 %; possible)", "mean min", "<= 60 min", "<= 90 min", "no journey"),
        "left": "Kommuner the feed does not cover (left out, not zero): {n}.",
        "none": "Kommuner where most residents have no journey to an {g} office that morning: {names}.",
        "nobody": "none",
        "sc": {"af_2019": "AF before the closures (2019)", END_2020: "AF at the end of 2020",
               f"{END_2020}+ssc_2020": "AF + SSC servicekontor (end of 2020)"},
        "g": {"af": "AF", "ssc": "SSC", "any": "AF or SSC"},
    },
    "sv": {
        "head": "Kollektivtrafik: snabbaste morgonresan till närmaste kontor",
        "how": "Så: snabbaste resan som når kontoret 08-10, gång 5 km/h (fågelväg x {circ}) högst 1 000 m till och "
               "från hållplats, byten högst 300 m, bytestid enligt transfers.txt annars 2 min. Data {feed}, trafikdag "
               "{date} ({trips} turer). Bästa skattning = median över {n} kontorsdragningar; 90 %-intervall = 5:e-95:e "
               "percentilen; möjligt spann = bara bekräftade kontor till alla kandidater. Tider gäller invånare med en "
               "resa; invånare utan resa räknas för sig, aldrig som minuter.",
        "cols": ("kommun", "median min (90 %; möjligt)", "medel min", "<= 60 min", "<= 90 min", "ingen resa"),
        "left": "Kommuner som trafikdatan inte täcker (utelämnade, inte noll): {n}.",
        "none": "Kommuner där de flesta invånare saknar resa till ett {g}-kontor den morgonen: {names}.",
        "nobody": "inga",
        "sc": {"af_2019": "AF före nedläggningarna (2019)", END_2020: "AF vid utgången av 2020",
               f"{END_2020}+ssc_2020": "AF + SSC servicekontor (slutet av 2020)"},
        "g": {"af": "AF", "ssc": "SSC", "any": "AF eller SSC"},
    },
}


def transit_tables(gtfs: Any, date: Any, names: Sequence[str], joint: Any, drawn: Sequence[str],
                   lists: dict[str, Any], demand: Any, kommuner: Any) -> dict[str, pd.DataFrame]:
    """Public transport tables for the assessed scenarios of :data:`TRANSIT_SCENARIOS` (else all)."""
    net = gtfs if isinstance(gtfs, TransitNetwork) else TransitNetwork.from_gtfs(gtfs, date)
    chosen = [s for s in TRANSIT_SCENARIOS if s in names] or list(names)
    out = {}
    for sc in chosen:
        draws = joint[sc] if joint is not None and sc in drawn else complete_draws(lists[sc])
        out[sc] = transit_coverage(draws, demand, kommuner, net, name=sc)
    return out


def _fmt(v: float, digits: int = 0) -> str:
    return "-" if not np.isfinite(v) else f"{v:,.{digits}f}".replace(",", " ")


def _rows(table: pd.DataFrame, g: str) -> list[tuple[str, ...]]:
    mean, med, le60, le90, none = transit_columns(g)
    rows = []
    for r in table.to_dict("records"):
        rows.append((
            str(r["kommunnamn"]),
            f"{_fmt(r[med])} ({_fmt(r[med + '_q05'])}-{_fmt(r[med + '_q95'])}; {_fmt(r[med + '_lo'])}-"
            f"{_fmt(r[med + '_hi'])})",
            _fmt(r[mean]), _fmt(r[le60]), _fmt(r[le90]),
            f"{_fmt(r[none])} ({_fmt(r[none + '_lo'])}-{_fmt(r[none + '_hi'])})",
        ))
    return rows


def _without(table: pd.DataFrame, g: str) -> list[str]:
    none = transit_columns(g)[4]
    return table.loc[table[none] > 0.5 * table["population"], "kommunnamn"].astype(str).tolist()


def format_transit(transit: dict[str, pd.DataFrame], lang: str = "en") -> str:
    """The section as plain text (report.txt)."""
    t = _T["sv" if lang == "sv" else "en"]
    if not transit:
        return ""
    first = next(iter(transit.values())).attrs["narvaro_transit"]
    lines = [t["head"], "=" * len(t["head"]),
             t["how"].format(rule=first["rule"], feed=first["feed"], date=first["date"], trips=first["trips"],
                             n=first["n_draws"], circ=settings.TRANSIT_WALK_CIRCUITY),
             t["left"].format(n=len(first["not_covered"]))]
    for sc, table in transit.items():
        info = table.attrs["narvaro_transit"]
        for g in info["groups"]:
            lines += ["", f"{t['sc'].get(sc, sc)}: {t['g'][g]}"]
            rows = [t["cols"], *_rows(table, g)]
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
            names = _without(table, g)
            lines.append(t["none"].format(g=t["g"][g], names=", ".join(names) if names else t["nobody"]))
    return "\n".join(lines)


def _html(transit: dict[str, pd.DataFrame], lang: str, maps: dict[str, str]) -> str:
    t = _T["sv" if lang == "sv" else "en"]
    first = next(iter(transit.values())).attrs["narvaro_transit"]
    parts = [f"<section id='transit'><h2>{html.escape(t['head'])}</h2>",
             f"<p>{html.escape(t['how'].format(rule=first['rule'], feed=first['feed'], date=first['date'], trips=first['trips'], n=first['n_draws'], circ=settings.TRANSIT_WALK_CIRCUITY))}</p>",  # noqa: E501
             f"<p>{html.escape(t['left'].format(n=len(first['not_covered'])))}</p>"]
    for sc, table in transit.items():
        for g in table.attrs["narvaro_transit"]["groups"]:
            parts.append(f"<h3>{html.escape(t['sc'].get(sc, sc))}: {t['g'][g]}</h3><table><tr>"
                         + "".join(f"<th>{html.escape(c)}</th>" for c in t["cols"]) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in _rows(table, g)]
            names = _without(table, g)
            parts.append("</table><p>" + html.escape(t["none"].format(
                g=t["g"][g], names=", ".join(names) if names else t["nobody"])) + "</p>")
        if sc in maps:
            parts.append(f"<p><a href='{html.escape(maps[sc])}'>{html.escape(maps[sc])}</a></p>")
    return "\n".join(parts) + "</section>"


def safe_name(name: str) -> str:
    """A scenario name as a file name part (as report.writer names its files)."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name)


def write_transit(a: Any, out: Path, lang: str = "en", maps_dir: str | Path | None = None) -> list[Path]:
    """Write the section: exports, maps, and the section of report.html in ``out``.

    report.txt is written by :func:`narvaro.report.writer.write_report`, with :func:`format_transit`.
    """
    from ..maps.html import save_map
    from ..maps.transit import transit_map
    files: list[Path] = []
    maps: dict[str, str] = {}
    for sc, table in a.transit.items():
        files.append(export(table, out / f"transit_{safe_name(sc)}.csv", lang=lang))
        if maps_dir is not None:
            g = table.attrs["narvaro_transit"]["groups"][0]
            path = save_map(transit_map(table, a.kommuner, a.offices.get(sc), group=g, lang=lang),
                            Path(maps_dir) / f"transit_{safe_name(sc)}.html")
            files.append(path)
            maps[sc] = str(Path(path).resolve())
    page = out / "report.html"
    if page.exists():
        body = page.read_text(encoding="utf-8")
        cut = body.rfind("</body>")
        section = _html(a.transit, lang, maps)
        page.write_text(body[:cut] + section + body[cut:] if cut >= 0 else body + section, encoding="utf-8")
    return files
