"""Office networks: AF offices and SSC servicekontor, geocoded offline, with completeness.

The project's office lists live in ``data/offices/<network>.csv`` (see its README.md). Every
row states one office with the public page(s) that say it existed; nothing is guessed. The
lists are incomplete, so every result carries its completeness (e.g. "AF 2020: 37 of 106
offices known") and :func:`office_status` says, for each of the 290 kommuner, whether an
office is confirmed, ruled out by a named rule, or unknown. :func:`candidate_offices` puts
one candidate office in every kommun whose status is open, for bounds in the coverage
analysis. Analysts with an official list load it with :func:`read_offices`.

Public functions
----------------
load_offices, read_offices, geocode_towns, build_office_lists, office_completeness,
completeness_label, office_status, candidate_offices, NETWORKS, STATUS_RULES.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import data, settings
from .errors import DataError, NarvaroError, OfficeListError, UnknownNetworkError
from .provenance import set_provenance

__all__ = [
    "COLUMNS",
    "NETWORKS",
    "GEOCODE_METHODS",
    "STATUS_RULES",
    "offices_dir",
    "load_offices",
    "read_offices",
    "validate_offices",
    "geocode_towns",
    "build_office_lists",
    "office_completeness",
    "completeness_label",
    "office_status",
    "candidate_offices",
    "swedish_sort_key",
    "in_thelocal_range",
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
#: How a row's point was found: SCB tätort 2020 with the same name in the same kommun, the
#: same after normalisation, the kommun's centralort, a street address, or given coordinates.
GEOCODE_METHODS = ("tatort_exact", "tatort_normalised", "centralort", "address", "given")
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
    import os
    from importlib import resources

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


# --------------------------------------------------------------------------------------
# Name normalisation and geocoding
# --------------------------------------------------------------------------------------
_DEL_AV = re.compile(r"\s*\((?:del av|del)[^)]*\)\s*$")


def _normalise(name: object) -> str:
    """Casefold, drop "(del av ...)" suffixes, treat hyphens as spaces; keep å/ä/ö."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFC", name).casefold().strip()
    text = _DEL_AV.sub("", text)
    text = re.sub(r"[-\u2013_/]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _name_variants(tatort: str) -> set[str]:
    """Normalised names a tätort answers to: itself and each part of "A och B"."""
    base = _normalise(tatort)
    out = {base}
    if " och " in base:
        out.update(p.strip() for p in base.split(" och ") if p.strip())
    return out


@functools.cache
def _tatort_index() -> tuple[dict, dict]:
    """(exact, normalised) lookups: (kommunkod, name) -> (x, y) of the most populous match."""
    tat = data.load_tatorter().sort_values("population", ascending=True)
    exact: dict[tuple[str, str], tuple[float, float]] = {}
    norm: dict[tuple[str, str], tuple[float, float]] = {}
    for row in tat.itertuples():
        xy = (row.geometry.x, row.geometry.y)
        exact[(row.kommunkod, row.tatort)] = xy  # ascending sort: the largest wins
        for variant in _name_variants(row.tatort):
            norm[(row.kommunkod, variant)] = xy
    return exact, norm


@functools.cache
def _centralorter() -> pd.DataFrame:
    c = data.load_centralorter()
    return pd.DataFrame(
        {
            "centralort": c["centralort"].to_numpy(),
            "x": c.geometry.x.to_numpy(),
            "y": c.geometry.y.to_numpy(),
        },
        index=c["kommunkod"].to_numpy(),
    )


@functools.cache
def _kommun_table() -> gpd.GeoDataFrame:
    return data.load_kommuner().set_index("kommunkod")


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=settings.CRS_COMPUTE).to_crs(settings.CRS_STORE)
    return pts.x.to_numpy(), pts.y.to_numpy()


def _as_float(series: pd.Series) -> pd.Series:
    values = pd.to_numeric(
        series.astype("string").str.strip().str.replace(",", ".", regex=False), errors="coerce"
    )
    return pd.Series(values.to_numpy(dtype="float64", na_value=np.nan), index=series.index)


