"""Say where: presence_table, the kommun lists of report.html/report.txt, the embedded map."""

from __future__ import annotations

import re
import shutil
import time

import _synthetic as syn
import pandas as pd
import pytest

from narvaro.analysis.coverage import coverage
from narvaro.analysis.presence import PRESENCE_CLASSES, presence_table
from narvaro.report.presence_lists import lists_html, lists_text, localise_classes, without_presence_list


def _part():
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"  # AF Cby unknown: Cby possibly without AF
    return coverage(off, syn.demand(), syn.kommuner(), bounds=True, name="part")


def test_presence_table_synthetic_classes():
    t = presence_table(_part(), "no_office_inside", "af")
    assert list(t["kommunkod"]) == ["0001", "0002", "0003"]
    assert list(t["class"]) == ["has presence", "without presence (certain)", "possibly without presence"]
    assert t["p_without"].isna().all()  # no draws
    sv = localise_classes(t, "sv")
    assert list(sv["class"]) == ["har närvaro", "utan närvaro (säkert)", "möjligen utan närvaro"]


def test_lists_render_names_by_lan_synthetic():
    lst = without_presence_list(_part(), "no_office_inside", "af")
    assert list(zip(lst["kommunnamn"], lst["class"], strict=True)) == [("Bby", "certain"), ("Cby", "possible")]
    lists = {"af_2020:af:no_office_inside": lst}
    html = lists_html(lists, "sv")
    assert '<b class="certain">Bby</b>' in html and "Cby" in html and "Test län" in html and "Säkert" in html
    text = lists_text(lists, "sv")
    assert "Test län: säkert (1): Bby*; möjligt (1): Cby" in text
    assert "certain" not in text and "possible" not in text


@pytest.fixture(scope="session")
def real(tmp_path_factory):
    from _report import run_report

    out = tmp_path_factory.mktemp("report_real")
    res = run_report(["af_2019", "af_2020", "af_2020+ssc_2020"], out_dir=out / "output", maps_dir=out / "maps",
                     formats=("csv",), constrained=False)
    return res, out


def _visible(page: str) -> str:
    return re.sub(r"<(style|svg)[\s\S]*?</\1>|<[^>]+>", " ", page)


def test_every_best_estimate_kommun_is_named(real):
    res, out = real
    page = (out / "output" / "report.html").read_text(encoding="utf-8")
    text = (out / "output" / "report.txt").read_text(encoding="utf-8")
    lst = res.presence["af_2020:af:no_office_inside"]
    best = lst[lst["p_without"] >= 0.5]
    assert len(best) > 50
    section = page.split('data-list="af_2020:af:no_office_inside"')[1].split("</section>")[0]
    shown = _visible(section)
    for name in best["kommunnamn"]:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", shown), name
    for name in ("Bjurholm", "Ånge"):  # Bjurholm certain, Ånge P(without) near 1 in the data
        if name in set(best["kommunnamn"]):
            assert name in text
    certain = set(lst.loc[lst["certainty"] == "certain", "kommunnamn"])
    bold = set(re.findall(r'<b class="certain">([^<]+)</b>', section))
    assert bold == {n.replace("&", "&amp;") for n in certain}


def test_lost_last_office_list_names_the_comparison(real):
    res, out = real
    cmp = res.comparisons["af_2019 -> af_2020"]
    k = cmp[cmp["kommunkod"] != "SE"]
    expected = set(k.loc[k["af_p_lost_last_office"] >= 0.5, "kommunnamn"]) | set(
        k.loc[k["af_lost_last_office_lo"].astype(bool), "kommunnamn"])
    page = (out / "output" / "report.html").read_text(encoding="utf-8")
    section = page.split('data-list="af_2019 -&gt; af_2020:af:lost_last_office"')[1].split("</section>")[0]
    cells = re.findall(r"<tr><td>[^<]*</td><td>(.*?)</td>", section)
    named = {re.sub(r" \(.*", "", n).strip() for c in cells for n in _visible(c).split(":", 1)[-1].split(",")}
    assert named - {""} == expected
    spans = dict(re.findall(r'<span class="lfig" data-kind="(\w+)" hidden>(\d+)</span>', section))
    assert int(spans["set"]) == len(expected)
    assert int(spans["set"]) + int(spans["possible"]) == int(k["af_lost_last_office_hi"].sum())


