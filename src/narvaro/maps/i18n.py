"""The words of narvaro's maps and report in English and Swedish (``lang="en"`` / ``"sv"``).

One table of UI texts (:data:`TEXT`), looked up with :func:`tr`; human scenario names
(:func:`scenario_title`: "AF 2020 + SSC 2020", never the code ``af_2020+ssc_2020``) and
number formatting in the reader's convention (:func:`num`: "12.3" / "12,3"). Official names
(kommuner, län, offices, Arbetsförmedlingen, Statens servicecenter) are never translated.
Data values (status codes, groups, rules) come from the shared catalogue :mod:`narvaro.i18n`
(:func:`value`, :func:`check_lang`); the provenance line from :func:`narvaro.provenance.describe`.
"""

from __future__ import annotations

import math
from typing import Any

from ..i18n import LANGS, check_lang, value
from ..offices.sources import scenario_title as _scenario_title
from ..provenance import describe

__all__ = [
    "LANGS",
    "TEXT",
    "check_lang",
    "describe_lang",
    "num",
    "pct",
    "scenario_title",
    "tr",
    "value",
]

#: key -> (English, Swedish). Placeholders in braces are filled by :func:`tr`.
TEXT: dict[str, tuple[str, str]] = {
    # groups
    "group.af": ("AF", "AF"),
    "group.ssc": ("SSC", "SSC"),
    "group.any": ("AF or SSC", "AF eller SSC"),
    "office.af": ("AF office", "AF-kontor"),
    "office.ssc": ("SSC servicekontor", "SSC-servicekontor"),
    "office.any": ("AF office or SSC servicekontor", "AF-kontor eller SSC-servicekontor"),
    # statistics and measures
    "stat.mean": ("Mean", "Medel"),
    "stat.median": ("Median", "Median"),
    "stat.p90": ("90th percentile of", "90:e percentilen av"),
    "stat.max": ("Longest", "Längsta"),
    "what.dist": ("road distance", "vägavstånd"),
    "what.dist_est": ("estimated road distance", "uppskattat vägavstånd"),
    "what.time": ("travel time by car", "restid med bil"),
    "what.time_est": ("estimated travel time by car", "uppskattad restid med bil"),
    "unit.km": ("km", "km"),
    "unit.min": ("minutes", "minuter"),
    "label.metric": ("{stat} {what} to the nearest {target} ({units}, population-weighted{end})",
                     "{What} till närmaste {target}, {stat_l} ({units}, befolkningsviktat{end})"),
    "label.share_km": ("Share of residents farther than {t} km from the nearest {target} (%{end})",
                       "Andel invånare längre än {t} km från närmaste {target} (%{end})"),
    "label.share_min": ("Share of residents more than {t} minutes by car from the nearest {target} (%{end})",
                        "Andel invånare mer än {t} minuter med bil från närmaste {target} (%{end})"),
    "label.pop_km": ("Residents farther than {t} km from the nearest {target}{end}",
                     "Invånare längre än {t} km från närmaste {target}{end}"),
    "label.pop_min": ("Residents more than {t} minutes by car from the nearest {target}{end}",
                      "Invånare mer än {t} minuter med bil från närmaste {target}{end}"),
    "end.lo": (", lower bound", ", nedre gräns"),
    "end.hi": (", upper bound", ", övre gräns"),
    "end.q05": (", 5th percentile over the draws", ", 5:e percentilen över dragningarna"),
    "end.q95": (", 95th percentile over the draws", ", 95:e percentilen över dragningarna"),
    "label.n_offices": ("Offices in the kommun ({g})", "Kontor i kommunen ({g})"),
    "label.p_office": ("Probability of an office in the kommun ({g})", "Sannolikhet för kontor i kommunen ({g})"),
    "short.dist": ("{stat} distance, {g} (km)", "Avstånd ({stat_l}), {g} (km)"),
    "short.time": ("{stat} time, {g} (min)", "Restid ({stat_l}), {g} (min)"),
    # titles
    "title.time": ("Travel time to the nearest office: {scen}", "Restid till närmaste kontor: {scen}"),
    "title.dist": ("Distance to the nearest office: {scen}", "Avstånd till närmaste kontor: {scen}"),
    "title.other": ("{what}: {scen}", "{what}: {scen}"),
    "title.compare": ("Travel time to the nearest office, {a} and {b}",
                      "Restid till närmaste kontor, {a} och {b}"),
    "title.compare_dist": ("Distance to the nearest office, {a} and {b}",
                           "Avstånd till närmaste kontor, {a} och {b}"),
    # legend
    "legend.shows_best": ("Colour: best estimate (median over {n} office draws)",
                          "Färg: bästa skattning (median över {n} dragningar av kontor)"),
    "legend.shows_value": ("Colour: the value (office list complete)", "Färg: värdet (kontorslistan är komplett)"),
    "legend.shows_confirmed": ("Colour: confirmed offices only (no best estimate yet); hatched kommuner have a range",
                               "Färg: endast bekräftade kontor (ännu ingen bästa skattning); skrafferade kommuner har ett spann"),
    "legend.no_data": ("no data", "uppgift saknas"),
    "legend.under": ("under {a}", "under {a}"),
    "legend.between": ("{a} to under {b}", "{a} till under {b}"),
    "legend.over": ("{a} or more", "{a} eller mer"),
    "legend.without": ("Without presence: {n} kommuner", "Utan närvaro: {n} kommuner"),
    "legend.without_rule": ("Without presence: {n} kommuner ({rule})", "Utan närvaro: {n} kommuner ({rule})"),
    "legend.without_certain": ("Certainly without presence: {n} kommuner (the others depend on offices of "
                               "unknown status)",
                               "Säkert utan närvaro: {n} kommuner (övriga beror på kontor med okänd status)"),
    "legend.without_certain_rule": ("Certainly without presence: {n} kommuner ({rule}; the others depend on "
                                    "offices of unknown status)",
                                    "Säkert utan närvaro: {n} kommuner ({rule}; övriga beror på kontor med "
                                    "okänd status)"),
    "legend.unknown": ("Office status unknown: {n} kommuner (hatched; tooltip gives P(office))",
                       "Okänd kontorsstatus: {n} kommuner (skrafferade; verktygstipset ger P(kontor))"),
    "legend.estimate": ("Estimate mode: straight line x circuity, not a road measurement.",
                        "Uppskattning: fågelvägen x slingerfaktor, inte uppmätt längs väg."),
    "legend.unlocated": ("{n} office(s) without a location are not shown.",
                         "{n} kontor utan position visas inte."),
    "legend.change_layer": ("Change layer ({b} minus {a})", "Förändringslager ({b} minus {a})"),
    "legend.decrease": ("decrease (better)", "minskning (bättre)"),
    "legend.no_change": ("no change", "ingen förändring"),
    "legend.increase": ("increase: {x}", "ökning: {x}"),
    "legend.completeness": ("Completeness", "Fullständighet"),
    "legend.scenario": ("Scenario", "Scenario"),
    "legend.sources": ("Sources, method and completeness", "Källor, metod och fullständighet"),
    "legend.basemap": ("Background map: © OpenStreetMap contributors, © CARTO (needs internet)",
                       "Bakgrundskarta: © OpenStreetMap-bidragsgivare, © CARTO (kräver internet)"),
    # presence rules
    "rule.no_office_inside": ("no office of {g} inside the kommun", "inget {g}-kontor i kommunen"),
    "rule.no_office_and_far": ("no {g} office inside and population-weighted mean travel time above T",
                               "inget {g}-kontor i kommunen och befolkningsviktad medelrestid över T"),
    "rule.af_definition": ("no AF office and no SSC servicekontor inside the kommun (AF's October 2020 "
                           "definition approximated; kommun agreements are not in the data)",
                           "varken AF-kontor eller SSC-servicekontor i kommunen (AF:s definition från oktober "
                           "2020, ungefärligt; avtal med kommuner finns inte i data)"),
    "rule.given": ("as given", "enligt angiven lista"),
    "rule.confirmed_none": ("no {g} office, confirmed", "inget {g}-kontor, bekräftat"),
    # layers
    "layer.unknown": ("Office status unknown ({n} kommuner, hatched)", "Okänd kontorsstatus ({n} kommuner, skrafferade)"),
    "layer.unknown_in": ("Office status unknown {name} ({n})", "Okänd kontorsstatus {name} ({n})"),
    "layer.without": ("Kommuner without presence", "Kommuner utan närvaro"),
    "layer.without_in": ("Without presence {name}", "Utan närvaro {name}"),
    "layer.without_certain": ("Kommuner certainly without presence", "Kommuner säkert utan närvaro"),
    "layer.without_certain_in": ("Certainly without presence {name}", "Säkert utan närvaro {name}"),
    "layer.change": ("Change {a} to {b}: {short}", "Förändring {a} till {b}: {short}"),
    "layer.towns": ("Towns (larger tätorter)", "Orter (större tätorter)"),
    "layer.basemap": ("Background map (needs internet)", "Bakgrundskarta (kräver internet)"),
    "layer.af": ("AF offices", "AF-kontor"),
    "layer.ssc": ("SSC servicekontor", "SSC-servicekontor"),
    "layer.closed": ("AF offices closed (or decided closed) 2019-2020", "AF-kontor stängda (eller beslutade) 2019–2020"),
    "layer.candidate": ("Candidate offices (not confirmed)", "Tänkbara kontor (ej bekräftade)"),
    # tooltips
    "tip.population": ("Population", "Folkmängd"),
    "tip.nearest": ("Nearest office ({g})", "Närmaste kontor ({g})"),
    "tip.in": ("in", "i"),
    "tip.mean_dist": ("Mean distance", "Medelavstånd"),
    "tip.mean_time": ("Mean time", "Medelrestid"),
    "tip.interval": ("90 % interval", "90 %-intervall"),
    "tip.bounds": ("possible range", "möjligt spann"),
    "tip.n_offices": ("Offices in the kommun", "Kontor i kommunen"),
    "tip.status": ("Office status", "Kontorsstatus"),
    "tip.status.unknown": ("unknown (office list incomplete here)", "okänd (kontorslistan ofullständig här)"),
    "tip.status.none": ("no office (confirmed)", "inget kontor (bekräftat)"),
    "tip.status.confirmed": ("office confirmed", "kontor bekräftat"),
    "tip.p_office": ("Probability of an office here", "Sannolikhet för kontor här"),
    "tip.method": ("Method", "Metod"),
    "method.estimate": ("estimate", "uppskattning"),
    "method.road": ("road network", "vägnät"),
    "tip.no_data": ("no data", "uppgift saknas"),
    # office popups
    "pop.organisation": ("Organisation", "Organisation"),
    "pop.address": ("Address", "Adress"),
    "pop.town": ("Town", "Ort"),
    "pop.kommun": ("Kommun", "Kommun"),
    "pop.status": ("Status", "Status"),
    "pop.basis": ("Basis", "Grund"),
    "pop.valid": ("Valid", "Giltig"),
    "pop.located": ("Located by", "Lägesbestämd med"),
    "pop.note": ("Note", "Anmärkning"),
    "pop.source": ("Source", "Källa"),
    "pop.to": ("to", "till"),
    "pop.office": ("office", "kontor"),
    # P(no office) layer, per-organisation tooltip lines, candidate names (issue #21, h_maps)
    "layer.p_none": ("Probability of no office in the kommun ({g})", "Sannolikhet att kommunen saknar kontor ({g})"),
    "legend.p_none": ("Probability of no office in the kommun ({g})", "Sannolikhet att kommunen saknar kontor ({g})"),
    "legend.p_none_unknown": ("depends on offices of unknown status (no draws)",
                              "beror på kontor med okänd status (inga dragningar)"),
    "tip.p_none": ("Probability of no office in the kommun ({g})", "Sannolikhet att kommunen saknar kontor ({g})"),
    "tip.org_status": ("Office status, {org}", "Kontorsstatus, {org}"),
    "tip.org_p": ("probability of an {org} office here", "sannolikhet för {org}-kontor här"),
    "tip.p_every": ("an office in every one of the {n} draws", "kontor i alla {n} dragningar"),
    "tip.p_never": ("an office in none of the {n} draws", "kontor i ingen av de {n} dragningarna"),
    "tip.p_unknown": ("depends on offices of unknown status", "beror på kontor med okänd status"),
    "tip.n_offices_in": ("Offices in the kommun ({g})", "Kontor i kommunen ({g})"),
    "tip.n_rule": ("at least 1 (confirmed by the status rules, not in the office list)",
                   "minst 1 (bekräftat av statusreglerna, finns inte i kontorslistan)"),
    "name.candidate": ("Candidate {org} office {rest}", "Tänkbart {org}-kontor {rest}"),
}


