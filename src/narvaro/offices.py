"""Office networks: the project's AF and SSC office lists, validation and completeness.

The project's office lists live in ``data/offices/<network>.csv`` (see its README.md). Every
row states one office with the public page(s) that say it existed; nothing is guessed. The
lists are incomplete, so every result carries its completeness (e.g. "AF 2020: 38 of 106
offices known"). Analysts with an official list load it with :func:`read_offices`.

Two neighbouring modules do the rest: :mod:`narvaro.geocode` places towns offline, and
:mod:`narvaro.kommun_status` says for each of the 290 kommuner whether an office is
confirmed, ruled out by a named rule, or unknown (:func:`office_status`) and puts candidate
offices where it is open (:func:`candidate_offices`). Their public names stay importable from
here (``from narvaro.offices import office_status`` works) through a lazy module attribute,
so this module never imports them at import time.

Public functions
----------------
load_offices, read_offices, validate_offices, build_office_lists, office_completeness,
completeness_label, published_count, network_label, is_candidate, network_table, offices_dir,
NETWORKS (and, forwarded: geocode_towns, office_status, candidate_offices, STATUS_RULES, ...).
"""

from __future__ import annotations

import functools
import importlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import data, settings
from .errors import DataError, NarvaroError, OfficeListError, UnknownNetworkError
from .geocode import GEOCODE_METHODS, geocode_towns, parse_float
from .provenance import get_provenance, set_provenance

__all__ = [
    "COLUMNS",
    "NETWORKS",
    "GEOCODE_METHODS",
    "offices_dir",
    "load_offices",
    "read_offices",
    "validate_offices",
    "network_table",
    "geocode_towns",
    "build_office_lists",
    "office_completeness",
    "completeness_label",
    "is_candidate",
    "network_label",
    "published_count",
]

#: Columns of every office CSV, in order.
COLUMNS = [
    "office_id",
    "org",
    "name",
    "town",
    "kommunkod",
    "lat",
    "lon",
    "geocode",
    "status",
    "valid_from",
    "valid_to",
    "source",
    "note",
]
ORGS = ("af", "ssc")
#: Spelled-out organisation names accepted in an analyst's ``org`` column (lower case).
_ORG_NAMES = {
    "arbetsförmedlingen": "af",
    "arbetsformedlingen": "af",
    "statens servicecenter": "ssc",
    "servicekontor": "ssc",
}

# --------------------------------------------------------------------------------------
# Networks and their published counts
# --------------------------------------------------------------------------------------
AF_PRESS_2019_03_04 = "https://arbetsformedlingen.se/om-oss/press/pressmeddelanden?id=CA3C898FA45A3820"
AF_NEWS_2019_03_28 = (
    "https://arbetsformedlingen.se/om-oss/press/nyheter/nyhetsarkiv/"
    "2019-03-28-forslag-till-arbetsformedlingens-framtida-kontorsnat"
)
AF_NEWS_2020_06_15 = "https://arbetsformedlingen.se/om-oss/press/nyheter/nyhetsarkiv/2020-06-15-arbetsformedlingen-sakrar-sin-lokala-narvaro"
PUBLIKT_2020_10_23 = "https://www.publikt.se/nyhet/halvering-av-antalet-kommuner-med-lokalkontor-22814"
ARBETET_2020_10_23 = "https://arbetet.se/2020/10/23/af-om-kommun-kritiken-hoppas-att-missnojet-gar-ner/"
SSC_NEWS_2021_09_29 = (
    "https://www.statenssc.se/nyheter/nyhetsarkiv/2021-09-29-pa-vag-mot-150-servicekontor---har-ar-tidplanen"
)
PUBLIKT_2022_01_26 = "https://www.publikt.se/nyhet/statens-besokskontor-har-kartlagts-24049"
DS_2020_29 = "https://lagen.nu/ds/2020:29"
SSC_NEWS_2020_12_18 = (
    "https://statenssc.se/nyheter/nyhetsarkiv/2020-12-18-utredning-foreslar-28-nya-servicekontor"
)


@dataclass(frozen=True)
class Network:
    """One office network: its org, what it is, and the published count it is measured against."""

    name: str
    org: str
    label: str
    description: str
    published: int
    published_source: str
    published_note: str


