"""report.html: one self-contained page that answers the question, and the default maps.

:func:`write_report_html` renders a :class:`narvaro.report.summary.ReportResult` into
``report.html``, one self-contained file (no network and no other file needed to open it:
plots are inline SVG, the first map is embedded whole in an ``<iframe srcdoc>``, the other maps
are linked files next to it); :func:`default_maps` writes the two maps ``narvaro report`` links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAP_AFTER", "MAP_BEFORE", "MAP_BOTH", "af82_paragraph", "default_maps", "embedded_map"]

#: Before/after pair of the default compare map and the scenario of the default coverage map.
MAP_BEFORE, MAP_AFTER, MAP_BOTH = "af_2019", "af_2020+af_2020_changes", "af_2020+af_2020_changes+ssc_2020"


def map_offices(scenario: str) -> Any:
    """The offices a scenario's map shows: confirmed and candidate offices."""
    from ..offices.load import load_offices

    return load_offices(scenario, include_candidates=True)


def closed_offices(scenario: str) -> Any:
    """The closed AF offices layer for scenarios after the closures (None before)."""
    from ..offices.load import load_offices

    if any(p.startswith("af_2020") for p in scenario.split("+")):
        return load_offices("af_closed_2020")
    return None


def _map_file(scenarios: Iterable[str]) -> str:
    import re

    return "narvaro_" + "_vs_".join(re.sub(r"[^A-Za-z0-9_.+-]+", "_", s) for s in scenarios) + ".html"


def default_maps(
    covs: Mapping[str, Any],
    maps_dir: str | Path,
    lang: str = "en",
    offices: Mapping[str, Any] | None = None,
    progress: Callable[..., Any] | None = None,
) -> list[Path]:
    """Write the default maps of ``narvaro report`` to ``maps_dir``; return their paths.

    AF before/after (``narvaro_af_2019_vs_af_2020.html``) when both were computed, AF + SSC
    after (``narvaro_af_2020+ssc_2020.html``) when computed; with custom scenarios one map per
    scenario. Swedish maps (``lang="sv"``) get the suffix ``_sv``.

    Parameters
    ----------
    covs : dict scenario -> coverage table
    maps_dir : folder to write to
    lang : {"en", "sv"}
    offices : dict scenario -> office list, optional
        Default: :func:`narvaro.offices.load_offices` with candidates.
    progress : callable, optional
        Wraps the list of maps (e.g. a tqdm progress bar).
    """
    from ..maps.build import compare_map, coverage_map
    from ..maps.i18n import scenario_title
    from ..maps.style import map_title

    maps_dir = Path(maps_dir)
    suffix = "_sv" if lang == "sv" else ""

    def office_list(sc: str) -> Any:
        if offices is not None and sc in offices:
            return offices[sc]
        return map_offices(sc)

    jobs: list[tuple[str, ...]] = []
    if MAP_BEFORE in covs and MAP_AFTER in covs:
        jobs.append((MAP_BEFORE, MAP_AFTER))
    if MAP_BOTH in covs:
        jobs.append((MAP_BOTH,))
    if not jobs:
        jobs = [(sc,) for sc in covs]
    written = []
    for job in progress(jobs, desc="maps", unit="map") if progress else jobs:
        if len(job) == 2:
            before, after = job
            m = compare_map(
                covs[before],
                covs[after],
                office_list(after),
                closed=closed_offices(after),
                column="af_time_mean_min",
                labels=(scenario_title(before, lang), scenario_title(after, lang)),
                title=map_title("af_time_mean_min", job, lang),
                lang=lang,
            )
        else:
            m = coverage_map(
                covs[job[0]],
                office_list(job[0]),
                closed=closed_offices(job[0]),
                title=map_title("", job, lang),
                lang=lang,
            )
        path = maps_dir / _map_file(job).replace(".html", f"{suffix}.html")
        written.append(m.save(path))
    return written


# --------------------------------------------------------------------------------------
# report.html
# --------------------------------------------------------------------------------------
#: AF's own published figures, printed beside ours.
PUBLISHED_FIGURES: tuple[dict[str, str], ...] = (
    {
        "en": "82 kommuner without any AF presence at the end of 2020 (AF's final report to the government, "
              "October 2020)",
        "sv": "82 kommuner helt utan Arbetsförmedling vid slutet av 2020 (AF:s slutrapport till regeringen, "
              "oktober 2020)",
        "source": "Arbetet 2020-10-23",
        "url": "https://arbetet.se/2020/10/23/af-om-kommun-kritiken-hoppas-att-missnojet-gar-ner/",
    },
    {
        "en": "booked physical meetings possible in 208 of 290 kommuner at the end of 2020",
        "sv": "förbokade fysiska möten möjliga i 208 av 290 kommuner vid slutet av 2020",
        "source": "Arbetsförmedlingen 2020-10-23",
        "url": "https://arbetsformedlingen.se/om-oss/press/nyheter/nyhetsarkiv/"
               "2020-10-23-slutrapport-arbetsformedlingen-sakrar-mojlighet-till-lokal-narvaro",
    },
)

