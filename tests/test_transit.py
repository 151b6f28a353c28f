"""Public transport router (narvaro.network.transit) against hand-made feeds with known answers
and against the networkx time-expanded oracle (tests/transit_oracle.py) on the real Norrbotten feed."""

from __future__ import annotations

import datetime as dt
import zipfile

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from transit_oracle import oracle_matrix

import narvaro
from narvaro import settings
from narvaro.errors import GTFSError
from narvaro.network.transit import (
    TransitNetwork,
    default_service_date,
    read_gtfs,
    transit_matrix,
    transit_times,
)

X0, Y0 = 750_000.0, 7_300_000.0
TO_LL = Transformer.from_crs(3006, 4326, always_xy=True)
WALK = settings.TRANSIT_WALK_CIRCUITY / (settings.TRANSIT_WALK_SPEED_KMH / 3.6)  # seconds per straight metre
DATE = "20230215"  # a Wednesday


def points(xy):
    return gpd.GeoDataFrame({"office_id": [f"o{i}" for i in range(len(xy))]},
                            geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]), crs=3006)


def write_feed(path, stops, trips, transfers=None, services=None):
    """stops: {id: (x, y)} in metres from (X0, Y0); trips: {trip_id: (service, [(stop, 'HH:MM:SS'), ...])}."""
    path.mkdir()
    lines = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station"]
    for sid, (x, y, *parent) in stops.items():
        lon, lat = TO_LL.transform(X0 + x, Y0 + y)
        lines.append(f"{sid},{sid},{lat:.8f},{lon:.8f},0,{parent[0] if parent else ''}")
    (path / "stops.txt").write_text("\n".join(lines) + "\n")
    (path / "trips.txt").write_text("route_id,service_id,trip_id\n" + "".join(
        f"r,{svc},{tid}\n" for tid, (svc, _) in trips.items()))
    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for tid, (_, calls) in trips.items():
        st += [f"{tid},{t},{t},{s},{k + 1}" for k, (s, t) in enumerate(calls)]
    (path / "stop_times.txt").write_text("\n".join(st) + "\n")
    services = services or {"wd": [DATE]}
    (path / "calendar_dates.txt").write_text("service_id,date,exception_type\n" + "".join(
        f"{svc},{d},1\n" for svc, days in services.items() for d in days))
    if transfers:
        (path / "transfers.txt").write_text("from_stop_id,to_stop_id,transfer_type,min_transfer_time\n" + "".join(
            f"{s},{s},2,{t}\n" for s, t in transfers.items()))
    return path


def route(feed_dir, origins, offices, date="2023-02-15"):
    net = TransitNetwork.from_gtfs(feed_dir, date)
    got = transit_matrix(points(origins), points(offices), net)
    want = oracle_matrix(net.feed, net.stop_xy, points(origins).geometry.get_coordinates().to_numpy(),
                         points(offices).geometry.get_coordinates().to_numpy())
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
    near = transit_times(points(origins), points(offices), net)  # one scan with every office as target
    best = np.where(np.isnan(got), np.inf, got).min(1)
    np.testing.assert_allclose(np.where(np.isnan(near["transit_min"]), np.inf, near["transit_min"]), best)
    return got, near


# A at 0, B 20 km east, C 40 km east; office at C, resident 130 m from A.
STOPS = {"A": (0, 0), "B": (20_000, 0), "B2": (20_200, 0), "C": (40_000, 0), "D": (80_000, 0)}
ORIGIN, OFFICE = [(0, 130)], [(40_000, 0)]


def test_transfer_missed_by_one_minute(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("B", "07:30:00")]),
             "T2": ("wd", [("B", "07:31:00"), ("C", "08:10:00")]),
             "T3": ("wd", [("B", "07:40:00"), ("C", "08:20:00")])}
    got, near = route(write_feed(tmp_path / "f", STOPS, trips), ORIGIN, OFFICE)
    assert got[0, 0] == pytest.approx(80 + 130 * WALK / 60)  # 2 min default: 07:31 missed, 07:40 taken
    assert near["office_id"].iat[0] == "o0"
    got, _ = route(write_feed(tmp_path / "g", STOPS, trips, transfers={"B": 60}), ORIGIN, OFFICE)
    assert got[0, 0] == pytest.approx(70 + 130 * WALK / 60)  # min_transfer_time 60 s: 07:31 caught


def test_arrival_before_window_does_not_count(tmp_path):
    trips = {"early": ("wd", [("A", "07:00:00"), ("C", "07:50:00")]),
             "late": ("wd", [("A", "07:00:00"), ("C", "08:30:00")])}
    got, _ = route(write_feed(tmp_path / "f", STOPS, trips), ORIGIN, OFFICE)
    assert got[0, 0] == pytest.approx(90 + 130 * WALK / 60)


def test_trip_past_midnight(tmp_path):
    # Tuesday's service runs at 31:00-32:30 = Wednesday 07:00-08:30; Wednesday's own 31:00 trip is Thursday.
    trips = {"night": ("tue", [("A", "31:00:00"), ("C", "32:30:00")]),
             "thu": ("wd", [("A", "31:30:00"), ("C", "32:00:00")])}
    feed = write_feed(tmp_path / "f", STOPS, trips, services={"tue": ["20230214"], "wd": [DATE]})
    got, _ = route(feed, ORIGIN, OFFICE)
    assert got[0, 0] == pytest.approx(90 + 130 * WALK / 60)