#: The office networks narvaro ships, by name.
NETWORKS: dict[str, Network] = {
    n.name: n
    for n in [
        Network(
            "af_2019",
            "af",
            "AF 2019",
            "AF offices before the 2019-2020 closures (March 2019)",
            242,
            AF_PRESS_2019_03_04,
            "AF press release 4 March 2019: about 130 of 242 local offices to close",
        ),
        Network(
            "af_2020",
            "af",
            "AF 2020",
            "AF offices kept by the 2019 decision (the 106)",
            106,
            AF_NEWS_2019_03_28,
            "AF news 28 March 2019: 106 own offices kept, 28 of them without drop-in",
        ),
        Network(
            "af_closed_2020",
            "af",
            "AF closed 2019-2020",
            "AF offices closed or decided closed in 2019-2020",
            132,
            AF_NEWS_2019_03_28,
            "AF news 28 March 2019: 132 offices wound down in 2019-2020 "
            "(at 126 places, AF 2020-10-23); 6 of them were kept after all in June 2020",
        ),
        Network(
            "af_2020_changes",
            "af",
            "AF June 2020 changes",
            "the 2020 reversals: 6 kept, 5 staffed again",
            11,
            AF_NEWS_2020_06_15,
            "AF news 15 June 2020: Hagfors, Hallsberg, Hammarstrand, Härnösand, "
            "Karlskoga, Årjäng kept; Arvidsjaur, Jokkmokk, Pajala, Storuman, Vilhelmina permanently staffed",
        ),
        Network(
            "ssc_2019",
            "ssc",
            "SSC 2019",
            "Statens servicecenter servicekontor in 2019",
            113,
            SSC_NEWS_2021_09_29,
            "SSC took over 113 servicekontor in just under 100 kommuner in 2019",
        ),
        Network(
            "ssc_2020",
            "ssc",
            "SSC 2020",
            "Statens servicecenter servicekontor in December 2020",
            117,
            DS_2020_29,
            "Ds 2020:29 (Dec 2020): 117 servicekontor in 110 of 290 kommuner, from Kiruna to Trelleborg; "
            "4 more under way",
        ),
    ]
}
#: Published counts that are not one network's row count (combinations, kommun counts).
_EXTRA_PUBLISHED = [
    # (network expression, what is counted, published, source, note)
    (
        "af_2020+af_2020_changes",
        "offices",
        112,
        AF_NEWS_2020_06_15,
        "AF June 2020: 112 offices at the end of 2020 = 88 permanently staffed + 24 travel-in offices",
    ),
    (
        "af_2019",
        "kommuner",
        218,
        PUBLIKT_2020_10_23,
        "AF had own offices in 218 of 290 kommuner at the start of 2019",
    ),
    (
        "ssc_2020",
        "kommuner",
        110,
        DS_2020_29,
        "117 servicekontor in 110 of 290 kommuner (Ds 2020:29, Dec 2020)",
    ),
    (
        "af_2020+af_2020_changes",
        "kommuner",
        106,
        PUBLIKT_2020_10_23,
        "own offices in 106 kommuner at the end of 2020 (82 kommuner without any AF presence incl. "
        f"cooperation solutions, {ARBETET_2020_10_23})",
    ),
]

# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------
OFFICES_ENV = "NARVARO_OFFICES_DIR"


def offices_dir() -> Path:
    """Return the directory holding the project's office CSVs (``data/offices``).

    ``$NARVARO_OFFICES_DIR`` wins; else ``data/offices`` inside the installed package; else
    ``data/offices`` at the repository root (a development checkout).
    """
    env = os.environ.get(OFFICES_ENV)
    if env:
        return Path(env).expanduser()
    packaged = Path(str(resources.files("narvaro"))) / "data" / "offices"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "offices"


def _split_names(name: str) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        raise UnknownNetworkError(
            f"empty office network name; choose from {sorted(NETWORKS)} or combine with '+'"
        )
    parts = [p.strip() for p in name.split("+")]
    unknown = [p for p in parts if p not in NETWORKS]
    if unknown:
        raise UnknownNetworkError(
            f"unknown office network(s) {unknown}; valid names: {', '.join(NETWORKS)} "
            "(combine with '+', e.g. 'af_2020+ssc_2020')"
        )
    return parts