_AF82: tuple[str, str] = (
    "<b>AF's 82 and narvaro's {n}.</b> AF's 82 (October 2020) counts the kommuner without any AF presence of any "
    "form: no own office, no servicekontor and no agreement with the kommun (samarbetslösning); AF also reported "
    "booked physical meetings possible in 208 of 290 kommuner. The kommun agreements are in no public list, so "
    "narvaro cannot see them. Its figure answers a narrower question: kommuner without an AF office or an SSC "
    "servicekontor inside the kommun, from the public record. Wherever an agreement gives presence, narvaro "
    "counts a kommun that AF does not, so narvaro's figure is the larger.",
    "<b>AF:s 82 och narvaros {n}.</b> AF:s 82 (oktober 2020) räknar kommunerna helt utan AF-närvaro i någon form: "
    "inget eget kontor, inget servicekontor och ingen överenskommelse med kommunen (samarbetslösning); AF angav "
    "också att förbokade fysiska möten var möjliga i 208 av 290 kommuner. Överenskommelserna med kommunerna finns "
    "inte i någon offentlig lista, så narvaro ser dem inte. Dess siffra svarar på en snävare fråga: kommuner utan "
    "AF-kontor och utan SSC-servicekontor inom kommunen, enligt offentliga källor. Där en överenskommelse ger "
    "närvaro räknar narvaro en kommun som AF inte räknar, så narvaros siffra blir den större.",
)


def af82_paragraph(lst: Any, lang: str = "en") -> str:
    """AF's 82 beside narvaro's count under AF's definition: what each number answers (HTML, one paragraph).

    Parameters
    ----------
    lst : DataFrame
        The ``af_definition`` list (:func:`narvaro.analysis.presence.kommuner_without_presence` or
        :func:`narvaro.report.presence_lists.without_presence_list`); its ``attrs["narvaro"]["count"]``
        gives narvaro's figure: the best estimate with its 90 % interval, else the range certain–possible.
    lang : {"en", "sv"}
    """
    from ..maps.i18n import num

    count = lst.attrs.get("narvaro", {}).get("count", {})
    if "best" in count and "q05" in count:
        a, b = num(count["q05"], 0, lang), num(count["q95"], 0, lang)
        n = f"{num(count['best'], 0, lang)} ({_w('interval', lang)} {a if a == b else f'{a}–{b}'})"
    elif "lo" in count:
        n = f"{num(count['lo'], 0, lang)}–{num(count['hi'], 0, lang)}"
    else:
        n = num(len(lst), 0, lang)
    return f'<p class="published af82">{_AF82[0 if lang == "en" else 1].format(n=_esc(n))}</p>'


def embedded_map(path: str | Path, title: str) -> str:
    """An ``<iframe srcdoc>`` holding the whole self-contained map file: the page needs no other file."""
    doc = Path(path).read_text(encoding="utf-8")
    return f'<iframe class="map" srcdoc="{_esc(doc)}" title="{_esc(title)}"></iframe>'


def headline_group(scenario: str, cov: Any = None) -> str:
    """The group a scenario's headline is about: "any" when it holds AF and SSC, else its one group.

    From the coverage table's groups when given, else from the networks' organisations.
    """
    if cov is not None:
        from ..analysis.metrics import groups_in

        groups = groups_in(cov)
        if groups:
            return "any" if "any" in groups else groups[0]
    from ..offices.sources import NETWORKS

    orgs = {NETWORKS[p].org if p in NETWORKS else p.split("_")[0] for p in scenario.split("+")}
    return "any" if len(orgs) > 1 else next(iter(orgs))