def geocode_towns(df: pd.DataFrame, unmatched: str = "centralort") -> pd.DataFrame:
    """Fill ``lat``/``lon``/``geocode`` from ``town`` + ``kommunkod`` where coordinates are missing.

    Order: SCB tätort 2020 with the same name in the same kommun (``tatort_exact``), the same
    after normalisation (case, hyphens, "(del av ...)", either half of "A och B";
    ``tatort_normalised``), else the kommun's centralort (``centralort``). Rows that already
    have both coordinates keep them (``geocode`` "given" unless set). Rows with an unknown
    kommunkod are left empty.

    Parameters
    ----------
    df : DataFrame
        With columns ``town``, ``kommunkod`` and optionally ``lat``, ``lon``, ``geocode``.
    unmatched : {"centralort", "none"}
        What to do with an empty town or a town that matches no tätort in its kommun: place
        it at the kommun's centralort (used when building the project lists, where
        kommun-level facts name no town) or leave it without coordinates (used by
        :func:`read_offices`, which then reports the row).

    Returns
    -------
    DataFrame
        A copy of ``df`` with ``lat``, ``lon`` (floats, WGS84) and ``geocode`` filled.
    """
    if unmatched not in ("centralort", "none"):
        raise ValueError("unmatched must be 'centralort' or 'none'")
    out = df.copy()
    for col in ("lat", "lon", "geocode"):
        if col not in out.columns:
            out[col] = np.nan if col != "geocode" else ""
    lat = _as_float(out["lat"])
    lon = _as_float(out["lon"])
    geocode = out["geocode"].astype("string").fillna("").str.strip()
    has_xy = lat.notna() & lon.notna()
    geocode = geocode.where(~has_xy | (geocode != ""), "given")
    exact, norm = _tatort_index()
    central = _centralorter()
    xs = np.full(len(out), np.nan)
    ys = np.full(len(out), np.nan)
    methods = geocode.to_numpy(dtype=object).copy()
    towns = (
        out["town"].astype("string").fillna("").str.strip().to_numpy() if "town" in out else [""] * len(out)
    )
    kods = out["kommunkod"].astype("string").fillna("").str.strip().to_numpy()
    for i, (town, kod) in enumerate(zip(towns, kods, strict=True)):
        if has_xy.iloc[i] or kod not in central.index:
            continue
        hit, how = None, ""
        if town:
            if (kod, town) in exact:
                hit, how = exact[(kod, town)], "tatort_exact"
            elif (kod, _normalise(town)) in norm:
                hit, how = norm[(kod, _normalise(town))], "tatort_normalised"
        if hit is None and unmatched == "centralort":
            hit, how = (central.at[kod, "x"], central.at[kod, "y"]), "centralort"
        if hit is not None:
            xs[i], ys[i] = hit
            methods[i] = how
    todo = ~np.isnan(xs)
    if todo.any():
        lo, la = _to_wgs84(xs[todo], ys[todo])
        lon = lon.copy()
        lat = lat.copy()
        lon[todo] = np.round(lo, 6)
        lat[todo] = np.round(la, 6)
    out["lat"] = lat.astype(float).to_numpy()
    out["lon"] = lon.astype(float).to_numpy()
    out["geocode"] = methods
    return out


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
    lat = _as_float(df["lat"])
    lon = _as_float(df["lon"])
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
        lon_min, lat_min, lon_max, lat_max = settings.SWEDEN_BBOX_WGS84
        in_box = lon.between(lon_min, lon_max) & lat.between(lat_min, lat_max)
        for i in np.flatnonzero((ok & ~in_box).to_numpy()):
            found[i].append(f"point ({lat.iloc[i]:.5f}, {lon.iloc[i]:.5f}) lies outside Sweden")
        check = (ok & in_box & kods.isin(codes)).to_numpy()
        if check.any():
            idx = np.flatnonzero(check)
            pts = gpd.GeoSeries(gpd.points_from_xy(lon.iloc[idx], lat.iloc[idx]), crs=settings.CRS_STORE)
            pts = pts.to_crs(settings.CRS_COMPUTE)
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
    _network_table.cache_clear()
    _office_status_default.cache_clear()
    return counts


def _to_geodataframe(df: pd.DataFrame) -> gpd.GeoDataFrame:
    lat = _as_float(df["lat"])
    lon = _as_float(df["lon"])
    ok = (np.isfinite(lat) & np.isfinite(lon)).fillna(False).to_numpy(dtype=bool)
    geom = gpd.GeoSeries(gpd.points_from_xy(lon.fillna(0), lat.fillna(0)), crs=settings.CRS_STORE)
    geom[~ok] = None
    out = df.copy()
    out["lat"] = lat.to_numpy()
    out["lon"] = lon.to_numpy()
    return gpd.GeoDataFrame(out, geometry=geom, crs=settings.CRS_STORE).to_crs(settings.CRS_COMPUTE)


@functools.cache
def _network_table(name: str) -> gpd.GeoDataFrame:
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


