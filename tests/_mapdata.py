"""Synthetic coverage tables for the map tests (test data, not results).

The maps only need a table with the coverage schema of docs/architecture.md ("Coverage columns"). These helpers
build one from the real kommuner and the real office lists with straight-line distances
from each kommun's representative point (x 1.25, 60 km/h), so the map tests do not depend
on the speed of the coverage computation. Two names are made hostile to test escaping.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from narvaro.data.layers import load_kommuner
from narvaro.provenance import set_provenance

EVIL_OFFICE = "<script>alert(1)</script>"
EVIL_OFFICE_2 = "<img src=x onerror=alert(2)>"
EVIL_KOMMUN = "<img src=x onerror=alert(3)>Ale"
GROUPS = {"af": ("af",), "ssc": ("ssc",), "any": ("af", "ssc")}


def add_evil_offices(offices: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rename the first AF and the first SSC office to hostile names (a copy)."""
    out = offices.copy()
    af = out.index[out["org"] == "af"][0]
    ssc = out.index[out["org"] == "ssc"][0]
    out.loc[af, "name"] = EVIL_OFFICE
    out.loc[ssc, "name"] = EVIL_OFFICE_2
    out.loc[af, "source"] = "javascript:alert(4)"
    return out


def synthetic_coverage(offices: gpd.GeoDataFrame, scenario: str = "test", draws: bool = False) -> gpd.GeoDataFrame:
    """A 290-row coverage-like table (schema of docs/architecture.md ("Coverage columns"), bounds=True style).

    With ``draws=True`` the table has the shape of the office-draws contract too: ``X`` is the best
    estimate, ``X_q05``/``X_q95`` the 90 % interval, ``X_lo``/``X_hi`` the hard bounds, and
    ``{g}_p_office`` the probability of an office in the kommun.
    """
    k = load_kommuner().sort_values("kommunkod").reset_index(drop=True)
    pts = k.geometry.representative_point()
    xy = np.c_[pts.x, pts.y]
    out = k[["kommunkod", "kommunnamn", "lanskod", "lansnamn", "population"]].copy()
    names = k.set_index("kommunkod")["kommunnamn"]
    confirmed = offices[offices.get("basis", "confirmed") != "candidate"]
    for g, orgs in GROUPS.items():
        o = confirmed[confirmed["org"].isin(orgs)].reset_index(drop=True)
        d, i = cKDTree(np.c_[o.geometry.x, o.geometry.y]).query(xy)
        km = d / 1000 * 1.25
        n = out["kommunkod"].map(o.groupby("kommunkod").size()).fillna(0).astype(int)
        status = np.where(n > 0, "confirmed", np.where(np.arange(len(out)) % 3 == 0, "unknown", "none"))
        cols = {
            f"{g}_dist_mean_km": km,
            f"{g}_time_mean_min": km / 60 * 60,
            f"{g}_share_over_25km": (km > 25).astype(float),
            f"{g}_pop_over_25km": (km > 25) * out["population"],
            f"{g}_has_office": n > 0,
            f"{g}_n_offices": n,
            f"{g}_nearest_office": o["name"].to_numpy()[i],
            f"{g}_nearest_office_kommun": o["kommunkod"].map(names).to_numpy()[i],
            f"{g}_nearest_office_id": o["office_id"].to_numpy()[i],
            f"{g}_status": status,
        }
        for name, values in cols.items():
            out[name] = values
        out[f"{g}_has_office_lo"] = n > 0
        out[f"{g}_has_office_hi"] = (n > 0) | (status == "unknown")
        for c in (f"{g}_dist_mean_km", f"{g}_time_mean_min"):
            out[c + "_lo"] = np.where(status == "unknown", out[c] * 0.3, out[c])
            out[c + "_hi"] = out[c].copy()
            if draws:  # best estimate between the bounds, interval around it
                best = np.where(status == "unknown", out[c] * 0.6, out[c])
                out[c] = best
                out[c + "_q05"] = np.where(status == "unknown", out[c + "_hi"] * 0.45, best)
                out[c + "_q95"] = np.where(status == "unknown", out[c + "_hi"] * 0.8, best)
        if draws:
            out[f"{g}_p_office"] = np.where(status == "unknown", 0.37, (n > 0).astype(float))
    out.loc[out["kommunkod"] == "1440", "kommunnamn"] = EVIL_KOMMUN
    out["method"] = "estimate"
    out["office_lists"] = scenario
    gdf = gpd.GeoDataFrame(out, geometry=k.geometry.values, crs=k.crs)
    set_provenance(
        gdf,
        method="estimate",
        offices=offices.attrs.get("narvaro", {}).get("offices", []),
        scenario=scenario,
        population="SCB folkmängd 31 Dec 2021",
    )
    return gdf


def unknown_count(cov: pd.DataFrame, group: str = "any") -> int:
    return int((cov[f"{group}_status"] == "unknown").sum())
