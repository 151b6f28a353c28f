"""National summary text, Swedish labels and the CSV / Excel / GeoPackage exports."""

from __future__ import annotations

import _synthetic as syn
import geopandas as gpd
import pandas as pd
import pytest
from _report import run_report

from narvaro.analysis.coverage import coverage
from narvaro.report.export import column_label, export
from narvaro.report.summary import format_summary, national_summary


def _hidden():
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"
    return off


@pytest.fixture(scope="module")
def covs():
    full = coverage(syn.offices(), syn.demand(), syn.kommuner(), name="full")
    part = coverage(_hidden(), syn.demand(), syn.kommuner(), bounds=True, name="part")
    return {"full": full, "part": part}


@pytest.mark.parametrize(("col", "sv"), [
    ("af_dist_mean_km", "AF medelavstånd (km)"),
    ("population", "Folkmängd"),
    ("kommunnamn", "Kommun"),
    ("af_time_mean_min", "AF medelrestid (min)"),
    ("af_time_mean_min_lo", "AF medelrestid (min) lägsta"),
    ("any_share_over_25km_hi", "AF eller SSC andel invånare längre än 25 km högsta"),
    ("ssc_has_office", "SSC kontor i kommunen"),
    ("af_dist_max_km", "AF största avstånd (km)"),
    ("af_pop_over_50km_delta", "AF invånare längre än 50 km förändring"),
])
def test_swedish_labels(col, sv):
    assert column_label(col, "sv") == sv


def test_labels_are_unique_for_a_bounded_table(covs):
    cols = [c for c in covs["part"].columns if c != "geometry"]
    labels = [column_label(c, "sv") for c in cols]
    assert len(set(labels)) == len(labels)
    assert all(lab != c for lab, c in zip(labels, cols, strict=True) if c.startswith(("af_", "ssc_", "any_")))


def test_summary_ranges_and_single_numbers(covs):
    summary = national_summary(covs)
    assert list(summary["scenario"]) == ["full"] * 3 + ["part"] * 3
    part_af = summary[(summary["scenario"] == "part") & (summary["group"] == "af")].iloc[0]
    assert part_af["pop_over_50km_lo"] == pytest.approx(450) and part_af["pop_over_50km_hi"] == pytest.approx(950)
    assert part_af["without_no_office_inside_lo"] == 1 and part_af["without_no_office_inside_hi"] == 2
    assert part_af["status_known"] == "2 of 3"
    text = format_summary(summary, headline="50km")
    # 450/1350 = 33.3 %, 950/1350 = 70.4 %: bounds only (no draws), never the worst case as the value;
    # the complete list gives one number
    assert "part (AF): 33.3-70.4 % (possible range; no best estimate) of residents beyond 50 km - estimate" in text
    assert "full (AF): 33.3 % of residents beyond 50 km" in text
    assert "office status known for 2 of 3 kommuner" in text
    assert "not a road measurement" in text
    assert text.count("Method: estimate") == 2  # one provenance line per scenario


def test_exports_csv_excel_gpkg(covs, tmp_path):
    cov = covs["part"]
    csv = pd.read_csv(export(cov, tmp_path / "t.csv", lang="sv"), dtype={"Kommunkod": str})
    assert csv["Kommunkod"].tolist() == ["0001", "0002", "0003"]
    assert csv.loc[2, "AF invånare längre än 50 km högsta"] == pytest.approx(500)
    assert csv.loc[2, "AF invånare längre än 50 km lägsta"] == pytest.approx(0)
    en = pd.read_csv(export(cov, tmp_path / "e.csv"))
    assert "af_pop_over_50km_lo" in en.columns and "geometry" not in en.columns
    sheets = pd.read_excel(export(cov, tmp_path / "t.xlsx", lang="sv"), sheet_name=None)
    assert set(sheets) == {"data", "metadata", "kolumner"}
    assert "Folkmängd" in sheets["data"].columns
    assert sheets["data"].loc[2, "AF invånare längre än 50 km högsta"] == pytest.approx(500)
    meta = dict(zip(sheets["metadata"]["uppgift"], sheets["metadata"]["värde"], strict=True))
    assert meta["metod"] == "uppskattning (fågelvägen x slingerfaktor, inte uppmätt längs väg)"
    assert "inte uppmätt längs väg" in meta["källor och metod"]
    en = pd.read_excel(export(cov, tmp_path / "e.xlsx"), sheet_name=None)
    assert set(en) == {"data", "metadata", "columns"}
    meta = dict(zip(en["metadata"]["key"], en["metadata"]["value"], strict=True))
    assert meta["method"] == "estimate" and "not a road measurement" in meta["provenance"]
    gpkg = gpd.read_file(export(cov, tmp_path / "t.gpkg", lang="sv"))
    assert gpkg.crs.equals("EPSG:3006") and len(gpkg) == 3
    assert gpkg.loc[2, "AF invånare längre än 50 km högsta"] == pytest.approx(500)
    assert (tmp_path / "t.gpkg.txt").read_text(encoding="utf-8").startswith("Metod: uppskattning")
    with pytest.raises(ValueError, match="unsupported"):
        export(cov, tmp_path / "t.json")


