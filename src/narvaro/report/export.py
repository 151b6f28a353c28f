"""Column labels (English/Swedish) and exports to CSV, Excel and GeoPackage."""

from __future__ import annotations

import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..analysis.metrics import GROUP_LABEL
from ..data.layers import to_compute_crs
from ..errors import CoverageInputError, InputValueError
from ..i18n import check_lang, sentence, value
from ..provenance import describe, describe_parts, get_provenance

__all__ = [
    "column_label",
    "export",
    "labelled",
    "rounded",
    "translated",
]


# --------------------------------------------------------------------------------------
# Column labels
# --------------------------------------------------------------------------------------
_BASE_LABELS = {
    "kommunkod": ("Kommun code", "Kommunkod"), "kommunnamn": ("Kommun", "Kommun"),
    "lanskod": ("County code", "Länskod"), "lansnamn": ("County", "Län"),
    "population": ("Population", "Folkmängd"), "method": ("Method", "Metod"),
    "office_lists": ("Office lists", "Kontorslistor"), "reason": ("Reason", "Skäl"),
    "certainty": ("Certainty", "Säkerhet"), "rank": ("Rank", "Rang"), "network": ("Network", "Nät"),
    "org": ("Organisation", "Organisation"), "status": ("Office status", "Kontorsstatus"),
    "kommun_population": ("Population of the kommun", "Kommunens folkmängd"),
    "candidates": ("Candidate offices", "Tänkbara kontor"), "scenario": ("Scenario", "Scenario"),
    "group": ("Group", "Grupp"), "status_known": ("Office status known", "Kontorsstatus känd"),
    "threshold": ("Threshold", "Tröskel"), "published": ("Published count", "Publicerat antal"),
    "m": ("Unknown kommuner that must have an office", "Okända kommuner som måste ha kontor"),
    "range": ("Range", "Spann"), "note": ("Note", "Anmärkning"),
    "constrained_range": ("Range given the published count", "Spann givet publicerat antal"),
    "constrained_note": ("Note on the range given the published count",
                         "Anmärkning om spannet givet publicerat antal"),
    "p_without": ("Probability of no presence", "Sannolikhet för ingen närvaro"),
    "class": ("Class (best estimate / certain / possible)", "Klass (bästa skattning / säkert / möjligt)"),
    "p_office": ("Probability of an office in the kommun", "Sannolikhet för kontor i kommunen"),
    "n_candidates": ("Number of candidate offices", "Antal tänkbara kontor"),
    "fixed": ("Office confirmed, position unknown", "Kontor bekräftat, position okänd"),
    "narrows_interval_by": ("Narrows the 90 % interval by (residents)", "Minskar 90 %-intervallet med (invånare)"),
    "question": ("Question to check", "Fråga att kontrollera"),
    "question_narrows_interval_by": ("The question narrows the 90 % interval by (residents)",
                                     "Frågan minskar 90 %-intervallet med (invånare)"),
    "n_kommuner": ("Number of kommuner", "Antal kommuner"),
}
_STAT = {"mean": ("mean", "medel"), "median": ("median", "median"), "p90": ("90th percentile", "90:e percentil"),
         "max": ("maximum", "största")}
#: Phase of a comparison column, then the kind of bound: label endings in (English, Swedish).
_PHASE = {"_before": (" before", " före"), "_after": (" after", " efter"), "_delta": (" change", " förändring")}
_BOUND = {"_lo": (" (lowest)", " lägsta"), "_hi": (" (highest)", " högsta"),
          "_q05": (", 90 % interval, lower", ", 90 %-intervall, nedre"),
          "_q95": (", 90 % interval, upper", ", 90 %-intervall, övre"),
          "_clo": (" (lowest given the published count)", " lägsta givet publicerat antal"),
          "_chi": (" (highest given the published count)", " högsta givet publicerat antal"),
          "_published": (" (published)", " publicerat")}
_COLUMN = re.compile(r"^(?:(?P<group>af|ssc|any)_)?(?P<body>.+?)(?P<phase>_before|_after|_delta)?"
                     r"(?P<bound>_lo|_hi|_q05|_q95|_clo|_chi|_published)?$")
