"""Analysis: the answer per kommun and nationally: coverage, ranges under incomplete office
lists, presence rules, before/after comparison and location planning."""

from .bounds import unknowns
from .constrained import constrained_range
from .coverage import coverage, national
from .minimum import plan_centre, plan_minimum
from .plan import (
    assumed_offices,
    default_candidates,
    describe_plan,
    plan_curve,
    plan_effect,
    plan_offices,
    plot_plan_curve,
)
from .presence import compare, kommuner_without_presence

__all__ = [
    "assumed_offices",
    "compare",
    "constrained_range",
    "coverage",
    "default_candidates",
    "describe_plan",
    "kommuner_without_presence",
    "national",
    "plan_centre",
    "plan_curve",
    "plan_effect",
    "plan_minimum",
    "plan_offices",
    "plot_plan_curve",
    "unknowns",
]
