"""Network: OpenStreetMap reading, the routable RoadGraph, and distances from demand points to
offices (road network or the straight-line-times-circuity estimate)."""

from .contract import contract
from .distance import ODArrays, circuity, nearest_office, od_arrays, od_matrix
from .graph import Interior, RoadGraph
from .osm import parse_maxspeed
from .pbf import read_pbf

__all__ = [
    "RoadGraph", "Interior", "ODArrays", "circuity", "contract", "nearest_office", "od_arrays", "od_matrix",
    "parse_maxspeed", "read_pbf",
]
