"""Tests of the data registry and base layers, on the real files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

import narvaro
from narvaro import data
from narvaro.data import layers, registry
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


# --------------------------------------------------------------------------------------
# Tätorter spread over a disc of their area (issue #21 item 9)
# --------------------------------------------------------------------------------------
def test_sunflower_disc_fills_a_disc_of_the_given_area():
    # 1,000 ha = 10 km2: R = sqrt(1e7 / pi) = 1,784.1 m; at 500 m spacing 1e7 / 250,000 = 40 points.
    xs, ys = layers.sunflower_disc(500_000.0, 6_500_000.0, 1e7, 500.0)
    radius = np.sqrt(1e7 / np.pi)
    assert len(xs) == 40
    r = np.hypot(xs - 500_000.0, ys - 6_500_000.0)
    assert r.max() < radius
    # equal-area points: the outermost one sits at R * sqrt(39.5 / 40), the innermost at R * sqrt(0.5 / 40)
    assert r.max() == pytest.approx(radius * np.sqrt(39.5 / 40))
    assert r.min() == pytest.approx(radius * np.sqrt(0.5 / 40))
    # uniform density on a disc: mean distance to the centre is 2/3 R
    assert r.mean() == pytest.approx(2 / 3 * radius, rel=0.01)
    # each quadrant holds a quarter of the points (no lopsided spiral), give or take two
    quadrants = np.bincount((xs > 500_000.0) * 2 + (ys > 6_500_000.0), minlength=4)
    assert np.abs(quadrants - 10).max() <= 2
    xs2, ys2 = layers.sunflower_disc(500_000.0, 6_500_000.0, 1e7, 500.0)
    np.testing.assert_array_equal(xs, xs2)
    np.testing.assert_array_equal(ys, ys2)
    with pytest.raises(ValueError, match="positive"):
        layers.sunflower_disc(0.0, 0.0, 0.0, 500.0)


def test_spread_tatort_keeps_its_population_inside_disc_and_land():
    from shapely.geometry import box

    centre = Point(500_000.0, 6_500_000.0)
    radius = np.sqrt(1e7 / np.pi)
    everywhere = box(490_000, 6_490_000, 510_000, 6_510_000)
    xs, ys, weights = layers.spread_tatort(centre, 1_000.0, 12_345.0, everywhere, 500.0)
    assert len(xs) == 40
    assert weights.sum() == pytest.approx(12_345.0, abs=1e-9)
    np.testing.assert_allclose(weights, 12_345.0 / 40)
    assert (np.hypot(xs - centre.x, ys - centre.y) < radius).all()
    # the sea east of x = 500,000: only the western half of the disc is land; the residents
    # are shared among the points that remain there, none on the water
    west = box(490_000, 6_490_000, 500_000, 6_510_000)
    xs, ys, weights = layers.spread_tatort(centre, 1_000.0, 12_345.0, west, 500.0)
    assert 15 <= len(xs) <= 25
    assert (xs < 500_000).all()
    assert weights.sum() == pytest.approx(12_345.0, abs=1e-9)
    np.testing.assert_allclose(weights, 12_345.0 / len(xs))
    # no land in the disc at all: everyone stays on the reference point
    far = box(0, 0, 1, 1)
    xs, ys, weights = layers.spread_tatort(centre, 1_000.0, 12_345.0, far, 500.0)
    assert (xs.tolist(), ys.tolist(), weights.tolist()) == ([centre.x], [centre.y], [12_345.0])


def test_large_tatorter_are_spread_small_ones_stay_points():
    from narvaro import settings

    demand = narvaro.load_demand_points()
    tat = demand[demand["kind"] == "tatort"]
    assert tat["tatortskod"].notna().all()
    assert demand.loc[demand["kind"] == "residual", "tatortskod"].isna().all()
    counts = tat.groupby(["kommunkod", "name"]).size()
    tatorter = narvaro.load_tatorter().set_index("tatort")
    small = tatorter[tatorter["area_ha"] < settings.TATORT_SPREAD_MIN_HA]
    # every small tätort is one point (those whose kommun is scaled to zero are absent)
    assert counts.reindex(list(zip(small["kommunkod"], small.index, strict=True))).dropna().eq(1).all()
    # Uppsala (4,323 ha, nothing shared, far from any border): round(4,323e4 / 500^2) = 173 points
    assert counts[("0380", "Uppsala")] == 173
    # moderate point count: today's 25,541 plus at most 20,000
    assert 25_541 < len(demand) <= 45_541
    # determinism: a fresh build gives the same points
    again = layers._demand_points.__wrapped__(2021, settings.RESIDUAL_GRID_M)
    pd.testing.assert_frame_equal(pd.DataFrame(demand), pd.DataFrame(again))


def test_demand_points_inside_sweden_and_own_kommun_land():
    demand = narvaro.load_demand_points()
    assert not data.outside_sweden(demand).any()
    scb = narvaro.load_kommuner("scb").set_index("kommunkod")
    spread = demand[demand["kind"] == "tatort"]
    spread = spread[spread.groupby(["kommunkod", "name"])["name"].transform("size") > 1]
    assert len(spread) > 10_000
    own = gpd.GeoSeries(scb.loc[spread["kommunkod"]].geometry.values, crs=scb.crs)
    assert (spread.geometry.distance(own, align=False).to_numpy() == 0).all()


def _mean_distance(points: gpd.GeoDataFrame, centre: Point) -> float:
    return float(np.average(points.distance(centre), weights=points["population"]))


def test_uppsala_mean_distance_is_two_thirds_of_its_disc_radius():
    # Uppsala's disc (4,323 ha, R = sqrt(4.323e7 / pi) = 3,710 m) lies entirely on Uppsala's
    # land, so no point is clipped and the mean distance to the tätort point is 2/3 R = 2,473 m.
    demand = narvaro.load_demand_points()
    uppsala = demand[demand["name"] == "Uppsala"]
    centre = narvaro.load_tatorter().set_index("tatort").at["Uppsala", "geometry"]
    assert uppsala["population"].sum() == pytest.approx(166_698)
    radius = np.sqrt(4_323e4 / np.pi)
    assert _mean_distance(uppsala, centre) == pytest.approx(2 / 3 * radius, rel=0.01)
    assert np.hypot(uppsala.geometry.x - centre.x, uppsala.geometry.y - centre.y).max() < radius


def test_stockholm_residents_are_spread_over_its_land():
    # Before: 978,770 residents on one point, mean distance 0. SCB's Stockholm tätort has
    # 1,617,407 residents on 42,243 ha; 287,235 of them (Järfälla, Salem, Tyresö, Sundbyberg,
    # Solna) move to their own kommun with their share of the area, leaving 1,330,172 residents
    # on 42,243 * 1,330,172 / 1,617,407 = 34,741 ha (R = 10,516 m) for the host. Its disc is
    # clipped to Stockholm kommun's land and carries 0180's 978,770 residents.
    demand = narvaro.load_demand_points()
    stockholm = demand[(demand["name"] == "Stockholm") & (demand["kommunkod"] == "0180")]
    parts = demand[demand["name"].str.startswith("Stockholm (part in")]
    centre = narvaro.load_tatorter().set_index("tatort").at["Stockholm", "geometry"]
    assert stockholm["population"].sum() == pytest.approx(978_770)
    assert parts["population"].sum() == pytest.approx(1_617_407 - 1_330_172)
    radius = np.sqrt(42_243e4 * 1_330_172 / 1_617_407 / np.pi)
    assert radius == pytest.approx(10_516, abs=1)
    mean = _mean_distance(stockholm, centre)
    # independent check: mean distance to the centre of a uniform density on (disc ∩ land),
    # integrated on a 100 m square grid instead of the 500 m sunflower spiral
    land = narvaro.load_kommuner("scb").set_index("kommunkod").at["0180", "geometry"]
    step = np.arange(-radius, radius, 100.0) + 50.0
    gx, gy = np.meshgrid(centre.x + step, centre.y + step)
    r = np.hypot(gx - centre.x, gy - centre.y)
    keep = (r < radius) & shapely.contains_xy(land, gx, gy)
    assert mean == pytest.approx(r[keep].mean(), rel=0.02)
    assert 0.4 * radius < mean < radius
    assert (np.hypot(stockholm.geometry.x - centre.x, stockholm.geometry.y - centre.y) < radius).all()
    # the other kommuner SCB counts in the Stockholm tätort are spread too, on their own land
    assert set(parts["kommunkod"]) == {"0123", "0128", "0138", "0183", "0184"}
    assert (parts.groupby("kommunkod").size() > 10).all()


def test_demand_method_text_matches_the_settings():
    from narvaro import settings

    for lang in ("en", "sv"):
        text = layers.DEMAND_METHOD_TEXT[lang]
        assert f"{settings.TATORT_SPREAD_MIN_HA:g} " in text, lang
        assert f"{settings.TATORT_SPREAD_SPACING_M:g} m" in text, lang
        assert f"{settings.RESIDUAL_GRID_M / 1000:g} km" in text, lang
        assert 3 <= text.count(". ") + 1 <= 6, lang