def test_run_report_synthetic(tmp_path):
    res = run_report(scenarios=["full", "part"], offices={"full": syn.offices(), "part": _hidden()},
                     demand=syn.demand(), kommuner=syn.kommuner(), out_dir=tmp_path, lang="sv")
    assert (tmp_path / "coverage_part.gpkg").exists() and (tmp_path / "unknowns.csv").exists()
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").startswith("Hur långt har Sveriges invånare")
    assert len(res.unknowns) == 1 and res.unknowns.loc[0, "kommunkod"] == "0003"
    assert "Okänd kontorsstatus att kontrollera först" in res.text
    assert set(res.constrained) == {"full", "part"}


def test_run_report_real_data(tmp_path):
    end, both = "af_2020+af_2020_changes", "af_2020+af_2020_changes+ssc_2020"
    res = run_report(scenarios=[end, both], out_dir=tmp_path, constrained=False, formats=("csv",))
    assert len(res.coverages[end]) == 290
    text = res.text
    # networks named as people do; the codes only in brackets and file names
    assert "AF at the end of 2020 (the 2019 decision plus the June 2020 changes): " in text
    # 49 confirmed + 58 none at the end of 2020 (Borås deduced kept since issue 22 item 7)
    assert "office status known for 107 of 290" in text
    assert "AF at the end of 2020 (the 2019 decision plus the June 2020 changes): kommuner without an AF office" in text
    assert "AF at the end of 2020 + SSC servicekontor: kommuner without an AF office or SSC servicekontor" in text
    assert f"[{end}]" in text and f"[{both}]" in text  # codes only beside the names, for the file names
    assert "Method: estimate" in text
    table = pd.read_csv(tmp_path / f"coverage_{end}.csv", dtype={"kommunkod": str})
    assert len(table) == 290 and table["population"].sum() == 10_452_326


@pytest.mark.slow
def test_report_with_draws_is_byte_identical_for_a_seed_and_never_shows_the_worst_case(tmp_path):
    runs = [run_report(scenarios=["af_2019", "af_2020"], out_dir=tmp_path / name, constrained=False,
                       formats=("csv",), draws=60, seed=4) for name in ("a", "b")]
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "coverage_af_2020.csv" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    cov = runs[0].coverages["af_2020"].set_index("kommunkod")
    big = cov.sort_values("population", ascending=False).head(10)
    # the plain column is the best estimate: never silently the confirmed-only worst case where a
    # large kommun's office is unknown, and always inside its interval and the hard bounds
    unknown = big[big["af_status"] == "unknown"]
    assert len(unknown) and (unknown["af_time_mean_min"] < unknown["af_time_mean_min_hi"]).all()
    for col in ("af_time_mean_min", "af_share_over_25km"):
        assert (big[col + "_q05"] <= big[col] + 1e-9).all() and (big[col] <= big[col + "_q95"] + 1e-9).all()
    # the hard bounds cover the office lists only (at the median circuity): with the office draws
    # alone the interval lies inside them; circuity, speed and demand placement may reach past them
    import narvaro
    from narvaro.settings import ErrorSources

    alone = narvaro.assess(["af_2020"], draws=60, seed=4, constrained=False, progress=False,
                           sources=ErrorSources.only("offices")).per_kommun("af_2020").set_index("kommunkod")
    alone = alone.loc[big.index]
    for col in ("af_time_mean_min", "af_share_over_25km"):
        assert (alone[col + "_lo"] <= alone[col + "_q05"] + 1e-9).all()
        assert (alone[col + "_q95"] <= alone[col + "_hi"] + 1e-9).all()
    # closing offices cannot bring anyone closer: the change is never negative, in any bound
    cmp = runs[0].comparisons["af_2019 -> af_2020"].set_index("kommunkod")
    assert cmp.loc["SE", "af_pop_over_25km_delta_lo"] >= 0
    assert cmp.loc["SE", "af_pop_over_25km_delta_q05"] >= 0


