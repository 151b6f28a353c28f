"""End to end in road mode on real Swedish OSM data: coverage equals networkx's shortest paths.

The Södermalm extract (``osm/stockholm_sodermalm.osm.pbf``, © OpenStreetMap contributors,
ODbL) is a real piece of kommun 0180. Demand points and offices are placed on graph nodes
(snap distance 0), so every per-kommun figure can be recomputed from networkx.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest

import narvaro
from narvaro import settings
from narvaro.settings import ErrorSources

#: The office draws alone: these tests check the draws' mechanics exactly.
OFFICES_ONLY = ErrorSources.only("offices")


@pytest.fixture(scope="module")
def sodermalm():
    graph = narvaro.RoadGraph.from_pbf(narvaro.fetch("osm/stockholm_sodermalm.osm.pbf"))
    return graph.largest_component()


def _points(graph, idx, **columns):
    geometry = gpd.points_from_xy(graph.x[idx], graph.y[idx], crs=settings.CRS_COMPUTE)
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=settings.CRS_COMPUTE)


def test_coverage_in_road_mode_matches_networkx(sodermalm):
    graph = sodermalm
    rng = np.random.default_rng(7)
    n = graph.n_nodes
    assert n > 50
    office_idx = rng.choice(n, size=2, replace=False)
    demand_idx = rng.choice(np.setdiff1d(np.arange(n), office_idx), size=30, replace=False)
    population = rng.integers(1, 500, size=30).astype(float)

    kommuner = narvaro.load_kommuner()
    stockholm = kommuner[kommuner["kommunkod"] == "0180"].copy()
    stockholm["population"] = population.sum()  # the synthetic residents of this extract
    offices = _points(graph, office_idx, office_id=["af-1", "af-2"], org=["af", "af"],
                      name=["Office one", "Office two"], kommunkod=["0180", "0180"])
    demand = _points(graph, demand_idx, kommunkod=["0180"] * 30, population=population)

    cov = narvaro.coverage(offices, demand=demand, kommuner=stockholm, graph=graph,
                           thresholds=((0.5, 1.0, 2.0), (1.0, 2.0, 3.0)))
    assert len(cov) == 1 and (cov["method"] == "road").all()
    assert "road network" in narvaro.describe(cov)

    nxg = graph.to_networkx()
    nodes = list(nxg.nodes)
    to_office = [nx.single_source_dijkstra_path_length(nxg.reverse(copy=False), nodes[o], weight="length")
                 for o in office_idx]
    expected_km = np.array([min(d.get(nodes[i], np.inf) for d in to_office) for i in demand_idx]) / 1000
    assert np.isfinite(expected_km).all()

    row = cov.iloc[0]
    assert expected_km.max() > 0.2 and len(set(np.round(expected_km, 3))) > 10
    weights = population / population.sum()
    assert row["af_dist_max_km"] == pytest.approx(expected_km.max(), rel=1e-9)
    assert row["af_dist_mean_km"] == pytest.approx(float(weights @ expected_km), rel=1e-9)
    for km in (0.5, 1.0, 2.0):
        column = next(c for c in cov.columns if c.startswith("af_pop_over_") and c.endswith("km")
                      and float(c.removeprefix("af_pop_over_").removesuffix("km")) == km)
        assert row[column] == pytest.approx(population[expected_km > km].sum())
    assert bool(row["af_has_office"])


def test_road_distances_exceed_straight_lines(sodermalm):
    """Streets are never shorter than the straight line: road km >= straight km for every point."""
    graph = sodermalm
    office = _points(graph, np.array([0]), office_id=["af-1"], org=["af"], name=["Office"], kommunkod=["0180"])
    demand = _points(graph, np.arange(1, graph.n_nodes), kommunkod=["0180"] * (graph.n_nodes - 1),
                     population=np.ones(graph.n_nodes - 1))
    road = narvaro.nearest_office(demand, office, graph)
    straight_km = demand.distance(office.geometry.iloc[0]).to_numpy() / 1000
    assert (road["method"] == "road").all() and road["reachable"].all()
    assert (road["distance_km"].to_numpy() >= straight_km - 1e-9).all()
    assert road["distance_km"].max() > 0.2  # the extract spans about 0.5 km


def test_draws_in_road_mode_equal_a_coverage_of_each_draws_office_set(sodermalm):
    """Road mode with joint draws (one cut many-to-many pass) gives, in every draw, exactly the
    coverage of that draw's offices on the real Södermalm graph."""
    from dataclasses import dataclass

    from narvaro.analysis.intervals import DRAWS_ATTR
    from narvaro.analysis.metrics import group_metric_columns

    @dataclass
    class Draws:
        offices: gpd.GeoDataFrame
        mask: np.ndarray

    graph = sodermalm
    rng = np.random.default_rng(11)
    idx = rng.choice(graph.n_nodes, size=36, replace=False)
    offices = _points(graph, idx[:4], office_id=["a1", "c1", "c2", "c3"], org=["af"] * 4,
                      name=["AF 1", "Cand 1", "Cand 2", "Cand 3"], kommunkod=["0180"] * 4,
                      basis=["confirmed", "candidate", "candidate", "candidate"])
    demand = _points(graph, idx[4:], kommunkod=["0180"] * 32, population=rng.integers(1, 50, 32).astype(float))
    stockholm = narvaro.load_kommuner().query("kommunkod == '0180'")
    mask = np.ones((12, 4), dtype=bool)
    mask[:, 1:] = rng.random((12, 3)) < 0.5
    th = ((0.5, 1.0, 2.0), (2.0, 4.0, 6.0))
    cov = narvaro.coverage(None, demand=demand, kommuner=stockholm, graph=graph, draws=Draws(offices, mask),
                           sources=OFFICES_ONLY,
                           thresholds=th)
    per = cov.attrs[DRAWS_ATTR].per_kommun
    for r in range(len(mask)):
        truth = narvaro.coverage(offices[mask[r]].assign(basis="confirmed"), demand=demand, kommuner=stockholm,
                                 graph=graph, thresholds=th)
        for col in group_metric_columns("af", *th, include_office=False):
            assert per[col][r, 0] == pytest.approx(float(truth[col].iloc[0]), rel=1e-5), (r, col)
