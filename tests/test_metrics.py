"""Edges of every threshold and quantile, and the helpers of narvaro.analysis.metrics, by hand."""

from __future__ import annotations

import _star as star
import numpy as np
import pandas as pd
import pytest

from narvaro import settings
from narvaro.analysis import coverage, national
from narvaro.analysis.metrics import (
    aggregate,
    format_range,
    group_metric_columns,
    groups_in,
    parse_thresholds,
    threshold_label,
    threshold_labels,
    thresholds_of,
    weighted_quantile,
)
from narvaro.errors import CoverageInputError

# --- thresholds: "beyond T" is strictly greater than T, at both edges --------------------------
# One kommun, one office O; point i has a one-way road of the given km to O (minutes = km).
# Populations are powers of two, so every sum names its points.
#   point  km / min    pop   beyond 10km 25km 50km | 30min 45min 60min
#   e10    10.0        1           -    -    -     |   -     -     -
#   a10    10.0005     2           x    -    -     |   -     -     -
#   e25    25.0        4           x    -    -     |   -     -     -
#   a25    25.0005     8           x    x    -     |   -     -     -
#   e50    50.0       16           x    x    -     |   x     x     -
#   a50    50.0005    32           x    x    x     |   x     x     -
#   e30    30.0       64           x    x    -     |   -     -     -
#   a30    30.0005   128           x    x    -     |   x     -     -
#   e45    45.0      256           x    x    -     |   x     -     -
#   a45    45.0005   512           x    x    -     |   x     x     -
#   e60    60.0     1024           x    x    x     |   x     x     -
#   a60    60.0005  2048           x    x    x     |   x     x     x
# beyond 10 km: 4095 - 1 = 4094; 25 km: all but e10, a10, e25 = 4095 - 7 = 4088;
# 50 km: a50, e60, a60 = 32 + 1024 + 2048 = 3104; 30 min: all from e50 on but e30 =
# 16 + 32 + 128 + 256 + 512 + 1024 + 2048 = 4016; 45 min: e50, a50, a45, e60, a60 =
# 16 + 32 + 512 + 1024 + 2048 = 3632; 60 min: a60 = 2048.
EDGE_KM = [("e10", 10.0), ("a10", 10.0005), ("e25", 25.0), ("a25", 25.0005), ("e50", 50.0), ("a50", 50.0005),
           ("e30", 30.0), ("a30", 30.0005), ("e45", 45.0), ("a45", 45.0005), ("e60", 60.0), ("a60", 60.0005)]
EXPECTED_OVER = {"10km": 4094, "25km": 4088, "50km": 3104, "30min": 4016, "45min": 3632, "60min": 2048}


# function scope: mutmut credits a test with the code it runs, and a module fixture runs once
@pytest.fixture
def edge_cov():
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 1.0}],
        [{"id": p, "kommunkod": "0001", "x_km": 2.0 + i, "population": 2 ** i} for i, (p, _) in enumerate(EDGE_KM)],
        [(p, "O", km) for p, km in EDGE_KM], 1)
    return coverage(off, dem, kom, graph=graph)


def test_every_threshold_is_strict_at_its_edge(edge_cov):
    for lab, pop in EXPECTED_OVER.items():
        assert edge_cov.loc[0, f"af_pop_over_{lab}"] == pop, lab
        assert edge_cov.loc[0, f"af_share_over_{lab}"] == pytest.approx(pop / 4095), lab
    assert edge_cov.loc[0, "af_pop_unreachable"] == 0
    assert edge_cov.loc[0, "af_dist_max_km"] == pytest.approx(60.0005)
    nat = national(edge_cov)
    for lab, pop in EXPECTED_OVER.items():
        assert nat[f"af_pop_over_{lab}"] == pop, lab


def test_aggregate_strict_edges_for_every_default_threshold():
    # per threshold T: a point exactly at T (not beyond), one a hair above (beyond), one below
    for unit, values in (("km", settings.DISTANCE_THRESHOLDS_KM), ("min", settings.TIME_THRESHOLDS_MIN)):
        for thr in values:
            vals = np.array([thr, np.nextafter(thr, np.inf), np.nextafter(thr, -np.inf)])
            other = np.zeros(3)
            d, t = (vals, other) if unit == "km" else (other, vals)
            near = pd.DataFrame({"reachable": True, "distance_km": d, "time_min": t})
            out = aggregate(near, np.array([1.0, 2.0, 4.0]), np.zeros(3, dtype=np.int64), 1, "af",
                            settings.DISTANCE_THRESHOLDS_KM, settings.TIME_THRESHOLDS_MIN)
            assert out[f"af_pop_over_{threshold_label(thr, unit)}"].tolist() == [2.0], (thr, unit)
            assert out[f"af_share_over_{threshold_label(thr, unit)}"].tolist() == [2.0 / 7.0]


