"""Every default narvaro uses, in one documented place.

Each value names its source. Change a value here (or pass the matching argument) rather
than hard-coding numbers in the modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

# --- Coordinate reference systems -------------------------------------------------------
#: Exchange CRS: WGS84 longitude/latitude, what CSV files, GeoJSON and web maps use.
CRS_STORE = "EPSG:4326"
#: Compute CRS: SWEREF 99 TM, Sweden's national projected CRS (metres), used by SCB and
#: Lantmäteriet. Every distance and area is computed in it.
CRS_COMPUTE = "EPSG:3006"

#: Sweden's bounding box in WGS84 (lon_min, lat_min, lon_max, lat_max), with a margin of
#: about 10 km around the extreme points (Smygehuk 55.34 N, Treriksröset 69.06 N,
#: Koster 10.96 E, Haparanda Sandskär 24.17 E). Points outside are rejected or flagged.
SWEDEN_BBOX_WGS84 = (10.5, 55.0, 24.5, 69.2)

#: How far (metres) a point may lie outside its own kommun polygon before it is flagged.
#: The simplified kommun polygons shift coastlines and borders by up to a few km.
KOMMUN_TOLERANCE_M = 5_000.0

# --- Data registry -----------------------------------------------------------------------
#: Environment variable naming a local mirror directory of the registry files.
MIRROR_ENV = "NARVARO_DATA_MIRROR"
#: Environment variable naming the cache directory (default: the OS cache dir "narvaro").
CACHE_ENV = "NARVARO_CACHE_DIR"


def cache_dir() -> Path:
    """Return the directory where fetched files and built graphs are cached."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs  # what pooch.os_cache uses, without importing pooch (and tqdm.auto) here

    return Path(platformdirs.user_cache_dir("narvaro"))


# --- Population --------------------------------------------------------------------------
#: Side of the regular grid (metres, EPSG:3006) on which each kommun's non-tätort
#: ("residual") population is spread over its land area. 5 km keeps all of Sweden at
#: about 18,000 residual points, fine enough that no resident is placed more than
#: 3.5 km from the cell centre that stands for them.
RESIDUAL_GRID_M = 5_000.0
#: Tätorter of at least this land area (hectares, SCB's ``area_ha`` of the tätort polygon) are
#: spread over a disc of that area instead of sitting on one point (see
#: :func:`narvaro.data.load_demand_points`). Collapsing a disc of area A to its centre puts
#: residents on average 2/3 of its radius R = sqrt(A / pi) too close to an office in the
#: town: 0.65 km at 300 ha (R = 0.98 km), 7.7 km for Stockholm. Below 300 ha that error is
#: under the 500 m point spacing plus the access leg to the road, so one point is kept.
#: 448 of SCB's 2,017 tätorter 2020 (from 224 residents up to Stockholm) reach 300 ha.
TATORT_SPREAD_MIN_HA = 300.0
#: Spacing (metres) of the points that stand for one spread tätort: a disc of area A gets
#: round(A / spacing²) points, each standing for 0.25 km² and an equal share of its residents.
#: At 500 m the 448 tätorter of 300 ha or more get about 18,000 points before clipping to
#: the kommun's land, and no resident is more than about 300 m from the point standing for them.
TATORT_SPREAD_SPACING_M = 500.0

# --- Travel thresholds --------------------------------------------------------------------
#: Distance thresholds (km by road). 25 km is PTS's rule for basic cash services (at most
#: 0.3 % of the population farther than 25 km by road from a cash withdrawal point,
#: PTS-ER-2019/..., "Bevakning av grundläggande betaltjänster"); 10 and 50 km bracket it.
DISTANCE_THRESHOLDS_KM: tuple[float, ...] = (10.0, 25.0, 50.0)
#: Time thresholds (minutes by car). 60 min is AF's own 2015 guideline (another office
#: within one hour's travel, vt.se 2019); 30 and 45 min are the usual commuting steps.
TIME_THRESHOLDS_MIN: tuple[float, ...] = (30.0, 45.0, 60.0)

# --- Road network --------------------------------------------------------------------------
#: Highway classes kept as drivable roads (OSM ``highway=*``). ``service`` is optional.
DRIVABLE_HIGHWAYS: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road",
)

