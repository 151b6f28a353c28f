"""narvaro: how close Sweden's residents live to the state's service offices.

Travel distance and time by road from Arbetsförmedlingen offices and Statens servicecenter
servicekontor to where people live in all 290 kommuner, before and after AF's 2019-2020
closures, with ranges wherever the public office lists are incomplete.
"""

from __future__ import annotations

from . import errors, settings
from .data import (
    fetch,
    kommun_codes,
    load_centralorter,
    load_demand_points,
    load_kommuner,
    load_lan,
    load_population,
    load_tatorter,
)
from .distance import circuity, nearest_office, od_matrix
from .errors import NarvaroError
from .network import RoadGraph, parse_maxspeed
from .provenance import describe, get_provenance

__version__ = "0.1.0"

__all__ = [
    "NarvaroError",
    "RoadGraph",
    "circuity",
    "describe",
    "errors",
    "fetch",
    "get_provenance",
    "kommun_codes",
    "load_centralorter",
    "load_demand_points",
    "load_kommuner",
    "load_lan",
    "load_population",
    "load_tatorter",
    "nearest_office",
    "od_matrix",
    "parse_maxspeed",
    "settings",
]
