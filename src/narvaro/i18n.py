"""The codes narvaro writes into tables, as words in English and Swedish.

A shared module (like ``errors``, ``settings`` and ``provenance``): it imports nothing from
the chain, so every step can use it. It holds the one catalogue of *values* (status codes,
certainty, groups, presence rules, model features and predictors, methods) and the
renderer of the few generated sentences that tables carry (the reason a kommun lacks
presence, the question an unknown office answers, a constrained range), so that a Swedish
export never shows an English code. Official names (kommuner, län, offices, sources) are
never translated. UI texts of maps and the report live in :mod:`narvaro.maps.i18n`.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "FEATURES",
    "LANGS",
    "VALUES",
    "check_lang",
    "feature",
    "sentence",
    "value",
]

LANGS: tuple[str, ...] = ("en", "sv")

#: code -> (English, Swedish) of every code a table can hold as a value.
VALUES: dict[str, tuple[str, str]] = {
    # office status of a kommun (offices.status) and basis of an office row
    "unknown": ("unknown", "okänd"),
    "confirmed": ("confirmed", "bekräftat"),
    "none": ("no office (confirmed)", "inget kontor (bekräftat)"),
    "candidate": ("candidate", "tänkbart"),
    "weak": ("weak source (an aggregator's copy only)", "svag källa (bara en kopia hos en aggregator)"),
    "open": ("open", "öppet"),
    "closed": ("closed", "stängt"),
    "closure_decided": ("closure decided", "nedläggning beslutad"),
    "travel_in": ("travel-in office (booked visits)", "inresekontor (bokade besök)"),
    "centralort": ("the kommun's central town", "kommunens centralort"),
    "tatort_exact": ("SCB tätort (exact name)", "SCB-tätort (exakt namn)"),
    "tatort_normalised": ("SCB tätort (normalised name)", "SCB-tätort (normaliserat namn)"),
    "given": ("given coordinates", "angivna koordinater"),
    # certainty of a kommun without presence (analysis.presence)
    "certain": ("certain", "säkert"),
    "depends_on_unknown": ("depends on offices of unknown status", "beror på kontor med okänd status"),
    # groups
    "af": ("AF", "AF"),
    "ssc": ("SSC", "SSC"),
    "any": ("AF or SSC", "AF eller SSC"),
    "af+ssc": ("AF and SSC", "AF och SSC"),
    # presence rules
    "no_office_inside": ("no office inside the kommun", "inget kontor i kommunen"),
    "no_office_and_far": ("no office inside and mean travel time above T",
                          "inget kontor i kommunen och medelrestid över T"),
    "af_definition": ("AF's definition (no AF office and no SSC servicekontor)",
                      "AF:s definition (varken AF-kontor eller SSC-servicekontor)"),
    # methods
    "road": ("road network", "vägnät"),
    "estimate": ("estimate", "uppskattning"),
    # presence model: predictors and cross-validation samples
    "model": ("the model", "modellen"),
    "population_rank": ("population rank", "befolkningsrang"),
    "constant": ("the known share (constant)", "den kända andelen (konstant)"),
    "intercept": ("intercept", "konstant term"),
    "all known": ("all known", "alla kända"),
    "sourced-complete counties": ("sourced-complete counties", "län med belagt komplett lista"),
    # office list titles with English words (offices.sources.NETWORKS)
    "AF June 2020 changes": ("AF June 2020 changes", "AF:s ändringar i juni 2020"),
    "AF 2020 + AF June 2020 changes": ("AF 2020 + AF June 2020 changes", "AF 2020 + AF:s ändringar i juni 2020"),
    "AF closed 2019-2020": ("AF closed 2019-2020", "AF:s stängda kontor 2019–2020"),
}

#: model feature code -> (English, Swedish).
FEATURES: dict[str, tuple[str, str]] = {
    "log_population": ("log population", "logaritmerad folkmängd"),
    "log_largest_tatort": ("log largest tätort", "logaritmerad folkmängd i största tätorten"),
    "fa_centre": ("FA-region centre", "centrum i FA-region"),
    "residensstad": ("residence town", "residensstad"),
    "previous_status": ("earlier status", "tidigare status"),
    "closure_listed": ("only office on the 2019 closure list", "enda kontoret på 2019 års nedläggningslista"),
    "log_dist_nearest_km": ("distance to nearest confirmed office",
                            "avstånd till närmaste bekräftade kontor"),
    "intercept": ("intercept", "intercept"),
    "lan_sd": ("län standard deviation (logit)", "standardavvikelse mellan län (logit)"),
    "closure_prior": ("P(another office | only office on the closure list), prior",
                      "P(annat kontor | enda kontoret på nedläggningslistan), prior"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is "en" or "sv"; raise InputValueError (a ValueError) otherwise."""
    if lang not in LANGS:
        from .errors import InputValueError

        raise InputValueError(f"lang must be 'en' or 'sv', not {lang!r}")
    return lang