@functools.cache
def _kommun_table() -> gpd.GeoDataFrame:
    return data.load_kommuner().set_index("kommunkod")


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------
def _problems(df: pd.DataFrame) -> list[list[str]]:
    """Return, per row of ``df`` (already geocoded, string columns), the list of problems."""
    n = len(df)
    found: list[list[str]] = [[] for _ in range(n)]
    codes = data.kommun_codes()
    ids = df["office_id"].astype("string").fillna("").str.strip()
    orgs = df["org"].astype("string").fillna("").str.strip()
    kods = df["kommunkod"].astype("string").fillna("").str.strip()
    towns = df["town"].astype("string").fillna("").str.strip()
    lat_raw = df["lat"].astype("string").fillna("").str.strip()
    lon_raw = df["lon"].astype("string").fillna("").str.strip()
    lat = parse_float(df["lat"])
    lon = parse_float(df["lon"])
    dup = ids.duplicated(keep=False) & (ids != "")
    for i in range(n):
        p = found[i]
        if ids.iloc[i] == "":
            p.append("missing office_id")
        elif dup.iloc[i]:
            p.append(f"duplicate office_id {ids.iloc[i]!r}")
        if orgs.iloc[i] not in ORGS:
            p.append(f"unknown org {orgs.iloc[i]!r} (expected 'af' or 'ssc')")
        if kods.iloc[i] not in codes:
            p.append(f"unknown kommunkod {kods.iloc[i]!r} (expected one of the 290 4-digit codes)")
        bad_num = (lat_raw.iloc[i] != "" and not np.isfinite(lat.iloc[i])) or (
            lon_raw.iloc[i] != "" and not np.isfinite(lon.iloc[i])
        )
        if bad_num:
            p.append(f"coordinates not finite numbers (lat={lat_raw.iloc[i]!r}, lon={lon_raw.iloc[i]!r})")
        elif pd.isna(lat.iloc[i]) or pd.isna(lon.iloc[i]):
            if towns.iloc[i] == "":
                p.append("missing coordinates and no town")
            elif kods.iloc[i] in codes:
                p.append(f"town {towns.iloc[i]!r} not found among SCB tätorter 2020 in kommun {kods.iloc[i]}")
    # points: inside Sweden, inside (or near) their own kommun
    ok = lat.notna() & lon.notna() & np.isfinite(lat) & np.isfinite(lon)
    if ok.any():
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=settings.CRS_STORE)
        in_box = ~data.outside_sweden(points).to_numpy()
        ok = ok.to_numpy()
        for i in np.flatnonzero(ok & ~in_box):
            found[i].append(f"point ({lat.iloc[i]:.5f}, {lon.iloc[i]:.5f}) lies outside Sweden")
        check = ok & in_box & kods.isin(codes).to_numpy()
        if check.any():
            idx = np.flatnonzero(check)
            pts = points.geometry.iloc[idx].reset_index(drop=True).to_crs(settings.CRS_COMPUTE)
            polys = _kommun_table().geometry.loc[kods.iloc[idx].to_numpy()]
            dist = np.asarray(
                pts.distance(gpd.GeoSeries(polys.to_numpy(), crs=settings.CRS_COMPUTE), align=False)
            )
            for j, d in zip(idx, dist, strict=True):
                if d > settings.KOMMUN_TOLERANCE_M:
                    found[j].append(
                        f"point lies {d / 1000:.1f} km outside kommun {kods.iloc[j]} "
                        f"(tolerance {settings.KOMMUN_TOLERANCE_M / 1000:.0f} km)"
                    )
    return found


