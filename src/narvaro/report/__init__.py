"""Report: the one entry point (assess), the national summary, report files and exports."""

from .assessment import HEADLINE_SCENARIOS, Assessment, assess
from .export import export
from .summary import format_summary, national_summary

__all__ = ["HEADLINE_SCENARIOS", "Assessment", "assess", "export", "format_summary", "national_summary"]