def value(code: Any, lang: str = "en") -> Any:
    """A table value as shown to the reader.

    English keeps the code (``"depends_on_unknown"``: files stay machine-readable); Swedish
    gives its word. Anything that is not a known code (names, numbers) comes back unchanged.

    Examples
    --------
    >>> value("depends_on_unknown", "sv"), value("depends_on_unknown"), value("Kiruna", "sv")
    ('beror på kontor med okänd status', 'depends_on_unknown', 'Kiruna')
    """
    if check_lang(lang) == "sv" and isinstance(code, str):
        if code in VALUES:
            return VALUES[code][1]
        if code in FEATURES:
            return FEATURES[code][1]
    return code


def feature(code: str, lang: str = "en") -> str:
    """The human name of a presence-model feature (or predictor) in ``lang``.

    Examples
    --------
    >>> feature("log_population"), feature("log_population", "sv")
    ('log population', 'logaritmerad folkmängd')
    """
    i = 0 if check_lang(lang) == "en" else 1
    if code in FEATURES:
        return FEATURES[code][i]
    return VALUES[code][i] if code in VALUES else code


# --------------------------------------------------------------------------------------
# Generated sentences in tables
# --------------------------------------------------------------------------------------
#: The office phrase of a group as presence reasons write it (analysis.presence) -> Swedish.
_OFFICE_SV = {
    "AF office": "AF-kontor",
    "SSC servicekontor": "SSC-servicekontor",
    "AF office or SSC servicekontor": "AF-kontor eller SSC-servicekontor",
}
_UNLESS = " (unless the office of unknown status exists)"
_UNLESS_SV = " (om inte kontoret med okänd status finns)"


def _reason_sv(text: str) -> str | None:
    """A presence reason (:func:`narvaro.analysis.presence.kommuner_without_presence`) in Swedish."""
    tail = text.endswith(_UNLESS)
    body = text[: -len(_UNLESS)] if tail else text
    if body == "no AF office and no SSC servicekontor in the kommun":
        out = "varken AF-kontor eller SSC-servicekontor i kommunen"
    else:
        m = re.fullmatch(r"no (.+?) in the kommun(?:, mean travel time (\S+) min > (\S+) min)?", body)
        if not m or m.group(1) not in _OFFICE_SV:
            return None
        out = f"inget {_OFFICE_SV[m.group(1)]} i kommunen"
        if m.group(2):
            out += f", medelrestid {m.group(2).replace('.', ',')} min > {m.group(3).replace('.', ',')} min"
    return out + (_UNLESS_SV if tail else "")


#: (pattern, Swedish template) of the other generated values, each matched in full.
_SENTENCES_SV: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d+) of (\d+)"), r"\1 av \2"),
    (re.compile(r"(AF|SSC) offices in (.+)"), r"\1-kontor i \2"),
    (re.compile(r"Candidate (AF|SSC) office, (.+)"), r"Tänkbart \1-kontor, \2"),
    (re.compile(r"Candidate (.+)"), r"Tänkbart kontor \1"),
    (re.compile(r"range given the published count of (.+) kommuner with an office"),
     r"spann givet det publicerade antalet kommuner med kontor (\1)"),
    (re.compile(r"simple range \(no published count\)"), "enkelt spann (inget publicerat antal)"),
    (re.compile(r"(\S+): no published count \(unconstrained\)"), r"\1: inget publicerat antal (obegränsat)"),
    (re.compile(r"confirmed, position unknown"), "bekräftat, position okänd"),
)


def sentence(text: Any, lang: str = "en") -> Any:
    """A generated table value (reason, question, "X of N", candidate name) in ``lang``.

    English returns ``text`` as it is. Swedish renders the sentences narvaro's tables carry;
    a value that is not one of them comes back unchanged (a name, a number, a source).

    Examples
    --------
    >>> sentence("no AF office in the kommun (unless the office of unknown status exists)", "sv")
    'inget AF-kontor i kommunen (om inte kontoret med okänd status finns)'
    >>> sentence("104 of 290", "sv")
    '104 av 290'
    """
    if check_lang(lang) == "en" or not isinstance(text, str):
        return text
    if text.startswith("no "):
        sv = _reason_sv(text)
        if sv is not None:
            return sv
    if "; " in text and text.startswith("Candidate "):
        return "; ".join(sentence(part, lang) for part in text.split("; "))
    for pattern, template in _SENTENCES_SV:
        if pattern.fullmatch(text):
            return pattern.sub(template, text)
    return value(text, lang)
