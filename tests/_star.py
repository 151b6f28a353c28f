"""Hand-built road countries with exact distances and times (road mode, no circuity).

Every demand point and office sits on its own graph node (snap distance 0) and the only roads
are one-way edges *from a point to an office*, so a point's trip to an office is exactly the
edge given: no shortcut through another point. Times are minutes = km (60 km/h), so an edge of
30 km takes exactly 1800 s = 30.0 min. Kommuner are 50 km squares side by side on y = Y0.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from narvaro.network.graph import RoadGraph

X0, Y0 = 400_000.0, 6_500_000.0
YM = Y0 + 25e3  # the line every node sits on


def kommuner(n: int) -> gpd.GeoDataFrame:
    codes = [f"{i + 1:04d}" for i in range(n)]
    return gpd.GeoDataFrame(
        {"kommunkod": codes, "kommunnamn": [f"K{c}" for c in codes], "lanskod": ["01"] * n,
         "lansnamn": ["Test län"] * n, "population": 0},
        geometry=[box(X0 + i * 50e3, Y0, X0 + (i + 1) * 50e3, Y0 + 50e3) for i in range(n)], crs="EPSG:3006")


def country(offices: list[dict], points: list[dict], roads: list[tuple[str, str, float]], n_kommuner: int):
    """Offices, demand points, kommuner and the road graph.

    offices: dicts with office_id, org, kommunkod, x_km, basis ("confirmed"/"candidate"), network
    points:  dicts with id, kommunkod, x_km, population
    roads:   (point id, office id, km) or (point id, office id, km, minutes): a one-way road from the
             point to the office; without minutes, minutes = km (60 km/h)
    """
    nodes = [o["office_id"] for o in offices] + [p["id"] for p in points]
    xs = [o["x_km"] for o in offices] + [p["x_km"] for p in points]
    pos = {name: i for i, name in enumerate(nodes)}
    u = [pos[r[0]] for r in roads]
    v = [pos[r[1]] for r in roads]
    length = [r[2] * 1000.0 for r in roads]
    time = [(r[3] if len(r) > 3 else r[2]) * 60.0 for r in roads]  # default 60 km/h: seconds = km x 60
    graph = RoadGraph.from_edges(np.arange(len(nodes)), [X0 + x * 1e3 for x in xs], [YM] * len(nodes),
                                 u, v, length, time, metadata={"source": "hand-built star"})
    off = gpd.GeoDataFrame(
        {"office_id": [o["office_id"] for o in offices], "org": [o.get("org", "af") for o in offices],
         "name": [f"Office {o['office_id']}" for o in offices], "kommunkod": [o["kommunkod"] for o in offices],
         "network": [o.get("network", "af_t") for o in offices],
         "basis": [o.get("basis", "confirmed") for o in offices]},
        geometry=[Point(X0 + o["x_km"] * 1e3, YM) for o in offices], crs="EPSG:3006")
    dem = gpd.GeoDataFrame(
        {"demand_id": [p["id"] for p in points], "kommunkod": [p["kommunkod"] for p in points],
         "population": [float(p["population"]) for p in points]},
        geometry=[Point(X0 + p["x_km"] * 1e3, YM) for p in points], crs="EPSG:3006")
    kom = kommuner(n_kommuner)
    kom["population"] = kom["kommunkod"].map(dem.groupby("kommunkod")["population"].sum()).fillna(0).astype(int)
    return off, dem, kom, graph


def two_unknowns():
    """A known AF office F in kommun 0001 and AF candidates C2, C3 (kommuner 0002, 0003) 5 km from
    their kommun's residents, who are 100 km from F: 10, 100 and 40 residents."""
    return country(
        [{"office_id": "F", "kommunkod": "0001", "x_km": 0.0}]
        + [{"office_id": f"C{k}", "kommunkod": f"000{k}", "x_km": 50.0 * k - 25.0, "basis": "candidate"} for k in (2, 3)],
        [{"id": "f", "kommunkod": "0001", "x_km": 10.0, "population": 10},
         {"id": "r2", "kommunkod": "0002", "x_km": 80.0, "population": 100},
         {"id": "r3", "kommunkod": "0003", "x_km": 130.0, "population": 40}],
        [("f", "F", 1.0), ("r2", "F", 100.0), ("r3", "F", 100.0), ("r2", "C2", 5.0), ("r3", "C3", 5.0)], 3)
