"""Provenance that travels with every result.

Table-level facts (population source and year, office lists and how complete they are,
the road network or the estimate used, the office draws) live in ``df.attrs["narvaro"]``,
a plain dict of *facts* (numbers and codes, not sentences) that pandas keeps through
copies. :func:`describe` renders them, in English or Swedish, as the one line that the CLI,
the report, the map legend and the notebooks all print: one catalogue of templates per
language (:data:`CATALOGUE`), filled from the facts, so that no Swedish line holds an
English fragment.

Keys used (all optional):

``method``
    ``"road"`` or ``"estimate"``.
``network``
    the road network, e.g. ``"OSM sweden-latest.osm.pbf (2026-11-01)"`` (a source title,
    shown as it is).
``offices``
    list of dicts, one per office list: ``{"name": "af_2020", "known": 61, "published": 106,
    "status_known": 104, "n_kommuner": 290}``; ``published`` None for a list without a
    published total; an entry of candidate offices is ``{"name": "af_2020 candidates",
    "candidates": 82}``. ``label`` (an English line) is kept for old callers and used only
    for the list's title (the text before its first ": ") and, where the counts are missing,
    for ``n_kommuner``.
``draws``
    the joint office draws behind best estimates and 90 % intervals: ``{"n": 1000, "seed": 0,
    "features": ["log_population", ...], "fallbacks": {"ssc_2019": "population_rank"},
    "counts": {"af_2019": 218, "ssc_2020": 110}}`` (features and fallbacks as codes, counts:
    network -> the published number of kommuner with an office every draw meets).
``estimates``
    the older English line of the draws (``OfficeDraws.describe()``); read into ``draws``
    by :func:`draw_facts` when ``draws`` is missing.
``interval_sources``
    the sources of error the 90 % intervals carry besides the office draws, as codes of
    :class:`narvaro.settings.ErrorSources` (e.g. ``["circuity", "demand"]``); rendered after
    the draws (:func:`describe`), each with how it is drawn.
``population``, ``population_year``
    the population source, e.g. ``"SCB folkmängd 2021 per kommun; SCB tätorter 2020 points +
    5 km land grid for the rest"``, and its year.
``kommuner``
    the boundary set, e.g. ``"Valmyndigheten kommun boundaries (2 % simplified, incl. sea
    territory)"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .i18n import FEATURES, check_lang, feature
from .i18n import value as value_lang

__all__ = [
    "ATTRS_KEY",
    "CATALOGUE",
    "describe",
    "describe_parts",
    "draw_facts",
    "get_provenance",
    "merge_provenance",
    "set_provenance",
]

ATTRS_KEY = "narvaro"


def get_provenance(obj: pd.DataFrame | pd.Series) -> dict[str, Any]:
    """Return the provenance dict of ``obj`` (empty if it has none)."""
    return dict(obj.attrs.get(ATTRS_KEY, {}))


def set_provenance(obj: pd.DataFrame | pd.Series, **facts: Any) -> pd.DataFrame | pd.Series:
    """Add ``facts`` to the provenance of ``obj`` in place and return ``obj``."""
    prov = get_provenance(obj)
    prov.update({k: v for k, v in facts.items() if v is not None})
    obj.attrs[ATTRS_KEY] = prov
    return obj


def merge_provenance(*sources: Mapping[str, Any] | pd.DataFrame | pd.Series) -> dict[str, Any]:
    """Merge provenance from several frames or dicts; office lists are concatenated."""
    merged: dict[str, Any] = {}
    for src in sources:
        prov = get_provenance(src) if isinstance(src, (pd.DataFrame, pd.Series)) else dict(src)
        for key, value in prov.items():
            if key == "offices":
                seen = {o.get("name") for o in merged.get("offices", [])}
                merged.setdefault("offices", []).extend(o for o in value if o.get("name") not in seen)
            else:
                merged[key] = value
    return merged


# --------------------------------------------------------------------------------------
# Rendering: one catalogue per language
# --------------------------------------------------------------------------------------
#: lang -> key -> template. Every line :func:`describe` writes is built from these alone.
CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "sep": " | ",
        "method.estimate": "Method: estimate (straight line x circuity, not a road measurement)",
        "method.road": "Method: road network",
        "method.road_on": "Method: road network ({network})",
        "method.other": "Method: {method}",
        "offices": "Offices: {lists}",
        "office.known_of": "{title}: {known} of {published} offices known",
        "office.known": "{title}: {known} offices known",
        "office.status_of": "office status known for {known} of {n} kommuner",
        "office.status": "office status known for {known} kommuner",
        "office.candidates": "+{n} candidate offices in kommuner whose office is not pinned down",
        "office.analyst": "{title} (analyst list {file})",
        "estimates": "Best estimates and 90 % intervals: {draws}; hard bounds: confirmed offices only vs "
                     "confirmed + every candidate",
        "draws": "{n} joint office draws, seed {seed}, logistic presence model ({features}){fallbacks}, "
                 "conditioned on {counts}",
        "draws.short": "{n} joint office draws",
        "draws.unread": "joint office draws ({text})",
        "draws.fallback": "{network} uses {what}",
        "draws.no_count": "no published count",
        "interval_sources": "the intervals also carry {sources}",
        "source.offices": "which unknown kommuner have an office",
        "source.coefficients": "the presence model's coefficients",
        "source.lan_effects": "the län effects of the presence model",
        "source.deduced": "statuses deduced from absence of later evidence",
        "source.circuity": "the road / straight-line ratio (one systematic factor per draw, one quantile "
                           "per kommun and draw)",
        "source.speed": "driven speeds against the limits (one factor per draw and one per kommun and draw)",
        "source.demand": "where residents live inside grid cells and tätort discs (per point and draw)",
        "count": "{org} {n} kommuner ({when})",
        "count.other": "{network} {n} kommuner",
        "population": "Population: {source}",
        "kommuner": "Kommuner: {source}",
    },
    "sv": {
        "sep": " | ",
        "method.estimate": "Metod: uppskattning (fågelvägen x slingerfaktor, inte uppmätt längs väg)",
        "method.road": "Metod: vägnät",
        "method.road_on": "Metod: vägnät ({network})",
        "method.other": "Metod: {method}",
        "offices": "Kontor: {lists}",
        "office.known_of": "{title}: {known} av {published} kontor kända",
        "office.known": "{title}: {known} kontor kända",
        "office.status_of": "kontorsstatus känd för {known} av {n} kommuner",
        "office.status": "kontorsstatus känd för {known} kommuner",
        "office.candidates": "+{n} tänkbara kontor i kommuner där kontoret inte är fastställt",
        "office.analyst": "{title} (analytikerns lista {file})",
        "estimates": "Bästa skattningar och 90 %-intervall: {draws}; hårda gränser: endast bekräftade kontor "
                     "mot bekräftade + alla tänkbara",
        "draws": "{n} samtidiga dragningar av kontor, frö {seed}, logistisk närvaromodell ({features})"
                 "{fallbacks}, betingad på {counts}",
        "draws.short": "{n} samtidiga dragningar av kontor",
        "draws.unread": "samtidiga dragningar av kontor",
        "draws.fallback": "{network} använder {what}",
        "draws.no_count": "inget publicerat antal",
        "interval_sources": "intervallen bär också {sources}",
        "source.offices": "vilka okända kommuner som har ett kontor",
        "source.coefficients": "närvaromodellens koefficienter",
        "source.lan_effects": "närvaromodellens länseffekter",
        "source.deduced": "statusar härledda ur att senare belägg saknas",
        "source.circuity": "kvoten väg / fågelväg (en systematisk faktor per dragning, en kvantil per "
                           "kommun och dragning)",
        "source.speed": "körda hastigheter mot gränserna (en faktor per dragning och en per kommun och dragning)",
        "source.demand": "var invånarna bor inom rutor och tätortsskivor (per punkt och dragning)",
        "count": "{org} {n} kommuner ({when})",
        "count.other": "{network} {n} kommuner",
        "population": "Befolkning: {source}",
        "kommuner": "Kommuner: {source}",
    },
}

#: network -> (organisation, (English, Swedish) of when the published kommun count holds).
_COUNTS: dict[str, tuple[str, tuple[str, str]]] = {
    "af_2019": ("AF", ("2019", "2019")),
    "af_2020+af_2020_changes": ("AF", ("end 2020", "slutet av 2020")),
    "ssc_2020": ("SSC", ("Dec 2020", "dec 2020")),
}

#: Source titles as the data layers write them -> Swedish (each pattern matched in full).
_SOURCES_SV: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"SCB folkmängd (\d{4}) per kommun; SCB tätorter (\d{4}) points \+ (\S+) km land grid for the "
                r"rest"), r"SCB folkmängd \1 per kommun; SCB tätorter \2 (punkter) + \3 km-rutnät över land för resten"),
    (re.compile(r"SCB folkmängd 31 Dec (\d{4})( \(BE0101\))?"), r"SCB folkmängd 31 dec \1\2"),
    (re.compile(r"SCB tätorter (\d{4}) \(points, population 31 Dec (\d{4})\)"),
     r"SCB tätorter \1 (punkter, folkmängd 31 dec \2)"),
    (re.compile(r"Valmyndigheten kommun boundaries \(2 % simplified, incl\. sea territory\)"),
     "Valmyndighetens kommungränser (förenklade 2 %, inkl. havsområde)"),
    (re.compile(r"SCB digitala gränser (\d{4}) \(land-clipped, generalised\)"),
     r"SCB digitala gränser \1 (klippta mot land, generaliserade)"),
)


def describe(obj: pd.DataFrame | pd.Series | Mapping[str, Any], lang: str = "en") -> str:
    """Render provenance as one line in ``lang``, e.g. for a table caption or a map legend.

    Parameters
    ----------
    obj : DataFrame, Series or mapping
        A result carrying ``attrs["narvaro"]``, or the provenance dict itself.
    lang : {"en", "sv"}
        Language of the line; every word comes from :data:`CATALOGUE` ``[lang]``.

    Returns
    -------
    str

    Examples
    --------
    >>> describe({"method": "estimate", "offices": [{"name": "af_2020", "label": "AF 2020: ...",
    ...                                               "known": 61, "published": 106}]})
    'Method: estimate (straight line x circuity, not a road measurement) | Offices: AF 2020: 61 of 106 offices known'
    >>> describe({"draws": {"n": 10, "seed": 1, "features": ["log_population"], "counts": {}}}, "sv")
    'Bästa skattningar och 90 %-intervall: 10 samtidiga dragningar av kontor, frö 1, logistisk närvaromodell \
(logaritmerad folkmängd), betingad på inget publicerat antal; hårda gränser: endast bekräftade kontor mot \
bekräftade + alla tänkbara'
    """
    return CATALOGUE[check_lang(lang)]["sep"].join(describe_parts(obj, lang).values())


def describe_parts(obj: pd.DataFrame | pd.Series | Mapping[str, Any], lang: str = "en") -> dict[str, str]:
    """The parts of :func:`describe` by fact: ``method``, ``offices``, ``estimates``, ``population``,
    ``kommuner`` (only those with something to say), each a phrase in ``lang``."""
    words = CATALOGUE[check_lang(lang)]
    prov = get_provenance(obj) if isinstance(obj, (pd.DataFrame, pd.Series)) else dict(obj)
    parts = {
        "method": _method_part(prov, words),
        "offices": _offices_part(prov.get("offices") or [], words, _n_kommuner(obj), lang),
        "estimates": _estimates_part(prov, words, lang),
        "population": words["population"].format(source=_source(prov["population"], lang))
        if prov.get("population") else "",
        "kommuner": words["kommuner"].format(source=_source(prov["kommuner"], lang)) if prov.get("kommuner") else "",
    }
    return {key: text for key, text in parts.items() if text}


def _n_kommuner(obj: Any) -> int | None:
    """Number of kommuner of a per-kommun table (None for a dict or another table)."""
    if isinstance(obj, pd.DataFrame) and "kommunkod" in obj.columns:
        codes = obj["kommunkod"].astype(str)
        return int(codes[codes.str.fullmatch(r"\d{4}")].nunique()) or None
    return None


def _method_part(prov: Mapping[str, Any], words: Mapping[str, str]) -> str:
    method = prov.get("method")
    if method == "estimate":
        return words["method.estimate"]
    if method == "road":
        return words["method.road_on"].format(network=prov["network"]) if prov.get("network") else words["method.road"]
    return words["method.other"].format(method=method) if method else ""


def _offices_part(offices: list[Mapping[str, Any]], words: Mapping[str, str], n_kommuner: int | None,
                  lang: str) -> str:
    if not offices:
        return ""
    return words["offices"].format(lists="; ".join(_office_line(o, words, n_kommuner, lang) for o in offices))


def _office_title(entry: Mapping[str, Any], words: Mapping[str, str], lang: str = "en") -> str:
    """The list's human name: the label's text before its first ": " (else the name)."""
    label = str(entry.get("label") or "")
    title = label.split(": ", 1)[0] if ": " in label else str(entry.get("name", "?"))
    m = re.fullmatch(r"(.+) \(analyst list (.+)\)", title)
    return words["office.analyst"].format(title=m.group(1), file=m.group(2)) if m else value_lang(title, lang)


def _office_line(entry: Mapping[str, Any], words: Mapping[str, str], n_kommuner: int | None, lang: str) -> str:
    """One office list: known of published, office status known, or its candidate offices."""
    if entry.get("candidates") is not None:
        return words["office.candidates"].format(n=int(entry["candidates"]))
    if entry.get("known") is None and entry.get("status_known") is None:  # no counts: a label is all there is
        return str(entry.get("label") or entry.get("name", "?")) if lang == "en" else str(entry.get("name", "?"))
    title, known, published = _office_title(entry, words, lang), entry.get("known"), entry.get("published")
    lines = []
    if known is not None:
        lines.append(words["office.known_of"].format(title=title, known=int(known), published=int(published))
                     if published is not None else words["office.known"].format(title=title, known=int(known)))
    if entry.get("status_known") is not None:
        n = entry.get("n_kommuner") or _label_int(entry, r"status known for \d+ of (\d+) kommuner") or n_kommuner
        status = (words["office.status_of"].format(known=int(entry["status_known"]), n=int(n)) if n
                  else words["office.status"].format(known=int(entry["status_known"])))
        lines.append(status if lines else f"{title}: {status}")
    return "; ".join(lines)


def _label_int(entry: Mapping[str, Any], pattern: str) -> int | None:
    m = re.search(pattern, str(entry.get("label") or ""))
    return int(m.group(1)) if m else None


def _estimates_part(prov: Mapping[str, Any], words: Mapping[str, str], lang: str) -> str:
    facts = prov.get("draws") if isinstance(prov.get("draws"), Mapping) else None
    if facts is None and prov.get("estimates"):
        facts = draw_facts(str(prov["estimates"]))
        if facts is None:  # a line of a form this module does not know: English keeps it, Swedish says less
            text = str(prov["estimates"])
            return words["estimates"].format(draws=words["draws.unread"].format(text=text)) + _sources_part(prov, words)
    return words["estimates"].format(draws=_draws_line(facts, words, lang)) + _sources_part(prov, words) if facts else ""


def _sources_part(prov: Mapping[str, Any], words: Mapping[str, str]) -> str:
    codes = [c for c in prov.get("interval_sources") or () if f"source.{c}" in words]
    if not codes:
        return ""
    return "; " + words["interval_sources"].format(sources=", ".join(words[f"source.{c}"] for c in codes))


def _draws_line(facts: Mapping[str, Any], words: Mapping[str, str], lang: str) -> str:
    n = f"{int(facts['n']):,}".replace(",", " " if lang == "sv" else ",") if facts.get("n") is not None else "?"
    if facts.get("seed") is None:
        return words["draws.short"].format(n=n)
    fallbacks = [words["draws.fallback"].format(network=net, what=feature(what, lang))
                 for net, what in (facts.get("fallbacks") or {}).items()]
    counts = [_count_text(net, int(k), words, lang) for net, k in (facts.get("counts") or {}).items()]
    return words["draws"].format(
        n=n, seed=int(facts["seed"]),
        features=", ".join(feature(f, lang) for f in facts.get("features") or ()),
        fallbacks=f" ({'; '.join(fallbacks)})" if fallbacks else "",
        counts=", ".join(counts) or words["draws.no_count"],
    )


def _count_text(network: str, n: int, words: Mapping[str, str], lang: str) -> str:
    if network in _COUNTS:
        org, when = _COUNTS[network]
        return words["count"].format(org=org, n=n, when=when[0 if lang == "en" else 1])
    return words["count.other"].format(network=network, n=n)


def _source(text: Any, lang: str) -> str:
    """A source title in ``lang``: the known titles of the data layers are translated in full."""
    text = str(text)
    if lang == "sv":
        for pattern, repl in _SOURCES_SV:
            if pattern.fullmatch(text):
                return pattern.sub(repl, text)
    return text


# --------------------------------------------------------------------------------------
# Reading the older English line of the draws into facts
# --------------------------------------------------------------------------------------
_DRAWS_LINE = re.compile(
    r"(?P<n>[\d,]+) joint office draws, seed (?P<seed>-?\d+), logistic presence model \((?P<features>[^()]*)\)"
    r"(?: \((?P<fallbacks>[^()]*)\))?, conditioned on (?P<counts>.+)"
)
_DRAWS_SHORT = re.compile(r"(?P<n>[\d,]+) joint office draws")


def draw_facts(text: str) -> dict[str, Any] | None:
    """The facts of the draws from the English line of ``OfficeDraws.describe()``.

    A bridge while :mod:`narvaro.offices.draws` puts only that line into the provenance
    (``estimates``): it reads the line back into the ``draws`` dict :func:`describe` renders.
    Returns None for a line of another form (and for a feature or count it does not know).

    Examples
    --------
    >>> draw_facts("200 joint office draws, seed 3, logistic presence model (log population), "
    ...            "conditioned on AF 218 kommuner (2019)")
    {'n': 200, 'seed': 3, 'features': ['log_population'], 'fallbacks': {}, 'counts': {'af_2019': 218}}
    """
    short = _DRAWS_SHORT.fullmatch(text)
    if short:
        return {"n": int(short["n"].replace(",", ""))}
    m = _DRAWS_LINE.fullmatch(text)
    if not m:
        return None
    features = _codes(m["features"], {label: code for code, (label, _) in FEATURES.items()})
    fallbacks: dict[str, str] = {}
    for item in (m["fallbacks"] or "").split("; ") if m["fallbacks"] else ():
        net, _, what = item.partition(" uses ")
        fallbacks[net] = what.replace(" ", "_")
    counts = _counts(m["counts"])
    if features is None or counts is None:
        return None
    return {"n": int(m["n"].replace(",", "")), "seed": int(m["seed"]), "features": features,
            "fallbacks": fallbacks, "counts": counts}


def _codes(text: str, by_label: Mapping[str, str]) -> list[str] | None:
    labels = [t.strip() for t in text.split(", ") if t.strip()]
    if any(lab not in by_label for lab in labels):
        return None
    return [by_label[lab] for lab in labels]


def _counts(text: str) -> dict[str, int] | None:
    if text == CATALOGUE["en"]["draws.no_count"]:
        return {}
    by_text = {(org, when[0]): net for net, (org, when) in _COUNTS.items()}
    out: dict[str, int] = {}
    for item in text.split(", "):
        known = re.fullmatch(r"(\S+) (\d+) kommuner \((.+)\)", item)
        other = re.fullmatch(r"(\S+) (\d+) kommuner", item)
        if known and (known[1], known[3]) in by_text:
            out[by_text[(known[1], known[3])]] = int(known[2])
        elif other:
            out[other[1]] = int(other[2])
        else:
            return None
    return out
