"""Tests for narvaro.maps: layers, classes, escaping, offline HTML, sizes."""

from __future__ import annotations

import html
import re

import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from _mapdata import (
    EVIL_KOMMUN,
    EVIL_OFFICE,
    EVIL_OFFICE_2,
    add_evil_offices,
    synthetic_coverage,
    unknown_count,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from narvaro import maps
from narvaro.errors import CoverageInputError, NarvaroError
from narvaro.maps import html as map_html
from narvaro.maps import layers as map_layers
from narvaro.maps import offices as map_offices
from narvaro.maps import style as map_style
from narvaro.offices.lists import completeness_label
from narvaro.offices.load import load_offices

REMOTE = re.compile(r"<script[^>]+src\s*=\s*[\"']?(https?:)?//|<link[^>]+href\s*=\s*[\"']?(https?:)?//", re.I)


@pytest.fixture(scope="module")
def offices():
    return add_evil_offices(load_offices("af_2020+ssc_2020"))


@pytest.fixture(scope="module")
def closed():
    return load_offices("af_closed_2020")


@pytest.fixture(scope="module")
def cov(offices):
    return synthetic_coverage(offices, scenario="af_2020+ssc_2020")


@pytest.fixture(scope="module")
def cov_before():
    return synthetic_coverage(load_offices("af_2019+ssc_2019"), scenario="af_2019+ssc_2019")


@pytest.fixture(scope="module")
def the_map(cov, offices, closed):
    m = maps.coverage_map(cov, offices, closed=closed, title="Närvaro 2020 <b>test</b>")
    m._narvaro_cov = cov
    return m


def _geojson_layers(m: folium.Map) -> dict[str, folium.GeoJson]:
    return {child.layer_name: child for child in m._children.values() if isinstance(child, folium.GeoJson)}


def _points(m: folium.Map) -> dict[str, list]:
    out = {}
    for child in m._children.values():
        if isinstance(child, folium.FeatureGroup):
            pts = [c for c in child._children.values() if isinstance(c, map_offices._Points)]
            if pts:
                out[child.layer_name] = pts[0].points
    return out


# --- structure ---------------------------------------------------------------------------------
def test_coverage_map_layers(the_map, cov, offices, closed):
    assert isinstance(the_map, folium.Map)
    layers = _geojson_layers(the_map)
    main = layers["Mean time, AF or SSC (min)"]
    assert len(main.data["features"]) == 290
    assert {f["id"] for f in main.data["features"]} == set(cov["kommunkod"])
    hatch = next(v for k, v in layers.items() if k.startswith("Office status unknown"))
    expected = int(((cov["any_n_offices"] == 0) & (np.arange(290) % 3 == 0)).sum())  # see _mapdata
    assert len(hatch.data["features"]) == unknown_count(cov) == expected > 0
    # the table has unknown statuses, so only the kommuner *certainly* without presence are
    # outlined, and the layer and the legend say so (the best estimate counts more of them)
    assert not any(k.startswith("Kommuner without presence") for k in layers)
    certain = set(cov.loc[cov["any_status"] == "none", "kommunkod"])
    outline = layers[f"Kommuner certainly without presence ({len(certain)})"]
    assert {f["id"] for f in outline.data["features"]} == certain
    html = the_map.get_root().render()
    assert f"Certainly without presence: {len(certain)} kommuner (no office of AF or SSC inside" in html
    assert "the others depend on offices of unknown status)" in html
    pts = _points(the_map)
    n_af = int((offices["org"] == "af").sum())
    n_ssc = int((offices["org"] == "ssc").sum())
    assert len(pts[f"AF offices ({n_af})"]) == n_af
    assert len(pts[f"SSC servicekontor ({n_ssc})"]) == n_ssc
    assert len(pts[f"AF offices closed (or decided closed) 2019-2020 ({len(closed)})"]) == len(closed)
    assert the_map.office_counts == {"af": n_af, "ssc": n_ssc, "closed": len(closed)}
    # every point is in Sweden
    for rows in pts.values():
        lat = np.array([r[0] for r in rows])
        lon = np.array([r[1] for r in rows])
        assert lat.min() > 55 and lat.max() < 69.2 and lon.min() > 10.5 and lon.max() < 24.5


def test_choropleth_colours_follow_classes(the_map, cov):
    main = _geojson_layers(the_map)["Mean time, AF or SSC (min)"]
    fill = {f["id"]: f["properties"]["fill"] for f in main.data["features"]}
    colours = map_style._palette(6)
    for code, minutes in cov.set_index("kommunkod")["any_time_mean_min"].items():
        expected = int(np.searchsorted([10, 20, 30, 45, 60], minutes, side="right"))
        assert fill[code] == colours[expected]


def test_tooltip_contents(the_map, cov):
    main = _geojson_layers(the_map)["Mean time, AF or SSC (min)"]
    tips = {f["id"]: f["properties"]["tip"] for f in main.data["features"]}
    row = cov.set_index("kommunkod").loc["0180"]
    tip = tips["0180"]
    assert "<b>Stockholm</b> (0180)" in tip
    assert f"Population: {int(row['population']):,}" in tip
    assert f"Nearest office (AF or SSC): {html.escape(row['any_nearest_office'])}" in tip
    assert "Method: estimate" in tip
    # unknown kommuner give the range
    unknown = cov.loc[cov["any_status"] == "unknown"].iloc[0]
    utip = tips[unknown["kommunkod"]]
    assert "range" in utip and "Office status, AF: unknown" in utip and "Office status, SSC: unknown" in utip


def test_legend_states_units_and_completeness(the_map, cov):
    legend = next(
        c
        for c in the_map._children.values()
        if isinstance(c, map_layers._Control) and c.css_class == "narvaro-legend"
    ).content
    assert "minutes, population-weighted" in legend
    assert "under 10 min" in legend and "60 min or more" in legend
    assert completeness_label("af_2020") in legend and completeness_label("ssc_2020") in legend
    assert f"Office status unknown: {unknown_count(cov)} kommuner" in legend
    assert "Estimate mode" in legend


# --- escaping ---------------------------------------------------------------------------------
def test_every_text_is_escaped(the_map, tmp_path):
    page = the_map.save(tmp_path / "m.html").read_text(encoding="utf-8")
    for raw in (EVIL_OFFICE, EVIL_OFFICE_2, EVIL_KOMMUN, "<b>test</b>"):
        assert raw not in page
    pts = _points(the_map)
    popups = [r[2] for rows in pts.values() for r in rows]
    evil = [p for p in popups if "alert(1)" in p]
    assert len(evil) == 1 and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil[0]
    assert '<a href="javascript' not in evil[0]  # a non-http source is text, not a link
    assert any("&lt;img src=x onerror=alert(2)&gt;" in p for p in popups)
    # the escaped strings travel inside JSON with <, > and & as \\u escapes
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page


def test_office_popup_links_http_sources_only():
    row = {
        "name": "Kontor",
        "org": "af",
        "town": "Ort",
        "status": "open",
        "source": 'https://example.se/a?b=1&c="x"',
    }
    popup = map_offices._office_popup(row, "af")
    assert (
        '<a href="https://example.se/a?b=1&amp;c=&quot;x&quot;" target="_blank" rel="noopener noreferrer">'
        in popup
    )
    assert "<th>Town</th><td>Ort</td>" in popup and "Arbetsförmedlingen" in popup


# --- offline HTML ---------------------------------------------------------------------------------
def the_map_cov(m):
    return m._narvaro_cov


def test_self_contained_file_has_no_remote_resources(the_map, tmp_path):
    path = the_map.save(tmp_path / "map.html")
    page = path.read_text(encoding="utf-8")
    assert not REMOTE.search(page)
    assert f"Leaflet {map_html.leaflet_version()}" in page  # inlined from the vendored copy
    assert "images/layers.png" not in page and "data:image/png;base64," in page
    assert path.stat().st_size < 5_000_000
    # the only remote URLs are the optional basemap tiles (CARTO light, OSM data, credited)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    tiles = {u for u in urls if "basemaps.cartocdn.com" in u}
    assert len(tiles) == 2 and "OpenStreetMap" in page and "CARTO" in page
    no_basemap = maps.coverage_map(the_map_cov(the_map), basemap=False).to_html()
    assert "L.tileLayer" not in no_basemap


def test_cdn_mode_uses_folium_links(the_map, tmp_path):
    page = maps.save_map(the_map, tmp_path / "cdn", self_contained=False).read_text(encoding="utf-8")
    assert (tmp_path / "cdn.html").exists()
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@[\d.]+/dist/leaflet\.js">', page)
    assert len(page) < 5_000_000


def test_repr_html_is_offline(the_map):
    frame = the_map._repr_html_()
    assert "<iframe" in frame and "cdn.jsdelivr.net" not in frame


def test_unknown_remote_plugin_is_refused(cov, tmp_path):
    from folium.plugins import MarkerCluster

    m = maps.coverage_map(cov, column="af_dist_mean_km")
    MarkerCluster().add_to(m)
    with pytest.raises(map_html.SelfContainedError, match="markercluster"):
        m.save(tmp_path / "x.html")
    assert isinstance(map_html.SelfContainedError("x"), NarvaroError)
    m.save(tmp_path / "x.html", self_contained=False)  # the CDN version is fine


def test_plain_folium_map_can_be_saved_offline(tmp_path):
    m = folium.Map(tiles=None)
    folium.CircleMarker([59.3, 18.0], popup=folium.Popup("Hej & <b>då</b>")).add_to(m)
    page = maps.save_map(m, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert not REMOTE.search(page)
    assert "window.$ = function" in page  # the shim behind folium's Popup


# --- before/after ---------------------------------------------------------------------------------
def test_compare_map(cov_before, cov, offices, closed, tmp_path):
    m = maps.compare_map(cov_before, cov, offices, closed=closed, labels=("2019", "2020"))
    layers = _geojson_layers(m)
    bases = {k: v for k, v in layers.items() if not v.overlay}
    assert set(bases) == {
        "2020: Mean time, AF or SSC (min)",
        "2019: Mean time, AF or SSC (min)",
        "Change 2019 to 2020: Mean time, AF or SSC (min)",
    }
    assert all(len(v.data["features"]) == 290 for v in bases.values())
    assert [v.show for v in bases.values()].count(True) == 1
    change = layers["Change 2019 to 2020: Mean time, AF or SSC (min)"]
    fills = {f["id"]: f["properties"]["fill"] for f in change.data["features"]}
    diff = (
        cov.set_index("kommunkod")["any_time_mean_min"]
        - cov_before.set_index("kommunkod")["any_time_mean_min"]
    )
    same = diff.index[diff.abs() < 0.5]
    assert len(same) > 0 and all(fills[c] == map_style._CHANGE_COLOURS[1] for c in same)
    worse = diff.index[diff >= 30]
    assert all(fills[c] == map_style._CHANGE_COLOURS[-1] for c in worse)
    assert m.save(tmp_path / "cmp.html").stat().st_size < 5_000_000
    # the outlines keep only the kommuner certainly without presence, and are named so
    certain = set(cov.loc[cov["any_status"] == "none", "kommunkod"])
    outline = layers[f"Certainly without presence 2020 ({len(certain)})"]
    assert {f["id"] for f in outline.data["features"]} == certain
    sv = _geojson_layers(maps.compare_map(cov_before, cov, labels=("2019", "2020"), lang="sv"))
    assert {f["id"] for f in sv[f"Säkert utan närvaro 2020 ({len(certain)})"].data["features"]} == certain


def test_compare_map_needs_same_kommuner(cov_before, cov):
    with pytest.raises(CoverageInputError, match="same kommuner"):
        maps.compare_map(cov_before.iloc[:100], cov)


# --- inputs ------------------------------------------------------------------------------------
def test_errors(cov, offices):
    with pytest.raises(CoverageInputError, match="lacks column"):
        maps.coverage_map(cov, column="af_time_p90_min")
    with pytest.raises(CoverageInputError, match="none of the columns"):
        maps.coverage_map(cov[["kommunkod", "kommunnamn", "geometry"]])
    with pytest.raises(CoverageInputError, match="CRS"):
        maps.coverage_map(cov, pd.DataFrame(offices.drop(columns="geometry")))
    with pytest.raises(ValueError, match="increasing"):
        maps.coverage_map(cov, classes=[10, 5])


def test_without_presence_argument_and_candidates(cov, offices):
    cands = load_offices("af_2020", include_candidates=True)
    m = maps.coverage_map(cov, cands, without_presence=["0114", "0115"], column="af_share_over_25km")
    layers = _geojson_layers(m)
    outline = next(v for k, v in layers.items() if k.startswith("Kommuner without presence"))
    assert {f["id"] for f in outline.data["features"]} == {"0114", "0115"}
    n_cand = int((cands["basis"] == "candidate").sum())
    pts = _points(m)
    assert len(pts[f"Candidate offices (not confirmed) ({n_cand})"]) == n_cand
    assert "Share of residents farther than 25 km" in map_style.column_label("af_share_over_25km")
    m2 = maps.coverage_map(cov, without_presence=False)
    assert not any(k.startswith("Kommuner without presence") for k in _geojson_layers(m2))


def test_quantile_classes(cov):
    m = maps.coverage_map(cov, column="any_pop_over_25km", classes="quantiles")
    assert len(_geojson_layers(m)) >= 1
    with pytest.raises(ValueError, match="unknown classification"):
        maps.coverage_map(cov, classes="jenks-ish")


# --- helpers ------------------------------------------------------------------------------------
def test_simplified_polygons(cov):
    simple = map_layers.simplify_kommuner(cov)
    assert len(simple) == 290 and simple.crs.to_epsg() == 4326
    assert simple.is_valid.all() and not simple.is_empty.any()
    coords = shapely.get_coordinates(simple.values)
    assert np.allclose(coords, np.round(coords, 5))
    before = cov.geometry.area.to_numpy()
    after = simple.to_crs(3006).area.to_numpy()
    assert abs(after.sum() / before.sum() - 1) < 0.01
    assert np.all(after / before > 0.7)  # no kommun loses more than 30 % of its area
    assert len(coords) < 0.8 * len(shapely.get_coordinates(cov.geometry.values))
    # simplified as one coverage: neighbours share their edges, no slivers between them
    metric = simple.to_crs(3006).values
    union = shapely.union_all(metric)
    assert abs(union.area / shapely.area(metric).sum() - 1) < 1e-4  # no overlaps
    def n_holes(geom):
        return int(shapely.get_num_interior_rings(shapely.get_parts(geom)).sum())

    # slivers between neighbours would show up as new holes in the union
    assert n_holes(union) <= n_holes(shapely.union_all(cov.geometry.values))


def test_column_labels_and_units():
    assert map_style.column_label("any_time_mean_min") == (
        "Mean travel time by car to the nearest AF office or SSC servicekontor (minutes, population-weighted)"
    )
    assert map_style.column_label("af_dist_p90_km_hi", "estimate") == (
        "90th percentile of estimated road distance to the nearest AF office (km, population-weighted, upper bound)"
    )
    assert map_style._unit("ssc_share_over_60min") == "share"
    assert map_style._unit("af_time_max_min") == "min" and map_style._unit("af_time_max_min_hi") == "min"
    assert map_style._unit("af_dist_median_km_lo") == "km"
    assert (
        map_style.default_column(pd.DataFrame(columns=["af_dist_mean_km", "af_time_mean_min"]))
        == "af_time_mean_min"
    )


def test_classify_examples():
    got = map_style.classify(pd.Series([0, 9.99, 10, 59, 60, 500, np.nan]), (10, 20, 30, 45, 60))
    assert got.tolist() == [0, 0, 1, 4, 5, 5, -1]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=50),
    st.lists(st.floats(min_value=0.1, max_value=1e3), min_size=1, max_size=8, unique=True),
)
def test_classify_is_monotone_and_in_range(values, breaks):
    breaks = sorted(breaks)
    idx = map_style.classify(pd.Series(values), breaks)
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(idx[order]) >= 0)
    assert idx.min() >= 0 and idx.max() <= len(breaks)
    for v, i in zip(values, idx, strict=True):
        assert (i == 0 or v >= breaks[i - 1]) and (i == len(breaks) or v < breaks[i])