def _provenance(name: str, parts: list[str], known_total: int) -> list[dict]:
    """Office provenance entries: one per network, or one for a combination with a published count."""
    for expr, counted, published, _source, _note in _EXTRA_PUBLISHED:
        if expr == name and counted == "offices":
            label = " + ".join(NETWORKS[p].label for p in parts)
            return [
                {
                    "name": name,
                    "known": int(known_total),
                    "published": published,
                    "label": f"{label}: {known_total} of {published} offices known",
                }
            ]
    return [_office_prov(p, len(_network_table(p))) for p in parts]


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
        completeness, e.g. "AF 2020: 37 of 106 offices known".

    Raises
    ------
    UnknownNetworkError
        For a name that is not a known network (the message lists the valid ones).
    """
    parts = _split_names(name)
    frames = [_network_table(p).copy() for p in parts]
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.drop_duplicates("office_id", keep="last").reset_index(drop=True)
    prov = _provenance(name, parts, len(combined))
    if include_candidates:
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
        bad = (raw != "") & _as_float(raw).isna()
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
            import io

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
        known = len(_network_table(name))
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


def completeness_label(network: str) -> str:
    """Return e.g. "AF 2020: 37 of 106 offices known" for a network or a "+" combination."""
    parts = _split_names(network)
    known = len(load_offices(network))
    return "; ".join(entry["label"] for entry in _provenance(network, parts, known))


# --------------------------------------------------------------------------------------
# Office status per kommun: named rules
# --------------------------------------------------------------------------------------
ARBETSMARKNAD_2019_03_29 = "http://www.arbetsmarknad.se/nyhet/4368/"
THELOCAL = "https://www.thelocal.se/20190328/these-are-the-towns-across-sweden-where-job-centres-are-closing"
#: The Local's alphabetical list of kommuner where AF planned to close offices (28 March 2019),
#: complete from "Ale" to "Härnösand" (the stored copy is cut after it).
THELOCAL_CLOSURE_LIST = (
    "Ale",
    "Alvesta",
    "Aneby",
    "Arboga",
    "Askersund",
    "Berg",
    "Bjurholm",
    "Bjuv",
    "Boden",
    "Borgholm",
    "Bromölla",
    "Bräcke",
    "Burlöv",
    "Båstad",
    "Dals-Ed",
    "Dorotea",
    "Eksjö",
    "Emmaboda",
    "Enköping",
    "Fagersta",
    "Falkenberg",
    "Falköping",
    "Falun",
    "Finspång",
    "Flen",
    "Forshaga",
    "Grums",
    "Göteborg",
    "Hagfors",
    "Hallsberg",
    "Hallstahammar",
    "Hedemora",
    "Hofors",
    "Hylte",
    "Hällefors",
    "Härjedalen",
    "Härnösand",
)
THELOCAL_RANGE = ("Ale", "Härnösand")

#: Counties where one page states the complete set of offices the 2019 decision kept:
#: lanskod -> (kommunkoder kept, source, what the page says).
COUNTY_KEPT_SETS: dict[str, tuple[frozenset[str], str, str]] = {
    "20": (
        frozenset({"2062", "2081", "2084", "2085", "2023", "2039"}),
        "https://www.dalademokraten.se/artikel/dalarnas-lan/dalarnas-kommunalrad-rasar-mot-arbetsformedlingens-"
        "nedrustning-istallet-behover-vi-kommuner-mer-statliga-pengar-och-resurser",
        "Dalarna: the proposal keeps Mora, Borlänge, Avesta and partly Ludvika, Malung, Älvdalen",
    ),
    "05": (
        frozenset({"0580", "0581", "0583", "0586"}),
        "https://affarsliv.com/nyheter/norrkoping/kontor-stangs-nar-af-sparar-om5934057.aspx",
        "Östergötland keeps only Linköping, Norrköping, Motala and Mjölby",
    ),
    "18": (
        frozenset({"1880", "1885"}),
        "https://www.orebrokuriren.se/2019/03/28/arbetsformedlingen-kan-lagga-ner-fem-kontor-orebro-och-lindesberg-blir-kvar/",
        "Örebro län: only the Örebro and Lindesberg offices remain",
    ),
    "07": (
        frozenset({"0780", "0765", "0781"}),
        "https://mosaik.vxonews.se/article/employment-service-closes/",
        "Kronoberg: only Växjö, Älmhult and Ljungby keep offices",
    ),
    "17": (
        frozenset({"1737", "1780", "1782", "1784", "1785"}),
        "https://www.vf.se/2019/04/07/ger-manga-vita-flackar-i-lanet/",
        "Värmland: the proposal keeps Torsby, Karlstad, Filipstad, Arvika, Säffle; "
        "the rest of the county none",
    ),
    "24": (
        frozenset({"2480", "2482", "2481", "2421", "2462"}),
        "https://www.svt.se/nyheter/lokalt/vasterbotten/sektionschef-joachim-ejderhall-for-arbetsformedlingen-"
        "i-vilhelmina-dorotea-och-asele-det-kanns-tungt?lokalmeny=1",
        "Västerbotten: eleven offices close; Umeå, Skellefteå, Lycksele remain, Storuman and Vilhelmina "
        "remain unstaffed",
    ),
}
#: Counties where one page states the complete set of offices the 2019 decision closed:
#: lanskod -> (kommunkoder with a closing office, source, what the page says).
COUNTY_CLOSING_SETS: dict[str, tuple[frozenset[str], str, str]] = {
    "25": (
        frozenset({"2581", "2582", "2518"}),
        "https://pt.se/nyheter/pitea/artikel/hur-ska-nyanlanda-nu-komma-in-i-samhallet/lq1q21kr",
        "Norrbotten: besides Piteå, the Boden and Övertorneå offices are proposed to close",
    ),
    "05": (
        frozenset({"0513", "0561", "0562", "0563", "0581"}),
        "https://affarsliv.com/nyheter/norrkoping/kontor-stangs-nar-af-sparar-om5934057.aspx",
        "Östergötland: Kinda, Åtvidaberg, Finspång, Valdemarsvik and Norrköping's youth office close",
    ),
    "07": (
        frozenset({"0764", "0761", "0763", "0767", "0760"}),
        "https://mosaik.vxonews.se/article/employment-service-closes/",
        "Kronoberg: the offices in Alvesta, Lessebo, Tingsryd, Markaryd and Uppvidinge close",
    ),
}
#: Counties where a page states both the kept and the closing offices, i.e. the whole 2019 set.
COUNTY_COMPLETE_2019: dict[str, tuple[str, str]] = {
    "05": (
        COUNTY_KEPT_SETS["05"][1],
        "Östergötland keeps only four offices; the four others (Kinda, Åtvidaberg, "
        "Finspång, Valdemarsvik) close",
    ),
    "07": (
        COUNTY_KEPT_SETS["07"][1],
        "Kronoberg: five offices close, only Växjö, Älmhult and Ljungby keep theirs",
    ),
}
#: Länsstyrelserna (coord. Örebro, 7 June 2019): the 15 kommuner with no state workplace in 2019.
NO_STATE_WORKPLACE_2019 = {
    "0140": "Nykvarn",
    "0512": "Ydre",
    "0604": "Aneby",
    "0617": "Gnosjö",
    "0642": "Mullsjö",
    "0643": "Habo",
    "1273": "Osby",
    "1444": "Grästorp",
    "1445": "Essunga",
    "1447": "Gullspång",
    "1473": "Töreboda",
    "1497": "Hjo",
    "2026": "Gagnef",
    "2034": "Orsa",
    "2082": "Säter",
}
LANSSTYRELSEN_2019 = (
    "https://www.lansstyrelsen.se/orebro (2019-06-07: statliga kontor i 275 av 290 kommuner; "
    "delredovisning 2019:23)"
)
STATSKONTORET_2019 = (
    "https://www.statskontoret.se/publicerat/publikationer/publikationer/planerad-lokalisering-av-statlig-verksamhet"
    "--en-kartlaggning-av-tio-storre-myndigheter/"
)
#: Kommuner whose sources disagree on the 2020 fate of a 2019 office: kommunkod -> sources.
CONFLICTS_AF_2020 = {
    "1487": "https://vastsverige.lo.se/vastsverige/nyheter/arbetsformedlingen_overger_fyrbodal ; "
    "https://rininsland.blog/2020/02/19/det-later-battre/",
}

_SV_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"


def swedish_sort_key(name: str) -> tuple:
    """Sort key in Swedish alphabetical order (å, ä, ö after z; hyphens and spaces first)."""
    text = unicodedata.normalize("NFC", name).casefold()
    key = []
    for ch in text:
        if ch in _SV_ALPHABET:
            key.append(1 + _SV_ALPHABET.index(ch))
        elif ch in " -":
            key.append(0)
        else:
            key.append(100 + ord(ch))
    return tuple(key)


def in_thelocal_range(kommunnamn: str) -> bool:
    """True if the kommun sorts within the visible part (Ale..Härnösand) of The Local's list."""
    lo, hi = (swedish_sort_key(x) for x in THELOCAL_RANGE)
    return lo <= swedish_sort_key(kommunnamn) <= hi


