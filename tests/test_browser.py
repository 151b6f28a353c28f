"""Open the saved self-contained maps in real headless Chromium, offline.

Skipped (with the reason) only when chromium or chromedriver is not installed; CI
(scripts/install.sh, .ci/run) installs both.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from _mapdata import EVIL_KOMMUN, EVIL_OFFICE, EVIL_OFFICE_2, add_evil_offices, synthetic_coverage

from narvaro import maps
from narvaro.offices.load import load_offices

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

#: Recorded before any page script runs: alerts and uncaught errors.
_PROBE = """
window.__alerts = []; window.__errors = [];
window.alert = function (m) { window.__alerts.push(String(m)); };
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1000,1300",
        # offline for certain and fast: every host name fails at once (the basemap tiles too)
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _PROBE})
    yield drv
    drv.quit()


def _open(driver, path: Path, timeout: float = 30.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script(
            "return typeof window.L === 'object' && document.querySelector('.leaflet-map-pane') !== null "
            "&& document.querySelectorAll('path.narvaro-kommun').length > 0"
        )
    )
    time.sleep(0.5)  # let the markers settle


#: The only remote resources a page may ask for: the optional basemap tiles (offline they fail quietly).
TILES = "basemaps.cartocdn.com"


def _assert_clean(driver) -> None:
    assert driver.execute_script("return window.__errors") == []
    assert driver.execute_script("return window.__alerts") == []
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and TILES not in e["message"]]
    assert severe == []
    requested = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [r for r in requested if not r.startswith(("data:", "file:")) and TILES not in r] == []


def _assert_not_blank(driver, path: Path) -> None:
    from PIL import Image

    driver.save_screenshot(str(path))
    img = Image.open(path).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    white = sum(n for n, c in colours if c == (255, 255, 255))
    assert white < 0.5 * img.width * img.height
    # the choropleth's darkest class is on screen (northern inland kommuner are far from offices)
    assert any(
        c == (0x25, 0x34, 0x94) or sum(abs(a - b) for a, b in zip(c, (0x25, 0x34, 0x94), strict=True)) < 40
        for _, c in colours
    )


@pytest.fixture(scope="module")
def offices():
    return add_evil_offices(load_offices("af_2020+ssc_2020"))


@pytest.fixture(scope="module")
def cov(offices):
    return synthetic_coverage(offices, scenario="af_2020+ssc_2020")


def test_coverage_map_renders_offline(driver, cov, offices, tmp_path):
    closed = load_offices("af_closed_2020")
    m = maps.coverage_map(cov, offices, closed=closed, title="narvaro browser test")
    path = m.save(tmp_path / "coverage.html")
    _open(driver, path)
    assert driver.execute_script("return document.querySelectorAll('path.narvaro-kommun').length") == 290
    n_af = driver.execute_script("return document.querySelectorAll('path.narvaro-office-af').length")
    n_ssc = driver.execute_script("return document.querySelectorAll('.narvaro-office-ssc').length")
    n_closed = driver.execute_script("return document.querySelectorAll('.narvaro-office-closed').length")
    assert (n_af, n_ssc, n_closed) == (m.office_counts["af"], m.office_counts["ssc"], len(closed))
    assert driver.execute_script("return document.querySelectorAll('path.narvaro-unknown').length") == int(
        (cov["any_status"] == "unknown").sum()
    )
    assert driver.execute_script("return document.querySelector('.leaflet-control-scale') !== null")
    assert (
        driver.execute_script(
            "return document.querySelectorAll('.leaflet-control-layers-overlays input').length"
        )
        == 9  # + background map, town labels and P(no office)
    )
    legend = driver.execute_script("return document.querySelector('.narvaro-legend').textContent")
    assert "AF 2020:" in legend and "offices known" in legend and "minutes" in legend
    _assert_not_blank(driver, tmp_path / "coverage.png")
    _assert_clean(driver)


