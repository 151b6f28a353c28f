"""Office lists: reading, validating and describing the project's and an analyst's lists.

The project's office lists live in ``data/offices/<network>.csv`` (see its README.md). Every
row states one office with the public page(s) that say it existed; nothing is guessed. The
lists are incomplete, so every result carries its completeness (e.g. "AF 2020: 39 of 106
offices known"). Analysts with an official list load it with :func:`read_offices`.

The networks and their published counts are in :mod:`narvaro.offices.sources`; status per
kommun and candidate offices in :mod:`narvaro.offices.status`, which builds on this module;
:mod:`narvaro.offices.load` composes the two.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..data import layers as data
from ..errors import DataError, InputValueError, NarvaroError, OfficeListError, UnknownNetworkError
from ..provenance import get_provenance, set_provenance
from .geocode import geocode_towns, parse_float
from .sources import (
    COLUMNS,
    NETWORKS,
    ORG_NAMES,
    ORGS,
    PUBLISHED,
    is_weak_source,
    network_label,
    published_count,
)

__all__ = [
    "offices_dir",
    "load_confirmed",
    "read_offices",
    "validate_offices",
    "network_table",
    "office_completeness",
    "completeness_label",
    "is_candidate",
    "is_weak",
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
    packaged = Path(str(resources.files("narvaro"))) / "offices" / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "offices"


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
def _same_office(df: pd.DataFrame, lat: pd.Series, lon: pd.Series, labels: Sequence[Any], word: str) -> list[str]:
    """Per row, "" or the problem "the same office as <word> N": same org, name and position, other id.

    Two rows under the same ``office_id`` are reported as duplicate ids instead.
    """
    name = df["name"].astype("string").fillna("").str.strip().str.casefold()
    org = df["org"].astype("string").fillna("").str.strip()
    ids = df["office_id"].astype("string").fillna("").str.strip()
    ok = (name != "") & np.isfinite(lat.to_numpy(dtype=float, na_value=np.nan)) & np.isfinite(
        lon.to_numpy(dtype=float, na_value=np.nan))
    key = org + "|" + name + "|" + lat.round(5).astype("string") + "|" + lon.round(5).astype("string")
    out = [""] * len(df)
    for _, idx in pd.Series(np.arange(len(df)))[ok.to_numpy()].groupby(key[ok].to_numpy()):
        rows = idx.to_numpy()
        if len(rows) < 2 or ids.iloc[rows].nunique() < 2:
            continue
        for i in rows:
            others = ", ".join(f"{word} {labels[j]} ({ids.iloc[j]!r})" for j in rows if j != i)
            out[i] = f"the same office (org, name and position) as {others} under another office_id"
    return out


def _problems(df: pd.DataFrame, labels: Sequence[Any] | None = None, word: str = "row") -> list[list[str]]:
    """Return, per row of ``df`` (already geocoded, string columns), the list of problems.

    ``labels`` (default ``df.index``) name the rows in problems that refer to other rows, as
    "``word`` label" (e.g. "line 5").
    """
    labels = list(df.index) if labels is None else list(labels)
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
    same = _same_office(df, lat, lon, labels, word)
    for i in range(n):
        p = found[i]
        if ids.iloc[i] == "":
            p.append("missing office_id")
        elif dup.iloc[i]:
            p.append(f"duplicate office_id {ids.iloc[i]!r}")
        if same[i]:
            p.append(same[i])
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


def validate_offices(
    df: pd.DataFrame,
    errors: str = "raise",
    what: str = "office list",
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Check an office table; raise :class:`OfficeListError` listing every bad row, or flag them.

    Checks: missing coordinates and no town; town not found in its kommun (when it had to be
    geocoded); unknown kommunkod; point outside Sweden (``settings.SWEDEN_BBOX_WGS84``) or
    farther than ``settings.KOMMUN_TOLERANCE_M`` outside its own kommun; missing or duplicate
    ``office_id``; the same office (org, name and position) under two ids; org other than
    "af"/"ssc"; non-numeric coordinates.

    Parameters
    ----------
    df : DataFrame
        Office rows with at least the :data:`COLUMNS`.
    errors : {"raise", "flag"}
        "raise" raises on any problem; "flag" returns ``df`` with a ``problem`` column
        ("" for good rows, problems joined by "; ").
    what : str
        Name of the list, for the message.
    lines : sequence of int, optional
        The file line of each row (header = line 1): problems then name rows by line
        ("line 2" is the first data row). Default: rows are named by their index label.
    """
    _check_errors(errors)
    if lines is not None and len(lines) != len(df):
        raise InputValueError(f"lines must give one line number per row ({len(df)}), not {len(lines)}")
    labels = list(df.index) if lines is None else [int(x) for x in lines]
    word = "row" if lines is None else "line"
    found = _problems(df, labels, word)
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
        for i, (label, p) in enumerate(zip(labels, found, strict=True))
        if p
    ]
    if rows:
        raise OfficeListError(f"{what}: bad office rows", rows, row_word=word)
    return df


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "flag"):
        raise InputValueError(f"errors must be 'raise' or 'flag', not {errors!r}")


