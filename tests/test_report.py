"""National summary text, Swedish labels and the CSV / Excel / GeoPackage exports."""

from __future__ import annotations

import _synthetic as syn
import geopandas as gpd
import pandas as pd
import pytest

from narvaro.analysis.coverage import coverage
from narvaro.report.export import column_label, export
from narvaro.report.summary import format_summary, national_summary, run_report


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
    ("af_time_mean_min_min", "AF medelrestid (min) lägsta"),
    ("any_share_over_25km_max", "AF eller SSC andel invånare längre än 25 km högsta"),
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
    assert part_af["pop_over_50km_min"] == pytest.approx(450) and part_af["pop_over_50km_max"] == pytest.approx(950)
    assert part_af["without_no_office_inside_min"] == 1 and part_af["without_no_office_inside_max"] == 2
    assert part_af["status_known"] == "2 of 3"
    text = format_summary(summary, headline="50km")
    # 450/1350 = 33.3 %, 950/1350 = 70.4 %; the complete list gives one number
    assert "part (AF): 33.3-70.4 % of residents beyond 50 km (estimate" in text
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
    assert "af_pop_over_50km_min" in en.columns and "geometry" not in en.columns
    sheets = pd.read_excel(export(cov, tmp_path / "t.xlsx", lang="sv"), sheet_name=None)
    assert set(sheets) == {"data", "metadata", "columns"}
    assert "Folkmängd" in sheets["data"].columns
    assert sheets["data"].loc[2, "AF invånare längre än 50 km högsta"] == pytest.approx(500)
    meta = dict(zip(sheets["metadata"]["key"], sheets["metadata"]["value"], strict=True))
    assert meta["method"] == "estimate" and "not a road measurement" in meta["provenance"]
    gpkg = gpd.read_file(export(cov, tmp_path / "t.gpkg", lang="sv"))
    assert gpkg.crs.equals("EPSG:3006") and len(gpkg) == 3
    assert gpkg.loc[2, "AF invånare längre än 50 km högsta"] == pytest.approx(500)
    assert (tmp_path / "t.gpkg.txt").read_text(encoding="utf-8").startswith("Method: estimate")
    with pytest.raises(ValueError, match="unsupported"):
        export(cov, tmp_path / "t.json")


def test_run_report_synthetic(tmp_path):
    res = run_report(scenarios=["full", "part"], offices={"full": syn.offices(), "part": _hidden()},
                     demand=syn.demand(), kommuner=syn.kommuner(), out_dir=tmp_path, lang="sv")
    assert (tmp_path / "coverage_part.gpkg").exists() and (tmp_path / "unknowns.csv").exists()
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").startswith("National summary")
    assert len(res.unknowns) == 1 and res.unknowns.loc[0, "kommunkod"] == "0003"
    assert "Unknown office status to check first" in res.text
    assert set(res.constrained) == {"full", "part"}


def test_run_report_real_data(tmp_path):
    res = run_report(scenarios=["af_2020", "af_2020+ssc_2020"], out_dir=tmp_path, constrained=False,
                     formats=("csv",))
    assert len(res.coverages["af_2020"]) == 290
    text = res.text
    assert "AF 2020 (AF):" in text and "office status known for" in text
    assert "Kommuner without presence, af_2020, group af, rule no_office_inside" in text
    assert "Kommuner without presence, af_2020+ssc_2020, group af+ssc, rule af_definition" in text
    assert "Method: estimate" in text
    table = pd.read_csv(tmp_path / "coverage_af_2020.csv", dtype={"kommunkod": str})
    assert len(table) == 290 and table["population"].sum() == 10_452_326
