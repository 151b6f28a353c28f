"""Report: the national summary, the one-call report, and exports (CSV, Excel, GeoPackage)."""

from .export import export
from .summary import format_summary, national_summary, run_report

__all__ = ["export", "format_summary", "national_summary", "run_report"]