def validate_offices(df: pd.DataFrame, errors: str = "raise", what: str = "office list") -> pd.DataFrame:
    """Check an office table; raise :class:`OfficeListError` listing every bad row, or flag them.

    Checks: missing coordinates and no town; town not found in its kommun (when it had to be
    geocoded); unknown kommunkod; point outside Sweden (``settings.SWEDEN_BBOX_WGS84``) or
    farther than ``settings.KOMMUN_TOLERANCE_M`` outside its own kommun; missing or duplicate
    ``office_id``; org other than "af"/"ssc"; non-numeric coordinates.

    Parameters
    ----------
    df : DataFrame
        Office rows with at least the :data:`COLUMNS`.
    errors : {"raise", "flag"}
        "raise" raises on any problem; "flag" returns ``df`` with a ``problem`` column
        ("" for good rows, problems joined by "; ").
    what : str
        Name of the list, for the message.
    """
    if errors not in ("raise", "flag"):
        raise ValueError("errors must be 'raise' or 'flag'")
    found = _problems(df)
    if errors == "flag":
        out = df.copy()
        out["problem"] = ["; ".join(p) for p in found]
        return out
    rows = [
        {
            "row": label,
            "id": (str(df["office_id"].iloc[i]) if pd.notna(df["office_id"].iloc[i]) else ""),
            "problem": "; ".join(p),
        }
        for i, (label, p) in enumerate(zip(df.index, found, strict=True))
        if p
    ]
    if rows:
        raise OfficeListError(f"{what}: bad office rows", rows)
    return df


# --------------------------------------------------------------------------------------
# Building and loading the project lists
# --------------------------------------------------------------------------------------
def _read_network_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise OfficeListError(f"{path.name}: missing columns {missing}")
    return df[COLUMNS]


def build_office_lists(directory: Path | str | None = None) -> dict[str, int]:
    """Re-geocode the project's office CSVs in place (reproducible, offline).

    The curated columns (office_id, org, name, town, kommunkod, status, valid_from,
    valid_to, source, note) are the record; ``lat``, ``lon`` and ``geocode`` are derived from
    ``town`` + ``kommunkod`` by :func:`geocode_towns` (a town that is not an SCB tätort, such
    as a city district, falls back to the centralort and says so in ``geocode``). Rows whose
    ``geocode`` is "address" keep their coordinates.

    Returns
    -------
    dict
        network name -> number of rows written.
    """
    folder = Path(directory) if directory is not None else offices_dir()
    counts = {}
    for name in NETWORKS:
        path = folder / f"{name}.csv"
        df = _read_network_csv(path)
        keep = df["geocode"] == "address"
        df.loc[~keep, ["lat", "lon", "geocode"]] = ""
        geo = geocode_towns(df, unmatched="centralort")
        geo["lat"] = geo["lat"].map(lambda v: f"{v:.6f}" if pd.notna(v) else "")
        geo["lon"] = geo["lon"].map(lambda v: f"{v:.6f}" if pd.notna(v) else "")
        validate_offices(geo, what=path.name)
        geo[COLUMNS].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        counts[name] = len(geo)
    network_table.cache_clear()
    from .kommun_status import clear_status_cache  # lazy: kommun_status imports this module

    clear_status_cache()
    return counts


def _to_geodataframe(df: pd.DataFrame) -> gpd.GeoDataFrame:
    lat = parse_float(df["lat"])
    lon = parse_float(df["lon"])
    ok = (np.isfinite(lat) & np.isfinite(lon)).fillna(False).to_numpy(dtype=bool)
    geom = gpd.GeoSeries(gpd.points_from_xy(lon.fillna(0), lat.fillna(0)), crs=settings.CRS_STORE)
    geom[~ok] = None
    out = df.copy()
    out["lat"] = lat.to_numpy()
    out["lon"] = lon.to_numpy()
    return gpd.GeoDataFrame(out, geometry=geom, crs=settings.CRS_STORE).to_crs(settings.CRS_COMPUTE)


@functools.cache
def network_table(name: str) -> gpd.GeoDataFrame:
    """Return one shipped network's validated rows (cached: treat as read-only; load_offices copies)."""
    path = offices_dir() / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"office list {path} not found (set ${OFFICES_ENV} to the data/offices folder)")
    df = _read_network_csv(path)
    validate_offices(df, what=path.name)
    gdf = _to_geodataframe(df)
    gdf["network"] = name
    gdf["basis"] = "confirmed"
    return gdf[COLUMNS + ["network", "basis", "geometry"]]


def _office_prov(name: str, known: int) -> dict:
    net = NETWORKS[name]
    return {
        "name": name,
        "known": int(known),
        "published": net.published,
        "label": f"{net.label}: {known} of {net.published} offices known",
    }


