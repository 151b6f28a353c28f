"""Per-kommun public transport figures over office draws (narvaro.analysis.transit) on a hand-made feed."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from test_transit import STOPS, WALK, X0, Y0, write_feed

import narvaro
from narvaro.analysis.transit import transit_coverage
from narvaro.report.transit_section import format_transit


@dataclass
class Draws:
    offices: gpd.GeoDataFrame
    mask: np.ndarray


def world(tmp_path):
    trips = {"T1": ("wd", [("A", "07:00:00"), ("C", "08:10:00")]),
             "T2": ("wd", [("A", "07:00:00"), ("D", "08:00:00")])}
    feed = write_feed(tmp_path / "f", STOPS, trips)
    kommuner = gpd.GeoDataFrame({"kommunkod": ["2501", "2502"], "kommunnamn": ["Ettan", "Tvåan"]},
                                geometry=[box(X0 - 10_000, Y0 - 10_000, X0 + 100_000, Y0 + 10_000),
                                          box(X0 - 10_000, Y0 + 10_000, X0 + 100_000, Y0 + 30_000)], crs=3006)
    demand = gpd.GeoDataFrame({"kommunkod": ["2501", "2501", "2502"], "population": [100.0, 50.0, 70.0]},
                              geometry=[Point(X0, Y0 + 130), Point(X0, Y0 + 5_000), Point(X0, Y0 + 20_000)],
                              crs=3006)
    offices = gpd.GeoDataFrame({"office_id": ["o0", "o1"], "org": ["af", "af"], "name": ["C", "D"],
                                "kommunkod": ["2501", "2501"], "basis": ["confirmed", "candidate"]},
                               geometry=[Point(X0 + 40_000, Y0), Point(X0 + 80_000, Y0)], crs=3006)
    return feed, kommuner, demand, offices


def test_three_kinds_of_number_and_uncovered_kommun(tmp_path):
    feed, kommuner, demand, offices = world(tmp_path)
    mask = np.array([[1, 0], [1, 1], [1, 0], [1, 0]], bool)
    t = transit_coverage(Draws(offices, mask), demand, kommuner, feed, date="2023-02-15", name="x")
    walk = 130 * WALK / 60
    assert t["kommunkod"].tolist() == ["2501"]  # Tvåan has no stop: left out and listed, not zero
    assert t.attrs["narvaro_transit"]["not_covered"] == ["2502"]
    r = t.iloc[0]
    assert r["af_transit_mean_min"] == pytest.approx(70 + walk)  # median over draws: 3 of 4 without D
    assert r["af_transit_mean_min_q05"] == pytest.approx(60 + walk)
    assert r["af_transit_mean_min_q95"] == pytest.approx(70 + walk)
    assert r["af_transit_mean_min_lo"] == pytest.approx(60 + walk)
    assert r["af_transit_mean_min_hi"] == pytest.approx(70 + walk)
    assert r["af_transit_median_min"] == pytest.approx(70 + walk)
    assert r["af_pop_transit_le_60min"] == 0 and r["af_pop_transit_le_90min"] == 100
    assert r["af_pop_no_transit"] == 50 and r["af_pop_no_transit_lo"] == 50
    assert r["population"] == 150
    text = format_transit({"af_2019": t}, lang="sv")
    assert "Ettan" in text and "AF före nedläggningarna" in text and "(utelämnade, inte noll): 1" in text


def test_coverage_mode_transit_takes_a_list_as_complete(tmp_path):
    feed, kommuner, demand, offices = world(tmp_path)
    cov = narvaro.coverage(offices, demand=demand, kommuner=kommuner, mode="transit", gtfs=feed, date="2023-02-15")
    walk = 130 * WALK / 60
    r = cov.iloc[0]
    # the candidate row is dropped: only C
    assert r["af_transit_mean_min"] == r["af_transit_mean_min_lo"] == r["af_transit_mean_min_hi"] == \
        pytest.approx(70 + walk)
    with pytest.raises(narvaro.errors.CoverageInputError, match="GTFS"):
        narvaro.coverage(offices, demand=demand, kommuner=kommuner, mode="transit")
    assert isinstance(cov, pd.DataFrame)


def test_norrbotten_report_section(tmp_path):
    from narvaro.offices.draws import END_2020

    feed = narvaro.fetch("gtfs/gtfs_norrbotten_2022-12-14.zip")
    a = narvaro.assess(["af_2019", END_2020, f"{END_2020}+ssc_2020"], draws=20, gtfs=feed, constrained=False,
                       progress=False)
    assert list(a.transit) == ["af_2019", END_2020, f"{END_2020}+ssc_2020"]
    for table in a.transit.values():
        assert len(table) == 14 and table["kommunkod"].str.startswith("25").all()  # Norrbotten's 14 kommuner
        assert len(table.attrs["narvaro_transit"]["not_covered"]) == 290 - 14
        assert (table["af_pop_no_transit_lo"] <= table["af_pop_no_transit"]).all()
        assert (table["af_pop_no_transit"] <= table["af_pop_no_transit_hi"]).all()
        assert (table["af_pop_no_transit"] + table["af_pop_transit_le_90min"] <= table["population"] + 1e-6).all()
    files = a.report(tmp_path / "out", lang="sv", maps_dir=tmp_path / "maps", formats=("csv",))
    names = {f.name for f in files}
    assert "transit_af_2019.csv" in names and "transit_af_2019.html" in names
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    text = (tmp_path / "out" / "report.txt").read_text(encoding="utf-8")
    assert "Kollektivtrafik: snabbaste morgonresan" in page and "Kollektivtrafik: snabbaste morgonresan" in text
    assert "saknar resa till ett AF-kontor den morgonen: " in text and "Arjeplog" in text
