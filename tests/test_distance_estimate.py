"""Estimate mode (straight line x circuity) and od_matrix defaults, by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from narvaro.errors import GeometryError
from narvaro.network.distance import ESTIMATE_DESCRIPTION, RESULT_COLUMNS, circuity, nearest_office, od_matrix

X0, Y0 = 500_000.0, 6_500_000.0


def _points(xy, index=None):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3006, index=index)


def _offices(xy):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame({"office_id": [f"o{i}" for i in range(len(xy))], "org": "af",
                             "name": [f"Office {i}" for i in range(len(xy))], "kommunkod": "0114"},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3006)


def test_circuity_accepts_objects_and_missing_values():
    # a column read back with None in it: missing stays missing, numbers are interpolated
    got = circuity(pd.Series([1.0, None, 30.0], dtype=object))
    assert got[0] == 1.74 and np.isnan(got[1]) and got[2] == pytest.approx(1.22)
    assert circuity([0, 500]).tolist() == [1.74, 1.17]  # constant beyond both ends


def test_estimate_columns_types_index_and_provenance():
    # 30 km straight (circuity 1.22) -> 36.6 km, 36.6 min at 60 km/h; 0.5 km -> 0.87 km
    dem = _points([[X0 + 30e3, Y0], [X0 + 500.0, Y0]], index=pd.Index([7, 3], name="demand_id"))
    res = nearest_office(dem, _offices([[X0, Y0], [X0 + 100e3, Y0]]))
    assert list(res.columns) == RESULT_COLUMNS
    assert res.index.tolist() == [7, 3] and res.index.name == "demand_id"
    assert res["distance_km"].tolist() == pytest.approx([36.6, 0.87])
    assert res["time_min"].tolist() == pytest.approx([36.6, 0.87])
    assert res["office_id"].tolist() == ["o0", "o0"] and res["office_id_by_distance"].tolist() == ["o0", "o0"]
    assert res["reachable"].dtype == bool and res["reachable"].tolist() == [True, True]
    assert res["snap_ok"].dtype == bool and res["snap_ok"].tolist() == [True, True]
    for col in ("snap_m", "office_snap_m"):
        assert res[col].dtype == float and res[col].isna().all(), col
    assert set(res["method"]) == {"estimate"}
    prov = res.attrs["narvaro"]
    assert prov["method"] == "estimate" and prov["network"] == ESTIMATE_DESCRIPTION


def test_estimate_with_no_demand_points():
    res = nearest_office(_points(np.zeros((0, 2))), _offices([[X0, Y0]]))
    assert list(res.columns) == RESULT_COLUMNS and len(res) == 0
    assert res["distance_km"].dtype == float and res["time_min"].dtype == float


def test_od_matrix_defaults_minutes_extent_check_and_progress(capsys):
    dem = _points([[X0 + 30e3, Y0]])
    od = od_matrix(dem, _offices([[X0, Y0], [X0, Y0 + 500.0]]))  # defaults: minutes, progress bar
    assert od.attrs["narvaro"]["unit"] == "min" and od.attrs["narvaro"]["metric"] == "time"
    assert od.loc[0].tolist() == pytest.approx([36.6, np.hypot(30, 0.5) * 1.22])
    assert "od_matrix (estimate)" in capsys.readouterr().err
    abroad = gpd.GeoDataFrame(geometry=gpd.points_from_xy([2.35], [48.85]), crs=4326)
    with pytest.raises(GeometryError, match="Demand points lie outside Sweden"):
        od_matrix(abroad, _offices([[X0, Y0]]), progress=False)


def test_od_matrix_distance_unit_and_bad_input(capsys):
    dem = _points([[X0 + 30e3, Y0]])
    od = od_matrix(dem, _offices([[X0, Y0]]), metric="distance", progress=False)
    assert od.attrs["narvaro"]["unit"] == "km" and od.loc[0, "o0"] == pytest.approx(36.6)
    assert capsys.readouterr().err == ""  # progress=False: no bar
    with pytest.raises(ValueError, match=r"^metric must be 'time' or 'distance', not 'speed'$"):
        od_matrix(dem, _offices([[X0, Y0]]), metric="speed")
    paris = gpd.GeoDataFrame({"office_id": ["p"], "org": "af", "name": ["Paris"]},
                             geometry=gpd.points_from_xy([2.35], [48.85]), crs=4326)
    with pytest.raises(Exception, match="Offices lie outside Sweden's bounding box"):
        od_matrix(dem, paris, progress=False)


def test_circuity_quantiles_are_monotone_in_q_never_below_one_and_the_median_is_the_table():
    from narvaro import settings
    from narvaro.network.distance import circuity_spread

    km = np.array([0.5, 1.0, 5.0, 12.0, 30.0, 75.0, 160.0, 400.0])
    table = np.asarray(settings.CIRCUITY_BY_DISTANCE_KM)
    assert np.array_equal(circuity(table[:, 0], 0.5), table[:, 1])  # the median is the Chalmers table
    qs = np.linspace(0.01, 0.99, 25)[:, None]
    c = circuity(km[None, :], qs)
    assert (np.diff(c, axis=0) >= 0).all() and (np.diff(c, axis=0)[:, 2:] > 0).any()
    assert (c >= 1.0).all()
    # beyond the Chalmers band's reach the spread is the measured one: 5th-95th 0.86-1.34 of the pair median
    lo, hi = circuity_spread(30.0)
    assert circuity(30.0, 0.05) / 1.22 == pytest.approx(0.86 / 1.016)
    assert circuity(30.0, 0.95) / 1.22 == pytest.approx(1.34 / 1.016)
    assert (float(lo), float(hi)) == pytest.approx((0.1013, 0.1683), abs=1e-4)
    # at 1 km the Chalmers band (read as the quartiles) is wider: its quartiles are the band
    assert circuity(1.0, 0.25) == pytest.approx(1.59, rel=1e-3)
    assert circuity(1.0, 0.75) == pytest.approx(2.00, rel=1e-3)
    # the travel survey's reported trip lengths lie between the median and the 95th percentile
    for d, ratio in settings.CIRCUITY_TRAVEL_SURVEY:
        assert circuity(d) < ratio < circuity(d, 0.95)


def test_circuity_quantile_outside_zero_one_is_refused():
    from narvaro.errors import InputValueError

    with pytest.raises(InputValueError, match=r"strictly between 0 and 1.*\[0\.0, 1\.0\]"):
        circuity([10.0, 20.0], [0.0, 1.0])
