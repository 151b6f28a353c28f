"""Benchmark of the public transport router (narvaro.network.transit).

    python benchmarks/bench_transit.py             # Norrbotten (real feed) and the national-size synthetic day
    python benchmarks/bench_transit.py --skip-national

(1) Norrbotten: every demand point of the län against every candidate office of the four
    default scenarios (confirmed + candidate, union), with the shipped feed: the per-office
    matrix (`transit_matrix`, one scan per office a stop serves) and the nearest office
    (`transit_times`, one scan), beside the networkx time-expanded oracle of tests/ on a sample
    of origins (extrapolated per origin).
(2) National size: a seeded synthetic service day with 45,000 stops and about 1.5 M
    connections (GTFS Sverige 2 has of the order of 45,000 stops and 1.5 M stop-time pairs a
    weekday), 430 offices and 100,000 demand points: the nearest-office pass (one scan with
    all 430 offices as targets) and one per-office scan, timed, with peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import narvaro  # noqa: E402
from narvaro.network.transit import Feed, TransitNetwork, transit_matrix, transit_times  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def norrbotten(n_oracle: int) -> None:
    from transit_oracle import oracle_matrix

    t0 = time.perf_counter()
    net = TransitNetwork.from_gtfs(narvaro.fetch("gtfs/gtfs_norrbotten_2022-12-14.zip"))
    t_read = time.perf_counter() - t0
    draws = narvaro.office_draws(("af_2019", "af_2020+af_2020_changes", "ssc_2020"), n=10)
    offices = pd.concat([draws[s].offices for s in ("af_2019", "af_2020+af_2020_changes", "ssc_2020")])
    offices = gpd.GeoDataFrame(offices.drop_duplicates("office_id"), geometry="geometry",
                               crs=draws["af_2019"].offices.crs)
    demand = narvaro.load_demand_points()
    demand = demand[demand["kommunkod"].str.startswith("25")].reset_index(drop=True)
    t0 = time.perf_counter()
    m = transit_matrix(demand, offices, net)
    t_matrix = time.perf_counter() - t0
    t0 = time.perf_counter()
    transit_times(demand, offices, net)
    t_near = time.perf_counter() - t0
    served = np.flatnonzero(~np.isnan(m).all(1))
    sample = np.random.default_rng(0).choice(served, min(n_oracle, served.size), replace=False)
    t0 = time.perf_counter()
    want = oracle_matrix(net.feed, net.stop_xy, demand.iloc[sample].geometry.to_crs(3006).get_coordinates().to_numpy(),
                         offices.geometry.to_crs(3006).get_coordinates().to_numpy())
    t_oracle = time.perf_counter() - t0
    same = np.allclose(m[sample], want, atol=1e-9, equal_nan=True)
    print(f"Norrbotten feed {net.feed.date}: {net.feed.n_trips} trips, {net.feed.n_connections} connections "
          f"({net.order.size} scanned), {len(net.feed.stops)} stops; read + prepare {t_read:.1f} s")
    print(f"  {len(demand)} demand points x {len(offices)} offices: transit_matrix {t_matrix:.2f} s, "
          f"transit_times (nearest) {t_near:.2f} s; points with a journey: {served.size}")
    print(f"  networkx oracle: {t_oracle:.1f} s for {sample.size} origins x {len(offices)} offices "
          f"(~{t_oracle / sample.size * len(demand) / 60:.0f} min extrapolated to all points); equal: {same}")
    print(f"  peak RSS {rss_mb():.0f} MB")


def synthetic_feed(n_stops: int = 45_000, n_conn: int = 1_500_000, seed: int = 0) -> Feed:
    """A seeded service day: stops in towns across Sweden's extent, routes of 20 calls at headways."""
    rng = np.random.default_rng(seed)
    towns = np.column_stack([rng.uniform(300_000, 900_000, 600), rng.uniform(6_150_000, 7_650_000, 600)])
    town = rng.integers(0, len(towns), n_stops)
    xy = towns[town] + rng.normal(0, 3_000, (n_stops, 2))
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3006).to_crs(4326).get_coordinates().T.values
    stops = pd.DataFrame({"stop_id": [f"s{i}" for i in range(n_stops)], "lat": lat, "lon": lon,
                          "station": [f"s{i}" for i in range(n_stops)]})
    by_town = pd.Series(np.arange(n_stops)).groupby(town).apply(np.array)
    calls = 20
    n_trips = n_conn // (calls - 1)
    dep, arr, a, b, trip = [], [], [], [], []
    n_routes = n_trips // 30
    for r in range(n_routes):
        t1, t2 = rng.integers(0, len(towns), 2)
        pool = np.r_[rng.choice(by_town[t1], 10), rng.choice(by_town[t2], 10)]
        hop = rng.uniform(60, 400, calls - 1)
        for k in range(30):
            start = rng.uniform(5 * 3600, 22 * 3600)
            times = start + np.r_[0, np.cumsum(hop)]
            dep.append(times[:-1])
            arr.append(times[1:])
            a.append(pool[:-1])
            b.append(pool[1:])
            trip.append(np.full(calls - 1, r * 30 + k))
    dep, arr = np.concatenate(dep), np.concatenate(arr)
    order = np.lexsort((arr, dep))
    n = dep.size
    return Feed(date=dt.date(2023, 2, 15), stops=stops, dep_stop=np.concatenate(a)[order],
                arr_stop=np.concatenate(b)[order], dep_time=dep[order], arr_time=arr[order],
                trip=np.concatenate(trip)[order], can_board=np.ones(n, bool), can_alight=np.ones(n, bool),
                min_transfer_s=np.full(n_stops, 120.0), n_trips=n_routes * 30, source="synthetic")


def national() -> None:
    t0 = time.perf_counter()
    feed = synthetic_feed()
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    net = TransitNetwork.from_feed(feed)
    t_prep = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    st = feed.stops
    pick = rng.choice(len(st), 430, replace=False)
    offices = gpd.GeoDataFrame({"office_id": [f"o{i}" for i in range(430)]},
                               geometry=gpd.points_from_xy(st.lon.to_numpy()[pick], st.lat.to_numpy()[pick]), crs=4326)
    near = rng.choice(len(st), 100_000)
    jitter = rng.normal(0, 0.004, (100_000, 2))
    demand = gpd.GeoDataFrame(geometry=gpd.points_from_xy(st.lon.to_numpy()[near] + jitter[:, 0],
                                                          st.lat.to_numpy()[near] + jitter[:, 1]), crs=4326)
    t0 = time.perf_counter()
    res = transit_times(demand, offices, net)
    t_near = time.perf_counter() - t0
    t0 = time.perf_counter()
    transit_matrix(demand, offices.iloc[:3], net)
    t_three = time.perf_counter() - t0
    print(f"Synthetic national day: {len(st)} stops, {feed.n_connections} connections ({net.order.size} arrive by "
          f"10:00 and are scanned); generate {t_gen:.0f} s, prepare (footpaths) {t_prep:.0f} s")
    print(f"  nearest office, 100,000 points x 430 offices (one scan): {t_near:.0f} s; "
          f"with a journey: {res['transit_min'].notna().sum()}")
    print(f"  per-office matrix: {t_three:.0f} s for 3 offices (~{t_three / 3 * 430 / 60:.0f} min for 430)")
    print(f"  peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--skip-national", action="store_true")
    p.add_argument("--oracle-origins", type=int, default=5)
    args = p.parse_args()
    norrbotten(args.oracle_origins)
    if not args.skip_national:
        national()
