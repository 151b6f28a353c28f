"""narvaro.assess(): the one entry point the CLI, the report and the Python API share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import narvaro
from narvaro import cli
from narvaro.report.export import rounded

END, BOTH = "af_2020+af_2020_changes", "af_2020+af_2020_changes+ssc_2020"


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    code = cli.run(["report", "--scenario", "af_2019", "--scenario", BOTH, "--no-map", "--format", "csv",
                    "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def assessment():
    return narvaro.assess(["af_2019", BOTH])


@pytest.mark.parametrize("scenario", ["af_2019", BOTH])
def test_assess_gives_the_cli_per_kommun_files_column_for_column(cli_files, assessment, scenario):
    csv = pd.read_csv(cli_files / f"coverage_{scenario}.csv", dtype={"kommunkod": str, "lanskod": str})
    api = pd.DataFrame(rounded(assessment.per_kommun(scenario)).drop(columns="geometry"))
    assert list(csv.columns) == list(api.columns)
    assert len(csv) == 290
    for col in csv.columns:
        a, b = api[col], csv[col]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(a.astype(float).to_numpy(), b.astype(float).to_numpy(), rtol=0, atol=1e-9,
                                       equal_nan=True, err_msg=col)
        else:
            assert a.astype(str).where(a.notna(), "nan").tolist() == b.astype(str).where(b.notna(), "nan").tolist(), col


def test_assess_national_and_presence_agree_with_the_console(cli_files, assessment):
    nat = assessment.national(BOTH)
    share = nat["any_share_over_25km"]
    text = (cli_files / "report.txt").read_text(encoding="utf-8")
    assert f"AF at the end of 2020 + SSC servicekontor: {100 * share:.1f} % of residents beyond 25 km" in text
    lst = assessment.without_presence(BOTH, "af_definition")
    assert lst.attrs["narvaro"]["count"]["best"] == pytest.approx(
        pd.read_csv(cli_files / "summary.csv").query("scenario == @BOTH and group == 'any'")["without_af_definition"]
        .iloc[0])


def test_the_end_2020_network_is_drawn_whole(assessment):
    """AF at the end of 2020 meets its published count (106 kommuner) in every draw."""
    draws = assessment.draws[END]
    assert set(draws.n_kommuner) == {106}
    assert assessment.scenarios == ("af_2019", BOTH)


def test_assess_refuses_a_scenario_it_did_not_compute(assessment):
    with pytest.raises(narvaro.NarvaroError, match="was not assessed"):
        assessment.per_kommun("ssc_2020")


def test_rows_agree_with_themselves_on_the_real_tables(assessment):
    """A status a rule deduced means an office in the bounds, the draws and the table alike."""
    t = assessment.per_kommun(BOTH).set_index("kommunkod")
    sodertalje = t.loc["0181"]  # AF presence deduced (not in the county's closing set), no office row
    assert sodertalje["af_status"] == "confirmed"
    assert sodertalje["af_p_office"] == 1.0 and bool(sodertalje["af_has_office_lo"])
    assert sodertalje["af_n_offices_lo"] >= 1
    assert sodertalje["af_dist_mean_km_hi"] < 15  # never "as if it had no office" (89.8 km before)
    assert sodertalje["af_nearest_office_kommun"] == "Södertälje"
    jonkoping = t.loc["0680"]  # P(office) high: its own office is the nearest for most residents
    if jonkoping["af_p_office"] >= 0.5:
        assert jonkoping["af_nearest_office_kommun"] == "Jönköping"
    for code, row in t.iterrows():  # a certain office in the kommun is an office in every draw
        if row["af_status"] == "confirmed":
            assert row["af_p_office"] == 1.0 and bool(row["af_has_office_lo"]), code