def published_count(network: str, counted: str = "kommuner") -> tuple[int, str] | None:
    """Return a published count beyond a network's own office count, with its source, or None.

    Parameters
    ----------
    network : str
        A network or a "+" combination as :func:`office_completeness` lists it (e.g.
        ``"af_2019"``, ``"af_2020+af_2020_changes"``).
    counted : {"kommuner", "offices"}
        "kommuner": the number of kommuner with an office (AF 218 at the start of 2019);
        "offices": the office count of a combination (AF 112 at the end of 2020).

    Returns
    -------
    tuple of (int, str) or None
        The published count and its source URL; None where nothing of that kind is published.
    """
    for expr, what, published, source, _note in _EXTRA_PUBLISHED:
        if expr == network and what == counted:
            return published, source
    return None


def network_label(name: str) -> str:
    """Readable name of a network or a "+" combination: ``"af_2020+ssc_2020"`` -> ``"AF 2020 + SSC 2020"``.

    Parts that are not one of :data:`NETWORKS` (an analyst's list) keep their name.
    """
    return " + ".join(NETWORKS[p].label if p in NETWORKS else p for p in str(name).split("+"))


def _provenance(name: str, parts: list[str], known_total: int) -> list[dict]:
    """Office provenance entries: one per network, or one for a combination with a published count."""
    combined = published_count(name, "offices")
    if combined is not None:
        published = combined[0]
        return [
            {
                "name": name,
                "known": int(known_total),
                "published": published,
                "label": f"{network_label(name)}: {known_total} of {published} offices known",
            }
        ]
    return [_office_prov(p, len(network_table(p))) for p in parts]


def load_offices(name: str, include_candidates: bool = False) -> gpd.GeoDataFrame:
    """Return an office network (or a "+" combination) as a GeoDataFrame in EPSG:3006.

    Parameters
    ----------
    name : str
        One of :data:`NETWORKS` (af_2019, af_2020, af_closed_2020, af_2020_changes, ssc_2019,
        ssc_2020) or several joined by "+", e.g. ``"af_2020+ssc_2020"``. In a combination a
        later network's row replaces an earlier row with the same ``office_id`` (so
        ``"af_2020+af_2020_changes"`` is the end-2020 AF network with the June 2020 changes).
    include_candidates : bool
        Add :func:`candidate_offices` for each network that has a kommun status table
        (af_2019, af_2020, ssc_2019, ssc_2020); ``basis`` tells them apart.

    Returns
    -------
    GeoDataFrame
        Columns :data:`COLUMNS` + ``network``, ``basis`` ("confirmed" / "candidate"),
        geometry (EPSG:3006). ``.attrs["narvaro"]["offices"]`` lists each network with its
        completeness, e.g. "AF 2020: 39 of 106 offices known".

    Raises
    ------
    UnknownNetworkError
        For a name that is not a known network (the message lists the valid ones).
    """
    parts = _split_names(name)
    frames = [network_table(p).copy() for p in parts]
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.drop_duplicates("office_id", keep="last").reset_index(drop=True)
    prov = _provenance(name, parts, len(combined))
    if include_candidates:
        from .kommun_status import STATUS_RULES, candidate_offices  # lazy: kommun_status imports this module

        # a combination with its own status table (af_2020+af_2020_changes) gets its own candidates
        groups = [name] if name in STATUS_RULES else [p for p in parts if p in STATUS_RULES]
        cands = [candidate_offices(g) for g in groups]
        if cands:
            combined = pd.concat([combined, *cands], ignore_index=True)
            n_c = int(sum(len(c) for c in cands))
            prov.append(
                {
                    "name": f"{'+'.join(groups)} candidates",
                    "known": 0,
                    "published": None,
                    "candidates": n_c,
                    "label": f"+{n_c} candidate offices in kommuner whose office is not pinned down",
                }
            )
    gdf = gpd.GeoDataFrame(combined, geometry="geometry", crs=settings.CRS_COMPUTE)
    set_provenance(gdf, offices=prov)
    return gdf