def test_walking_transfer(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("B", "07:30:00")]),
             "T2": ("wd", [("B2", "07:34:00"), ("C", "08:10:00")]),  # 200 m x 1.3 at 5 km/h = 3.12 min
             "T3": ("wd", [("B2", "07:33:00"), ("C", "08:05:00")])}  # 3 min: too short
    got, _ = route(write_feed(tmp_path / "f", STOPS, trips), ORIGIN, OFFICE)
    assert got[0, 0] == pytest.approx(70 + 130 * WALK / 60)


def test_office_and_resident_without_service(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("C", "08:10:00")])}
    origins = [(0, 130), (0, 5_000)]  # the second is 5 km from any stop
    offices = [(40_000, 0), (60_000, 0)]  # the second has no stop within 1,000 m
    got, near = route(write_feed(tmp_path / "f", STOPS, trips), origins, offices)
    assert got[0, 0] == pytest.approx(70 + 130 * WALK / 60)
    assert np.isnan(got[0, 1]) and np.isnan(got[1]).all()
    assert np.isnan(near["transit_min"].iat[1]) and near["office_id"].isna().iat[1]
    assert len(near) == 2  # never dropped


def test_walk_all_the_way_and_nearest_office(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("C", "08:10:00")]),
             "T2": ("wd", [("A", "07:00:00"), ("D", "08:00:00")])}
    got, near = route(write_feed(tmp_path / "f", STOPS, trips), [(0, 130), (40_000, 500)],
                      [(80_000, 0), (40_000, 0)])
    assert got[0].tolist() == pytest.approx([60 + 130 * WALK / 60, 70 + 130 * WALK / 60])
    assert near["office_id"].tolist() == ["o0", "o1"]
    assert got[1, 1] == pytest.approx(500 * WALK / 60)


def test_bad_feeds_name_file_and_rows(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("C", "06:10:00")])}
    with pytest.raises(GTFSError, match="stop_times.txt") as err:
        read_gtfs(write_feed(tmp_path / "f", STOPS, trips), "2023-02-15")
    assert err.value.problems["row"].tolist() == [3]
    good = write_feed(tmp_path / "g", STOPS, {"T1": ("wd", [("A", "07:00:00"), ("C", "08:10:00")])})
    with pytest.raises(GTFSError, match="no trip runs on 2023-03-01"):
        read_gtfs(good, "2023-03-01")
    (good / "stops.txt").unlink()
    with pytest.raises(GTFSError, match="stops.txt is missing"):
        read_gtfs(good, "2023-02-15")
    bad = write_feed(tmp_path / "h", STOPS, {"T1": ("wd", [("A", "7h00"), ("C", "08:10:00")])})
    with pytest.raises(GTFSError, match="7h00"):
        read_gtfs(bad, "2023-02-15")


NORRBOTTEN = "gtfs/gtfs_norrbotten_2022-12-14.zip"


@pytest.fixture(scope="module")
def norrbotten():
    return TransitNetwork.from_gtfs(narvaro.fetch(NORRBOTTEN), "2023-02-15")


def test_default_date_is_a_normal_wednesday():
    path = narvaro.fetch(NORRBOTTEN)
    day = default_service_date(path)
    assert day.weekday() == 2 and dt.date(2022, 12, 11) <= day <= dt.date(2023, 12, 10)
    with zipfile.ZipFile(path) as z:
        assert "calendar_dates.txt" in z.namelist()


def test_real_feed_trips_of_the_day(norrbotten):
    import pandas as pd

    with zipfile.ZipFile(narvaro.fetch(NORRBOTTEN)) as z:
        cd = pd.read_csv(z.open("calendar_dates.txt"), dtype=str)
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
    day = cd[cd["date"] == "20230215"]
    on = set(day.loc[day["exception_type"] == "1", "service_id"]) - set(day.loc[day["exception_type"] == "2",
                                                                                 "service_id"])
    assert norrbotten.feed.date == dt.date(2023, 2, 15)
    assert norrbotten.feed.n_trips == trips["service_id"].isin(on).sum() > 500


def test_router_equals_oracle_on_real_norrbotten(norrbotten):
    offices = narvaro.load_offices("af_2019+ssc_2020")
    offices = offices[offices["kommunkod"].str.startswith("25")].reset_index(drop=True)
    demand = narvaro.load_demand_points()
    demand = demand[demand["kommunkod"].str.startswith("25")].reset_index(drop=True)
    m = transit_matrix(demand, offices, norrbotten)
    served = np.flatnonzero(~np.isnan(m).all(1))
    rng = np.random.default_rng(23)
    sample = np.sort(np.r_[rng.choice(served, 10, replace=False), rng.choice(len(demand), 4, replace=False)])
    oxy = demand.iloc[sample].geometry.to_crs(3006).get_coordinates().to_numpy()
    fxy = offices.geometry.to_crs(3006).get_coordinates().to_numpy()
    want = oracle_matrix(norrbotten.feed, norrbotten.stop_xy, oxy, fxy)
    np.testing.assert_allclose(m[sample], want, rtol=0, atol=1e-9, equal_nan=True)
    assert np.isfinite(want).sum() >= 10  # the sample holds real journeys, not only NaN
    near = transit_times(demand, offices, norrbotten)
    best = np.where(np.isnan(m), np.inf, m).min(1)
    np.testing.assert_allclose(np.where(np.isnan(near["transit_min"]), np.inf, near["transit_min"]), best)
