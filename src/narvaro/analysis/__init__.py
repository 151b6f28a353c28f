"""Analysis: the answer per kommun and nationally: coverage, ranges under incomplete office
lists, presence rules and before/after comparison."""

from .bounds import unknowns
from .constrained import constrained_range
from .coverage import coverage, national
from .presence import compare, kommuner_without_presence

__all__ = ["compare", "constrained_range", "coverage", "kommuner_without_presence", "national", "unknowns"]