def test_aggregate_unreachable_and_empty_groups():
    # group 0: a reachable point at 5 km (pop 3) and an unreachable one (pop 1); group 1: nobody;
    # group 2: one point with zero population at 100 km
    near = pd.DataFrame({"reachable": [True, False, True], "distance_km": [5.0, np.nan, 100.0],
                         "time_min": [5.0, np.nan, 100.0]})
    out = aggregate(near, np.array([3.0, 1.0, 0.0]), np.array([0, 0, 2]), 3, "ssc", (10.0,), (30.0,))
    assert out["ssc_pop_over_10km"].tolist() == [1.0, 0.0, 0.0]  # the unreachable resident is beyond
    assert out["ssc_share_over_10km"][0] == 0.25
    assert np.isnan(out["ssc_share_over_10km"][1:]).all()  # no residents: share undefined
    assert out["ssc_pop_unreachable"].tolist() == [1.0, 0.0, 0.0]
    assert out["ssc_dist_mean_km"][0] == 5.0 and out["ssc_time_max_min"][0] == 5.0
    for s in ("mean", "median", "p90", "max"):  # nobody reachable with residents in groups 1 and 2
        assert np.isnan(out[f"ssc_dist_{s}_km"][1:]).all(), s
    # a point with a reachable flag but a missing distance is unreachable
    near2 = pd.DataFrame({"reachable": [True], "distance_km": [np.nan], "time_min": [np.inf]})
    out2 = aggregate(near2, np.array([5.0]), np.array([0]), 1, "af", (10.0,), (30.0,))
    assert out2["af_pop_unreachable"].tolist() == [5.0] and out2["af_pop_over_30min"].tolist() == [5.0]


# --- quantiles: the smallest x whose cumulative share is >= q, at both edges --------------------
def test_quantile_edges_exactly_at_the_cumulative_share():
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)  # cumulative shares 0.25, 0.5, 0.75, 1
    assert weighted_quantile(x, w, 0.25) == 1.0
    assert weighted_quantile(x, w, 0.25 + 1e-9) == 2.0  # 1e-12 is the round-off tolerance
    assert weighted_quantile(x, w, 0.5) == 2.0
    assert weighted_quantile(x, w, np.nextafter(0.5, 1)) == 2.0  # within the tolerance
    assert weighted_quantile(x, w, 0.5 + 1e-9) == 3.0
    assert weighted_quantile(x, w, np.nextafter(0.5, 0)) == 2.0
    assert weighted_quantile(x, w, 1.0) == 4.0
    # p90 at its edge: cumulative share 9/10 = 0.9 exactly -> the first value; above -> the second
    assert weighted_quantile(np.array([7.0, 8.0]), np.array([9.0, 1.0]), 0.9) == 7.0
    assert weighted_quantile(np.array([7.0, 8.0]), np.array([9.0, 1.0]), 0.9 + 1e-9) == 8.0
    # round-off: 0.7 + 0.1 = 0.7999999999999999 < 0.8, still "reached" (tolerance 1e-12)
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.7, 0.1, 0.2]), 0.8) == 2.0
    # the edge of the tolerance itself: cumulative share 0.5 == q - 1e-12 still reaches q
    q = 0.5 + 1e-12
    assert q - 1e-12 == 0.5
    assert weighted_quantile(x, w, q) == 2.0
    # a value just 1e-9 short of q is not reached
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([0.5 - 1e-9, 0.5 + 1e-9]), 0.5) == 2.0


def test_quantile_ignores_nan_and_zero_weights_and_sorts():
    x = np.array([5.0, np.nan, 1.0, 3.0, 100.0])
    w = np.array([1.0, 50.0, 1.0, 1.0, 0.0])  # sorted: 1, 3, 5 with shares 1/3, 2/3, 1
    assert weighted_quantile(x, w, 0.5) == 3.0
    assert weighted_quantile(x, w, 1 / 3) == 1.0
    assert weighted_quantile(x, w, 0.9) == 5.0
    assert np.isnan(weighted_quantile(x, np.zeros(5), 0.5))
    with pytest.raises(ValueError, match=r"q must be in \(0, 1\], not 0"):
        weighted_quantile(x, w, 0)
    with pytest.raises(ValueError, match=r"q must be in \(0, 1\], not 1.5"):
        weighted_quantile(x, w, 1.5)