_W: dict[str, tuple[str, str]] = {
    "title": ("How far do Sweden's residents live from the state's offices?",
              "Hur långt har Sveriges invånare till statens kontor?"),
    "lead": ("Arbetsförmedlingen (AF) offices and Statens servicecenter (SSC) servicekontor, before and after "
             "AF's 2019–2020 closures, for all 290 kommuner.",
             "Arbetsförmedlingens (AF) kontor och Statens servicecenters (SSC) servicekontor, före och efter AF:s "
             "nedläggningar 2019–2020, för alla 290 kommuner."),
    "h.headline": ("Headline per scenario", "Huvudresultat per scenario"),
    "h.presence": ("Kommuner without presence", "Kommuner utan närvaro"),
    "h.change": ("Before and after", "Före och efter"),
    "h.lan": ("Per län", "Per län"),
    "h.plots": ("How distance is spread over the population", "Hur avståndet fördelar sig över befolkningen"),
    "h.map": ("Map", "Karta"),
    "h.prov": ("Sources and completeness", "Källor och fullständighet"),
    "h.method": ("Method in plain words", "Metoden i klartext"),
    "beyond": ("{pct} % of residents beyond {t}", "{pct} % av invånarna bor längre än {t}"),
    "interval": ("90 % interval", "90 %-intervall"),
    "possible": ("possible range", "möjligt spann"),
    "possible_given": ("possible range given the published count of kommuner with an office",
                       "möjligt spann givet det publicerade antalet kommuner med kontor"),
    "confirmed_only": ("no best estimate yet: with the confirmed offices only {v} %",
                       "ingen bästa skattning ännu: med endast bekräftade kontor {v} %"),
    "published": ("AF's own figures", "AF:s egna siffror"),
    "source": ("source", "källa"),
    "rule": ("Rule", "Regel"),
    "scenario": ("Scenario", "Scenario"),
    "certain": ("certain", "säkert"),
    "possible_n": ("possible", "möjligt"),
    "expected": ("best estimate (90 % interval)", "bästa skattning (90 %-intervall)"),
    "n_kommuner": ("kommuner", "kommuner"),
    "presence_note": ("certain: no office in the kommun whatever the unknown offices turn out to be; possible: no "
                      "office in at least one office list consistent with what is known; best estimate: the median "
                      "number over the joint office draws, with its 90 % interval (– without draws).",
                      "säkert: inget kontor i kommunen hur de okända kontoren än ser ut; möjligt: inget kontor i "
                      "minst en kontorslista som stämmer med det som är känt; bästa skattning: medianantalet "
                      "över de samlade dragningarna av kontor, med 90 %-intervall (– utan dragningar)."),
    "change_line": ("{g}: residents beyond 25 km {v}; kommuner that lost their last office {k}",
                    "{g}: invånare längre än 25 km {v}; kommuner som förlorade sitt sista kontor {k}"),
    "lan_note": ("Population-weighted over demand points. Where the office list is incomplete a cell gives the "
                 "best estimate with its 90 % interval over the office draws; medians per län have no per-draw "
                 "value and give the possible range (confirmed offices plus every candidate – confirmed offices "
                 "only). The hard bounds of every cell are in per_lan.csv.",
                 "Befolkningsviktat över efterfrågepunkter. Där kontorslistan är ofullständig anger en cell den "
                 "bästa skattningen med 90 %-intervall över dragningarna av kontor; medianer per län har inget "
                 "värde per dragning och anger det möjliga spannet (bekräftade plus alla tänkbara kontor – endast "
                 "bekräftade kontor). Varje cells hårda gränser finns i per_lan.csv."),
    "lan": ("Län", "Län"),
    "mean_time": ("Mean time (min)", "Medelrestid (min)"),
    "median_time": ("Median time (min)", "Medianrestid (min)"),
    "mean_dist": ("Mean distance (km)", "Medelavstånd (km)"),
    "median_dist": ("Median distance (km)", "Medianavstånd (km)"),
    "beyond25": ("Residents beyond 25 km", "Invånare längre än 25 km"),
    "before": ("before", "före"),
    "after": ("after", "efter"),
    "map_note": ("The map above is embedded in this page and works offline. The maps as separate files (if they "
                 "were copied along):",
                 "Kartan ovan är inbäddad i sidan och fungerar utan internet. Kartorna som egna filer (om de "
                 "kopierades med):"),
    "no_map": ("No map was written (--no-map).", "Ingen karta skrevs (--no-map)."),
    "files": ("Tables: every figure of this page is in the CSV and Excel files next to it.",
              "Tabeller: varje siffra på sidan finns i CSV- och Excelfilerna bredvid den."),
    "method": (
        "<p>For every place where people live (SCB tätorter and a 5 km grid for the rest) narvaro finds the "
        "nearest office and weighs it by the number of residents.</p>"
        "<p><b>Three kinds of number.</b> The public office lists are incomplete, so every figure comes in up to "
        "three kinds:</p><ol>"
        "<li><b>Best estimate</b>: the median over many complete office lists drawn from a model of which "
        "unknown kommuner have an office.</li>"
        "<li><b>90 % interval</b>: 90 of 100 of those drawn lists give a figure inside it.</li>"
        "<li><b>Possible range</b>: what is logically possible, from the confirmed offices only to the confirmed "
        "plus every candidate office.</li>"
        "<li>With a complete office list the three coincide and one number is shown.</li>"
        "<li>No plain figure is a worst case: where no best estimate exists yet, the page says so.</li></ol>",
        "<p>För varje plats där människor bor (SCB:s tätorter och ett 5 km-rutnät för resten) tar narvaro fram "
        "närmaste kontor och väger det med antalet invånare.</p>"
        "<p><b>Tre slags tal.</b> De offentliga kontorslistorna är ofullständiga, så varje siffra finns i upp till "
        "tre slag:</p><ol>"
        "<li><b>Bästa skattning</b>: medianen över många kompletta kontorslistor dragna från en modell för vilka "
        "okända kommuner som har ett kontor.</li>"
        "<li><b>90 %-intervall</b>: 90 av 100 dragna listor ger en siffra inom det.</li>"
        "<li><b>Möjligt spann</b>: det som är logiskt möjligt, från endast bekräftade kontor till bekräftade plus "
        "alla tänkbara kontor.</li>"
        "<li>Med en komplett kontorslista sammanfaller de tre och en siffra visas.</li>"
        "<li>Ingen ensam siffra är ett värsta fall: där bästa skattning ännu saknas står det så.</li></ol>",
    ),
    "estimate": ("Distances are estimates (straight line x circuity, at 60 km/h), not road measurements.",
                 "Avstånden är uppskattningar (fågelvägen x slingerfaktor, 60 km/h), inte uppmätta längs väg."),
    "road": ("Distances and times are measured on the OpenStreetMap road network (free-flow car travel).",
             "Avstånd och restider är mätta på OpenStreetMaps vägnät (bil utan köer)."),
}


