"""Say where: the kommuner behind the report's presence counts, by län, with their probabilities.

Three lists answer "which kommuner?" behind the headline counts:

* the headline rule: no AF office inside the kommun at the end of 2020 (scenario ``af_2020``);
* AF's definition: no AF office and no SSC servicekontor inside (scenario ``af_2020+ssc_2020``);
* the kommuner that lost their last AF office from 2019 to 2020 (comparison ``af_2019 -> af_2020``).

Each list (:func:`without_presence_list`, :func:`lost_last_office_list`) is a plain DataFrame with
one row per kommun that is, or may be, on it and a ``class``:

* ``"certain"``: on the list whatever the offices of unknown status turn out to be;
* ``"best estimate"``: not certain, but on the list in at least half of the joint office draws
  (P >= 0.5);
* ``"possible"``: on the list in some office list consistent with what is known, P < 0.5 (or no
  draws).

The best-estimate set is "certain" plus "best estimate". :func:`lists_html` and
:func:`lists_text` render the lists by län in English or Swedish; official names (kommun, län)
are never translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.presence import PRESENCE_CLASSES, presence_table

__all__ = [
    "LIST_CLASSES",
    "REPORT_LISTS",
    "lists_frame",
    "lists_html",
    "lists_text",
    "localise_classes",
    "lost_last_office_list",
    "report_lists",
    "without_presence_list",
]

#: Classes of a list row, in the order they are shown.
LIST_CLASSES: tuple[str, ...] = ("certain", "best estimate", "possible")

#: The lists of the report: key -> (scenario or comparison, group, rule or "lost_last_office").
REPORT_LISTS: dict[str, tuple[str, str, str]] = {
    "af_2020+af_2020_changes:af:no_office_inside": ("af_2020+af_2020_changes", "af", "no_office_inside"),
    "af_2020+af_2020_changes+ssc_2020:af+ssc:af_definition": ("af_2020+af_2020_changes+ssc_2020", "af",
                                                              "af_definition"),
    "af_2019 -> af_2020+af_2020_changes:af:lost_last_office": ("af_2019 -> af_2020+af_2020_changes", "af",
                                                               "lost_last_office"),
    "af_2020:af:no_office_inside": ("af_2020", "af", "no_office_inside"),
    "af_2020+ssc_2020:af+ssc:af_definition": ("af_2020+ssc_2020", "af", "af_definition"),
    "af_2019 -> af_2020:af:lost_last_office": ("af_2019 -> af_2020", "af", "lost_last_office"),
}

_FROM_TABLE = dict(zip(PRESENCE_CLASSES, (*LIST_CLASSES, None), strict=True))
_COLUMNS = ["kommunkod", "kommunnamn", "lanskod", "lansnamn", "population"]


def _ordered(out: pd.DataFrame, p: str) -> pd.DataFrame:
    """Best-estimate set first (certain, then best estimate), then by län and descending P."""
    rank = out["class"].map({c: i for i, c in enumerate(LIST_CLASSES)})
    key = pd.DataFrame({"set": (rank == 2).astype(int), "lan": out["lanskod"], "p": -out[p].fillna(1.0),
                        "name": out["kommunnamn"]})
    return out.loc[key.sort_values(["set", "lan", "p", "name"], kind="stable").index].reset_index(drop=True)


def without_presence_list(cov: pd.DataFrame, rule: str = "no_office_inside", group: str = "af") -> pd.DataFrame:
    """The kommuner without (or possibly without) presence under a rule, with P and class.

    Parameters
    ----------
    cov : GeoDataFrame
        A coverage table with ``lanskod``/``lansnamn`` (:func:`narvaro.analysis.coverage.coverage`).
    rule, group
        As for :func:`narvaro.analysis.presence.kommuner_without_presence`.

    Returns
    -------
    DataFrame
        ``kommunkod``, ``kommunnamn``, ``lanskod``, ``lansnamn``, ``population``, ``p_without``
        (NaN without draws) and ``class`` in :data:`LIST_CLASSES`; the best-estimate set first.
        ``attrs["narvaro"]["count"]`` as for ``kommuner_without_presence``.
    """
    table = presence_table(cov, rule, group)
    out = table[table["class"] != "has presence"].copy()
    out["class"] = out["class"].map(_FROM_TABLE)
    out = _ordered(out[[*_COLUMNS, "p_without", "class"]], "p_without")
    out.attrs = {"narvaro": dict(table.attrs.get("narvaro", {}))}
    return out


def lost_last_office_list(cmp: pd.DataFrame, cov_before: pd.DataFrame, group: str = "af") -> pd.DataFrame:
    """The kommuner that lost (or possibly lost) their last office of ``group``, with P and class.

    Parameters
    ----------
    cmp : GeoDataFrame
        A comparison (:func:`narvaro.analysis.presence.compare`), e.g. ``af_2019 -> af_2020``.
    cov_before : GeoDataFrame
        The coverage table before: the kommuner's län.
    group : str
        The (after) group of the comparison.

    Returns
    -------
    DataFrame
        As :func:`without_presence_list` with ``p_lost`` (share of the joint draws in which the
        kommun had an office before and none after; NaN without draws) in place of ``p_without``.
        ``certain`` comes from ``{group}_lost_last_office_lo`` (or, for complete lists, the plain
        column), ``possible`` from ``_hi``. ``attrs["narvaro"]["count"]``: the national row's
        ``best``/``q05``/``q95`` (median count over the draws, 90 % interval) and ``lo``/``hi``.
    """
    col = f"{group}_lost_last_office"
    rows = cmp[cmp["kommunkod"] != "SE"].reset_index(drop=True)
    lan = cov_before.set_index("kommunkod")[["lanskod", "lansnamn"]].reindex(rows["kommunkod"])
    p = (rows[f"{group}_p_lost_last_office"].to_numpy(dtype=float) if f"{group}_p_lost_last_office" in rows
         else np.full(len(rows), np.nan))
    lost = rows[col].astype(bool).to_numpy()
    certain = rows[f"{col}_lo"].astype(bool).to_numpy() if f"{col}_lo" in rows else lost
    possible = rows[f"{col}_hi"].astype(bool).to_numpy() if f"{col}_hi" in rows else lost
    best = ~certain & (p >= 0.5)
    out = pd.DataFrame({"kommunkod": rows["kommunkod"].to_numpy(), "kommunnamn": rows["kommunnamn"].to_numpy(),
                        "lanskod": lan["lanskod"].to_numpy(), "lansnamn": lan["lansnamn"].to_numpy(),
                        "population": rows["population"].to_numpy(), "p_lost": p,
                        "class": np.select([certain, best, possible], list(LIST_CLASSES), default="")})
    out = _ordered(out[out["class"] != ""], "p_lost")
    nat = cmp[cmp["kommunkod"] == "SE"]
    count: dict[str, float] = {}
    if len(nat):
        row = nat.iloc[0]
        for key, name in (("best", col), ("q05", f"{col}_q05"), ("q95", f"{col}_q95"), ("lo", f"{col}_lo"),
                          ("hi", f"{col}_hi")):
            if name in row and pd.notna(row[name]):
                count[key] = float(row[name])
        if "q05" not in count and "lo" in count:  # bounds without draws: the plain figure is no best estimate
            del count["best"]
    out.attrs = {"narvaro": {"rule": "lost_last_office", "group": group, "count": count}}
    return out


def report_lists(result: Any) -> dict[str, pd.DataFrame]:
    """The lists of :data:`REPORT_LISTS` that ``result`` can answer (key -> list).

    Parameters
    ----------
    result : ReportResult
        Anything with ``coverages`` (scenario -> coverage table) and ``comparisons``.
    """
    out: dict[str, pd.DataFrame] = {}
    for key, (source, group, rule) in REPORT_LISTS.items():
        if rule == "lost_last_office":
            cmp = result.comparisons.get(source)
            before = result.coverages.get(source.split(" -> ")[0])
            if cmp is not None and before is not None and f"{group}_lost_last_office" in cmp.columns:
                out[key] = lost_last_office_list(cmp, before, group)
        elif source in result.coverages:
            from ..analysis.metrics import groups_in

            if rule != "af_definition" or {"af", "ssc"} <= set(groups_in(result.coverages[source])):
                out[key] = without_presence_list(result.coverages[source], rule, group)
    return out


def lists_frame(result: Any) -> pd.DataFrame:
    """All report lists in one table (column ``list`` = key of :data:`REPORT_LISTS`, ``p`` = P), e.g. for a console."""
    frames = [lst.rename(columns={"p_without": "p", "p_lost": "p"}).assign(list=key)
              for key, lst in report_lists(result).items()]
    if not frames:
        return pd.DataFrame(columns=["list", *_COLUMNS, "p", "class"])
    return pd.concat(frames, ignore_index=True)[["list", *_COLUMNS, "p", "class"]]


def localise_classes(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``table`` with its ``class`` codes in ``lang`` (for the Swedish exports)."""
    out = table.copy()
    if lang == "sv" and "class" in out.columns:
        sv = {**PRESENCE_CLASSES, **{c: _T[f"class.{c}"][1] for c in LIST_CLASSES}}
        out["class"] = out["class"].map(lambda c: sv.get(c, c))
    out.attrs = dict(table.attrs)
    return out


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------
_T: dict[str, tuple[str, str]] = {
    "class.certain": ("certain", "säkert"),
    "class.best estimate": ("best estimate", "bästa skattning"),
    "class.possible": ("possible", "möjligt"),
    "h.lists": ("Where: the kommuner by län", "Var: kommunerna per län"),
    "h.no_office_inside": ("{s}: kommuner without an AF office", "{s}: kommuner utan AF-kontor"),
    "h.af_definition": ("{s}: kommuner without an AF office or SSC servicekontor (AF's definition, approximated)",
                        "{s}: kommuner utan AF-kontor och utan SSC-servicekontor (AF:s definition, ungefärlig)"),
    "h.lost_last_office": ("Kommuner that lost their last office, {s}", "Kommuner som förlorade sitt sista kontor, {s}"),
    "set": ("{n} kommuner with P ≥ 0.5 ({c} of them certain)", "{n} kommuner med P ≥ 0,5 (varav {c} säkert)"),
    "set_nodraws": ("{c} kommuner certain", "{c} kommuner säkert"),
    "count": ("best estimate of the count {b} (90 % interval {q})", "bästa skattning av antalet {b} (90 %-intervall {q})"),
    "more": ("{m} more possible", "ytterligare {m} möjligt"),
    "gap": ("the set is larger than the count where many kommuner have a P near one half, smaller where many have "
            "a small P", "mängden är större än antalet där många kommuner har P nära en halv, mindre där många har "
                         "litet P"),
    "col.lan": ("Län", "Län"),
    "col.set": ("Best estimate: P ≥ 0.5 (bold: certain)", "Bästa skattning: P ≥ 0,5 (fetstil: säkert)"),
    "col.set_nodraws": ("Certain", "Säkert"),
    "col.possible": ("Possible (P < 0.5)", "Möjligt (P < 0,5)"),
    "col.possible_nodraws": ("Possible", "Möjligt"),
    "note": ("P: share of the joint office draws in which the kommun is on the list. Certain: on the list whatever "
             "the offices of unknown status turn out to be. Possible: on the list in at least one office list "
             "consistent with what is known.",
             "P: andel av de samlade dragningarna av kontor där kommunen finns på listan. Säkert: på listan hur de "
             "okända kontoren än ser ut. Möjligt: på listan i minst en kontorslista som stämmer med det som är "
             "känt."),
    "certain_mark": ("* certain", "* säkert"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    text = _T[key][0 if lang == "en" else 1]
    return text.format(**kw) if kw else text


def _p_text(p: float, lang: str) -> str:
    """P as a readable percentage: "97 %", "<1 %", ">99 %" (empty without draws)."""
    if p is None or not np.isfinite(p):
        return ""
    if 0 < p < 0.005:
        return "<1 %"
    if 0.995 <= p < 1:
        return ">99 %"
    return f"{p * 100:.0f} %"


def _p_col(lst: pd.DataFrame) -> str:
    return "p_lost" if "p_lost" in lst.columns else "p_without"


def _has_draws(lst: pd.DataFrame) -> bool:
    return bool(lst[_p_col(lst)].notna().any()) or "q05" in lst.attrs.get("narvaro", {}).get("count", {})


def _heading(key: str, lang: str) -> str:
    from ..maps.i18n import scenario_title

    source, _, rule = REPORT_LISTS[key]
    title = " → ".join(scenario_title(s, lang) for s in source.split(" -> "))
    return _t(f"h.{rule}", lang, s=title)


def _summary(lst: pd.DataFrame, lang: str) -> str:
    """"204 kommuner with P ≥ 0.5 (62 of them certain); best estimate of the count 190 (...); 44 more possible"."""
    from ..maps.i18n import num

    n_certain = int((lst["class"] == "certain").sum())
    n_set = n_certain + int((lst["class"] == "best estimate").sum())
    n_more = int((lst["class"] == "possible").sum())
    count = lst.attrs.get("narvaro", {}).get("count", {})
    if _has_draws(lst):
        bits = [_t("set", lang, n=n_set, c=n_certain)]
        if "best" in count and "q05" in count:
            a, b = num(count["q05"], 0, lang), num(count["q95"], 0, lang)
            bits.append(_t("count", lang, b=num(count["best"], 0, lang), q=a if a == b else f"{a}–{b}"))
    else:
        bits = [_t("set_nodraws", lang, c=n_certain)]
    bits.append(_t("more", lang, m=n_more))
    return "; ".join(bits)


def _names(rows: pd.DataFrame, p: str, lang: str, html: bool) -> str:
    """"Ånge (97 %), **Bjurholm**, ...": certain ones bold (text: starred), the others with their P."""
    from html import escape

    out = []
    for name, cls, pv in zip(rows["kommunnamn"], rows["class"], rows[p], strict=True):
        shown = escape(str(name)) if html else str(name)
        if cls == "certain":
            out.append(f'<b class="certain">{shown}</b>' if html else f"{shown}*")
        else:
            ptext = _p_text(pv, lang)
            out.append(f"{shown} ({ptext})" if ptext else shown)
    return ", ".join(out)


def _by_lan(lst: pd.DataFrame) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """(län name, best-estimate set rows, possible rows) per län, in län code order."""
    out = []
    for _, rows in lst.groupby("lanskod", sort=True):
        in_set = rows["class"] != "possible"
        out.append((str(rows["lansnamn"].iloc[0]), rows[in_set], rows[~in_set]))
    return out


def _cell(rows: pd.DataFrame, p: str, lang: str) -> str:
    return f'<span class="n">{len(rows)}</span>: {_names(rows, p, lang, True)}' if len(rows) else ""


def _counts_html(lst: pd.DataFrame) -> str:
    """Hidden machine-readable counts of a list (for tests and scrapers): set, certain, possible."""
    n = {c: int((lst["class"] == c).sum()) for c in LIST_CLASSES}
    spans = [("set", n["certain"] + n["best estimate"]), ("certain", n["certain"]), ("possible", n["possible"])]
    return "".join(f'<span class="lfig" data-kind="{k}" hidden>{v}</span>' for k, v in spans)


def lists_html(lists: Mapping[str, pd.DataFrame], lang: str = "en", after: Mapping[str, str] | None = None) -> str:
    """The lists (:func:`report_lists`) as HTML: one table per list, one row per län.

    Each list is a ``<section class="kommun-list" data-list="KEY">`` whose summary holds
    ``<span class="lfig" data-kind="set|certain|possible">`` counts; every kommun name is a
    ``<b class="certain">`` (certain) or plain text with its P. ``after`` maps a list key to HTML
    placed at the end of its section (e.g. AF's own figure beside narvaro's).
    """
    from html import escape

    parts = [f"<h3>{escape(_t('h.lists', lang))}</h3>"] if lists else []
    for key, lst in lists.items():
        p, draws = _p_col(lst), _has_draws(lst)
        header = [_t("col.lan", lang), _t("col.set" if draws else "col.set_nodraws", lang),
                  _t("col.possible" if draws else "col.possible_nodraws", lang)]
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(f"<tr><td>{escape(lan)}</td><td>{_cell(a, p, lang)}</td><td>{_cell(b, p, lang)}</td></tr>"
                       for lan, a, b in _by_lan(lst))
        parts.append(f'<section class="kommun-list" data-list="{escape(key)}"><h4>{escape(_heading(key, lang))}</h4>'
                     f'<p class="count">{_counts_html(lst)}{escape(_summary(lst, lang))}.</p>'
                     f'<table class="kommuner"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                     f'{(after or {}).get(key, "")}</section>')
    if lists:
        parts.append(f'<p class="note">{escape(_t("note", lang))} {escape(_t("gap", lang))}.</p>')
    return "".join(parts)


def lists_text(lists: Mapping[str, pd.DataFrame], lang: str = "en") -> str:
    """The lists as plain text for report.txt: per list a summary line, then per län the names."""
    lines: list[str] = []
    for key, lst in lists.items():
        p, draws = _p_col(lst), _has_draws(lst)
        lines += ["", f"{_heading(key, lang)}: {_summary(lst, lang)} ({_t('certain_mark', lang)})"]
        set_word = _t("class.best estimate" if draws else "class.certain", lang)
        for lan, a, b in _by_lan(lst):
            bits = []
            if len(a):
                bits.append(f"{set_word} ({len(a)}): {_names(a, p, lang, False)}")
            if len(b):
                bits.append(f"{_t('class.possible', lang)} ({len(b)}): {_names(b, p, lang, False)}")
            lines.append(f"  {lan}: " + "; ".join(bits))
    if lists:
        lines += ["", _t("note", lang)]
    return "\n".join(lines).strip("\n")
