"""Offices: the AF and SSC office lists with their sources and published counts, offline
geocoding, validation of an analyst's list, and each kommun's office status."""

from .geocode import geocode_towns
from .lists import (
    completeness_label,
    is_candidate,
    load_confirmed,
    network_table,
    office_completeness,
    offices_dir,
    read_offices,
    validate_offices,
)
from .load import build_office_lists, load_offices
from .sources import (
    COLUMNS,
    NETWORKS,
    ORGS,
    PUBLISHED,
    network_label,
    published_count,
    published_kommun_count,
)
from .status import STATUS_RULES, candidate_offices, office_status

__all__ = [
    "COLUMNS",
    "NETWORKS",
    "ORGS",
    "PUBLISHED",
    "STATUS_RULES",
    "build_office_lists",
    "candidate_offices",
    "completeness_label",
    "geocode_towns",
    "is_candidate",
    "load_confirmed",
    "load_offices",
    "network_label",
    "network_table",
    "office_completeness",
    "office_status",
    "offices_dir",
    "published_count",
    "published_kommun_count",
    "read_offices",
    "validate_offices",
]