def test_grouped_quantiles_per_kommun_in_coverage():
    # two kommuner; K1: 10 km (pop 1), 20 km (pop 1), 40 km (pop 2); K2: 5 km (pop 9), 45 km (pop 1)
    # K1 cumulative shares 0.25, 0.5, 1 -> median 20 (share exactly 0.5), p90 40;
    # K2 0.9, 1 -> median 5, p90 5 (share exactly 0.9); national 5 (9/14), 10, 20 -> median 5, p90 40
    pts = [("p1", "0001", 10.0, 1), ("p2", "0001", 20.0, 1), ("p3", "0001", 40.0, 2),
           ("q1", "0002", 5.0, 9), ("q2", "0002", 45.0, 1)]
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 1.0}],
        [{"id": p, "kommunkod": k, "x_km": 2.0 + i + (50 if k == "0002" else 0), "population": w}
         for i, (p, k, _, w) in enumerate(pts)],
        [(p, "O", km) for p, _, km, _ in pts], 2)
    cov = coverage(off, dem, kom, graph=graph)
    assert cov["af_dist_median_km"].tolist() == pytest.approx([20.0, 5.0])
    assert cov["af_dist_p90_km"].tolist() == pytest.approx([40.0, 5.0])
    assert cov["af_time_median_min"].tolist() == pytest.approx([20.0, 5.0])
    assert cov["af_dist_mean_km"].tolist() == pytest.approx([(10 + 20 + 80) / 4, (45 + 45) / 10])
    assert cov["af_dist_max_km"].tolist() == pytest.approx([40.0, 45.0])
    nat = national(cov)
    assert nat["af_dist_median_km"] == pytest.approx(5.0)  # 9 of 14 residents at 5 km
    assert nat["af_dist_p90_km"] == pytest.approx(40.0)  # cumulative 9, 10, 11, 13 (< 12.6), 14
    assert nat["af_dist_max_km"] == pytest.approx(45.0)


# --- thresholds, labels and columns -----------------------------------------------------------------
def test_parse_thresholds_forms():
    default = (settings.DISTANCE_THRESHOLDS_KM, settings.TIME_THRESHOLDS_MIN)
    assert parse_thresholds(None) == ((10.0, 25.0, 50.0), (30.0, 45.0, 60.0)) == default
    assert parse_thresholds({"km": (5, 7.5)}) == ((5.0, 7.5), (30.0, 45.0, 60.0))
    assert parse_thresholds({"min": [20]}) == ((10.0, 25.0, 50.0), (20.0,))
    assert parse_thresholds({"distance_km": (1,), "time_min": (2,)}) == ((1.0,), (2.0,))
    assert parse_thresholds(((3, 4), (5,))) == ((3.0, 4.0), (5.0,))
    assert parse_thresholds({"km": 12, "min": 40}) == ((12.0,), (40.0,))
    assert parse_thresholds({"km": (), "min": (1,)}) == ((), (1.0,))


@pytest.mark.parametrize(("thresholds", "match"), [
    ({"kms": (1,)}, r"^unknown threshold keys \['kms'\]; use 'km' and 'min'"),
    ((1, 2, 3), r"^thresholds must be a dict \{'km': \(\.\.\.\), 'min': \(\.\.\.\)\} or a pair \(km_tuple, min_tuple\)$"),
    (5, r"^thresholds must be a dict"),
    ({"km": (25, 10)}, r"km thresholds must be positive and strictly increasing"),
    ({"min": (30, 30)}, r"min thresholds must be positive and strictly increasing"),
    ({"km": ("x",)}, r"km thresholds must be positive"),
])
def test_parse_thresholds_rejects(thresholds, match):
    with pytest.raises(CoverageInputError, match=match):
        parse_thresholds(thresholds)


def test_parse_thresholds_lists_each_problem():
    with pytest.raises(CoverageInputError, match="km thresholds") as err:
        parse_thresholds({"km": (10, 5, 0, float("inf"))})
    probs = err.value.problems
    assert probs["row"].tolist() == [1, 2, 3]
    assert probs["id"].tolist() == ["5km", "0km", "infkm"]
    assert probs["problem"].tolist() == ["not greater than the previous threshold 10",
                                         "threshold must be a positive number", "threshold must be a positive number"]
    with pytest.raises(CoverageInputError, match="min thresholds") as err:
        parse_thresholds({"min": (-1, None)})
    assert err.value.problems["id"].tolist() == ["-1min", "Nonemin"]