# --------------------------------------------------------------------------------------
# Building and loading the project lists
# --------------------------------------------------------------------------------------
def _read_network_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise OfficeListError(f"{path.name}: missing columns {missing}")
    return df[COLUMNS]


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
    # a row whose every source is an aggregator copy is "weak" (sources.WEAK_SOURCES)
    gdf["basis"] = np.where(gdf["source"].map(is_weak_source).to_numpy(dtype=bool), "weak", "confirmed")
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
    return [_office_prov(p, _n_known(network_table(p))) for p in parts]


def _n_known(rows: pd.DataFrame) -> int:
    """Rows that count as known offices: every row but the weak ones (aggregator source only)."""
    return int((~is_weak(rows)).sum())


def load_confirmed(name: str) -> gpd.GeoDataFrame:
    """Return the confirmed rows of a network (or a "+" combination) in EPSG:3006.

    :func:`narvaro.offices.load_offices` adds candidate offices on top of this.
    In a combination a later network's row replaces an earlier row with the same ``office_id``.
    """
    parts = _split_names(name)
    combined = pd.concat([network_table(p).copy() for p in parts], ignore_index=True)
    combined = combined.drop_duplicates("office_id", keep="last").reset_index(drop=True)
    gdf = gpd.GeoDataFrame(combined, geometry="geometry", crs=settings.CRS_COMPUTE)
    set_provenance(gdf, offices=_provenance(name, parts, _n_known(gdf)))
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
        "Kommunkod": "kommunkod"}``. Every key must be a column of the file and every value
        one of narvaro's columns (:data:`COLUMNS`, ``lat``, ``lon``); anything else raises.
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

    Raises
    ------
    OfficeListError
        A file without offices, missing columns, or bad rows; rows are named by their file
        line (header = line 1, first data row = line 2), every one of them.
    InputValueError
        ``errors``, ``org`` or ``columns`` outside their valid values (a ValueError).
    """
    _check_errors(errors)
    if org is not None and org not in ORGS:
        raise InputValueError(f"org must be one of {', '.join(ORGS)}, not {org!r}")
    path = Path(path)
    label = name or path.stem
    df = _read_table(path)
    df.columns = [str(c).strip() for c in df.columns]
    if columns:
        df = df.rename(columns=_check_columns(columns, list(df.columns), path.name))
    if df.columns.duplicated().any():
        dups = sorted(set(df.columns[df.columns.duplicated()]))
        raise OfficeListError(f"{path.name}: duplicate column names {dups}")
    if len(df) == 0:
        raise OfficeListError(f"{path.name}: the office list holds no offices (a header but no data rows)")
    if org is not None and "org" not in df.columns:
        df["org"] = org
    required = ["org", "kommunkod"]
    missing = [c for c in required if c not in df.columns]
    if "town" not in df.columns and not {"lat", "lon"} <= set(df.columns):
        missing.append("town (or lat and lon)")
    if missing:
        raise OfficeListError(
            f"{path.name}: missing column(s) {', '.join(missing)} (the file has: {', '.join(map(str, df.columns))}); "
            "name yours with --columns \"Yours=ours,...\" on the command line or columns={'Yours': 'ours'} in Python",
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
    df["org"] = df["org"].str.lower().replace(ORG_NAMES)
    no_id = df["office_id"] == ""
    df.loc[no_id, "office_id"] = [f"{label}-{i}" for i in np.flatnonzero(no_id.to_numpy())]
    lines = df.index.to_numpy()
    df = df.reset_index(drop=True)
    geo = geocode_towns(df[COLUMNS], unmatched="none")
    geo["geocode"] = geo["geocode"].where(geo["lat"].notna(), "")
    for col in ("lat", "lon"):  # keep unparseable text so that validation can name it
        raw = df[col]
        bad = (raw != "") & parse_float(raw).isna()
        geo[col] = geo[col].astype(object).where(~bad, raw)
    extra = [c for c in df.columns if c not in COLUMNS]
    geo = pd.concat([geo, df[extra]], axis=1)
    checked = validate_offices(geo, errors=errors, what=path.name, lines=lines)
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


def _check_columns(columns: Mapping[str, str], present: list[str], what: str) -> dict[str, str]:
    """The ``columns`` mapping (theirs -> ours), checked against the file's columns and ours."""
    ours = list(dict.fromkeys([*COLUMNS, "lat", "lon"]))
    mapping = {str(k).strip(): str(v).strip() for k, v in dict(columns).items()}
    if mapping and all(k in ours and v in present and k not in present for k, v in mapping.items()):
        raise InputValueError(
            f"columns looks reversed: it maps yours -> ours, e.g. {{'{next(iter(mapping.values()))}': "
            f"'{next(iter(mapping))}'}}, not ours -> yours"
        )
    bad = [v for v in mapping.values() if v not in ours]
    if bad:
        raise InputValueError(
            f"columns maps to {', '.join(map(repr, bad))}, not one of narvaro's columns ({', '.join(ours)})"
        )
    absent = [k for k in mapping if k not in present]
    if absent:
        raise OfficeListError(
            f"{what}: columns names {', '.join(map(repr, absent))}, not a column of the file "
            f"(the file has: {', '.join(present)})"
        )
    return mapping


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Excel file as strings; wrap every reader failure in OfficeListError.

    The index of the result is each row's line in the file (header = line 1); blank lines
    are dropped but counted.
    """
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
                io.StringIO(text), dtype=str, sep=sep, keep_default_na=False, skipinitialspace=True,
                skip_blank_lines=False,
            )
    except NarvaroError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for malformed files
        kind = "an Excel workbook" if path.suffix.lower() in (".xlsx", ".xls") else "a CSV table"
        raise OfficeListError(
            f"{path.name}: could not read the office list as {kind}; save it as .xlsx or as UTF-8 .csv"
        ) from exc
    if df.empty and len(df.columns) == 0:
        raise OfficeListError(f"{path.name}: the file holds no table")
    df.index = np.arange(2, len(df) + 2)  # file lines: the header is line 1
    blank = df.astype("string").fillna("").apply(lambda col: col.str.strip()).eq("").all(axis=1)
    return df[~blank.to_numpy()]


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
        known = _n_known(network_table(name))
        rows.append((name, "offices", known, net.published, net.published_source, net.published_note))
    for expr, counted, published, source, note in PUBLISHED:
        gdf = load_confirmed(expr)
        # a kommun whose only rows are weak (aggregator-only source) is not a known kommun
        known = _n_known(gdf) if counted == "offices" else gdf.loc[~is_weak(gdf), "kommunkod"].nunique()
        rows.append((expr, counted, known, published, source, note))
    df = pd.DataFrame(
        rows, columns=["network", "counted", "rows_known", "published_count", "published_source", "note"]
    )
    df.insert(4, "ratio", (df["rows_known"] / df["published_count"]).round(3))
    return df


def is_candidate(offices: pd.DataFrame) -> pd.Series:
    """Return a boolean Series: True for offices that are not confirmed.

    That is ``basis == "candidate"`` (a position assumed for a kommun whose status is not pinned
    down) or ``basis == "weak"`` (a row whose only source is an aggregator copy,
    :data:`narvaro.offices.sources.WEAK_SOURCES`): both may or may not be there. Offices
    without a ``basis`` column are all confirmed (an analyst's list, a network CSV).
    """
    if "basis" not in offices.columns:
        return pd.Series(False, index=offices.index)
    basis = offices["basis"].astype("string").str.lower()
    return basis.isin(["candidate", "weak"]).fillna(False).astype(bool)


def is_weak(offices: pd.DataFrame) -> pd.Series:
    """Return a boolean Series: True for weak rows (``basis == "weak"``, aggregator-only source)."""
    if "basis" not in offices.columns:
        return pd.Series(False, index=offices.index)
    return offices["basis"].astype("string").str.lower().eq("weak").fillna(False).astype(bool)


def completeness_label(network: str) -> str:
    """Return e.g. "AF 2020: 39 of 106 offices known" for a network or a "+" combination."""
    return "; ".join(entry["label"] for entry in get_provenance(load_confirmed(network))["offices"])