def _w(key: str, lang: str, **kw: Any) -> str:
    text = _W[key][0 if lang == "en" else 1]
    return text.format(**kw) if kw else text


def _esc(value: Any) -> str:
    import html

    return html.escape("" if value is None else str(value), quote=True)


def _get(nat: Mapping[str, Any], col: str) -> float | None:
    import math

    v = nat.get(col) if hasattr(nat, "get") else None
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def three(nat: Mapping[str, Any], col: str) -> dict[str, float | None]:
    """The three kinds of number of ``col`` in a national row: best, q05, q95, lo, hi (None if absent).

    ``best`` is None when the table has bounds but no interval: then the plain column holds the
    confirmed-offices-only figure, which is not a best estimate (shown as such, never as the value).
    """
    out = {k: _get(nat, f"{col}_{k}") for k in ("q05", "q95", "lo", "hi")}
    plain = _get(nat, col)
    out["plain"] = plain
    exact = out["lo"] is not None and out["hi"] is not None and abs(out["hi"] - out["lo"]) <= 1e-9 * max(
        1.0, abs(out["hi"])
    )
    if exact and out["q05"] is None:  # no candidate changes anything: the one value
        out["lo"] = out["hi"] = None
    out["best"] = plain if (out["q05"] is not None or out["lo"] is None) else None
    return out


def given_count_range(constrained: Any, group: str, threshold: str = "25km"
                      ) -> tuple[float, float] | None:
    """The national share range given the published count (from :func:`narvaro.analysis.constrained_range`).

    None where no published count constrains the group (the table then holds the simple range).
    """
    if constrained is None or not len(constrained):
        return None
    hit = constrained[(constrained["group"] == group) & (constrained["threshold"] == threshold)]
    if not len(hit) or not str(hit.iloc[0]["range"]).startswith("range given"):
        return None
    return float(hit.iloc[0]["share_lo"]), float(hit.iloc[0]["share_hi"])


def headline(
    scenario: str, nat: Mapping[str, Any], threshold: str = "25km", lang: str = "en", group: str | None = None,
    given: tuple[float, float] | None = None,
) -> str:
    """The headline of one scenario, e.g.

    "AF 2020: 12.3 % of residents beyond 25 km (90 % interval 10.1–14.8 %; possible range 8.2–74.2 %)".

    ``given`` is the possible range given the published count of kommuner with an office
    (:func:`given_count_range`); where there is one it is the only range shown, named so.
    """
    from ..maps.i18n import pct, scenario_title

    g = group or headline_group(scenario)
    f = dict(three(nat, f"{g}_share_over_{threshold}"))
    possible = "possible"
    if given is not None and f["lo"] is not None:
        f["lo"], f["hi"], possible = given[0], given[1], "possible_given"
    t = threshold.replace("km", " km").replace("min", " min")
    name = scenario_title(scenario, lang)
    if f["best"] is not None:
        text = f"{name}: " + _w("beyond", lang, pct=pct(f["best"], 1, lang), t=t)
        bits = []
        if f["q05"] is not None:
            bits.append(f"{_w('interval', lang)} {pct(f['q05'], 1, lang)}–{pct(f['q95'], 1, lang)} %")
        if f["lo"] is not None:
            bits.append(f"{_w(possible, lang)} {pct(f['lo'], 1, lang)}–{pct(f['hi'], 1, lang)} %")
        return text + (f" ({'; '.join(bits)})" if bits else "")
    span = f"{pct(f['lo'], 1, lang)}–{pct(f['hi'], 1, lang)}"
    tail = f"; {_w('confirmed_only', lang, v=pct(f['plain'], 1, lang))}" if f.get("plain") is not None else ""
    return f"{name}: " + _w("beyond", lang, pct=span, t=t) + f" ({_w(possible, lang)}{tail})"