def test_labels_and_columns():
    assert threshold_label(25.0, "km") == "25km" and threshold_label(2.5, "min") == "2.5min"
    assert threshold_labels((10, 2.5), (30,)) == ["10km", "2.5km", "30min"]
    assert group_metric_columns("af", (10,), (30,)) == [
        "af_dist_mean_km", "af_dist_median_km", "af_dist_p90_km", "af_dist_max_km",
        "af_time_mean_min", "af_time_median_min", "af_time_p90_min", "af_time_max_min",
        "af_pop_over_10km", "af_share_over_10km", "af_pop_over_30min", "af_share_over_30min",
        "af_pop_unreachable", "af_has_office", "af_n_offices"]
    assert group_metric_columns("ssc", (), (), include_office=False)[-1] == "ssc_pop_unreachable"
    assert groups_in(pd.DataFrame(columns=["any_has_office", "af_has_office", "x"])) == ["af", "any"]


def test_thresholds_of_reads_the_provenance(edge_cov):
    assert thresholds_of(edge_cov) == ((10.0, 25.0, 50.0), (30.0, 45.0, 60.0))
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["narvaro"] = {"thresholds": {"km": [2.0], "min": [3.0, 4.0]}}
    assert thresholds_of(frame) == ((2.0,), (3.0, 4.0))
    assert thresholds_of(pd.DataFrame()) == (settings.DISTANCE_THRESHOLDS_KM, settings.TIME_THRESHOLDS_MIN)


def test_format_range():
    assert format_range(7.81, 80.34, ".1f", " %") == "7.8-80.3 %"
    assert format_range(12.4, 11.6, ".0f") == "12"
    assert format_range(3.0, 3.04, ".1f", " km") == "3.0 km"
    assert format_range(None, 1.0, ".1f") == "n/a" and format_range(1.0, None, ".1f") == "n/a"
    assert format_range(float("nan"), 1.0, ".1f") == "n/a"
    assert format_range(1, 2, "d") == "1-2"


def test_inputs_as_objects_and_unreachable_flags_win():
    # None in values or weights counts as missing (float conversion), not as an error
    assert weighted_quantile([1.0, None, 3.0], [1, 1, 1], 0.5) == 1.0  # 1 and 3, shares 0.5 and 1
    assert weighted_quantile([1.0, 2.0, 3.0], [1, None, 1], 0.6) == 3.0
    # columns of object dtype (a frame read back from a file), and a flag that says unreachable
    # although a time is given: the flag wins
    near = pd.DataFrame({"reachable": pd.Series([True, False, True], dtype=object),
                         "distance_km": pd.Series([5.0, None, 20.0], dtype=object),
                         "time_min": pd.Series([5.0, 7.0, 20.0], dtype=object)})
    out = aggregate(near, np.array([1.0, 2.0, 4.0]), np.zeros(3, dtype=np.int64), 1, "af", (10.0,), (30.0,))
    assert out["af_pop_unreachable"].tolist() == [2.0]
    assert out["af_pop_over_10km"].tolist() == [6.0]  # unreachable 2 + 20 km 4
    assert out["af_dist_mean_km"].tolist() == [(5.0 + 4 * 20.0) / 5]


def test_small_populations_have_a_mean_and_no_warning():
    import warnings

    # a kommun of half a resident (demand weights are fractional) and an empty one, with
    # warnings as errors: 0/0 for the empty kommun must stay silent
    near = pd.DataFrame({"reachable": True, "distance_km": [3.0], "time_min": [3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = aggregate(near, np.array([0.5]), np.array([0]), 2, "af", (10.0,), (30.0,))
    assert out["af_dist_mean_km"][0] == 3.0 and np.isnan(out["af_dist_mean_km"][1])
    assert out["af_dist_max_km"][0] == 3.0 and np.isnan(out["af_dist_max_km"][1])
    # every array has one value per kommun, also for a trailing kommun without points
    assert out["af_pop_over_10km"].tolist() == [0.0, 0.0] and out["af_pop_unreachable"].tolist() == [0.0, 0.0]
    assert out["af_share_over_10km"][0] == 0.0 and np.isnan(out["af_share_over_10km"][1])
    assert out["af_share_over_30min"][0] == 0.0 and len(out["af_time_p90_min"]) == 2


def test_grouped_statistics_with_a_one_point_last_kommun():
    # K0: 2 km (pop 1), 8 km (pop 3) -> median 8, p90 8, mean 6.5; K1: one point at 4 km
    near = pd.DataFrame({"reachable": True, "distance_km": [8.0, 2.0, 4.0], "time_min": [8.0, 2.0, 4.0]})
    out = aggregate(near, np.array([3.0, 1.0, 2.0]), np.array([0, 0, 1]), 2, "af", (5.0,), (30.0,))
    assert out["af_dist_median_km"].tolist() == [8.0, 4.0]
    assert out["af_time_p90_min"].tolist() == [8.0, 4.0]
    assert out["af_dist_mean_km"].tolist() == [6.5, 4.0]
    assert out["af_pop_over_5km"].tolist() == [3.0, 0.0]
