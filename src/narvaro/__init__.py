"""narvaro: how close Sweden's residents live to the state's service offices.

Travel distance and time by road from Arbetsförmedlingen offices and Statens servicecenter
servicekontor to where people live in all 290 kommuner, before and after AF's 2019-2020
closures, with ranges wherever the public office lists are incomplete.

The chain, one subpackage per step: ``data`` -> ``offices`` -> ``network`` -> ``analysis`` ->
``maps`` / ``report`` -> ``cli``; ``errors``, ``settings`` and ``provenance`` are shared.
"""

from __future__ import annotations

from importlib.metadata import version as _version

from . import errors, settings
from .analysis import (
    assumed_offices,
    compare,
    constrained_range,
    coverage,
    default_candidates,
    describe_plan,
    kommuner_without_presence,
    national,
    plan_centre,
    plan_curve,
    plan_effect,
    plan_minimum,
    plan_offices,
    plot_plan_curve,
    unknowns,
)
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
from .errors import NarvaroError
from .maps import CoverageMap, compare_map, coverage_map, plan_map, save_map
from .network import RoadGraph, circuity, contract, nearest_office, od_arrays, od_matrix, parse_maxspeed
from .network.transit import read_gtfs, transit_matrix, transit_times
from .offices import (
    NETWORKS,
    OfficeDraws,
    PresenceModel,
    build_office_lists,
    candidate_offices,
    completeness_label,
    cross_validate,
    geocode_towns,
    load_offices,
    office_completeness,
    office_draws,
    office_status,
    presence_model,
    read_offices,
)
from .provenance import describe, get_provenance
from .report import HEADLINE_SCENARIOS, Assessment, assess, export, format_summary, national_summary

__version__ = _version("narvaro")

__all__ = [
    "HEADLINE_SCENARIOS",
    "Assessment",
    "assess",
    "NETWORKS",
    "CoverageMap",
    "NarvaroError",
    "OfficeDraws",
    "PresenceModel",
    "RoadGraph",
    "assumed_offices",
    "build_office_lists",
    "candidate_offices",
    "circuity",
    "compare",
    "compare_map",
    "completeness_label",
    "constrained_range",
    "coverage",
    "coverage_map",
    "cross_validate",
    "default_candidates",
    "describe",
    "describe_plan",
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
    "od_arrays",
    "contract",
    "office_completeness",
    "office_draws",
    "office_status",
    "parse_maxspeed",
    "presence_model",
    "plan_centre",
    "plan_curve",
    "plan_effect",
    "plan_map",
    "plan_minimum",
    "plan_offices",
    "plot_plan_curve",
    "read_offices",
    "read_gtfs",
    "transit_matrix",
    "transit_times",
    "save_map",
    "settings",
    "unknowns",
]
