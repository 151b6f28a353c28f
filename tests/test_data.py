"""Tests of the data registry and base layers, on the real files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import narvaro
from narvaro import data
from narvaro.data import registry
from narvaro.errors import ChecksumError, CRSError, DataUnavailableError, UnknownKommunError

SCB_TOTAL = {2017: 10_120_242, 2018: 10_230_185, 2021: 10_452_326}

# SCB tätort reference points that lie outside their own kommun's Valmyndigheten polygon,
# and why (all within 5 km): the point is the centre of a tätort polygon that spans a
# border, or the simplified (2 %) boundary cuts a small village.
TATORT_OUTSIDE_OWN_KOMMUN = {
    "Göteborg": "tätort centre lies in Mölndal; the tätort spans both kommuner",
    "Tumba": "tätort centre lies in Salem; Tumba spans the Botkyrka-Salem border",
    "Trunnerup, Bleckstorp och Rögla": "small village cut by the simplified border",
    "Frillesås": "simplified coastline",
    "Storholmen": "island village, simplified coastline",
    "Baggetorp": "small village cut by the simplified border",
    "Skoby": "small village cut by the simplified border",
    "Luddingsbo": "small village cut by the simplified border",
    "Pukavik": "simplified coastline",
    "Rynge och Vallösa": "small village cut by the simplified border",
    "Hallsberg": "tätort centre 72 m across the simplified border",
}


@pytest.mark.parametrize("source", ["valmyndigheten", "scb"])
def test_load_kommuner_has_290_rows_with_codes(source):
    kommuner = narvaro.load_kommuner(source)
    assert len(kommuner) == 290
    assert kommuner["kommunkod"].is_unique
    assert kommuner["kommunkod"].str.fullmatch(r"\d{4}").all()
    assert kommuner.crs.to_epsg() == 3006
    assert kommuner["population"].sum() == SCB_TOTAL[2021]
    assert kommuner.attrs["population_year"] == 2021
    row = kommuner.set_index("kommunkod").loc["0114"]
    assert row["kommunnamn"] == "Upplands Väsby"
    assert row["lansnamn"] == "Stockholms län"
    assert row["population"] == 47_820
    assert kommuner.geometry.is_valid.all()


def test_kommun_areas_match_sources():
    # Valmyndigheten includes sea territory (463,788 km2), SCB is land-clipped (436,796 km2).
    valm = narvaro.load_kommuner("valmyndigheten").area.sum() / 1e6
    scb = narvaro.load_kommuner("scb").area.sum() / 1e6
    assert valm == pytest.approx(463_788, rel=0.01)
    assert scb == pytest.approx(436_796, rel=0.01)


@pytest.mark.parametrize("year", [2017, 2018, 2021])
def test_population_years(year):
    assert narvaro.load_population(year).sum() == SCB_TOTAL[year]
    assert narvaro.load_kommuner(year=year)["population"].sum() == SCB_TOTAL[year]


def test_load_lan():
    lan = narvaro.load_lan()
    assert len(lan) == 21
    assert lan["lanskod"].str.fullmatch(r"\d{2}").all()
    assert "Norrbottens län" in set(lan["lansnamn"])


def test_tatorter_inside_own_kommun_or_within_5km():
    kommuner = narvaro.load_kommuner().set_index("kommunkod")
    tatorter = narvaro.load_tatorter()
    assert len(tatorter) == 2017
    assert tatorter["population"].sum() == 9_088_367
    own = gpd.GeoSeries(kommuner.loc[tatorter["kommunkod"]].geometry.values, crs=kommuner.crs)
    dist = tatorter.geometry.distance(own, align=False).to_numpy()
    assert dist.max() < 5_000
    outside = set(tatorter.loc[dist > 0, "tatort"])
    assert outside == set(TATORT_OUTSIDE_OWN_KOMMUN)


def test_demand_points_sum_to_kommun_totals_exactly():
    demand = narvaro.load_demand_points()
    assert demand.crs.to_epsg() == 3006
    assert set(demand["kind"]) == {"tatort", "residual"}
    assert demand["demand_id"].is_unique
    per_kommun = demand.groupby("kommunkod")["population"].sum()
    totals = narvaro.load_population(2021)
    assert len(per_kommun) == 290
    np.testing.assert_allclose(per_kommun.reindex(totals.index).to_numpy(), totals.to_numpy(), rtol=0, atol=1e-6)
    assert demand["population"].sum() == pytest.approx(SCB_TOTAL[2021], abs=1e-3)
    assert (demand["population"] > 0).all()


def test_demand_points_handle_shared_stockholm_tatorter():
    demand = narvaro.load_demand_points()
    totals = narvaro.load_population(2021)
    for code in ["0123", "0128", "0138", "0183", "0184", "0114"]:
        rows = demand[demand["kommunkod"] == code]
        urban = rows.loc[rows["kind"] == "tatort", "population"].sum()
        # (almost) all of these kommuner's residents are urban; they must not be spread on a grid
        assert urban == pytest.approx(totals[code], rel=1e-9), code
    solna = demand[(demand["kommunkod"] == "0184") & (demand["kind"] == "tatort")]
    assert solna["name"].str.contains("Stockholm").all()
    assert demand[demand["kommunkod"] == "0180"]["population"].sum() == pytest.approx(totals["0180"])


def test_residual_points_spread_inside_their_kommun():
    demand = narvaro.load_demand_points()
    scb = narvaro.load_kommuner("scb").set_index("kommunkod")
    residual = demand[demand["kind"] == "residual"]
    own = gpd.GeoSeries(scb.loc[residual["kommunkod"]].geometry.values, crs=scb.crs)
    assert (residual.geometry.distance(own, align=False).to_numpy() < 1).all()
    # Kiruna (about 20,000 km2) gets hundreds of grid points, not one centroid.
    assert (residual["kommunkod"] == "2584").sum() > 500


def test_centralorter_one_point_per_kommun():
    central = narvaro.load_centralorter()
    assert len(central) == 290 and central["kommunkod"].is_unique
    assert (~central["verified"]).sum() == 48
    kommuner = narvaro.load_kommuner().set_index("kommunkod")
    own = gpd.GeoSeries(kommuner.loc[central["kommunkod"]].geometry.values, crs=kommuner.crs)
    assert (central.geometry.distance(own, align=False).to_numpy() < 5_000).all()


def test_unknown_kommunkod_lists_every_row():
    with pytest.raises(UnknownKommunError, match=r"Unknown kommunkod \(3 row") as info:
        data.validate_kommunkoder(["0114", "9999", 114, "0180", "114"], ids=["a", "b", "c", "d", "e"])
    problems = info.value.problems
    assert list(problems["id"]) == ["b", "c", "e"]
    assert "9999" in str(info.value)


def test_missing_crs_is_a_clear_error():
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(18.0, 59.3)])
    with pytest.raises(CRSError, match="no CRS"):
        data.to_compute_crs(gdf, "offices")


def test_outside_sweden_flags_points():
    gdf = gpd.GeoDataFrame(geometry=[Point(18.07, 59.33), Point(10.75, 59.91), Point(2.35, 48.85)], crs=4326)
    assert data.outside_sweden(gdf).tolist() == [False, False, True]  # Oslo is inside the bbox margin


def _mirror_with(tmp_path, name, content: bytes):
    target = tmp_path / "mirror" / name
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    return tmp_path / "mirror"


def test_checksum_mismatch_raises(tmp_path, monkeypatch):
    name = "population/kommun_population.csv"
    mirror = _mirror_with(tmp_path, name, b"kommunkod,bef_2021\n0114,1\n")
    monkeypatch.setenv("NARVARO_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ChecksumError, match="sha256"):
        registry.fetch(name)
    assert not (tmp_path / "cache" / "data" / name).exists()


def test_tampered_cache_is_not_replaced(tmp_path, monkeypatch):
    name = "population/kommun_population.csv"
    cached = tmp_path / "cache" / "data" / name
    cached.parent.mkdir(parents=True)
    cached.write_text("tampered")
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ChecksumError, match="cached copy"):
        registry.fetch(name)
    assert cached.read_text() == "tampered"


def test_no_mirror_and_no_network_says_what_to_set(tmp_path, monkeypatch):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr(pooch, "retrieve", offline)
    monkeypatch.setenv("NARVARO_DATA_MIRROR", str(tmp_path / "empty"))
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataUnavailableError, match="NARVARO_DATA_MIRROR") as info:
        registry.fetch("population/tatorter_scb_2020.csv")
    assert "no public address" in str(info.value)
    with pytest.raises(DataUnavailableError, match="network unreachable"):
        registry.fetch("kommuner/kommuner_valmyndigheten_2pct.geojson")


def test_mirror_copy_is_verified_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path / "cache"))
    path = registry.fetch("kommuner/kommun_centralort.csv")
    assert path.is_relative_to(tmp_path / "cache")
    assert registry.file_sha256(path) == registry.registry()["kommuner/kommun_centralort.csv"]["sha256"]


def test_every_registry_entry_is_documented():
    for name, entry in registry.registry().items():
        assert len(entry["sha256"]) == 64, name
        assert entry.get("url") or entry.get("original"), name
        assert entry["license"] and entry["vintage"], name
        assert pd.notna(entry["description"])
