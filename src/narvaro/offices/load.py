"""Loading the shipped office networks, with candidate offices where a kommun is unknown, and
rebuilding their coordinates.

This module composes :mod:`narvaro.offices.lists` (the confirmed rows) with
:mod:`narvaro.offices.status` (status per kommun and candidate offices), one level above both.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import settings
from ..provenance import get_provenance, set_provenance
from .geocode import geocode_towns
from .lists import (
    _read_network_csv,
    _split_names,
    load_confirmed,
    network_table,
    offices_dir,
    validate_offices,
)
from .sources import COLUMNS, NETWORKS
from .status import STATUS_RULES, candidate_offices, clear_status_cache

__all__ = ["build_office_lists", "load_offices"]


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
    clear_status_cache()
    return counts


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
        Columns :data:`COLUMNS` + ``network``, ``basis`` ("confirmed"; "weak": a row whose only
        source is an aggregator copy, :data:`narvaro.offices.sources.WEAK_SOURCES`; "candidate"),
        geometry (EPSG:3006). ``.attrs["narvaro"]["offices"]`` lists each network with its
        completeness, e.g. "AF 2020: 39 of 106 offices known".

    Raises
    ------
    UnknownNetworkError
        For a name that is not a known network (the message lists the valid ones).
    """
    gdf = load_confirmed(name)
    if not include_candidates:
        return gdf
    parts = _split_names(name)
    prov = list(get_provenance(gdf)["offices"])
    # a combination with its own status table (af_2020+af_2020_changes) gets its own candidates
    groups = [name] if name in STATUS_RULES else [p for p in parts if p in STATUS_RULES]
    cands = [candidate_offices(g) for g in groups]
    combined = pd.concat([gdf, *cands], ignore_index=True) if cands else gdf
    if cands:
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