def _cell(t: Mapping[str, Any], col: str, decimals: int, lang: str, scale: float = 1.0) -> str:
    from ..maps.i18n import num

    best, lo, hi = _get(t, col), _get(t, f"{col}_lo"), _get(t, f"{col}_hi")
    q05, q95 = _get(t, f"{col}_q05"), _get(t, f"{col}_q95")
    if best is not None and q05 is not None:  # best estimate (90 % interval); bounds in per_lan.csv
        a, b = num(q05 * scale, decimals, lang), num(q95 * scale, decimals, lang)
        return f'{num(best * scale, decimals, lang)} <span class="iv">({a if a == b else f"{a}–{b}"})</span>'
    if best is not None and lo is None:
        return num(best * scale, decimals, lang)
    if lo is None:
        return num(None, lang=lang)
    a, b = num(lo * scale, decimals, lang), num(hi * scale, decimals, lang)
    return a if a == b else f"{a}–{b}"


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _presence_rows(presence: Mapping[str, Any], lang: str) -> list[list[str]]:
    from ..maps.i18n import num, scenario_title, tr

    rows = []
    for key, lst in presence.items():
        sc, g, rule = key.split(":")
        if rule == "no_office_and_far":
            continue
        gkey = "any" if g == "af+ssc" else g
        rule_text = tr(f"rule.{rule}", lang, g=tr(f"group.{gkey}", lang))
        n_all = len(lst)
        certain = int((lst["certainty"] == "certain").sum()) if "certainty" in lst.columns else n_all
        exp = ""
        count = lst.attrs.get("narvaro", {}).get("count", {})
        if "best" in count:  # best estimate (90 % interval) over the draws
            a, b = num(count["q05"], 0, lang), num(count["q95"], 0, lang)
            exp = f'{num(count["best"], 0, lang)} <span class="iv">({a if a == b else f"{a}–{b}"})</span>'
        elif "p_without" in lst.columns:
            exp = num(float(lst["p_without"].sum()), 0, lang)
        rows.append([_esc(scenario_title(sc, lang)), _esc(rule_text), exp or "–",
                     f'<span class="fig" data-presence="{_esc(key)}" data-kind="certain">{certain}</span>',
                     f'<span class="fig" data-presence="{_esc(key)}" data-kind="possible">{n_all}</span>'])
    return rows


def _change_lines(comparisons: Mapping[str, Any], lang: str) -> list[str]:
    from ..maps.i18n import num, scenario_title, tr

    lines = []
    for name, cmp in comparisons.items():
        nat = cmp[cmp["kommunkod"] == "SE"]
        if not len(nat):
            continue
        nat = nat.iloc[0]
        a, b = name.split(" -> ")
        bits = []
        for g in ("af", "any"):
            col = f"{g}_pop_over_25km_delta"
            if col not in cmp.columns:
                continue
            f = three(nat, col)
            if f["best"] is not None:
                v = num(f["best"], 0, lang, sign=True)
                if f["q05"] is not None:
                    v += f" ({_w('interval', lang)} {num(f['q05'], 0, lang, sign=True)} – {num(f['q95'], 0, lang, sign=True)})"
                if f["lo"] is not None:
                    v += f" ({_w('possible', lang)} {num(f['lo'], 0, lang, sign=True)} – {num(f['hi'], 0, lang, sign=True)})"
            else:
                v = f"{num(f['lo'], 0, lang, sign=True)} – {num(f['hi'], 0, lang, sign=True)} ({_w('possible', lang)})"
            lost = three(nat, f"{g}_lost_last_office")
            k = (num(lost["best"], 0, lang) if lost["best"] is not None
                 else f"{num(lost['lo'], 0, lang)}–{num(lost['hi'], 0, lang)}")
            bits.append(_w("change_line", lang, g=tr(f"group.{g}", lang), v=v, k=k))
        if bits:
            lines.append(f"{scenario_title(a, lang)} → {scenario_title(b, lang)}: " + "; ".join(bits))
    return lines


def _lan_table(regions: Mapping[str, Any], before: str, after: str, lang: str) -> str:
    ta, tb = regions[before], regions[after]
    header = [_w("lan", lang)]
    specs = [("time_mean_min", "mean_time", 0, 1.0), ("time_median_min", "median_time", 0, 1.0),
             ("dist_mean_km", "mean_dist", 1, 1.0), ("pop_over_25km", "beyond25", 0, 1.0)]
    for _, key, _, _ in specs:
        header += [f"{_w(key, lang)}, {_w('before', lang)}", f"{_w(key, lang)}, {_w('after', lang)}"]
    rows = []
    for (_, ra), (_, rb) in zip(ta.iterrows(), tb.iterrows(), strict=True):
        name = ra["lansnamn"]
        row = [f"<b>{_esc(name)}</b>" if ra["lanskod"] == "SE" else _esc(name)]
        for col, _, dec, scale in specs:
            row += [_cell(ra, col, dec, lang, scale), _cell(rb, col, dec, lang, scale)]
        rows.append(row)
    return _table(header, rows, "lan")


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 0 auto;
  padding: 16px 24px 48px; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 32px; border-bottom: 1px solid #ddd; }