def test_bound_column_labels():
    assert map_style.column_label("af_share_over_25km_hi") == (
        "Share of residents farther than 25 km from the nearest AF office (%, upper bound)"
    )
    assert map_style.column_label("ssc_pop_over_60min_lo") == (
        "Residents more than 60 minutes by car from the nearest SSC servicekontor (lower bound)"
    )


def test_vendored_leaflet_matches_its_record():
    import hashlib
    from importlib import resources

    root = resources.files("narvaro.maps").joinpath("static/leaflet")
    record = root.joinpath("VERSION").read_text(encoding="utf-8")
    listed = re.findall(r"^([0-9a-f]{64})  \./(\S+)$", record, re.M)
    assert {name for _, name in listed} >= {"leaflet.js", "leaflet.css", "images/layers.png"}
    for digest, name in listed:
        assert hashlib.sha256(root.joinpath(name).read_bytes()).hexdigest() == digest, name
    assert "BSD" in record and root.joinpath("LICENSE").read_text(encoding="utf-8").startswith("BSD 2-Clause")


def test_office_popups_name_the_kommun(the_map, offices, cov):
    pts = _points(the_map)
    popups = [r[2] for rows in pts.values() for r in rows]
    names = cov.set_index("kommunkod")["kommunnamn"]
    plain = offices[~offices["name"].str.contains("<")]
    assert len(plain) > 10
    for _, row in plain.iterrows():
        want = f"<th>Kommun</th><td>{names[row['kommunkod']]} ({row['kommunkod']})</td>"
        assert any(f"<b>{row['name']}</b>" in p and want in p for p in popups), row["name"]


