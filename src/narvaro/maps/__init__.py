"""Maps: folium coverage and before/after maps that save as self-contained offline HTML."""

from .build import compare_map, coverage_map
from .html import CoverageMap, save_map
from .plan import plan_map

__all__ = ["CoverageMap", "compare_map", "coverage_map", "plan_map", "save_map"]
