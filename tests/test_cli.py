"""Tests for the command-line interface: help, clean errors (exit code 2), the real commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from narvaro import cli
from narvaro.data import fetch
from narvaro.network.graph import RoadGraph

SRC = Path(__file__).resolve().parents[1] / "src"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_line_error(err: str, pattern: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in err


# --- help ----------------------------------------------------------------------------------------
def test_help_lists_commands(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    for cmd in ("report", "map", "offices", "network", "kommuner"):
        assert cmd in out


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (
            ("report",),
            (
                "--scenario",
                "--thresholds",
                "--method",
                "--graph",
                "--out",
                "--maps-dir",
                "--lang",
                "--format",
            ),
        ),
        (("map",), ("--scenario", "--before", "--column", "--self-contained", "--cdn", "--out", "--method")),
        (("offices",), ("--validate", "--network", "--org")),
        (("network", "build"), ("PBF", "--out", "--ferries", "--include-service")),
    ],
)
def test_subcommand_help_explains_options(capsys, args, options):
    code, out, _ = _run(capsys, *args, "--help")
    assert code == 0
    for opt in options:
        assert opt in out


# --- bad input: one line, exit code 2 ------------------------------------------------------------
def test_unknown_scenario(capsys):
    code, out, err = _run(capsys, "report", "--scenario", "af_2021")
    assert code == 2
    _assert_one_line_error(err, r"unknown scenario 'af_2021'.*af_2019")


def test_unknown_scenario_in_combination_for_map(capsys):
    code, _, err = _run(capsys, "map", "--scenario", "af_2020+ssc_1999")
    assert code == 2
    _assert_one_line_error(err, r"'ssc_1999' is not an office network")


def test_missing_graph_file(capsys, tmp_path):
    code, _, err = _run(capsys, "report", "--method", "road", "--graph", str(tmp_path / "nope.npz"))
    assert code == 2
    _assert_one_line_error(err, r"road graph file not found: .*nope\.npz")


def test_graph_file_that_is_not_a_graph(capsys, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a graph")
    code, _, err = _run(capsys, "map", "--method", "road", "--graph", str(bad))
    assert code == 2
    _assert_one_line_error(err, r"is not a road graph saved by narvaro")


def test_road_method_needs_graph_and_estimate_refuses_graph(capsys, tmp_path):
    code, _, err = _run(capsys, "report", "--method", "road")
    assert code == 2
    _assert_one_line_error(err, r"--method road needs --graph")
    code, _, err = _run(capsys, "report", "--graph", str(tmp_path / "g.npz"))
    assert code == 2
    _assert_one_line_error(err, r"--graph needs --method road")


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (
            "10,5km",
            r"strictly increasing \(1 row\(s\)\); first: row 1 \(5\.0km\): not greater than the previous threshold 10",
        ),
        ("ten km", r"bad --thresholds"),
        ("25km;30", r"bad --thresholds"),
        ("-5min", r"bad --thresholds|positive"),
    ],
)
def test_bad_thresholds(capsys, value, pattern):
    code, _, err = _run(capsys, "report", "--thresholds", value)
    assert code == 2
    _assert_one_line_error(err, pattern)


def test_parse_thresholds_option():
    assert cli.parse_thresholds_option("10,25,50km;30,45,60min") == {
        "km": (10.0, 25.0, 50.0),
        "min": (30.0, 45.0, 60.0),
    }
    assert cli.parse_thresholds_option("25km") == {"km": (25.0,), "min": (30.0, 45.0, 60.0)}
    assert cli.parse_thresholds_option(None) is None


def test_bad_lang_and_format(capsys):
    code, _, err = _run(capsys, "report", "--lang", "fi")
    assert code == 2
    _assert_one_line_error(err, r"--lang must be 'en' or 'sv'")
    code, _, err = _run(capsys, "report", "--format", "docx")
    assert code == 2
    _assert_one_line_error(err, r"unknown --format 'docx'")


def test_usage_error_exits_2(capsys):
    code, _, err = _run(capsys, "report", "--bogus")
    assert code == 2
    assert "No such option: --bogus" in err and "Traceback" not in err


def test_missing_pbf(capsys, tmp_path):
    code, _, err = _run(capsys, "network", "build", str(tmp_path / "sweden.osm.pbf"))
    assert code == 2
    _assert_one_line_error(err, r"PBF file not found")


def test_debug_shows_the_exception(capsys):
    from narvaro.errors import UnknownNetworkError

    with pytest.raises(UnknownNetworkError, match="unknown scenario 'nope'"):
        cli.run(["--debug", "report", "--scenario", "nope"])


def test_console_entry_point_in_a_subprocess(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "narvaro", "report", "--scenario", "nope"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error: unknown scenario 'nope'")


# --- offices -------------------------------------------------------------------------------------
def test_offices_lists_networks_and_completeness(capsys):
    from narvaro.offices.lists import office_completeness
    from narvaro.offices.sources import NETWORKS

    code, out, _ = _run(capsys, "offices")
    assert code == 0
    for name in NETWORKS:
        assert name in out
    comp = office_completeness().set_index("network")
    known, published = comp.loc["af_2020", "rows_known"], comp.loc["af_2020", "published_count"]
    assert re.search(rf"af_2020\s+offices\s+{known}\s+{published}", out)


def test_offices_network_listing(capsys):
    from narvaro.offices.load import load_offices

    code, out, _ = _run(capsys, "offices", "--network", "ssc_2020")
    assert code == 0
    for name in load_offices("ssc_2020")["name"]:
        assert name in out
    assert "SSC 2020:" in out


def test_validate_good_office_list(capsys, tmp_path):
    path = tmp_path / "mina_kontor.csv"
    pd.DataFrame(
        {
            "office_id": ["k1", "k2"],
            "org": ["af", "ssc"],
            "name": ["AF Kiruna", "Servicekontor Gällivare"],
            "town": ["Kiruna", "Gällivare"],
            "kommunkod": ["2584", "2523"],
        }
    ).to_csv(path, index=False)
    code, out, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 0, err
    assert "OK:" in out and "2 valid offices" in out and "af: 1" in out and "ssc: 1" in out


def test_validate_bad_office_list_lists_every_row(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "office_id": ["k1", "k1", "k3", "k4"],
            "org": ["af", "af", "xx", "ssc"],
            "name": ["A", "B", "C", "D"],
            "town": ["Kiruna", "Kiruna", "Kiruna", "Gällivare"],
            "kommunkod": ["2584", "2584", "2584", "9999"],
        }
    ).to_csv(path, index=False)
    code, out, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 2
    _assert_one_line_error(err, r"row")
    # every offending row is printed, not only the first
    assert "k3" in out and "k4" in out and re.search(r"duplicate", out, re.I)
    assert re.search(r"9999", out)


def test_validate_missing_file(capsys, tmp_path):
    code, _, err = _run(capsys, "offices", "--validate", str(tmp_path / "none.csv"))
    assert code == 2
    _assert_one_line_error(err, r"office list not found")


# --- network build -------------------------------------------------------------------------------
@pytest.mark.slow
def test_network_build_saves_a_loadable_graph(capsys, tmp_path):
    pbf = fetch("osm/stockholm_sodermalm.osm.pbf")
    target = tmp_path / "graphs" / "sodermalm.npz"
    code, out, err = _run(capsys, "network", "build", str(pbf), "--out", str(target), "--date", "2024-01-01")
    assert code == 0, err
    assert target.is_file() and f"Saved: {target}" in out
    graph = RoadGraph.load(target)
    # small components dropped and chains contracted by default: 173 OSM nodes -> 138 vertices on
    # the kept component, of which 52 are junctions (graph nodes) joined by 95 directed edges
    assert (graph.n_nodes, graph.n_edges, graph.n_vertices) == (52, 95, 138)
    assert graph.metadata.get("date") == "2024-01-01"
    assert graph.describe() in out
    # small pieces dropped, then contracted by default (junctions and dead ends kept as nodes)
    dropped = graph.metadata["nodes_in_small_components"]
    assert graph.is_contracted and graph.n_nodes < 100 and f"Contracted: {173 - dropped} -> {graph.n_nodes} nodes" in out
    raw = tmp_path / "raw.npz"
    code, out, err = _run(capsys, "network", "build", str(pbf), "--out", str(raw), "--no-contract",
                          "--keep-small-components")
    assert code == 0, err
    assert RoadGraph.load(raw).n_nodes == 173 and not RoadGraph.load(raw).is_contracted
    # nodes by location (default; ids above 10^18) or by OSM id (--osm-ids): the same 173 nodes
    by_id = tmp_path / "by_id.npz"
    code, out, err = _run(capsys, "network", "build", str(pbf), "--out", str(by_id), "--no-contract",
                          "--keep-small-components", "--osm-ids")
    assert code == 0, err
    loc, osm = RoadGraph.load(raw), RoadGraph.load(by_id)
    assert (loc.metadata["node_ids"], osm.metadata["node_ids"]) == ("location", "osm")
    assert loc.node_ids.min() > 10**18 and osm.node_ids.max() < 2**40 and osm.n_nodes == 173
    assert np.array_equal(np.sort(loc.x), np.sort(osm.x))
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["by_id.npz", "raw.npz", "sodermalm.npz"]


# --- report and map, end to end (estimate mode) ---------------------------------------------------
@pytest.mark.slow
def test_report_one_scenario(capsys, tmp_path):
    out_dir, maps_dir = tmp_path / "out", tmp_path / "maps"
    code, out, err = _run(
        capsys,
        "report",
        "--scenario",
        "af_2020",
        "--format",
        "csv",
        "--out",
        str(out_dir),
        "--maps-dir",
        str(maps_dir),
        "--top",
        "5",
    )
    assert code == 0, err
    assert "Method: estimate" in out and "not a road measurement" in out
    assert "National summary" in out and "AF 2020:" in out
    assert "Kommuner without presence, af_2020, group af" in out
    table = pd.read_csv(out_dir / "coverage_af_2020.csv", dtype={"kommunkod": str})
    assert len(table) == 290 and table["kommunkod"].is_unique
    assert set(table["method"]) == {"estimate"}
    html = (maps_dir / "narvaro_af_2020.html").read_text(encoding="utf-8")
    assert '<script src="http' not in html and "narvaro-kommun" in html
    assert f"Map written: {maps_dir / 'narvaro_af_2020.html'}" in out


@pytest.mark.slow
def test_map_command_cdn_and_column(capsys, tmp_path):
    path = tmp_path / "m.html"
    code, out, err = _run(
        capsys,
        "map",
        "--scenario",
        "ssc_2020",
        "--column",
        "ssc_dist_mean_km",
        "--cdn",
        "--out",
        str(path),
        "--title",
        "SSC <2020>",
    )
    assert code == 0, err
    html = path.read_text(encoding="utf-8")
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@', html)
    assert "SSC &lt;2020&gt;" in html.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert "loads Leaflet from public CDNs" in out
    code, _, err = _run(
        capsys, "map", "--scenario", "ssc_2020", "--column", "af_dist_mean_km", "--out", str(path)
    )
    assert code == 2
    _assert_one_line_error(err, r"--column 'af_dist_mean_km' is not a column of ssc_2020; did you mean ssc_dist_mean_km")


def test_kommuner_command(capsys):
    code, out, err = _run(capsys, "kommuner")
    assert code == 0, err
    assert "290 kommuner" in out and "Stockholms län" in out


# --- issue 13: every bad input ends with one line in narvaro's words and exit code 2 --------------
def test_help_shows_switches_not_bool_metavars(capsys):
    for args in (("report",), ("map",), ("network", "build"), ("offices",)):
        code, out, _ = _run(capsys, *args, "--help")
        assert code == 0 and "<bool>" not in out and "BOOLEAN" not in out
    _, out, _ = _run(capsys, "report", "--help")
    assert "--map / --no-map" in out and "--bounds / --no-bounds" in out


def test_switch_given_a_value(capsys):
    code, _, err = _run(capsys, "report", "--no-map", "true")
    assert code == 2
    _assert_one_line_error(err, r"--no-map is a switch and takes no value: write --map or --no-map")


def test_validate_with_columns_option(capsys, tmp_path):
    path = tmp_path / "mina.csv"
    pd.DataFrame({"Kontor": ["AF Kiruna"], "Myndighet": ["af"], "Ort": ["Kiruna"], "Kommun": ["2584"]}).to_csv(
        path, index=False
    )
    code, _, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 2
    _assert_one_line_error(err, r"missing column\(s\) org, kommunkod, town .*--columns \"Yours=ours")
    assert "first: row header" not in err
    code, out, err = _run(
        capsys, "offices", "--validate", str(path), "--columns", "Kontor=name,Myndighet=org,Ort=town,Kommun=kommunkod"
    )
    assert code == 0, err
    assert "1 valid offices" in out
    code, _, err = _run(capsys, "offices", "--validate", str(path), "--columns", "Ort=city")
    assert code == 2
    _assert_one_line_error(err, r"'city' is not one of narvaro's columns")


def test_network_build_on_a_csv(capsys, tmp_path):
    path = tmp_path / "careless.csv"
    path.write_text("a,b\n1,2\n")
    code, _, err = _run(capsys, "network", "build", str(path))
    assert code == 2
    _assert_one_line_error(err, r"is not an OpenStreetMap PBF extract")
    assert "unexpected" not in err and "ValueError" not in err and "Protobuf" not in err


def test_fake_xlsx(capsys, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("not a workbook")
    code, _, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 2
    _assert_one_line_error(err, r"could not read the office list as an Excel workbook")
    assert "engine" not in err and "ValueError" not in err


def test_map_column_checked_before_computing(capsys):
    import time as _time

    start = _time.perf_counter()
    code, _, err = _run(capsys, "map", "--column", "af_time_mean_mins")
    assert code == 2 and _time.perf_counter() - start < 5
    _assert_one_line_error(err, r"--column 'af_time_mean_mins' is not a column .*did you mean af_time_mean_min")
    assert len(err) < 300


def test_missing_mirror_is_one_line_without_pooch_noise(tmp_path):
    empty = tmp_path / "mirror"
    empty.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "NARVARO_DATA_MIRROR": str(empty),
        "NARVARO_CACHE_DIR": str(tmp_path / "cache"),
        "HTTPS_PROXY": "http://127.0.0.1:9",  # downloads fail at once, online or not
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "narvaro", "kommuner"], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: Cannot find data file"), proc.stderr
    assert "NARVARO_DATA_MIRROR" in lines[0]
    for noise in ("Downloading data from", "urllib3", "HTTPSConnectionPool", "NameResolutionError", "Traceback"):
        assert noise not in proc.stderr + proc.stdout