# --- report.html, headlines, Swedish ---------------------------------------------------------
#: English UI words that must not be visible in a Swedish page (official names aside).
ENGLISH_UI = ("residents", "beyond", "interval", "possible range", "Headline", "without presence", "Before",
              "After", "Median time", "Mean time", "Method", "Sources", "estimate", "offices known",
              "office status", "candidate", "Share of", "Travel time", "Distance to", "Map", "confirmed",
              "Population", "Nearest office", "Background map", "Towns", "Office status", "no data",
              "lower bound", "upper bound", "kommuner without", "Change", "decrease", "increase")


def _nat(**values):
    return pd.Series(values, dtype=float)


def test_headline_three_kinds_of_number():
    from narvaro.report.html import headline

    full = _nat(af_share_over_25km=0.123, af_share_over_25km_q05=0.101, af_share_over_25km_q95=0.148,
                af_share_over_25km_lo=0.082, af_share_over_25km_hi=0.742)
    assert headline("af_2020", full) == ("AF after the 2019 decision alone (the 106 offices): 12.3 % of residents beyond 25 km "
                                         "(90 % interval 10.1–14.8 %; possible range 8.2–74.2 %)")
    assert headline("af_2020", full, lang="sv") == ("AF efter enbart beslutet 2019 (de 106 kontoren): 12,3 % av invånarna bor längre än 25 km "
                                                    "(90 %-intervall 10,1–14,8 %; möjligt spann 8,2–74,2 %)")
    # complete list: one number
    assert headline("af_2019+af_2020", _nat(af_share_over_25km=0.123)) == "AF 2019 + AF 2020: 12.3 % of residents beyond 25 km"
    # bounds only (no draws yet): the plain column is the confirmed-only figure, never shown as the value
    bounds = _nat(af_share_over_25km=0.742, af_share_over_25km_lo=0.082, af_share_over_25km_hi=0.742)
    text = headline("af_2019+af_2020", bounds)
    assert text.startswith("AF 2019 + AF 2020: 8.2–74.2 % of residents beyond 25 km (possible range;")
    assert "no best estimate yet" in text
    assert headline("af_2020+af_2020_changes+ssc_2020", _nat(any_share_over_25km=0.05)).startswith(
        "AF at the end of 2020 + SSC servicekontor: 5.0 %")


def test_report_html_and_swedish(tmp_path):
    import re

    offices = {"full": syn.offices(), "part": _hidden()}
    for lang in ("en", "sv"):
        out = tmp_path / lang
        run_report(scenarios=["full", "part"], offices=offices, demand=syn.demand(), kommuner=syn.kommuner(),
                   out_dir=out, lang=lang, formats=("csv",), constrained=False)
        page = (out / "report.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page and "<script" not in page and "http://" not in page.split("<a ")[0]
        assert (out / "per_lan.csv").is_file() and (out / "plot_cumulative_dist.svg").is_file()
        assert page.count("<svg") >= 3  # plots inline
        for words in ("82 kommuner", "208"):
            assert words in page
    sv = (tmp_path / "sv" / "report.html").read_text(encoding="utf-8")
    visible = re.sub(r"<(style|svg)[\s\S]*?</\1>|<[^>]+>", " ", sv)
    visible = re.sub(r"\(source:[^)]*\)|Arbetet 2020-10-23|press release", " ", visible)
    left = [w for w in ENGLISH_UI if re.search(rf"\b{re.escape(w)}\b", visible)]
    assert left == [], left
    txt = (tmp_path / "sv" / "report.txt").read_text(encoding="utf-8")
    assert not [w for w in ENGLISH_UI if re.search(rf"\b{re.escape(w)}\b", re.sub(r"\([^)]*https?://[^)]*\)", "", txt))]
    per_lan = pd.read_csv(tmp_path / "en" / "per_lan.csv", dtype={"lanskod": str})
    assert set(per_lan["lanskod"]) == {"01", "SE"}
    part = per_lan[(per_lan["scenario"] == "part") & (per_lan["lanskod"] == "SE")].iloc[0]
    assert part["pop_over_50km_lo"] <= part["pop_over_50km_hi"]
    assert float(part["pop_over_50km_hi"]).is_integer()  # whole residents in the files


def test_export_rounding_and_xlsx_layout(covs, tmp_path):
    from openpyxl import load_workbook

    cov = covs["part"]
    csv = pd.read_csv(export(cov, tmp_path / "r.csv"))
    for col in csv.columns:
        if col.endswith("_km") or "_km_" in col and "_dist_" in col:
            assert (csv[col].dropna().round(1) == csv[col].dropna()).all(), col
        if "_share_" in col:
            assert (csv[col].dropna().round(3) == csv[col].dropna()).all(), col
        if "_pop_" in col:
            assert (csv[col].dropna() % 1 == 0).all(), col
    ws = load_workbook(export(cov, tmp_path / "r.xlsx"))["data"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.column_dimensions["A"].width >= 8