def test_hostile_names_show_as_text(driver, cov, offices, tmp_path):
    m = maps.coverage_map(cov, offices)
    path = m.save(tmp_path / "escape.html")
    _open(driver, path)
    name = m.get_name()
    texts = driver.execute_script(f"""
        var out = [], map = window[{name!r}];
        map.eachLayer(function (layer) {{
            var tip = layer.getTooltip && layer.getTooltip();
            if (layer.getPopup && layer.getPopup() && tip && /alert/.test(tip.getContent())) {{
                layer.openPopup();
                var el = layer.getPopup().getElement().querySelector('.leaflet-popup-content');
                out.push([el.innerText, el.querySelectorAll('script, img').length]);
                map.closePopup();
            }}
        }});
        return out;""")
    shown = sorted(t[0] for t in texts)
    assert len(shown) == 2 and all(t[1] == 0 for t in texts)
    assert EVIL_OFFICE in shown[1] or EVIL_OFFICE in shown[0]
    assert any(EVIL_OFFICE_2 in s for s in shown), shown
    tip = driver.execute_script(f"""
        var out = null, map = window[{name!r}];
        map.eachLayer(function (group) {{
            if (!(group.getLayers && group.getTooltip && group.getTooltip())) return;
            group.eachLayer(function (layer) {{
                if (layer.feature && layer.feature.id === '1440') {{
                    layer.fire('mouseover', {{latlng: layer.getBounds().getCenter()}}, true);
                    var el = group.getTooltip().getElement();
                    out = [el.innerText, el.querySelectorAll('script, img').length];
                }}
            }});
        }});
        return out;""")
    assert tip is not None and EVIL_KOMMUN in tip[0] and tip[1] == 0
    _assert_clean(driver)


def test_compare_map_switches_layers(driver, cov, offices, tmp_path):
    before = synthetic_coverage(load_offices("af_2019+ssc_2019"), scenario="af_2019+ssc_2019")
    m = maps.compare_map(before, cov, offices, labels=("2019", "2020"))
    path = m.save(tmp_path / "compare.html")
    _open(driver, path)
    count = "return document.querySelectorAll('path.narvaro-kommun').length"
    assert driver.execute_script(count) == 290
    assert (
        driver.execute_script("return document.querySelectorAll('path.narvaro-kommun-after').length") == 290
    )
    radios = driver.find_elements("css selector", ".leaflet-control-layers-base input")
    assert len(radios) == 3
    radios[1].click()  # 2019
    time.sleep(0.3)
    assert (
        driver.execute_script("return document.querySelectorAll('path.narvaro-kommun-before').length") == 290
    )
    assert driver.execute_script(count) == 290
    _assert_not_blank(driver, tmp_path / "compare.png")
    _assert_clean(driver)