def read_offices(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    errors: str = "raise",
    name: str | None = None,
    org: str | None = None,
) -> gpd.GeoDataFrame:
    """Load an analyst's own office list (CSV or Excel) with the project's validation.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8, comma or semicolon separated) or ``.xlsx``/``.xls`` file.
    columns : mapping, optional
        The analyst's column names -> ours, e.g. ``{"Kontor": "name", "Ort": "town",
        "Kommunkod": "kommunkod"}``.
    errors : {"raise", "flag"}
        "raise": :class:`OfficeListError` listing every bad row. "flag": return all rows
        with a ``problem`` column ("" for good rows); rows without a point get no geometry.
    name : str, optional
        Network name for provenance; if it is one of :data:`NETWORKS`, completeness is
        measured against that network's published count. Default: the file's stem.
    org : {"af", "ssc"}, optional
        Fill the ``org`` column when the file has none.

    Returns
    -------
    GeoDataFrame
        Like :func:`load_offices` (EPSG:3006, ``network``, ``basis`` = "confirmed").
        Missing ``office_id`` values are numbered ``<network>-<row>``; missing coordinates
        are geocoded from ``town`` + ``kommunkod`` (exact or normalised SCB tätort only).
    """
    if errors not in ("raise", "flag"):
        raise ValueError("errors must be 'raise' or 'flag'")
    path = Path(path)
    label = name or path.stem
    df = _read_table(path)
    if columns:
        df = df.rename(columns=dict(columns))
    df.columns = [str(c).strip() for c in df.columns]
    if df.columns.duplicated().any():
        dups = sorted(set(df.columns[df.columns.duplicated()]))
        raise OfficeListError(f"{path.name}: duplicate column names {dups}")
    if org is not None:
        if org not in ORGS:
            raise ValueError("org must be 'af' or 'ssc'")
        if "org" not in df.columns:
            df["org"] = org
    required = ["org", "kommunkod"]
    missing = [c for c in required if c not in df.columns]
    if "town" not in df.columns and not {"lat", "lon"} <= set(df.columns):
        missing.append("town (or lat and lon)")
    if missing:
        raise OfficeListError(
            f"{path.name}: missing column(s) {missing}; map yours with columns={{'yours': 'ours'}}",
            [{"row": "header", "id": "", "problem": f"missing column {m}"} for m in missing],
        )
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df = df.astype("string").fillna("")
    for col in df.columns:
        df[col] = df[col].str.strip()
    # a kommunkod that lost its leading zero in a spreadsheet ("114") is unambiguous
    kod = df["kommunkod"].str.replace(r"\.0$", "", regex=True)
    df["kommunkod"] = kod.where(~kod.str.fullmatch(r"\d{3}"), kod.str.zfill(4))
    df["org"] = df["org"].str.lower().replace(_ORG_NAMES)
    no_id = df["office_id"] == ""
    df.loc[no_id, "office_id"] = [f"{label}-{i}" for i in np.flatnonzero(no_id.to_numpy())]
    df = df.reset_index(drop=True)
    geo = geocode_towns(df[COLUMNS], unmatched="none")
    geo["geocode"] = geo["geocode"].where(geo["lat"].notna(), "")
    for col in ("lat", "lon"):  # keep unparseable text so that validation can name it
        raw = df[col]
        bad = (raw != "") & parse_float(raw).isna()
        geo[col] = geo[col].astype(object).where(~bad, raw)
    extra = [c for c in df.columns if c not in COLUMNS]
    geo = pd.concat([geo, df[extra]], axis=1)
    checked = validate_offices(geo, errors=errors, what=path.name)
    gdf = _to_geodataframe(checked)
    gdf["network"] = label
    gdf["basis"] = "confirmed"
    gdf = gdf[[c for c in gdf.columns if c != "geometry"] + ["geometry"]]
    known = int((gdf["problem"] == "").sum()) if "problem" in gdf else len(gdf)
    if label in NETWORKS:
        entry = _office_prov(label, known)
        entry["label"] = (
            f"{NETWORKS[label].label} (analyst list {path.name}): "
            f"{known} of {NETWORKS[label].published} offices"
        )
    else:
        entry = {
            "name": label,
            "known": known,
            "published": None,
            "label": f"{label}: {known} offices (analyst list)",
        }
    set_provenance(gdf, offices=[entry])
    return gdf


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Excel file as strings; wrap every reader failure in OfficeListError."""
    if not path.is_file():
        raise OfficeListError(f"office list {path} not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path, dtype=str)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            first = text.splitlines()[0] if text.strip() else ""
            sep = ";" if first.count(";") > first.count(",") else ","
            df = pd.read_csv(
                io.StringIO(text), dtype=str, sep=sep, keep_default_na=False, skipinitialspace=True
            )
    except NarvaroError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for malformed files
        raise OfficeListError(
            f"{path.name}: could not read the office list ({type(exc).__name__}: {exc})"
        ) from exc
    if df.empty and len(df.columns) == 0:
        raise OfficeListError(f"{path.name}: the file holds no table")
    return df


# --------------------------------------------------------------------------------------
# Completeness
# --------------------------------------------------------------------------------------
def office_completeness() -> pd.DataFrame:
    """Return how complete each office list is against its published count.

    Returns
    -------
    DataFrame
        One row per network (and per extra published figure): ``network``, ``counted``
        ("offices" or "kommuner"), ``rows_known``, ``published_count``, ``ratio``,
        ``published_source`` (URL), ``note``.
    """
    rows = []
    for name, net in NETWORKS.items():
        known = len(network_table(name))
        rows.append((name, "offices", known, net.published, net.published_source, net.published_note))
    for expr, counted, published, source, note in _EXTRA_PUBLISHED:
        gdf = load_offices(expr)
        known = len(gdf) if counted == "offices" else gdf["kommunkod"].nunique()
        rows.append((expr, counted, known, published, source, note))
    df = pd.DataFrame(
        rows, columns=["network", "counted", "rows_known", "published_count", "published_source", "note"]
    )
    df.insert(4, "ratio", (df["rows_known"] / df["published_count"]).round(3))
    return df


def is_candidate(offices: pd.DataFrame) -> pd.Series:
    """Return a boolean Series: True for candidate offices (``basis == "candidate"``).

    Offices without a ``basis`` column are all confirmed (an analyst's list, a network CSV).
    """
    if "basis" not in offices.columns:
        return pd.Series(False, index=offices.index)
    return offices["basis"].astype("string").str.lower().eq("candidate").fillna(False).astype(bool)


def completeness_label(network: str) -> str:
    """Return e.g. "AF 2020: 39 of 106 offices known" for a network or a "+" combination."""
    return "; ".join(entry["label"] for entry in get_provenance(load_offices(network))["offices"])


# --------------------------------------------------------------------------------------
# Names that moved to narvaro.geocode and narvaro.kommun_status
# --------------------------------------------------------------------------------------
_STAR_EXPORTS = ("STATUS_RULES", "office_status", "candidate_offices", "swedish_sort_key", "in_thelocal_range")
#: Public names of the status module served from here on first use (PEP 562), so that
#: ``from narvaro.offices import office_status`` keeps working without an import cycle.
_FORWARDED = {
    "kommun_status": (
        "ARBETSMARKNAD_2019_03_29",
        "CONFLICTS_AF_2020",
        "COUNTY_CLOSING_SETS",
        "COUNTY_COMPLETE_2019",
        "COUNTY_KEPT_SETS",
        "DS_RURAL_NEW_OFFICES",
        "LANSSTYRELSEN_2019",
        "NO_STATE_WORKPLACE_2019",
        "STATSKONTORET_2019",
        "STATUS_RULES",
        "THELOCAL",
        "THELOCAL_CLOSURE_LIST",
        "THELOCAL_RANGE",
        "RuleResult",
        "candidate_offices",
        "in_thelocal_range",
        "office_status",
        "rule_af_2020_subset_of_2019",
        "rule_closed_before_2019",
        "rule_conflicting_sources",
        "rule_county_complete_2019",
        "rule_county_kept_set",
        "rule_ds2020_29_rural_new_offices",
        "rule_no_state_workplace_2019",
        "rule_not_in_county_closing_set",
        "rule_not_kept_not_closing_2019",
        "rule_not_on_closure_list",
        "rule_ssc_2019_from_2020",
        "rule_ssc_2020_from_2019",
        "swedish_sort_key",
    ),
}


#: Forwarded names that ``from narvaro.offices import *`` exported before the split.
__all__ += [n for n in _FORWARDED["kommun_status"] if n in _STAR_EXPORTS]


def __getattr__(name: str) -> object:
    for module, names in _FORWARDED.items():
        if name in names:
            return getattr(importlib.import_module(f".{module}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