#: Default car speed (km/h) by OSM highway class when ``maxspeed`` is not tagged.
#: Swedish law (Trafikförordningen 3 kap. 17 §) sets 50 km/h inside built-up areas and
#: 70 km/h outside unless signed otherwise (OSM ``SE:urban`` / ``SE:rural``); the higher
#: classes carry the limits usually signed on them (motorways 110, national roads 80-100).
#: Residential streets use VTI rapport 815's measured mean on 40 km/h streets (39.2 km/h,
#: rounded to 40); living streets (gångfartsområde) are walking pace by law, taken as 10.
#: No per-class table from Trafikverket or Tillväxtanalys (Pipos) was available.
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 110.0, "motorway_link": 60.0,
    "trunk": 90.0, "trunk_link": 60.0,
    "primary": 80.0, "primary_link": 50.0,
    "secondary": 70.0, "secondary_link": 50.0,
    "tertiary": 60.0, "tertiary_link": 40.0,
    "unclassified": 50.0, "road": 50.0,
    "residential": 40.0, "living_street": 10.0,
    "service": 20.0,
}
#: Speed (km/h) for ferry edges when ferries are enabled (Trafikverket's road ferries run
#: at about 15-20 km/h; waiting time is not modelled).
FERRY_SPEED_KMH = 15.0

#: Points farther than this (metres) from the nearest graph node are flagged
#: (``snap_ok=False``) instead of being treated as on the network.
SNAP_MAX_M = 10_000.0
#: Speed (km/h) for the straight-line leg between a point and its snapped node. Residents
#: reach the road network on small private or forest roads that OSM may not carry;
#: 30 km/h is half the rural default speed.
ACCESS_SPEED_KMH = 30.0

# --- Estimate mode ----------------------------------------------------------------------------
#: Circuity (road distance / straight-line distance) for Swedish trips by straight-line
#: distance (km), from HaoCong1221/FlowsGeneration (Chalmers), commit b9cb6176,
#: results/distance_ratio_simulation.csv: shortest path on the OSM drive network divided by
#: the Euclidean distance in 10 Swedish urban regions. Linear interpolation between bins,
#: constant beyond the ends.
CIRCUITY_BY_DISTANCE_KM: tuple[tuple[float, float], ...] = (
    (1.0, 1.74), (1.9, 1.50), (3.4, 1.37), (4.7, 1.33), (6.3, 1.31), (8.5, 1.28),
    (11.4, 1.25), (15.3, 1.23), (20.9, 1.22), (28.2, 1.22), (38.9, 1.22), (51.2, 1.22),
    (74.1, 1.21), (97.4, 1.16), (162.1, 1.18), (222.0, 1.17),
)
#: The same source's band (lower, upper) of the ratio in each bin of
#: :data:`CIRCUITY_BY_DISTANCE_KM` (same distances). The source does not say what the band is;
#: narvaro reads it as the interquartile range of single trips (:data:`CIRCUITY_BAND_Z`), which
#: gives per-trip spreads of the size of the independent measurement below (at 20.9 km the
#: quartiles are -6 % / +8 %, against -7 % / +12 % from the measured 5th-95th percentiles).
CIRCUITY_BAND_BY_DISTANCE_KM: tuple[tuple[float, float, float], ...] = (
    (1.0, 1.59, 2.00), (1.9, 1.39, 1.67), (3.4, 1.28, 1.50), (4.7, 1.25, 1.45), (6.3, 1.23, 1.41),
    (8.5, 1.20, 1.37), (11.4, 1.18, 1.35), (15.3, 1.16, 1.31), (20.9, 1.15, 1.32), (28.2, 1.16, 1.35),
    (38.9, 1.14, 1.36), (51.2, 1.15, 1.31), (74.1, 1.16, 1.26), (97.4, 1.13, 1.21), (162.1, 1.16, 1.18),
    (222.0, 1.11, 1.19),
)
#: Standard-normal quantile of the band's ends (0.6745: the band read as the 25th-75th percentile).
CIRCUITY_BAND_Z = 0.6745
#: Single-trip spread measured against about 2,000 road distances between Swedish towns
#: (issue 22's review, an independent set kept outside the project): road distance / estimate
#: has median 1.016 and 5th-95th percentiles 0.86-1.34. Relative to that median this is a
#: split-lognormal spread of 0.101 (below) and 0.168 (above) on the log scale: the floor of the
#: per-trip spread at every distance (the Chalmers band is wider only below about 3 km).
CIRCUITY_PAIR_MEDIAN = 1.016
CIRCUITY_PAIR_Q05_Q95: tuple[float, float] = (0.86, 1.34)
#: Swedish national travel survey (RVU), as reported by the same repository: reported trip
#: distance / straight line between DeSO centroids, by straight-line km. Routes people drive
#: are longer than the shortest path; these lie between the median and the 95th percentile of
#: :func:`narvaro.circuity` (a consistency check in the tests, not an input).
CIRCUITY_TRAVEL_SURVEY: tuple[tuple[float, float], ...] = ((12.0, 1.42), (26.0, 1.31), (56.0, 1.26),
                                                           (120.0, 1.25), (250.0, 1.25))