@pytest.mark.slow
def test_report_default_map_renders_offline(driver, tmp_path, monkeypatch, capsys):
    """What a newcomer gets: `narvaro report` writes maps/ that render offline in Chromium."""
    from narvaro import cli

    monkeypatch.chdir(tmp_path)
    code = cli.run(["report", "--scenario", "af_2019", "--scenario", "af_2020+af_2020_changes", "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    path = tmp_path / "maps" / "narvaro_af_2019_vs_af_2020+af_2020_changes.html"
    assert f"Map written: {Path('maps') / path.name}" in out
    assert (tmp_path / "output" / "en" / "coverage_af_2020+af_2020_changes.csv").is_file()
    _open(driver, path)
    assert driver.execute_script("return document.querySelectorAll('path.narvaro-kommun').length") == 290
    assert driver.execute_script("return document.querySelectorAll('path.narvaro-office-af').length") > 0
    assert driver.execute_script("return document.querySelectorAll('.narvaro-office-closed').length") > 0
    legend = driver.execute_script("return document.querySelector('.narvaro-legend').textContent")
    assert "estimate" in legend.lower() and "AF 2020" in legend and "AF 2019:" in legend
    _assert_not_blank(driver, tmp_path / "report_map.png")
    _assert_clean(driver)


# --- layout, language, report.html -------------------------------------------------------------
#: English UI words that must not be visible in a Swedish map or report (official names aside).
ENGLISH_UI = ("residents", "beyond", "interval", "possible range", "without presence", "Mean", "Median",
              "Travel time", "Distance", "offices known", "office status", "Office status", "candidate",
              "Candidate", "Population", "Nearest", "Background map", "Towns", "no data", "under 10 min to",
              "or more", "lower bound", "upper bound", "Change", "decrease", "increase", "Estimate mode",
              "confirmed", "Colour", "Scenario:", "Completeness", "Sources", "contributors", "minutes",
              "estimated", "closed")


def _viewport(driver, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _rects_overlap(driver) -> bool:
    return driver.execute_script("""
        var a = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
        var b = document.querySelector('.narvaro-legend').getBoundingClientRect();
        return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);""")


def _visible_text(driver) -> str:
    """Everything a reader sees: page text plus the tooltip of every kommun."""
    texts = driver.execute_script(r"""
        var out = [document.body.innerText];
        document.querySelectorAll('path.narvaro-kommun').forEach(function (p) {});
        for (var k in window) {
            var m = window[k];
            if (m && m instanceof L.Map) {
                m.eachLayer(function (g) {
                    if (g.getTooltip && g.getTooltip() && g.eachLayer) {
                        g.eachLayer(function (l) {
                            if (l.feature && l.feature.properties && l.feature.properties.tip) {
                                out.push(l.feature.properties.tip.replace(/<[^>]+>/g, ' '));
                            }
                        });
                    }
                    if (g.getPopup && g.getPopup()) {
                        var c = g.getPopup().getContent();
                        if (typeof c === 'string') {  // source notes in English are data, marked lang="en"
                            out.push(c.replace(/<td lang="en">[^<]*<\/td>/g, ' ').replace(/<[^>]+>/g, ' '));
                        }
                    }
                });
            }
        }
        return out;""")
    return "\n".join(texts)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_maps_layout_and_language(driver, cov, offices, tmp_path, lang):
    import re

    from narvaro.maps.i18n import scenario_title

    closed = load_offices("af_closed_2020")
    before = synthetic_coverage(load_offices("af_2019+ssc_2019"), scenario="af_2019+ssc_2019")
    pages = {
        "coverage": maps.coverage_map(cov, offices, closed=closed, title=scenario_title("af_2020+ssc_2020"), lang=lang),
        "compare": maps.compare_map(before, cov, offices, closed=closed, labels=("2019", "2020"), lang=lang),
    }
    for name, m in pages.items():
        path = m.save(tmp_path / f"{name}_{lang}.html")
        assert path.stat().st_size < 5_000_000
        for width, height in ((1280, 800), (1920, 1080)):
            _viewport(driver, width, height)
            _open(driver, path)
            assert not _rects_overlap(driver), (name, width, height)
            legend = driver.execute_script("""var b = document.querySelector('.narvaro-legend');
                return [b.getBoundingClientRect().bottom, window.innerHeight];""")
            assert legend[0] <= legend[1]  # the legend ends on screen
        # metric scale bar only
        scale = driver.execute_script("return document.querySelector('.leaflet-control-scale').innerText")
        assert re.search(r"\d+ (k?m)\b", scale) and "mi" not in scale and "ft" not in scale
        # town labels drawn offline
        assert driver.execute_script("return document.querySelectorAll('.narvaro-town').length") > 10
        if name == "coverage":
            assert "SSC servicekontor" in driver.execute_script("return document.querySelector('.narvaro-title').innerText")
        text = _visible_text(driver)
        if lang == "sv":
            left = sorted({w for w in ENGLISH_UI if re.search(rf"(?<![\w-]){re.escape(w)}\b", text)})
            assert left == [], left
            assert "Restid" in text and "Säkert utan närvaro" in text
        else:
            assert "Travel time" in text or "Mean time" in text
        _assert_not_blank(driver, tmp_path / f"{name}_{lang}.png")
        _assert_clean(driver)
    _viewport(driver, 1000, 1300)


def test_report_html_figures_equal_the_csvs(driver, tmp_path):
    """report.html renders offline without errors and shows the figures of the CSV files."""
    import _synthetic as syn
    import pandas as pd
    from _report import run_report

    off = syn.offices()
    part = off.copy()
    part.loc[1, "basis"] = "candidate"
    res = run_report(scenarios=["full", "part"], offices={"full": off, "part": part}, demand=syn.demand(),
                     kommuner=syn.kommuner(), out_dir=tmp_path, formats=("csv",), constrained=False,
                     maps_dir=tmp_path / "maps")
    page = tmp_path / "report.html"
    driver.get(page.resolve().as_uri())
    time.sleep(1.0)
    assert driver.execute_script("return document.documentElement.lang") == "en"
    spans = driver.execute_script("""return Array.from(document.querySelectorAll('span.fig')).map(
        s => [s.dataset.presence, s.dataset.kind, s.innerText]);""")
    assert spans
    for key, kind, shown in spans:
        lst = pd.read_csv(tmp_path / f"without_presence_{key.replace(':', '_')}.csv")
        # the file holds all kommuner with one class each: certain, and certain + possible
        expected = ((lst["certainty"] == "certain").sum() if kind == "certain"
                    else (lst["class"] != "has presence").sum())
        assert int(shown) == expected, (key, kind)
    summary = pd.read_csv(tmp_path / "summary.csv")
    heads = driver.execute_script("""return Array.from(document.querySelectorAll('li.headline')).map(
        h => [h.dataset.scenario, h.dataset.group, h.innerText]);""")
    assert len(heads) == 2
    for sc, g, text in heads:
        row = summary[(summary["scenario"] == sc) & (summary["group"] == g)].iloc[0]
        shown = [float(x) for x in __import__("re").findall(r"(\d+\.\d) %", text)]
        values = [row[c] * 100 for c in ("share_over_25km", "share_over_25km_lo", "share_over_25km_hi") if c in row
                  and pd.notna(row[c])]
        for x in shown:
            assert any(abs(x - v) <= 0.051 for v in values), (sc, text, values)
    assert driver.execute_script("return document.querySelectorAll('figure svg').length") == 3
    assert driver.execute_script("return document.querySelector('iframe.map') !== null")
    assert len(res.files) > 5
    _assert_clean(driver)
    driver.save_screenshot(str(tmp_path / "report.png"))


# --- tooltips and the sources panel stay on screen (issue #21) --------------------------------------
_TIP_BOX = """var el = document.querySelector('.leaflet-tooltip-pane .leaflet-tooltip.narvaro-tip');
    if (!el) { return null; }
    var b = el.getBoundingClientRect(), c = document.querySelector('.leaflet-container').getBoundingClientRect();
    return {text: el.innerText, left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width,
            mleft: c.left, mtop: c.top, mright: c.right, mbottom: c.bottom,
            vw: window.innerWidth, vh: window.innerHeight};"""


def _inside(box: dict, pad: float = 0.5) -> bool:
    return (
        box["left"] >= max(0, box["mleft"]) - pad
        and box["top"] >= max(0, box["mtop"]) - pad
        and box["right"] <= min(box["vw"], box["mright"]) + pad
        and box["bottom"] <= min(box["vh"], box["mbottom"]) + pad
    )


def test_tooltips_wrap_and_stay_inside_the_map(driver, offices, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    cov = synthetic_coverage(offices, scenario="af_2020+ssc_2020", draws=True)
    m = maps.coverage_map(cov, offices, lang="sv", title="AF 2020 + SSC 2020")
    path = m.save(tmp_path / "tips.html")
    _viewport(driver, 1280, 800)
    try:
        _open(driver, path)
        box = driver.find_element("css selector", ".leaflet-container")
        seen = []
        # near the map's centre (where tooltips used to run off), then near its lower edge
        for dx, dy in ((-20, 0), (20, 0), (-40, 40), (30, -60), (0, 250), (-30, 280)):
            ActionChains(driver).move_to_element_with_offset(box, dx, dy).perform()
            time.sleep(0.3)
            tip = driver.execute_script(_TIP_BOX)
            if tip is not None:
                seen.append(((dx, dy), tip))
        assert len(seen) >= 3, seen
        for where, tip in seen:
            assert tip["width"] <= 430, (where, tip["width"])
            assert _inside(tip), (where, tip)
            assert "Kontorsstatus, AF:" in tip["text"] and "Candidate" not in tip["text"]
        driver.save_screenshot(str(tmp_path / "tips.png"))
        _assert_clean(driver)
    finally:
        _viewport(driver, 1000, 1300)


@pytest.mark.parametrize("height", [600, 360])
def test_open_sources_panel_fits_the_viewport(driver, cov, offices, tmp_path, height):
    m = maps.coverage_map(cov, offices, closed=load_offices("af_closed_2020"), lang="sv")
    path = m.save(tmp_path / "sources.html")
    _viewport(driver, 1000, height)
    try:
        _open(driver, path)
        # the summary sits at the foot of the legend (scrolled out of view): click it as a reader would
        driver.execute_script("document.querySelector('.narvaro-legend details.prov summary').click()")
        time.sleep(0.4)
        panel = driver.execute_script("""var d = document.querySelector('.narvaro-legend details.prov');
            var l = document.querySelector('.narvaro-legend');
            var b = d.getBoundingClientRect(), e = l.getBoundingClientRect();
            return {open: d.open, top: b.top, bottom: b.bottom, left: b.left, right: b.right,
                    scroll: d.scrollHeight, client: d.clientHeight, ltop: e.top, lbottom: e.bottom,
                    vw: window.innerWidth, vh: window.innerHeight};""")
        assert panel["open"]
        assert panel["top"] >= 0 and panel["bottom"] <= panel["vh"], panel
        assert panel["left"] >= 0 and panel["right"] <= panel["vw"], panel
        # the whole panel is in the legend's visible part; what does not fit scrolls inside the panel
        assert panel["ltop"] - 0.5 <= panel["top"] and panel["bottom"] <= panel["lbottom"] + 0.5, panel
        if height < 400:  # too small a window for all of it: the panel itself scrolls
            assert panel["scroll"] > panel["client"], panel
        driver.save_screenshot(str(tmp_path / f"sources_{height}.png"))
        _assert_clean(driver)
    finally:
        _viewport(driver, 1000, 1300)