p.lead { color: #444; margin-top: 0; }
ul.headlines li { font-size: 17px; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f4f6f8; text-align: center; } td:first-child, th:first-child { text-align: left; }
table.lan { font-size: 12px; } table.lan td { white-space: nowrap; }
table.presence td:nth-child(2) { text-align: left; }
.note { color: #555; font-size: 13px; }
.iv { color: #666; font-size: 11px; }
.published { background: #fff8e6; border-left: 4px solid #E69F00; padding: 6px 12px; font-size: 14px; }
figure { margin: 12px 0; } figure svg { max-width: 100%; height: auto; }
iframe.map { width: 100%; height: 720px; border: 1px solid #ccc; }
section.kommun-list h4 { margin: 18px 0 2px; font-size: 15px; }
section.kommun-list p.count { margin: 2px 0 4px; font-size: 14px; }
table.kommuner { font-size: 12px; width: 100%; }
table.kommuner td { text-align: left; } table.kommuner td:first-child { white-space: nowrap; }
table.kommuner b.certain { color: #000; } table.kommuner span.n { color: #666; }
.published.af82 { margin-top: 10px; }
.prov { font-size: 12px; color: #444; }
"""


def write_report_html(
    result: Any,
    out_dir: str | Path,
    lang: str = "en",
    maps: Mapping[str, Path] | None = None,
    regions: Mapping[str, Any] | None = None,
    figures: Mapping[str, str] | None = None,
) -> tuple[Path, str]:
    """Write ``report.html`` for a :class:`narvaro.report.summary.ReportResult`; return its path and a text version.

    Parameters
    ----------
    result : ReportResult
    out_dir : folder (the page links the maps relative to it)
    lang : {"en", "sv"}
    maps : dict name -> path of a map written by :func:`default_maps`, optional
    regions : dict scenario -> per-län table (:func:`narvaro.analysis.regions.regional_bounds`), optional
    figures : dict caption -> inline SVG (:mod:`narvaro.report.plots`), optional
    """
    import os

    from ..analysis.coverage import national
    from ..maps.i18n import check_lang, describe_lang, scenario_title
    from .presence_lists import lists_html, lists_text, report_lists

    check_lang(lang)
    out_dir = Path(out_dir)
    text: list[str] = [_w("title", lang), ""]
    parts = [f"<h1>{_esc(_w('title', lang))}</h1>", f'<p class="lead">{_esc(_w("lead", lang))}</p>']
    method = next(iter(result.coverages.values()))["method"].iloc[0] if result.coverages else "estimate"
    parts.append(f'<p class="note">{_esc(_w("estimate" if method == "estimate" else "road", lang))}</p>')

    # 1. headlines
    parts.append(f"<h2>{_esc(_w('h.headline', lang))}</h2><ul class='headlines'>")
    text.append(_w("h.headline", lang))
    for sc, cov in result.coverages.items():
        g = headline_group(sc, cov)
        line = headline(sc, national(cov), lang=lang, group=g,
                        given=given_count_range(result.constrained.get(sc), g))
        parts.append(f'<li class="headline" data-scenario="{_esc(sc)}" data-group="{g}">{_esc(line)}</li>')
        text.append("  " + line)
    parts.append("</ul>")
    pub = "".join(
        f'<li>{_esc(p[lang])} ({_esc(_w("source", lang))}: <a href="{_esc(p["url"])}">{_esc(p["source"])}</a>)</li>'
        for p in PUBLISHED_FIGURES
    )
    parts.append(f'<div class="published"><b>{_esc(_w("published", lang))}</b><ul>{pub}</ul></div>')
    text += [f"{_w('published', lang)}:"] + [f"  {p[lang]} ({p['source']}, {p['url']})" for p in PUBLISHED_FIGURES]

    # 2. presence
    rows = _presence_rows(result.presence, lang)
    parts.append(f"<h2>{_esc(_w('h.presence', lang))}</h2>")
    parts.append(_table([_w("scenario", lang), _w("rule", lang), _w("expected", lang), _w("certain", lang),
                         _w("possible_n", lang)], rows, "presence"))
    parts.append(f'<p class="note">{_esc(_w("presence_note", lang))}</p>')
    text += ["", _w("h.presence", lang)]
    import html as _html
    import re as _re

    text += ["  " + " | ".join(_html.unescape(_re.sub(r"<[^>]+>", "", c)) for c in r) for r in rows]
    lists = report_lists(result)
    af_key = "af_2020+ssc_2020:af+ssc:af_definition"
    af82 = {af_key: af82_paragraph(lists[af_key], lang)} if af_key in lists else {}
    parts.append(lists_html(lists, lang, after=af82))
    if lists:
        text += ["", lists_text(lists, lang)]
    if af82:
        text += ["", _html.unescape(_re.sub(r"<[^>]+>", "", af82[af_key]))]

    # 3. before/after
    lines = _change_lines(result.comparisons, lang)
    parts.append(f"<h2>{_esc(_w('h.change', lang))}</h2><ul>" + "".join(f"<li>{_esc(x)}</li>" for x in lines) + "</ul>")
    text += ["", _w("h.change", lang)] + ["  " + x for x in lines]

    # 4. per län
    if regions:
        names = list(regions)
        before, after = (names[0], names[1]) if len(names) > 1 else (names[0], names[0])
        parts.append(f"<h2>{_esc(_w('h.lan', lang))}: {_esc(scenario_title(before, lang))} → {_esc(scenario_title(after, lang))}</h2>")
        parts.append(f'<p class="note">{_esc(_w("lan_note", lang))}</p>')
        parts.append(_lan_table(regions, before, after, lang))

    # 5. plots
    if figures:
        parts.append(f"<h2>{_esc(_w('h.plots', lang))}</h2>")
        for caption, svg in figures.items():
            parts.append(f"<figure>{svg}<figcaption class='note'>{_esc(caption)}</figcaption></figure>")

    # 6. map
    parts.append(f"<h2>{_esc(_w('h.map', lang))}</h2>")
    if maps:
        links = []
        for i, (name, path) in enumerate(maps.items()):
            rel = Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()
            links.append(f'<a href="{_esc(rel)}">{_esc(name)}</a>')
            if i == 0:
                parts.append(embedded_map(path, name))
        parts.append(f'<p class="note">{_esc(_w("map_note", lang))} {" · ".join(links)}</p>')
    else:
        parts.append(f'<p class="note">{_esc(_w("no_map", lang))}</p>')

    # 7. provenance
    parts.append(f"<h2>{_esc(_w('h.prov', lang))}</h2><div class='prov'>")
    text += ["", _w("h.prov", lang)]
    for sc, cov in result.coverages.items():
        line = describe_lang(cov, lang)
        parts.append(f"<p><b>{_esc(scenario_title(sc, lang))}</b>: {_esc(line)}</p>")
        text.append(f"  {scenario_title(sc, lang)}: {line}")
    parts.append(f"<p>{_esc(_w('files', lang))}</p></div>")

    # 8. method
    from ..data.layers import DEMAND_METHOD_TEXT

    parts.append(f"<h2>{_esc(_w('h.method', lang))}</h2>{_w('method', lang)}"
                 f"<p>{_esc(DEMAND_METHOD_TEXT[lang])}</p>")
    text += ["", _w("h.method", lang), _re.sub(r"<[^>]+>", " ", _w("method", lang)).replace("  ", " ").strip(),
             DEMAND_METHOD_TEXT[lang]]

    title = _esc(_w("title", lang))
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>\n")
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path, "\n".join(text)


def write_outputs(
    result: Any,
    out_dir: str | Path,
    offices: Mapping[str, Any],
    demand: Any,
    kommuner: Any,
    graph: Any = None,
    lang: str = "en",
    maps_dir: str | Path | None = None,
) -> tuple[list[Path], str]:
    """The presentation files of ``narvaro report``: per-län table, plots, maps and report.html.

    Returns the files written and the text version of report.html (in ``lang``).
    """
    import pandas as pd

    from ..analysis.metrics import GROUP_ORGS, thresholds_of
    from ..analysis.regions import regional_bounds, regional_estimates, regional_table
    from ..maps.i18n import num, scenario_title
    from .export import export
    from .plots import bars_per_lan, cumulative_plot, point_distances, save_figure

    out = Path(out_dir)
    files: list[Path] = []
    curves, regions = {}, {}
    groups = {sc: headline_group(sc, cov) for sc, cov in result.coverages.items()}
    for sc, cov in result.coverages.items():
        g = groups[sc]
        orgs = tuple(GROUP_ORGS[g])
        pts = point_distances(demand, offices[sc], graph, orgs)
        _add_median_draw(pts, result, sc, g, demand, graph)
        km, mins = thresholds_of(cov)
        hi = regional_table(demand, pts.dist_hi, pts.time_hi, kommuner, km, mins)
        lo = None if pts.dist_lo is None else regional_table(demand, pts.dist_lo, pts.time_lo, kommuner, km, mins)
        curves[sc], regions[sc] = pts, regional_estimates(cov, g, regional_bounds(hi, lo))
    allr = pd.concat(
        [t.assign(scenario=sc, group=groups[sc]) for sc, t in regions.items()], ignore_index=True
    )
    allr = allr[["scenario", "group"] + [c for c in allr.columns if c not in ("scenario", "group")]]
    files.append(export(allr, out / "per_lan.csv", lang=lang))
    files.append(export(allr, out / "per_lan.xlsx", lang=lang))

    pair = [s for s in (MAP_BEFORE, MAP_AFTER) if s in curves] or [s for s in ("af_2019", "af_2020") if s in curves] or list(curves)[:2]
    sel = {s: curves[s] for s in pair}
    caps = {
        "dist": ("Cumulative share of residents by distance to the nearest office",
                 "Kumulativ andel invånare efter avstånd till närmaste kontor"),
        "time": ("Cumulative share of residents by travel time to the nearest office",
                 "Kumulativ andel invånare efter restid till närmaste kontor"),
        "bars": ("Residents beyond 25 km per län", "Invånare längre än 25 km per län"),
    }
    i = 0 if lang == "en" else 1
    names = " / ".join(scenario_title(s, lang) for s in pair)
    n_band = max((len(p.dist_draws) for p in sel.values() if p.dist_draws is not None), default=0)
    n_all = max((len(result.draws[s].mask) for s in pair if result.draws is not None and s in result.draws),
                default=0)
    band = ("" if not n_band else
            [f". Dark band: pointwise 90 % interval over {n_band} of the {num(n_all, 0, 'en')} joint office draws (seed "
             f"{BAND_SEED}); light band: possible range; dashed: confirmed offices only.",
             f". Mörkt band: 90 %-intervall punkt för punkt över {n_band} av de {num(n_all, 0, 'sv')} samlade dragningarna av "
             f"kontor (frö {BAND_SEED}); ljust band: möjligt spann; streckat: endast bekräftade kontor."
             ][i])
    figures = {}
    for what in ("dist", "time"):
        path = out / f"plot_cumulative_{what}.svg"
        figures[f"{caps[what][i]} ({names}){band}"] = save_figure(cumulative_plot(sel, what, lang), path)
        files += [path, path.with_suffix(".png")]
    path = out / "plot_beyond_25km_per_lan.svg"
    figures[f"{caps['bars'][i]} ({names})"] = save_figure(bars_per_lan({s: regions[s] for s in pair}, "25km", lang),
                                                         path)
    files += [path, path.with_suffix(".png")]

    maps: dict[str, Path] = {}
    if maps_dir is not None:
        for p in default_maps(result.coverages, maps_dir, lang=lang, offices=offices):
            maps[p.stem.replace("narvaro_", "").replace("_vs_", " → ")] = p
            files.append(p)
    page, text = write_report_html(result, out, lang, maps, {s: regions[s] for s in pair}, figures)
    files.append(page)
    result.regions = regions
    return files, text


#: Office draws behind the 90 % band of the cumulative plots: a fixed-seed subsample of the joint draws.
BAND_DRAWS, BAND_SEED = 50, 0


def _draw_points(nd: Any, r: int, group: str, demand: Any, graph: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-point distance and time to the nearest office of ``group`` in office draw ``r``."""
    from ..analysis.metrics import GROUP_ORGS
    from ..network.distance import nearest_office

    present = nd.offices[nd.mask[r] & nd.offices["org"].isin(GROUP_ORGS[group]).to_numpy()]
    near = nearest_office(demand, present.assign(basis="confirmed"), graph)
    return near["distance_km"].to_numpy(dtype=float), near["time_min"].to_numpy(dtype=float)


def band_draws(n_draws: int, n: int = BAND_DRAWS, seed: int = BAND_SEED) -> np.ndarray:
    """The indices of the draws behind the plots' 90 % band: ``n`` of ``n_draws`` without replacement, sorted."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_draws, size=min(n, n_draws), replace=False))


def _add_median_draw(pts: Any, result: Any, scenario: str, group: str, demand: Any, graph: Any) -> None:
    """Per-point distances of the office draw at the median of national residents beyond 25 km, and of
    :func:`band_draws` of the joint draws (the 90 % band of the cumulative plots)."""
    from ..analysis.intervals import DRAWS_ATTR

    joint = getattr(result, "draws", None)
    values = result.coverages[scenario].attrs.get(DRAWS_ATTR)
    col = f"{group}_pop_over_25km"
    if joint is None or values is None or scenario not in joint or col not in values.national:
        return
    y = values.national[col]
    r = int(np.argsort(y, kind="stable")[(len(y) - 1) // 2])
    nd = joint[scenario]
    pts.dist_best, pts.time_best = _draw_points(nd, r, group, demand, graph)
    sub = [_draw_points(nd, int(k), group, demand, graph) for k in band_draws(len(nd.mask))]
    pts.dist_draws = np.vstack([d for d, _ in sub])
    pts.time_draws = np.vstack([t for _, t in sub])