#: Systematic circuity error (log-scale standard deviation of one factor per draw on every
#: estimated distance). The measured median road / estimate is 1.016 overall and 0.99-1.04 in
#: every distance band and north of latitude 63 (issue 22): a lognormal of 0.03 puts 90 % of
#: the draws within 0.95-1.05, which covers all of them.
CIRCUITY_SYSTEMATIC_SIGMA = 0.03

#: Systematic speed error in road mode (log-scale standard deviation of one factor per draw on
#: every travel time). The graph drives at the speed limits (tagged or default); VTI rapport 815
#: (measurements 2013, repeated in rapport 1077 with 2020 data) measured mean speeds below the
#: limits by 2 % (40 km/h streets: 39.2) to 12 % (70 km/h: 61.9), 49.3 km/h over all. A factor of
#: median 1 and 0.075 puts 90 % of the draws within x0.88-1.13 on times: the whole measured gap.
SPEED_SYSTEMATIC_SIGMA = 0.075
#: Local speed error (log-scale standard deviation of one factor per kommun and draw on the
#: times of its residents): the spread of VTI's measured / limit ratios between limit classes
#: (0.88-0.98), which is how much a kommun's road mix can move its own ratio.
SPEED_LOCAL_SIGMA = 0.04

#: Demand placement: standard deviation (km) of a resident's true distance to an office around
#: the distance from the point that stands for them, by the point's ``kind``. A resident placed
#: uniformly in a square cell of side a differs from its centre by a / sqrt(12) along any
#: direction (1.44 km for the 5 km residual grid); a tätort point stands for residents within
#: about 300 m when spread (500 m spacing: 0.14 km) and for a disc of at most 300 ha (radius
#: 0.98 km, R / 2 = 0.49 km) when kept as one point; 0.49 km covers both. Points without
#: ``kind`` (an analyst's own points) are taken as exact. Drawn per point and draw.
DEMAND_OFFSET_SD_KM: dict[str, float] = {
    "residual": RESIDUAL_GRID_M / 1000.0 / 12 ** 0.5,
    "tatort": 0.49,
}

#: Mean car speed (km/h) assumed in estimate mode. Between VTI rapport 815's measured mean
#: on urban streets (49.3 km/h) and the 70 km/h rural default limit; an assumption, which
#: is why every estimate row says ``method="estimate"``.
ESTIMATE_SPEED_KMH = 60.0

METHOD_ROAD = "road"
METHOD_ESTIMATE = "estimate"

# --- Road network: additions for the network/distance modules (snapping, access legs, ferries) ---------------------
#: Largest distance (metres) from a ferry way's end to a road node for the ferry to be joined
#: to the road graph (``RoadGraph.from_pbf(..., ferries=True)``). Ferry ways in OSM normally
#: end on the quay road's node; 300 m allows for a terminal drawn a little off the road.
FERRY_TERMINAL_SNAP_M = 300.0
#: Memory budget (MB) for one batch of the origin-destination matrix: each office in a batch
#: holds one float64 distance per graph node (8 MB per million nodes), so 512 MB is a batch
#: of 64 offices on a national graph of one million nodes.
OD_BATCH_MEMORY_MB = 512.0


