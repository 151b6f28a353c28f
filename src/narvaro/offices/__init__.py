"""Offices: the AF and SSC office lists with their sources and published counts, offline
geocoding, validation of an analyst's list, each kommun's office status, the presence model
of the unknown offices and joint office draws."""

from .draws import NetworkDraws, OfficeDraws, conditional_bernoulli, joint_sample, office_draws
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
from .model import FEATURES, PresenceModel, cross_validate, fit_presence, kommun_features, presence_model
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
    "FEATURES",
    "NETWORKS",
    "ORGS",
    "PUBLISHED",
    "STATUS_RULES",
    "NetworkDraws",
    "OfficeDraws",
    "PresenceModel",
    "build_office_lists",
    "candidate_offices",
    "completeness_label",
    "conditional_bernoulli",
    "cross_validate",
    "fit_presence",
    "geocode_towns",
    "is_candidate",
    "joint_sample",
    "kommun_features",
    "load_confirmed",
    "load_offices",
    "network_label",
    "network_table",
    "office_completeness",
    "office_draws",
    "office_status",
    "offices_dir",
    "presence_model",
    "published_count",
    "published_kommun_count",
    "read_offices",
    "validate_offices",
]