def test_layer_names_are_escaped(cov_before, cov, tmp_path):
    # Leaflet's layer control shows layer names as HTML
    m = maps.compare_map(cov_before, cov, labels=("<img src=x onerror=alert(5)>", "after & <b>now</b>"))
    names = list(_geojson_layers(m))
    assert "&lt;img src=x onerror=alert(5)&gt;: Mean time, AF or SSC (min)" in names
    assert any(n.startswith("after &amp; &lt;b&gt;now&lt;/b&gt;") for n in names)
    page = m.save(tmp_path / "names.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<b>now</b>" not in page


def test_optional_tiles_are_hidden_and_labelled(cov, tmp_path):
    m = maps.coverage_map(cov, tiles="OpenStreetMap", basemap=False)
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and tiles[0].layer_name == "Background map (needs internet)" and not tiles[0].show
    page = m.save(tmp_path / "tiles.html").read_text(encoding="utf-8")
    assert not REMOTE.search(page)  # the tile URL is only fetched if the user switches the layer on


def test_draws_shaped_table_colours_by_best_estimate(offices):
    """With office draws: colour by X (best), tooltips give interval and bounds, unknown kommuner P(office)."""
    from _mapdata import synthetic_coverage as synth

    cov = synth(offices, scenario="af_2020+ssc_2020", draws=True)
    for lang, best, interval, bounds, p in (
        ("en", "best estimate", "90 % interval", "possible range", "probability of an AF office here"),
        ("sv", "bästa skattning", "90 %-intervall", "möjligt spann", "sannolikhet för AF-kontor här"),
    ):
        m = maps.coverage_map(cov, offices, column="any_time_mean_min", lang=lang)
        legend = next(c.content for c in m._children.values() if getattr(c, "css_class", "") == "narvaro-legend")
        assert best in html.unescape(legend)
        row = cov[(cov["any_status"] == "unknown")].iloc[0]
        tip = map_layers._kommun_tip(row, "any_time_mean_min", "any", "x", "unknown", lang)
        assert interval in tip and bounds in tip and p in tip and "37" in tip
        feats = _geojson_layers(m)
        main = next(v for k, v in feats.items() if "AF" in k and len(v.data["features"]) == 290)
        colour = {f["id"]: f["properties"]["fill"] for f in main.data["features"]}
        k = map_style.classify(pd.Series([row["any_time_mean_min"]]), map_style.DEFAULT_CLASSES["min"])[0]
        assert colour[row["kommunkod"]] == map_style._palette(6)[k]  # the best estimate, not a bound


# --- P(no office) layer, tooltips that agree with themselves, candidate names (issue #21) -------------
P_NONE_EN = "Probability of no office in the kommun (AF or SSC)"


@pytest.fixture(scope="module")
def draws_cov(offices):
    return synthetic_coverage(offices, scenario="af_2020+ssc_2020", draws=True)


def test_p_none_layer_colours_known_probabilities(draws_cov, offices):
    m = maps.coverage_map(draws_cov, offices)
    layers = _geojson_layers(m)
    layer = layers[P_NONE_EN]
    assert not layer.show and layer.overlay and layer.control  # switchable, off at first
    fill = {f["id"]: f["properties"]["fill"] for f in layer.data["features"]}
    assert len(fill) == 290
    status = draws_cov.set_index("kommunkod")["any_status"]
    # synthetic draws: P(office) = 0.37 where unknown, so P(no office) = 0.63 (class 60-80 %)
    expected = {"unknown": "#fc4e2a", "confirmed": "#ffffb2", "none": "#b10026"}
    assert {code: fill[code] for code in status.index} == {code: expected[s] for code, s in status.items()}
    # the outline of the kommuner *certainly* without presence stays, named as such
    certain = set(draws_cov.loc[draws_cov["any_status"] == "none", "kommunkod"])
    assert f"Kommuner certainly without presence ({len(certain)})" in layers
    legend = html.unescape(_legend(m))
    assert P_NONE_EN in legend and "99.5 % or more" in legend and "under 0.5 %" in legend
    assert "no draws" not in legend  # every probability is known


def _legend(m: folium.Map) -> str:
    return next(c.content for c in m._children.values() if getattr(c, "css_class", "") == "narvaro-legend")


def test_p_none_layer_without_draws_is_certain_or_hatched(cov, offices):
    m = maps.coverage_map(cov, offices, lang="sv")
    layer = _geojson_layers(m)["Sannolikhet att kommunen saknar kontor (AF eller SSC)"]
    props = {f["id"]: f["properties"] for f in layer.data["features"]}
    for code, status in cov.set_index("kommunkod")["any_status"].items():
        fill, css = props[code]["fill"], props[code]["css"]
        assert (fill, css) == {
            "none": ("#b10026", ""),
            "confirmed": ("#ffffb2", ""),
            "unknown": (map_style.P_NONE_UNKNOWN, "narvaro-pnone-unknown"),
        }[status], code
    page = m.get_root().render()
    assert "path.narvaro-pnone-unknown { fill: url(#narvaro-hatch)" in page
    legend = html.unescape(_legend(m))
    assert "Sannolikhet att kommunen saknar kontor (AF eller SSC)" in legend
    assert "beror på kontor med okänd status (inga dragningar)" in legend


def test_p_none_follows_the_status_rules():
    frame = pd.DataFrame(
        {
            "af_status": ["confirmed", "none", "unknown", "unknown", "confirmed"],
            "af_p_office": [np.nan, 0.2, 0.25, np.nan, 0.4],
        }
    )
    got = map_layers.p_none(frame, "af")
    assert got.tolist()[:3] == [0.0, 1.0, 0.75] and np.isnan(got[3]) and got[4] == 0.0
    plain = pd.DataFrame({"ssc_has_office": [True, False]})
    assert map_layers.p_none(plain, "ssc").tolist() == [0.0, 1.0]
    assert [map_layers.p_none_colour(p) for p in (0.0, 0.004, 0.5, 0.995, 1.0)] == [
        "#ffffb2", "#ffffb2", "#fd8d3c", "#b10026", "#b10026"
    ]


def _stockholm_like(**over) -> pd.Series:
    row = {
        "kommunkod": "0180", "kommunnamn": "Stockholm", "population": 978_770,
        "any_time_mean_min": 0.4, "any_nearest_office": "Candidate AF 2020 Stockholm",
        "any_nearest_office_kommun": "Stockholm", "any_n_offices": 2.0, "any_n_offices_lo": 0,
        "any_n_offices_hi": 2, "any_status": "unknown", "any_p_office": 1.0,
        "af_status": "unknown", "af_p_office": 0.945, "ssc_status": "unknown", "ssc_p_office": 0.995,
    }
    row.update(over)
    return pd.Series(row)


_ORG_LINE = re.compile(
    r"Office status, (AF|SSC): ([^;<]+)(?:; probability of an (AF|SSC) office here: <b>([\d.]+) %)?"
)


def _org_claims(tip: str) -> dict[str, tuple[str, str, float | None]]:
    return {
        m.group(1): (m.group(2), m.group(3), None if m.group(4) is None else float(m.group(4)))
        for m in _ORG_LINE.finditer(tip)
    }


def _assert_consistent(tip: str) -> None:
    """Each organisation's line names its own probability, and the status agrees with it."""
    claims = _org_claims(tip)
    assert claims, tip
    for org, (status, p_org, p) in claims.items():
        assert p_org in (None, org), tip
        if status.startswith("office confirmed"):
            assert p == 100.0, tip
        elif status.startswith("no office"):
            assert p == 0.0, tip
        elif status.startswith("unknown") and p in (0.0, 100.0):
            assert "draws" in tip.split(f"Office status, {org}")[1].split("<br>")[0], tip


def test_stockholm_tooltip_states_each_organisation_consistently():
    """Stockholm, AF + SSC 2020: status unknown for every group while P(AF or SSC office) = 1."""
    tip = map_layers._kommun_tip(_stockholm_like(), "any_time_mean_min", "any", "Mean time", "unknown", "en", 200)
    _assert_consistent(tip)
    assert _org_claims(tip) == {
        "AF": ("unknown (office list incomplete here)", "AF", 94.5),
        "SSC": ("unknown (office list incomplete here)", "SSC", 99.5),
    }
    assert "Probability of no office in the kommun (AF or SSC): <b>0.0 %</b>" in tip
    assert "Probability of an office here: 100.0 %" not in tip and "100.0 %" not in tip
    # an unknown status with an office in every draw says so
    every = map_layers._kommun_tip(
        _stockholm_like(ssc_p_office=1.0), "any_time_mean_min", "any", "x", "unknown", "en", 200
    )
    assert "office here: <b>100.0 % (an office in every one of the 200 draws)</b>" in every
    # a status deduced by a rule ("confirmed", no office row, no draws) has an office: p = 1, n >= 1
    rule = _stockholm_like(af_status="confirmed", af_p_office=np.nan, any_status="confirmed",
                           any_p_office=np.nan, any_n_offices=0, any_n_offices_lo=0)
    rtip = map_layers._kommun_tip(rule, "any_time_mean_min", "any", "x", "confirmed", "en")
    _assert_consistent(rtip)
    assert _org_claims(rtip)["AF"] == ("office confirmed", "AF", 100.0)
    assert "Offices in the kommun (AF or SSC): at least 1 (confirmed by the status rules" in rtip
    assert "Probability of no office in the kommun (AF or SSC): <b>0.0 %</b>" in rtip


def test_every_tooltip_of_a_draws_map_is_consistent(draws_cov, offices):
    m = maps.coverage_map(draws_cov, offices)
    for name in ("Mean time, AF or SSC (min)", P_NONE_EN):
        for feature in _geojson_layers(m)[name].data["features"]:
            _assert_consistent(feature["properties"]["tip"])
    af = maps.coverage_map(draws_cov, offices, column="af_time_mean_min")
    tips = [f["properties"]["tip"] for f in _geojson_layers(af)["Mean time, AF (min)"].data["features"]]
    assert all("Office status, SSC" not in t and "Office status, AF" in t for t in tips)


def test_candidate_names_in_swedish():
    assert map_style.office_name("Candidate AF 2020 Stockholm", "sv") == "Tänkbart AF-kontor 2020 Stockholm"
    assert map_style.office_name("Candidate SSC 2020 Upplands Väsby", "sv") == (
        "Tänkbart SSC-kontor 2020 Upplands Väsby"
    )
    assert map_style.office_name("Candidate AF 2020 Stockholm", "en") == "Candidate AF office 2020 Stockholm"
    assert map_style.office_name("Servicekontor Candidate", "sv") == "Servicekontor Candidate"
    tip = map_layers._kommun_tip(_stockholm_like(), "any_time_mean_min", "any", "Restid", "unknown", "sv", 200)
    assert "Närmaste kontor (AF eller SSC): Tänkbart AF-kontor 2020 Stockholm i Stockholm" in tip
    assert "Candidate" not in tip
    assert "Kontorsstatus, AF: okänd (kontorslistan ofullständig här); sannolikhet för AF-kontor här: <b>94,5 %" in tip
    row = {"name": "Candidate SSC 2020 Kiruna", "org": "ssc", "basis": "candidate", "kommunkod": "2584"}
    pop = map_offices._office_popup(row, "candidate", {"2584": "Kiruna"}, lang="sv")
    assert pop.startswith("<b>Tänkbart SSC-kontor 2020 Kiruna</b>") and "Candidate" not in pop


def test_candidate_office_markers_in_swedish(cov):
    cands = load_offices("af_2020+ssc_2020", include_candidates=True)
    cands = cands[cands["basis"] == "candidate"]
    m = maps.coverage_map(cov, candidates=cands, lang="sv")
    rows = next(v for k, v in _points(m).items() if k.startswith("Tänkbara kontor"))
    assert rows and all("Candidate" not in r[2] and "Candidate" not in r[3] for r in rows)
    assert any(r[3].startswith("Tänkbart AF-kontor") for r in rows)


def test_kommun_tooltips_wrap_and_face_the_centre(the_map):
    layer = _geojson_layers(the_map)["Mean time, AF or SSC (min)"]
    tooltip = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tooltip.tooltip_options == {"sticky": True, "direction": "auto", "class_name": "narvaro-tip"}
    page = the_map.get_root().render()
    assert re.search(r"\.leaflet-tooltip\.narvaro-tip \{ white-space: normal;[^}]*max-width: 420px", page)
    assert "L.Tooltip.prototype._setPosition = function" in page  # pulled back inside the map
