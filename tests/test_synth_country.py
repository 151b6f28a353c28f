"""Tests for the country mode of the synthetic PBF generator (benchmarks/synth_pbf.py --country)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from narvaro.network import RoadGraph, read_pbf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synth_pbf  # noqa: E402

SCALE = 0.002  # 11.4 km spacing: ~3,400 junctions on land, ~22,000 OSM nodes


@pytest.fixture(scope="module")
def net() -> dict[str, np.ndarray]:
    return synth_pbf.build(SCALE, seed=4, country=True)


def _way_ends(net: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the first and last node of every way."""
    off, refs = net["way_offsets"], net["way_refs"]
    return refs[off[:-1]] - 1, refs[off[1:] - 1] - 1


def test_nodes_inside_sweden_and_junctions_on_land(net):
    land = synth_pbf.sweden_land()
    xmin, ymin, xmax, ymax = land.bounds
    x, y = net["node_x"], net["node_y"]
    # shape nodes wiggle (sd 25 m) and carriageways sit 25 m off their row: a 1 km margin
    assert ((x > xmin - 1000) & (x < xmax + 1000) & (y > ymin - 1000) & (y < ymax + 1000)).all()
    first, last = _way_ends(net)
    ends = np.r_[first, last]
    on_land = shapely.contains_xy(land, x[ends], y[ends])
    motorway = np.tile(net["way_class"] == "motorway", 2)
    # every way ends at grid junctions, and those are on land; motorway carriageways are
    # 25 m off their junctions, so a few ends may fall just off the coast
    assert on_land[~motorway].all()
    assert on_land[motorway].mean() >= 0.99
    assert on_land.mean() >= 0.99


def test_covers_the_whole_country(net):
    y = net["node_y"]
    assert (y < 6_200_000).sum() > 50  # Skåne
    assert (y > 7_400_000).sum() > 50  # Norrbotten
    spacing, nx, ny, motorway_period, _ = synth_pbf.country_grid(SCALE)
    assert nx != ny and spacing == pytest.approx(synth_pbf.SE_SPACING / np.sqrt(SCALE))
    cls = net["way_class"]
    assert {"motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary", "residential"} <= set(cls)
    # several motorway rows across the country, each with two one-way carriageways
    first, _ = _way_ends(net)
    rows = np.unique(np.round((net["node_y"][first[cls == "motorway"]] - synth_pbf.SE_BOUNDS[1]) / spacing))
    assert len(rows) >= 4 and (rows % motorway_period == motorway_period // 2).all()
    assert not net["oneway"][cls == "motorway"].any()  # one-way by implication, as in the square mode


def test_spacing_and_junction_count_scale():
    assert synth_pbf.country_grid(1.0)[0] == synth_pbf.SE_SPACING
    assert synth_pbf.country_grid(0.01)[0] == pytest.approx(5080.0)
    # scale 1.0: about as many junctions on land as the square grid's FULL_SIDE**2
    land_km2 = synth_pbf.sweden_land().area / 1e6
    assert land_km2 / (synth_pbf.SE_SPACING / 1000) ** 2 == pytest.approx(synth_pbf.FULL_SIDE**2, rel=0.05)
    for scale in (0.001, 0.01, 0.1, 1.0):
        _, _, ny, period, _ = synth_pbf.country_grid(scale)
        assert period % 16 == 0 and ny // period >= 3


def test_same_seed_same_arrays(net):
    again = synth_pbf.build(SCALE, seed=4, country=True)
    other = synth_pbf.build(SCALE, seed=5, country=True)
    assert net.keys() == again.keys()
    for k in net:
        assert np.array_equal(net[k], again[k]), k
    assert not np.array_equal(net["node_x"][:100], other["node_x"][:100])


def test_written_file_reads_as_a_road_graph(tmp_path, net):
    path = tmp_path / "synth_se.osm.pbf"
    counts = synth_pbf.write(net, path, progress=False)
    assert counts["nodes"] == len(net["node_x"]) and counts["ways"] == len(net["way_class"])
    arrays = read_pbf(path)
    g = RoadGraph.from_edges(*arrays).drop_small_components(50)
    assert g.n_nodes > 5_000 and g.n_edges > g.n_nodes
    assert (g.y < 6_200_000).any() and (g.y > 7_400_000).any()
    # the crossings to Gotland are route=ferry ways: with ferries=True the graph has ferry edges
    with_ferries = read_pbf(path, ferries=True)
    assert with_ferries.metadata["ferries_used"] >= 2
    assert with_ferries.metadata["ferries_found"] == int(net["ferry"].sum())
