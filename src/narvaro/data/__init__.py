"""Data: the checksummed file registry and the base layers (kommuner, län, population,
tätorter, centralorter, demand points), all in EPSG:3006."""

from .layers import (
    kommun_codes,
    load_centralorter,
    load_demand_points,
    load_kommuner,
    load_lan,
    load_population,
    load_tatorter,
    outside_sweden,
    to_compute_crs,
    validate_kommunkoder,
)
from .registry import fetch

__all__ = [
    "fetch",
    "kommun_codes",
    "load_centralorter",
    "load_demand_points",
    "load_kommuner",
    "load_lan",
    "load_population",
    "load_tatorter",
    "outside_sweden",
    "to_compute_crs",
    "validate_kommunkoder",
]