@pytest.mark.parametrize(("scenario", "rule", "key"), [
    ("af_2020", "no_office_inside", "af_2020:af:no_office_inside"),
    ("af_2020+ssc_2020", "af_definition", "af_2020+ssc_2020:af+ssc:af_definition"),
])
def test_presence_table_counts_equal_the_page(real, scenario, rule, key):
    res, out = real
    t = presence_table(res.coverages[scenario], rule, "af")
    assert len(t) == 290 and set(t["class"]) <= set(PRESENCE_CLASSES)
    n = t["class"].value_counts()
    count = res.presence[key].attrs["narvaro"]["count"]
    page = (out / "output" / "report.html").read_text(encoding="utf-8")
    shown = {k: int(v) for k, v in re.findall(
        rf'data-presence="{re.escape(key)}" data-kind="(\w+)">(\d+)<', page)}
    assert n["without presence (certain)"] == count["lo"] == shown["certain"]
    assert len(t) - n["has presence"] == count["hi"] == shown["possible"]
    section = page.split(f'data-list="{key}"')[1].split("</section>")[0]
    spans = dict(re.findall(r'<span class="lfig" data-kind="(\w+)" hidden>(\d+)</span>', section))
    assert int(spans["set"]) == n["without presence (certain)"] + n["without presence (best estimate)"]
    assert int(spans["set"]) == int((t["p_without"] >= 0.5).sum())


def test_af82_paragraph_beside_narvaros_figure(real):
    res, out = real
    page = (out / "output" / "report.html").read_text(encoding="utf-8")
    section = page.split('data-list="af_2020+ssc_2020:af+ssc:af_definition"')[1].split("</section>")[0]
    para = _visible(section.split('class="published af82"')[1])
    best = res.presence["af_2020+ssc_2020:af+ssc:af_definition"].attrs["narvaro"]["count"]["best"]
    assert f"AF's 82 and narvaro's {best:.0f}" in para and "208" in para and "agreement" in para


def test_report_html_alone_shows_the_map(real, tmp_path):
    """Copy report.html alone to an empty folder: the embedded map renders offline in Chromium."""
    from PIL import Image

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None or shutil.which("chromedriver") is None:
        pytest.skip("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    _, out = real
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(out / "output" / "report.html", alone / "report.html")
    assert [p.name for p in alone.iterdir()] == ["report.html"]
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,900", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        drv.set_page_load_timeout(60)
        drv.get((alone / "report.html").as_uri())
        count = ("var f = document.querySelector('iframe.map'); var d = f && f.contentDocument;"
                 "return d ? [d.querySelectorAll('.leaflet-container').length,"
                 " d.querySelectorAll('path.narvaro-kommun').length] : [0, 0];")
        WebDriverWait(drv, 40).until(lambda d: d.execute_script(count)[1] > 0)
        assert drv.execute_script(count) == [1, 290]
        drv.execute_script("document.querySelector('iframe.map').scrollIntoView()")
        time.sleep(1.0)
        rect = drv.execute_script("var r = document.querySelector('iframe.map').getBoundingClientRect();"
                                  "return [r.left, r.top, r.right, Math.min(r.bottom, window.innerHeight)];")
        shot = tmp_path / "report_alone.png"
        drv.save_screenshot(str(shot))
    finally:
        drv.quit()
    img = Image.open(shot).convert("RGB").crop(tuple(int(v) for v in rect))
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    white = sum(n for n, c in colours if c == (255, 255, 255))
    assert white < 0.5 * img.width * img.height
    # the choropleth's darkest class (60 min or more) is on screen
    assert any(sum(abs(a - b) for a, b in zip(c, (0x25, 0x34, 0x94), strict=True)) < 40 for _, c in colours)


def test_lists_frame_for_the_console(real):
    from narvaro.report.presence_lists import lists_frame

    res, _ = real
    frame = lists_frame(res)
    assert set(frame["list"]) == {"af_2020:af:no_office_inside", "af_2020+ssc_2020:af+ssc:af_definition",
                                  "af_2019 -> af_2020:af:lost_last_office"}
    assert set(frame["class"]) == {"certain", "best estimate", "possible"}
    assert frame["lansnamn"].notna().all() and isinstance(frame, pd.DataFrame)