# --- Public transport (GTFS; issue 23) ------------------------------------------------------------
#: Walking speed (km/h) to and from stops and between stops: 5 km/h, the usual planning value
#: (Trafikverket's and Pipos' accessibility measures walk at 5 km/h).
TRANSIT_WALK_SPEED_KMH = 5.0
#: Walking distance / straight-line distance for the walk legs when no road graph is given.
#: 1.3 is an assumption, near the low end of the road circuity above for trips under 2 km
#: (1.50-1.74 by car on the drive network, which walkers can short-cut on paths).
TRANSIT_WALK_CIRCUITY = 1.3
#: Longest walk (metres, walking distance) from a demand point to a stop and from a stop to an office.
TRANSIT_ACCESS_MAX_M = 1000.0
#: Longest walk (metres, walking distance) between two stops for a transfer.
TRANSIT_TRANSFER_WALK_MAX_M = 300.0
#: Transfer time (minutes) at one stop (or within one parent station) when transfers.txt gives
#: no ``min_transfer_time`` for it.
TRANSIT_TRANSFER_MIN = 2.0
#: The measure is the quickest journey reaching the office in this window (minutes after
#: midnight of the service date): 08:00-10:00, a morning appointment.
TRANSIT_ARRIVE_WINDOW_MIN = (480.0, 600.0)
#: Journey-time thresholds (minutes) reported for public transport: AF's 2015 closure rule was
#: "another office within about an hour's travel"; 90 minutes for the long-distance case.
TRANSIT_THRESHOLDS_MIN = (60.0, 90.0)

#: A län counts as covered by a GTFS feed when its stops served on the service date per resident
#: are at least this share of the densest län's (so a regional feed's few stops across the
#: border do not make a neighbouring län look covered). An assumption; see analysis/transit.py.
TRANSIT_LAN_COVERAGE_RATIO = 0.2

# --- Best estimates ---------------------------------------------------------------------------
#: Joint office draws behind every best estimate and 90 % interval (narvaro.office_draws). With
#: 1,000 draws the 5th and 95th percentiles rest on 50 draws each; the Monte Carlo error of a
#: national share is a few hundredths of a percentage point.
N_DRAWS = 1000
#: Posterior draws of the presence model behind the office draws: each serves a block of
#: ``N_DRAWS / N_POSTERIOR`` office draws (the exact count conditioning is one dynamic programme
#: per posterior draw, about 10 ms each). 200 posterior draws put 5 % of them in each tail.
N_POSTERIOR = 200


@dataclass(frozen=True)
class ErrorSources:
    """Which sources of error the 90 % intervals carry (all on by default).

    Each switch names one source; ``narvaro uncertainty`` prints the interval with all of
    them on and the width with each one alone. Functions that draw (``office_draws``) or
    evaluate draws (``coverage``) read the switches that concern them and ignore the rest.

    Attributes
    ----------
    offices : bool
        Which unknown kommuner have an office, given the presence model and the published
        counts (the conditional draws).
    coefficients : bool
        The presence model's coefficients, drawn from their posterior.
    lan_effects : bool
        The län random intercepts of the presence model (decisions were taken per län).
    deduced : bool
        Statuses deduced by a rule from absence of later evidence are drawn, not fixed.
    circuity : bool
        Estimate mode: the road / straight-line ratio (a systematic factor per draw and the
        local spread per kommun).
    speed : bool
        Travel times: the speed actually driven against the assumed one.
    demand : bool
        Where residents live inside the grid cells and tätort discs.
    """

    offices: bool = True
    coefficients: bool = True
    lan_effects: bool = True
    deduced: bool = True
    circuity: bool = True
    speed: bool = True
    demand: bool = True

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Return the names of the sources, in order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def none(cls) -> ErrorSources:
        """Return the switches with every source off."""
        return cls(**{n: False for n in cls.names()})

    @classmethod
    def only(cls, *names: str) -> ErrorSources:
        """Return the switches with just ``names`` on."""
        bad = [n for n in names if n not in cls.names()]
        if bad:
            from .errors import InputValueError

            raise InputValueError(f"unknown error source(s) {bad}; choose from {list(cls.names())}")
        return replace(cls.none(), **{n: True for n in names})


#: Every source of error on: what the headline interval carries.
ALL_SOURCES = ErrorSources()