@functools.cache
def _af_facts() -> pd.DataFrame:
    return pd.read_csv(data.fetch("offices/af_facts_2019_2020.csv"), dtype=str, keep_default_na=False)


def _years(text: str) -> list[int]:
    return [int(y) for y in re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", text or "")]


# A rule takes the context and returns {kommunkod: (status, source, detail)} for the kommuner it decides.
RuleResult = dict[str, tuple[str, str, str]]


@dataclass
class _Context:
    network: str
    kommuner: pd.DataFrame  # kommunkod, kommunnamn, lanskod
    offices: gpd.GeoDataFrame  # the network's rows
    status: Callable[[str], pd.DataFrame]  # status table of another network


def rule_county_complete_2019(ctx: _Context) -> RuleResult:
    """af_2019 none: a page lists a county's kept *and* closing offices, so its other kommuner had none.

    Östergötland (affarsliv.com) and Kronoberg (vxonews) state both lists.
    """
    have = set(ctx.offices["kommunkod"])
    out = {}
    for lan, (src, what) in COUNTY_COMPLETE_2019.items():
        for kod in ctx.kommuner.loc[ctx.kommuner["lanskod"] == lan, "kommunkod"]:
            if kod not in have:
                out[kod] = ("none", src, what)
    return out


def rule_not_kept_not_closing_2019(ctx: _Context) -> RuleResult:
    """af_2019 none: absent from The Local's closure list (Ale..Härnösand) and not in a complete kept set.

    Every office that existed when the 2019 decision was taken was either kept or closed (132
    of the 238 offices of the time closed, 106 kept: arbetsmarknad.se, 29 March 2019), so a
    kommun with neither a kept office (the county's kept set is complete) nor a closing one
    (it sorts inside the complete part of The Local's list and is absent) had no office.
    """
    listed = {swedish_sort_key(n) for n in THELOCAL_CLOSURE_LIST}
    out = {}
    for lan, (kept, src, what) in COUNTY_KEPT_SETS.items():
        sub = ctx.kommuner[ctx.kommuner["lanskod"] == lan]
        for kod, namn in zip(sub["kommunkod"], sub["kommunnamn"], strict=True):
            if kod in kept or not in_thelocal_range(namn) or swedish_sort_key(namn) in listed:
                continue
            out[kod] = (
                "none",
                f"{THELOCAL} ; {ARBETSMARKNAD_2019_03_29} ; {src}",
                f"{namn} is absent from The Local's closure list (complete Ale..Härnösand) "
                f"and not kept ({what})",
            )
    return out


def rule_closed_before_2019(ctx: _Context) -> RuleResult:
    """af_2019 none: the only facts about the kommun are office closures dated before 2019.

    Statskontoret (2019): AF closed all activity in 60 kommuner 2014-2018. A kommun whose
    office is stated closed before 2019 and for which no fact dated 2019 or later (or
    undated) mentions an office is taken as without an office in 2019.
    """
    facts = _af_facts()
    facts = facts[facts["kommunkod"] != ""]
    out = {}
    for kod, grp in facts.groupby("kommunkod"):
        early = grp[
            (grp["af_status"] == "closed")
            & grp["date"].map(lambda d: bool(_years(d)) and max(_years(d)) < 2019)
        ]
        if early.empty:
            continue
        others = grp.drop(early.index)
        others = others[others["af_status"] != "no_office_2019"]
        if not others.empty:
            continue
        out[kod] = (
            "none",
            " ; ".join(dict.fromkeys(early["source_url"])) + f" ; {STATSKONTORET_2019}",
            "office closed before 2019: "
            + "; ".join(f"{p} ({d})" for p, d in zip(early["place"], early["date"], strict=True)),
        )
    return out


def rule_county_kept_set(ctx: _Context) -> RuleResult:
    """af_2020 none: a page states the county's complete set of kept offices.

    Dalarna, Östergötland, Örebro län, Kronoberg, Värmland and Västerbotten (see
    :data:`COUNTY_KEPT_SETS`).
    """
    have = set(ctx.offices["kommunkod"])
    out = {}
    for lan, (kept, src, what) in COUNTY_KEPT_SETS.items():
        for kod in ctx.kommuner.loc[ctx.kommuner["lanskod"] == lan, "kommunkod"]:
            if kod not in kept and kod not in have:
                out[kod] = ("none", src, what)
    return out


def rule_af_2020_subset_of_2019(ctx: _Context) -> RuleResult:
    """af_2020 none: no AF office in 2019 means none kept in 2020.

    The 2019 decision kept 106 of the existing offices and opened none; the 2020 changes
    (af_2020_changes) were all offices that existed in 2019.
    """
    st = ctx.status("af_2019")
    none = st[st["status"] == "none"]
    return {
        k: ("none", f"{s} ; {AF_NEWS_2019_03_28}", f"no AF office in 2019 ({r})")
        for k, s, r in zip(none["kommunkod"], none["source"], none["rule"], strict=True)
    }


def rule_conflicting_sources(ctx: _Context) -> RuleResult:
    """af_2020 unknown: sources disagree on whether the kommun's 2019 office was kept (Vänersborg)."""
    return {
        k: ("unknown", s, "sources disagree on whether the office was kept")
        for k, s in CONFLICTS_AF_2020.items()
    }


def rule_not_on_closure_list(ctx: _Context) -> RuleResult:
    """af_2020 confirmed (deduced): a 2019 office in a kommun absent from The Local's closure list.

    The kommun sorts within the complete part (Ale..Härnösand) of the list of kommuner where
    offices close, so its 2019 office(s) were kept: the proposal closed 132 of the 238 offices
    of the time and kept the other 106 (arbetsmarknad.se, 29 March 2019). Caveat: AF's
    4 March figure was 242 offices. No deduction where every known 2019 office of the kommun
    is stated closed.
    """
    listed = {swedish_sort_key(n) for n in THELOCAL_CLOSURE_LIST}
    st = ctx.status("af_2019")
    st = st[st["rule"] == "listed_office"]
    rows19 = _network_table("af_2019")
    closed = set(_network_table("af_closed_2020")["office_id"])
    all_closed = rows19.groupby("kommunkod")["office_id"].agg(lambda ids: set(ids) <= closed)
    out = {}
    for kod, namn, src in zip(st["kommunkod"], st["kommunnamn"], st["source"], strict=True):
        if (
            in_thelocal_range(namn)
            and swedish_sort_key(namn) not in listed
            and not all_closed.get(kod, False)
        ):
            out[kod] = (
                "confirmed",
                f"{THELOCAL} ; {ARBETSMARKNAD_2019_03_29} ; {src}",
                f"{namn} had an AF office in 2019 and is absent from The Local's closure list "
                "(Ale..Härnösand)",
            )
    return out


def rule_no_state_workplace_2019(ctx: _Context) -> RuleResult:
    """ssc_2019 none: Länsstyrelserna's 15 kommuner with no state workplace in 2019.

    A servicekontor is a state workplace (SSC's own staff work there), so these kommuner had
    none. (Not used for AF: Aneby and Orsa had AF offices that staff only travelled to.)
    """
    return {
        k: ("none", LANSSTYRELSEN_2019, f"{n}: no state workplace in 2019")
        for k, n in NO_STATE_WORKPLACE_2019.items()
        if k not in set(ctx.offices["kommunkod"])
    }


def rule_ssc_2020_from_2019(ctx: _Context) -> RuleResult:
    """ssc_2020 from ssc_2019: the network grew from 113 to 117 by the four June 2020 openings.

    113 (2019) + 4 opened in June 2020 (Storuman, Torsby, Vansbro, Åsele) = 117 (Dec 2020), so
    no servicekontor closed in between: a 2019 office is confirmed (deduced) for 2020, and a
    kommun without one in 2019 and without a 2020 opening has none.
    """
    st = ctx.status("ssc_2019")
    have = set(ctx.offices["kommunkod"])
    out = {}
    for kod, status, rule, src in zip(st["kommunkod"], st["status"], st["rule"], st["source"], strict=True):
        if kod in have:
            continue
        if status == "confirmed":
            out[kod] = (
                "confirmed",
                f"{src} ; {SSC_NEWS_2021_09_29} ; {PUBLIKT_2022_01_26}",
                "servicekontor in 2019 and none closed 2019-2020 (113 + 4 = 117)",
            )
        elif status == "none":
            out[kod] = (
                "none",
                f"{src} ; {PUBLIKT_2022_01_26}",
                f"none in 2019 ({rule}) and no 2020 opening (113 + 4 = 117)",
            )
    return out


def rule_not_in_county_closing_set(ctx: _Context) -> RuleResult:
    """af_2020 confirmed (deduced): a 2019 office in a county whose complete closing list omits it.

    Norrbotten (pt.se, 2 April 2019: besides Piteå, the Boden and Övertorneå offices close),
    Östergötland and Kronoberg. Every office of the time was either kept or closed (132 of
    238, arbetsmarknad.se), so a 2019 office in such a county outside the closing list was
    kept. Kommuner whose every known 2019 office closes are left to the other rules.
    """
    rows19 = _network_table("af_2019")
    closed = set(_network_table("af_closed_2020")["office_id"])
    have = set(ctx.offices["kommunkod"])
    lan_of = dict(zip(ctx.kommuner["kommunkod"], ctx.kommuner["lanskod"], strict=True))
    out = {}
    for kod, grp in rows19.groupby("kommunkod"):
        lan = lan_of.get(kod)
        if kod in have or lan not in COUNTY_CLOSING_SETS:
            continue
        closing, src, what = COUNTY_CLOSING_SETS[lan]
        open_rows = grp[~grp["office_id"].isin(closed)]
        if kod in closing or open_rows.empty:
            continue
        out[kod] = (
            "confirmed",
            f"{src} ; {ARBETSMARKNAD_2019_03_29} ; " + " ; ".join(dict.fromkeys(open_rows["source"])),
            f"2019 office not on the county's complete closing list ({what})",
        )
    return out


#: Ds 2020:29 (Dec 2020) proposes 15 new small or "flexi" servicekontor in rural kommuner or
#: kommuner hit by state closures, "places where people today have far to state service".
DS_RURAL_NEW_OFFICES = (
    "Askersund", "Boden", "Borgholm", "Finspång", "Filipstad", "Laholm", "Lysekil", "Nordmaling",
    "Nynäshamn", "Stenungsund", "Sölvesborg", "Tingsryd", "Ånge", "Åre", "Östhammar",
)  # fmt: skip


def rule_ds2020_29_rural_new_offices(ctx: _Context) -> RuleResult:
    """ssc_2019/ssc_2020 none: Ds 2020:29 proposes a first, small servicekontor in these 15 kommuner.

    The inquiry (Dec 2020) proposes 15 new small or flexi offices in rural kommuner or kommuner
    hit by state closures, to cover "places where people today have far to state service"
    (statenssc.se 2020-12-18); the offices were opened as new ones in 2022-2023. A kommun with
    a servicekontor in the list keeps its "listed_office" status.
    """
    have = set(ctx.offices["kommunkod"])
    names = dict(zip(ctx.kommuner["kommunnamn"], ctx.kommuner["kommunkod"], strict=True))
    return {
        names[n]: (
            "none",
            f"{SSC_NEWS_2020_12_18} ; {DS_2020_29}",
            f"{n}: Ds 2020:29 proposes a new small servicekontor where people have far to state service",
        )
        for n in DS_RURAL_NEW_OFFICES
        if names[n] not in have
    }


def rule_ssc_2019_from_2020(ctx: _Context) -> RuleResult:
    """ssc_2019 confirmed (deduced): a December 2020 servicekontor that was not a June 2020 opening.

    The 2020 network is the 2019 network plus the four June 2020 openings (113 + 4 = 117), so
    every other office listed for December 2020 (Visby, Skövde, Kiruna, Trelleborg ...) already
    existed in 2019. Caveat: SSC's "just under 100 kommuner" (2019) and Ds 2020:29's "110
    kommuner" (2020) are loose, so this rests on the office counts only.
    """
    rows = _network_table("ssc_2020")
    rows = rows[~rows["valid_from"].str.startswith("2020-06")]
    have = set(ctx.offices["kommunkod"])
    out = {}
    for kod, grp in rows.groupby("kommunkod"):
        if kod in have:
            continue
        out[kod] = (
            "confirmed",
            " ; ".join(dict.fromkeys(grp["source"])) + f" ; {SSC_NEWS_2021_09_29}",
            "servicekontor in Dec 2020 that was not one of the four June 2020 openings (113 + 4 = 117)",
        )
    return out


#: The ordered rules per network (after "listed_office", which confirms kommuner with a row).
STATUS_RULES: dict[str, list[Callable[[_Context], RuleResult]]] = {
    "af_2019": [rule_county_complete_2019, rule_not_kept_not_closing_2019, rule_closed_before_2019],
    "af_2020": [
        rule_conflicting_sources,
        rule_county_kept_set,
        rule_af_2020_subset_of_2019,
        rule_not_in_county_closing_set,
        rule_not_on_closure_list,
    ],
    "ssc_2019": [rule_no_state_workplace_2019, rule_ds2020_29_rural_new_offices, rule_ssc_2019_from_2020],
    "ssc_2020": [rule_ds2020_29_rural_new_offices, rule_ssc_2020_from_2019],
}
#: The end-2020 AF network (the 106 plus the June 2020 changes) uses the af_2020 rules.
STATUS_RULES["af_2020+af_2020_changes"] = STATUS_RULES["af_2020"]


def _org(network: str) -> str:
    return NETWORKS[network.split("+")[0]].org


def _label(network: str) -> str:
    return " + ".join(NETWORKS[p].label for p in network.split("+"))


def _rule_name(func: Callable) -> str:
    return func.__name__.removeprefix("rule_")


@functools.cache
def _kommun_frame() -> pd.DataFrame:
    k = data.load_kommuner()
    return (
        pd.DataFrame(k[["kommunkod", "kommunnamn", "lanskod"]])
        .sort_values("kommunkod")
        .reset_index(drop=True)
    )


def office_status(
    network: str, offices: gpd.GeoDataFrame | None = None, complete: bool = False
) -> pd.DataFrame:
    """Return the office status of each of the 290 kommuner in one network.

    Parameters
    ----------
    network : {"af_2019", "af_2020", "ssc_2019", "ssc_2020", "af_2020+af_2020_changes"}
        The network; the last is the end-2020 AF network (judged by the af_2020 rules).
    offices : GeoDataFrame, optional
        An office list to judge instead of the project's own (e.g. from :func:`read_offices`).
    complete : bool
        True if ``offices`` is a complete list (an official one): every kommun without an
        office is then "none" (rule ``complete_list``).

    Returns
    -------
    DataFrame
        290 rows: ``kommunkod``, ``kommunnamn``, ``status`` ("confirmed": an office with a
        source or a deduction; "none": a source or a documented deduction says there is
        none; "unknown"), ``rule`` (``listed_office``, ``complete_list``, a rule of
        :data:`STATUS_RULES` or ``no_rule``), ``source``, ``detail`` and ``n_offices`` (rows
        of the list in the kommun). Deduced presence has ``n_offices == 0``.
    """
    if network not in STATUS_RULES:
        raise UnknownNetworkError(
            f"no status rules for network {network!r}; choose from {list(STATUS_RULES)}"
        )
    return _office_status(network, offices, complete).copy()


def _office_status(network: str, offices: gpd.GeoDataFrame | None, complete: bool) -> pd.DataFrame:
    if offices is None:
        return _office_status_default(network)
    if "basis" in offices.columns:  # candidates are not offices
        offices = offices[offices["basis"] != "candidate"]
    if "problem" in offices.columns:  # rows flagged by read_offices(errors="flag")
        offices = offices[offices["problem"].fillna("") == ""]
    return _compute_status(network, offices, complete)


@functools.cache
def _office_status_default(network: str) -> pd.DataFrame:
    return _compute_status(network, load_offices(network), False)


def _compute_status(network: str, offices: pd.DataFrame, complete: bool) -> pd.DataFrame:
    kommuner = _kommun_frame()
    counts = offices.groupby("kommunkod").size() if len(offices) else pd.Series(dtype=int)
    sources = (
        offices.groupby("kommunkod")["source"].agg(
            lambda s: " ; ".join(
                dict.fromkeys(u.strip() for v in s for u in str(v).split(" ; ") if u.strip())
            )
        )
        if len(offices)
        else pd.Series(dtype=str)
    )
    table = kommuner.copy()
    table["n_offices"] = table["kommunkod"].map(counts).fillna(0).astype(int)
    table["status"] = "unknown"
    table["rule"] = "no_rule"
    table["source"] = ""
    table["detail"] = ""
    has = table["n_offices"] > 0
    table.loc[has, "status"] = "confirmed"
    table.loc[has, "rule"] = "listed_office"
    table.loc[has, "source"] = table.loc[has, "kommunkod"].map(sources).fillna("")
    table.loc[has, "detail"] = "office(s) in the list"
    decided = set(table.loc[has, "kommunkod"])
    if complete:
        rest = ~has
        table.loc[rest, ["status", "rule", "detail"]] = [
            "none",
            "complete_list",
            "no office in a complete list",
        ]
        table.loc[rest, "source"] = "office list declared complete"
        return table[["kommunkod", "kommunnamn", "status", "rule", "source", "detail", "n_offices"]]
    ctx = _Context(network, kommuner, offices, lambda other: _office_status_default(other))
    pos = {k: i for i, k in enumerate(table["kommunkod"])}
    for func in STATUS_RULES[network]:
        for kod, (status, src, detail) in func(ctx).items():
            if kod in decided or kod not in pos:
                continue
            i = pos[kod]
            table.iloc[i, table.columns.get_loc("status")] = status
            table.iloc[i, table.columns.get_loc("rule")] = _rule_name(func)
            table.iloc[i, table.columns.get_loc("source")] = src
            table.iloc[i, table.columns.get_loc("detail")] = detail
            decided.add(kod)
    return table[["kommunkod", "kommunnamn", "status", "rule", "source", "detail", "n_offices"]]


# --------------------------------------------------------------------------------------
# Candidate offices
# --------------------------------------------------------------------------------------
#: Networks whose rows give a candidate's location, in order of preference.
_LOCATION_HINTS = {
    "af_2019": [],
    "af_2020": ["af_2019"],
    "af_2020+af_2020_changes": ["af_2019"],
    "ssc_2019": ["ssc_2020"],
    "ssc_2020": ["ssc_2019"],
}


def candidate_offices(
    network: str, offices: gpd.GeoDataFrame | None = None, complete: bool = False
) -> gpd.GeoDataFrame:
    """Return one candidate office for every kommun whose office is not pinned down.

    A candidate stands in each kommun with status "unknown", and in each kommun whose
    presence is deduced by a rule without an office row (status "confirmed",
    ``n_offices == 0``). It stands at the town of an office stated in the kommun by a
    related list (for af_2020: a 2019 office not stated as closing; for ssc_2020: the 2019
    servicekontor; for ssc_2019: a 2020 servicekontor), else at the kommun's centralort
    (:func:`narvaro.data.load_centralorter`).

    Returns
    -------
    GeoDataFrame
        Same columns as :func:`load_offices`; ``status`` and ``basis`` are "candidate";
        ``source`` describes the basis; EPSG:3006.
    """
    st = office_status(network, offices=offices, complete=complete)
    want = st[(st["status"] == "unknown") | ((st["status"] == "confirmed") & (st["n_offices"] == 0))]
    org = _org(network)
    closed_ids = set(_network_table("af_closed_2020")["office_id"]) if network == "af_2020" else set()
    hints = []
    for other in _LOCATION_HINTS[network]:
        rows = _network_table(other)
        rows = rows[~rows["office_id"].isin(closed_ids)]
        hints.append((other, rows))
    central = data.load_centralorter().set_index("kommunkod")
    out = []
    for kod, namn, status, rule in zip(
        want["kommunkod"], want["kommunnamn"], want["status"], want["rule"], strict=True
    ):
        why = f"status {status} ({rule})"
        row = None
        for other, rows in hints:
            hit = rows[rows["kommunkod"] == kod]
            if len(hit):
                h = hit.sort_values("office_id").iloc[0]
                row = {
                    "town": h["town"],
                    "geometry": h.geometry,
                    "geocode": h["geocode"],
                    "source": f"candidate at the town of {other} office {h['office_id']} ({why})",
                }
                break
        if row is None:
            c = central.loc[kod]
            row = {
                "town": c["centralort"],
                "geometry": c.geometry,
                "geocode": "centralort",
                "source": f"candidate at the kommun's centralort {c['centralort']} ({why})",
            }
        out.append(
            {
                "office_id": f"{org}-{kod}-candidate",
                "org": org,
                "name": f"Candidate {_label(network)} {namn}",
                "kommunkod": kod,
                "status": "candidate",
                "valid_from": "",
                "valid_to": "",
                "note": "not a stated office: where an office would stand if the kommun has one",
                **row,
            }
        )
    cols = [c for c in COLUMNS if c not in ("lat", "lon")] + ["geometry"]
    gdf = gpd.GeoDataFrame(pd.DataFrame(out, columns=cols), geometry="geometry", crs=settings.CRS_COMPUTE)
    wgs = gdf.geometry.to_crs(settings.CRS_STORE)
    gdf["lat"] = np.round(wgs.y.to_numpy(), 6) if len(gdf) else []
    gdf["lon"] = np.round(wgs.x.to_numpy(), 6) if len(gdf) else []
    gdf["network"] = network
    gdf["basis"] = "candidate"
    gdf = gdf[COLUMNS + ["network", "basis", "geometry"]]
    set_provenance(
        gdf,
        offices=[
            {
                "name": f"{network} candidates",
                "known": 0,
                "published": None,
                "label": f"{_label(network)}: {len(gdf)} candidate offices",
            }
        ],
    )
    return gdf