_OFFICE = {
    "has_office": ("office in the kommun", "kontor i kommunen"),
    "n_offices": ("number of offices in the kommun", "antal kontor i kommunen"),
    "nearest_office": ("nearest office", "närmaste kontor"),
    "nearest_office_kommun": ("nearest office's kommun", "närmaste kontorets kommun"),
    "nearest_office_id": ("nearest office id", "närmaste kontorets id"),
    "nearest_office_basis": ("nearest office's basis", "närmaste kontorets grund"),
    "status": ("office status", "kontorsstatus"),
    "pop_unreachable": ("residents who cannot reach an office", "invånare utan väg till kontor"),
    "lost_last_office": ("lost its last office", "förlorade sitt sista kontor"),
    "p_office": ("probability of an office in the kommun", "sannolikhet för kontor i kommunen"),
    "p_lost_last_office": ("probability that it lost its last office", "sannolikhet att den förlorade sitt sista kontor"),
    "pop": ("residents", "invånare"),
    "share": ("share of residents", "andel invånare"),
    "simple_pop": ("residents, simple range", "invånare, enkelt spann"),
}


def column_label(column: str, lang: str = "en") -> str:
    """Human label of a coverage/compare/summary/per-län/unknowns column.

    A column is ``[group_]body[_before|_after|_delta][_lo|_hi|_q05|_q95|_clo|_chi|_published]``;
    the label is the body's words, then the phase's, then the bound's. Unknown columns keep
    their code.

    Examples
    --------
    >>> column_label("af_dist_mean_km", "sv")
    'AF medelavstånd (km)'
    >>> column_label("any_share_over_25km_hi", "en")
    'AF or SSC share of residents beyond 25 km (highest)'
    >>> column_label("af_time_mean_min_q05", "sv")
    'AF medelrestid (min), 90 %-intervall, nedre'
    >>> column_label("share_over_25km_chi", "sv")
    'Andel invånare längre än 25 km högsta givet publicerat antal'
    """
    i = 0 if check_lang(lang) == "en" else 1
    if column in _BASE_LABELS:
        return _BASE_LABELS[column][i]
    m = re.match(r"^pop_depends_over_(\d+(?:\.\d+)?)(km|min)$", column)
    if m:
        t, u = m.groups()
        return (f"Residents whose side of {t} {u} depends on it", f"Invånare vars sida om {t} {u} beror på den")[i]
    m = _COLUMN.match(column)
    text = _body_label(m["body"], m["group"], lang) if m else None
    if text is None:
        return column
    ends = (_PHASE[m["phase"]][i] if m["phase"] else "") + (_BOUND[m["bound"]][i] if m["bound"] else "")
    return text + ends


def _body_label(body: str, group: str | None, lang: str) -> str | None:
    """The words of a column body, with its group's name in front (capitalised without one)."""
    text = _body_words(body, lang)
    if text is None:
        return None
    return f"{GROUP_LABEL[lang][group]} {text}" if group else text[:1].upper() + text[1:]


def _body_words(body: str, lang: str) -> str | None:
    i = 0 if lang == "en" else 1
    sm = re.match(r"^(dist|time)_(mean|median|p90|max)_(km|min)$", body)
    if sm:
        what, stat, unit = sm.groups()
        if lang == "en":
            return f"{_STAT[stat][0]} {'distance' if what == 'dist' else 'travel time'} ({unit})"
        noun = "avstånd" if what == "dist" else "restid"
        if stat in ("mean", "median"):
            return f"{_STAT[stat][1]}{noun} ({unit})"
        if stat == "max":
            return f"{'största avstånd' if what == 'dist' else 'längsta restid'} ({unit})"
        return f"{noun} {_STAT[stat][1]} ({unit})"
    tm = re.match(r"^(pop|share)_over_(\d+(?:\.\d+)?)(km|min)$", body)
    if tm:
        kind, t, unit = tm.groups()
        if lang == "en":
            return f"{'residents' if kind == 'pop' else 'share of residents'} beyond {t} {unit}"
        return f"{'invånare' if kind == 'pop' else 'andel invånare'} längre än {t} {unit}"
    wm = re.match(r"^without_(no_office_inside|no_office_and_far|af_definition)$", body)
    if wm:
        rule = value(wm.group(1), "sv") if lang == "sv" else wm.group(1)
        return ("kommuner without presence ({r})", "kommuner utan närvaro ({r})")[i].format(r=rule)
    if body in _OFFICE:
        return _OFFICE[body][i]
    return None


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return ``frame`` with its columns renamed to :func:`column_label` in ``lang``.

    "en" keeps the column codes; a label that two columns would share falls back to the codes.
    """
    if lang == "en":
        return frame
    mapping = {c: column_label(c, lang) for c in frame.columns if c != "geometry"}
    # keep labels unique (fall back to the code where two columns would get the same label)
    seen: dict[str, int] = {}
    for lab in mapping.values():
        seen[lab] = seen.get(lab, 0) + 1
    mapping = {c: (lab if seen[lab] == 1 else c) for c, lab in mapping.items()}
    return frame.rename(columns=mapping)


#: Columns of official names and ids, never translated.
_OFFICIAL = re.compile(r"^(kommunkod|kommunnamn|lanskod|lansnamn|office_lists|network|scenario)$"
                       r"|_nearest_office(_kommun|_id)?$")
_YES_NO = {True: "ja", False: "nej"}


def translated(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return ``frame`` with its code values in ``lang``: status, certainty, group, rule, method,
    reasons and questions (:func:`narvaro.i18n.sentence`), yes/no for booleans.

    "en" keeps the codes; official names (kommun, län, office, network) are never touched.

    Examples
    --------
    >>> translated(pd.DataFrame({"kommunnamn": ["Kiruna"], "certainty": ["certain"], "fixed": [True]}),
    ...            "sv").iloc[0].tolist()
    ['Kiruna', 'säkert', 'ja']
    """
    if check_lang(lang) == "en":
        return frame
    out = frame.copy()
    for col in out.columns:
        if col == "geometry" or _OFFICIAL.search(str(col)):
            continue
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(_YES_NO)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            words = {v: sentence(v, lang) for v in out[col] if isinstance(v, str)}
            out[col] = out[col].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    return out


