"""A plan world on a line: office E, sites A, B, C and demand points, 7 km apart (EPSG:3006).

Roads are one-way, given as (from, to, km); every demand point also has a road of 100 km to E.
Used by tests/test_plan.py and tests/test_plan_parts.py.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

import narvaro

X0, Y0 = 500_000.0, 6_600_000.0  # inside Sweden, EPSG:3006


def line_world(
    points: list[str], roads: list[tuple[str, str, float]], speed_kmh: float = 60.0
) -> tuple[narvaro.RoadGraph, Callable[..., gpd.GeoDataFrame]]:
    """The road graph, and ``at(*names, **columns)``: a GeoDataFrame of those nodes' positions."""
    names = ["E", "A", "B", "C", *points]
    pos = {n: i for i, n in enumerate(names)}
    roads = [(p, "E", 100.0) for p in points] + roads
    xs = [X0 + 7e3 * i for i in range(len(names))]
    graph = narvaro.RoadGraph.from_edges(np.arange(len(names)), xs, [Y0] * len(names),
                                         [pos[a] for a, _, _ in roads], [pos[b] for _, b, _ in roads],
                                         [km * 1e3 for _, _, km in roads],
                                         [km / speed_kmh * 3600.0 for _, _, km in roads])

    def at(*ns: str, **cols) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(cols, geometry=[Point(xs[pos[n]], Y0) for n in ns], crs="EPSG:3006")

    return graph, at
