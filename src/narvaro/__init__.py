"""narvaro: how close Sweden's residents live to the state's service offices.

Travel distance and time by road from Arbetsförmedlingen offices and Statens servicecenter
servicekontor to where people live in all 290 kommuner, before and after AF's 2019-2020
closures, with ranges wherever the public office lists are incomplete.

The chain, one module per step: ``data`` -> ``offices`` -> ``network`` -> ``distance`` ->
``coverage`` (with ``presence``, ``bounds``, ``constrained``) -> ``maps`` / ``report`` / ``cli``.
"""

from __future__ import annotations

from . import errors, settings
from .bounds import unknowns
from .constrained import constrained_range
from .coverage import coverage, national
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
from .export import export
from .geocode import geocode_towns
from .kommun_status import candidate_offices, office_status
from .maps import CoverageMap, compare_map, coverage_map, save_map
from .network import RoadGraph, parse_maxspeed
from .offices import (
    NETWORKS,
    build_office_lists,
    completeness_label,
    load_offices,
    office_completeness,
    read_offices,
)
from .presence import compare, kommuner_without_presence
from .provenance import describe, get_provenance
from .report import format_summary, national_summary, run_report

__version__ = "0.1.0"

__all__ = [
    "NETWORKS",
    "CoverageMap",
    "NarvaroError",
    "RoadGraph",
    "build_office_lists",
    "candidate_offices",
    "circuity",
    "compare",
    "compare_map",
    "completeness_label",
    "constrained_range",
    "coverage",
    "coverage_map",
    "describe",
    "errors",
    "export",
    "fetch",
    "format_summary",
    "geocode_towns",
    "get_provenance",
    "kommun_codes",
    "kommuner_without_presence",
    "load_centralorter",
    "load_demand_points",
    "load_kommuner",
    "load_lan",
    "load_offices",
    "load_population",
    "load_tatorter",
    "national",
    "national_summary",
    "nearest_office",
    "od_matrix",
    "office_completeness",
    "office_status",
    "parse_maxspeed",
    "read_offices",
    "run_report",
    "save_map",
    "settings",
    "unknowns",
]
