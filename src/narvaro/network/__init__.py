"""Network: OpenStreetMap reading, the routable RoadGraph, and distances from demand points to
offices (road network or the straight-line-times-circuity estimate)."""

from .distance import circuity, nearest_office, od_matrix
from .graph import RoadGraph
from .osm import parse_maxspeed

__all__ = ["RoadGraph", "circuity", "nearest_office", "od_matrix", "parse_maxspeed"]
