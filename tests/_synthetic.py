"""A small synthetic country for the coverage, bounds and report tests.

Three square kommuner 50 km wide side by side (EPSG:3006, inside Sweden's bounding box), six
demand points and three offices on the line y = Y0 + 25 km. Straight-line distances are chosen
where the estimate's circuity is flat (1.22 between 20.9 and 51.2 km; 1.74 below 1 km), so
every estimated road distance is hand-computable; time (min) = distance (km) at 60 km/h.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

X0, Y0 = 400_000.0, 6_500_000.0


def kommuner() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kommunkod": ["0001", "0002", "0003"], "kommunnamn": ["Aby", "Bby", "Cby"], "lanskod": ["01"] * 3,
         "lansnamn": ["Test län"] * 3, "population": [400, 450, 500]},
        geometry=[box(X0 + i * 50e3, Y0, X0 + (i + 1) * 50e3, Y0 + 50e3) for i in range(3)], crs="EPSG:3006")


#: (kommunkod, x in km from X0, residents)
POINTS = [("0001", 10.5, 100), ("0001", 33, 300), ("0002", 60.5, 200), ("0002", 90, 250),
          ("0003", 105, 400), ("0003", 110, 100)]


def demand() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"demand_id": [f"d{i}" for i in range(len(POINTS))], "kommunkod": [p[0] for p in POINTS],
         "population": [float(p[2]) for p in POINTS]},
        geometry=[Point(X0 + p[1] * 1e3, Y0 + 25e3) for p in POINTS], crs="EPSG:3006")


def offices() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"office_id": ["A1", "C1", "S1"], "org": ["af", "af", "ssc"], "name": ["AF Aby", "AF Cby", "SK Bby"],
         "kommunkod": ["0001", "0003", "0002"], "network": ["af_t", "af_t", "ssc_t"], "basis": "confirmed"},
        geometry=[Point(X0 + 10e3, Y0 + 25e3), Point(X0 + 140e3, Y0 + 25e3), Point(X0 + 60e3, Y0 + 25e3)],
        crs="EPSG:3006")