def tr(key: str, lang: str = "en", **values: Any) -> str:
    """The text ``key`` in ``lang`` with ``values`` filled in.

    Examples
    --------
    >>> tr("legend.without", "sv", n=3)
    'Utan närvaro: 3 kommuner'
    """
    text = TEXT[key][LANGS.index(check_lang(lang))]
    return text.format(**values) if values else text


def scenario_title(name: str, lang: str = "en") -> str:
    """The name people use for a scenario, in ``lang`` (:func:`narvaro.offices.sources.scenario_title`)."""
    return _scenario_title(name, lang)


def num(value: Any, decimals: int = 1, lang: str = "en", sign: bool = False) -> str:
    """A number with thousands separators in the reader's convention.

    Examples
    --------
    >>> num(1234567.891, 1, "sv")
    '1 234 567,9'
    >>> num(12.34, 1, "en")
    '12.3'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–" if lang == "sv" else "n/a"
    text = f"{float(value):{'+' if sign else ''},.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", " ").replace(".", ",").replace("-", "−")
    return text


def pct(value: Any, decimals: int = 1, lang: str = "en", sign: bool = False) -> str:
    """A share (fraction) as a percentage number without the sign: 0.1234 -> "12.3" / "12,3"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return num(None, lang=lang)
    return num(float(value) * 100, decimals, lang, sign)


def describe_lang(obj: Any, lang: str = "en") -> str:
    """The provenance line of ``obj`` in ``lang`` (:func:`narvaro.provenance.describe`)."""
    return describe(obj, check_lang(lang))
