"""Public transport from GTFS: reading a feed for one service date and the profile connection scan."""

from .gtfs import Feed, default_service_date, read_gtfs
from .router import TransitNetwork, describe_network, transit_matrix, transit_times

__all__ = ["Feed", "TransitNetwork", "default_service_date", "describe_network", "read_gtfs", "transit_matrix",
           "transit_times"]