# --------------------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------------------
_ENDS = r"(_(before|after|delta))?(_(lo|hi|q05|q95))?$"
#: (pattern, decimals): residents whole people, shares 0.1 % (fractions: 3 decimals), km 0.1,
#: minutes 1, probabilities 0.01. The first match wins.
_ROUNDING: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(^|_)pop_(over|unreachable|depends)|^population$|_population$|^pop_"), 0),
    (re.compile(r"(^|_)share_"), 3),
    (re.compile(r"_p_office" + _ENDS + r"|^p_without"), 2),
    (re.compile(r"(^|_)dist_\w+_km" + _ENDS), 1),
    (re.compile(r"(^|_)time_\w+_min" + _ENDS), 0),
)


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` rounded to meaningful precision for the files.

    Residents to whole people, shares to 0.1 % (as fractions: 3 decimals), km to 0.1, minutes to
    1, probabilities to 0.01. Other columns are left as they are.

    Examples
    --------
    >>> rounded(pd.DataFrame({"af_dist_mean_km": [12.345], "af_pop_over_25km_lo": [10.6],
    ...                       "af_share_over_25km": [2.2735e-05], "af_time_mean_min_hi": [14.5]})).iloc[0].tolist()
    [12.3, 11.0, 0.0, 14.0]
    """
    out = frame.copy()
    for col in out.columns:
        if col == "geometry" or not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        for pattern, decimals in _ROUNDING:
            if pattern.search(str(col)):
                values = out[col].astype(float).round(decimals)
                out[col] = values.round().astype("Int64") if decimals == 0 else values
                break
    return out


#: Timestamp written into every xlsx (document properties and zip entries), so that the same
#: inputs give byte-identical files.
_FIXED_TIME = datetime(2020, 1, 1)


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip file (an xlsx) with every entry dated :data:`_FIXED_TIME`, in place."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [(info, re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, payload)
                if info.filename == "docProps/core.xml" else payload) for info, payload in entries]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, payload in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, payload)
    os.replace(tmp, path)


def _format_sheet(ws, frame: pd.DataFrame) -> None:
    """Frozen header, auto filter and column widths on an openpyxl worksheet."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for i, col in enumerate(frame.columns, start=1):
        sample = frame[col].head(200).map(lambda v: len(str(v)))
        width = max(len(str(col)), int(sample.max()) if len(sample) else 0)
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 60)


# --------------------------------------------------------------------------------------
# Excel sheets
# --------------------------------------------------------------------------------------
#: sheet -> (English, Swedish) name.
_SHEETS = {"data": ("data", "data"), "metadata": ("metadata", "metadata"), "columns": ("columns", "kolumner")}
#: Words of the metadata and column sheets in Swedish (English keeps the keys as codes).
_META_SV = {
    "key": "uppgift", "value": "värde", "provenance": "källor och metod", "method": "metod",
    "offices": "kontor", "estimates": "bästa skattningar", "population": "befolkning",
    "population_year": "befolkningsår", "kommuner": "kommungränser", "network": "nät", "scenario": "scenario",
    "thresholds": "trösklar", "groups": "grupper", "bounds": "hårda gränser", "rule": "regel", "group": "grupp",
    "geometry": "geometri", "column": "kolumn", "label_en": "etikett (engelska)", "label_sv": "etikett (svenska)",
}
_NO_GEOMETRY = ("not included; use the GeoPackage export for GIS",
                "ingår inte; använd GeoPackage-exporten för GIS")


def _metadata(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The metadata sheet: the provenance line, then each fact (in Swedish: rendered, never codes)."""
    prov = get_provenance(table)
    if lang == "en":
        meta = [("provenance", describe(table))]
        meta += [(k, str(v)) for k, v in prov.items() if k != "offices"]
        meta += [("offices", o.get("label", "")) for o in prov.get("offices", [])]
        meta += [("geometry", _NO_GEOMETRY[0])]
        return pd.DataFrame(meta, columns=["key", "value"])
    parts = describe_parts(table, lang)
    meta = [(_META_SV["provenance"], describe(table, lang))]
    meta += [(_META_SV[k], text.split(": ", 1)[1] if ": " in text else text) for k, text in parts.items()]
    meta += [(_META_SV[k], _fact_sv(k, v)) for k, v in prov.items()
             if k in _META_SV and k not in parts and k not in ("draws", "network")]
    meta += [(_META_SV["geometry"], _NO_GEOMETRY[1])]
    return pd.DataFrame(meta, columns=[_META_SV["key"], _META_SV["value"]])


def _fact_sv(key: str, fact: object) -> str:
    """One provenance fact as a Swedish value: codes in words, thresholds with their units."""
    if isinstance(fact, bool):
        return _YES_NO[fact]
    if key == "thresholds" and isinstance(fact, dict):
        return "; ".join(", ".join(f"{t:g}".replace(".", ",") for t in ts) + f" {u}" for u, ts in fact.items() if ts)
    if isinstance(fact, (list, tuple)):
        return ", ".join(str(value(v, "sv")) for v in fact)
    return str(value(fact, "sv"))


def _column_sheet(columns: pd.Index, lang: str) -> pd.DataFrame:
    """The column dictionary: code, English label, Swedish label (headers in ``lang``)."""
    frame = pd.DataFrame({"column": list(columns),
                          "label_en": [column_label(c, "en") for c in columns],
                          "label_sv": [column_label(c, "sv") for c in columns]})
    return frame if lang == "en" else frame.rename(columns=_META_SV)


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------
def export(table: pd.DataFrame, path: str | Path, lang: str = "en", layer: str | None = None) -> Path:
    """Write a table to CSV, Excel or GeoPackage, chosen by the file suffix.

    Parameters
    ----------
    table : DataFrame or GeoDataFrame
        A coverage table (with its ``_lo``/``_hi`` columns), a comparison, a presence list,
        the national summary ...
    path : str or Path
        ``.csv`` (UTF-8, no geometry), ``.xlsx`` (sheets "data", "metadata" with the provenance,
        and "columns" with the column dictionary in English and Swedish), or ``.gpkg`` (geometry
        in EPSG:3006, SWEREF 99 TM, the compute CRS; rows without geometry such as a national
        row are left out; the provenance line goes to a sidecar ``<name>.gpkg.txt``).
    lang : {"en", "sv"}
        Column labels: "en" keeps the column codes (``af_dist_mean_km``); "sv" uses Swedish
        labels ("AF medelavstånd (km)", "Folkmängd", "Kommun").
    layer : str, optional
        GeoPackage layer name (default: the file stem).

    Returns
    -------
    Path
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".gpkg"):
        raise InputValueError(f"unsupported export format {suffix!r}; use .csv, .xlsx or .gpkg")
    if lang not in ("en", "sv"):
        raise InputValueError(f"lang must be 'en' or 'sv', not {lang!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    prov_line = describe(table, lang)
    plain = rounded(pd.DataFrame(table.drop(columns="geometry", errors="ignore")))
    if suffix == ".csv":
        labelled(translated(plain, lang), lang).to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".xlsx":
        sheets = {"data": labelled(translated(plain, lang), lang), "metadata": _metadata(table, lang),
                  "columns": _column_sheet(plain.columns, lang)}
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            xw.book.properties.created = xw.book.properties.modified = _FIXED_TIME
            for key, frame in sheets.items():
                name = _SHEETS[key][0 if lang == "en" else 1]
                frame.to_excel(xw, sheet_name=name, index=False)
                _format_sheet(xw.sheets[name], frame)
        _fix_zip_times(path)
    else:
        if not isinstance(table, gpd.GeoDataFrame) or table.geometry.isna().all():
            raise CoverageInputError("a GeoPackage needs a table with geometries (a coverage table)")
        gdf = to_compute_crs(rounded(table), "the table")
        gdf = gdf[gdf.geometry.notna()].copy()
        gdf.attrs = {}
        for c in gdf.columns:
            if c != "geometry" and gdf[c].dtype == object:
                gdf[c] = gdf[c].astype("string")
        out = labelled(translated(gdf, lang), lang)
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs)
        if path.exists():
            path.unlink()
        out.to_file(path, layer=layer or path.stem, driver="GPKG")
        path.with_suffix(".gpkg.txt").write_text(prov_line + "\n", encoding="utf-8")
    return path
