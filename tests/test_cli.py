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
    assert "Headline per scenario" in out and "AF after the 2019 decision alone (the 106 offices): " in out
    assert "Kommuner without presence" in out and "Unknown office status to check first (top 5 of" in out
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


# --- issue 21 item 10: a CLI an analyst can drive -------------------------------------------------
FIXTURE_OFFICES = Path(__file__).parent / "fixtures" / "offices_complete_af.csv"
OFFICE_HEADER = "office_id,org,name,town,kommunkod,lat,lon\n"


class _ComputedError(Exception):
    """Raised by the stand-ins of the computing functions: reaching them fails the test."""


@pytest.fixture
def no_computing(monkeypatch):
    """assess, coverage and the data loaders raise if called: errors must come before them."""
    import importlib

    def boom(*args, **kwargs):
        raise _ComputedError("computing started")

    # reading an office list places its towns inside their kommun and checks their kommunkod (the boundaries): part of checking
    # the input, so loaded first; whether another test loaded them already must not matter
    from narvaro.offices.geocode import _boundaries
    from narvaro.offices.lists import _kommun_table

    _boundaries(), _kommun_table()
    for module, name in (
        ("narvaro.report.assessment", "assess"),
        ("narvaro.analysis.coverage", "coverage"),  # the module: narvaro.analysis.coverage is the function
        ("narvaro.data.layers", "load_kommuner"),
        ("narvaro.data.layers", "load_demand_points"),
    ):
        monkeypatch.setattr(importlib.import_module(module), name, boom)


@pytest.fixture
def captured_report(monkeypatch):
    """assess replaced by a recorder that stops the command (a NarvaroError) once called."""
    import narvaro.report.assessment
    from narvaro.errors import NarvaroError

    calls: list[dict] = []

    def record(scenarios=None, **kwargs):
        kwargs["scenarios"] = list(scenarios)
        calls.append(kwargs)
        raise NarvaroError("stopped by the test")

    monkeypatch.setattr(narvaro.report.assessment, "assess", record)
    return calls


def _office_file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(OFFICE_HEADER + body, encoding="utf-8")
    return path


def test_version(capsys):
    from importlib.metadata import version

    code, out, err = _run(capsys, "--version")
    assert code == 0 and err == ""
    assert out.strip() == f"narvaro {version('narvaro')}" and re.fullmatch(r"narvaro \d+\.\d+\.\d+\S*", out.strip())


def test_negative_top_refused_zero_accepted(capsys, tmp_path, captured_report):
    code, _, err = _run(capsys, "report", "--top", "-3")
    assert code == 2
    _assert_one_line_error(err, r"--top must be 0 or more, not -3")
    assert captured_report == []
    code, _, err = _run(capsys, "report", "--top", "0", "--no-map", "--out", str(tmp_path / "o"))
    assert code == 2 and "stopped by the test" in err  # reached assess
    assert len(captured_report) == 1  # --top is a presentation option of Assessment.report


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("--draws", "-1"), r"--draws must be 0 or more, not -1"),
        (("--seed", "-5"), r"--seed must be 0 or more, not -5"),
    ],
)
def test_bad_draws_and_seed(capsys, no_computing, args, pattern):
    code, _, err = _run(capsys, "report", *args)
    assert code == 2
    _assert_one_line_error(err, pattern)


def test_draws_and_seed_reach_assess(capsys, tmp_path, captured_report):
    code, _, _ = _run(capsys, "report", "--draws", "0", "--seed", "7", "--out", str(tmp_path / "o"), "--no-map")
    assert code == 2
    assert (captured_report[0]["draws"], captured_report[0]["seed"]) == (0, 7)
    assert captured_report[0]["offices"] is None and len(captured_report[0]["scenarios"]) == 4


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("--year", "2019"), r"--year 2019 .*use one of 2017, 2018, 2021$"),
        (("--source", "foo"), r"unknown --source 'foo'; use scb or valmyndigheten$"),
    ],
)
def test_kommuner_bad_year_and_source(capsys, no_computing, args, pattern):
    code, _, err = _run(capsys, "kommuner", *args)
    assert code == 2
    _assert_one_line_error(err, pattern)
    assert "unexpected" not in err and "ValueError" not in err


def test_validate_unknown_org(capsys, tmp_path):
    code, _, err = _run(capsys, "offices", "--validate", str(tmp_path / "F"), "--org", "fk")
    assert code == 2
    _assert_one_line_error(err, r"unknown --org 'fk'; use af .* or ssc ")
    assert "unexpected" not in err


def test_out_folders_checked_before_computing(capsys, tmp_path, no_computing):
    a_file = tmp_path / "existing.csv"
    a_file.write_text("x\n")
    for args, pattern in (
        (("--out", str(a_file)), r"--out .*existing\.csv is a file, not a folder"),
        (("--out", str(a_file / "sub")), r"--out .*existing\.csv/sub cannot be created: .*existing\.csv is a file"),
        (("--out", "/proc/narvaro/x"), r"--out /proc/narvaro/x is not writable: cannot create files in /proc"),
        (("--maps-dir", str(a_file)), r"--maps-dir .*existing\.csv is a file, not a folder"),
    ):
        code, _, err = _run(capsys, "report", *args)
        assert code == 2, args
        _assert_one_line_error(err, pattern)
        assert "Errno" not in err and "FileExistsError" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.csv"]  # nothing left behind
    # --no-map: --maps-dir is not used, so not checked; --out is created only by the report itself
    code, _, err = _run(capsys, "report", "--no-map", "--maps-dir", str(a_file), "--out", str(tmp_path / "new"))
    assert code == 1 and "computing started" in err
    assert not (tmp_path / "new").exists()


def test_map_out_checked_before_computing(capsys, tmp_path, no_computing):
    code, _, err = _run(capsys, "map", "--out", str(tmp_path))
    assert code == 2
    _assert_one_line_error(err, r"--out .* is a folder; give the file to write")
    a_file = tmp_path / "f"
    a_file.write_text("x")
    code, _, err = _run(capsys, "map", "--out", str(a_file / "m.html"))
    assert code == 2
    _assert_one_line_error(err, r"--out .*f/m\.html cannot be written: .*f is a file, not a folder")


def test_graph_that_is_a_csv_says_so_without_numpy_advice(capsys, tmp_path, no_computing):
    bad = tmp_path / "file.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = _run(capsys, "report", "--method", "road", "--graph", str(bad))
    assert code == 2
    _assert_one_line_error(err, r"file\.csv is not a road graph saved by narvaro")
    assert "pickle" not in err and "ValueError" not in err


def test_roadgraph_load_and_from_pbf_raise_narvaro_errors(tmp_path):
    from narvaro.errors import NarvaroError, NetworkFileError

    csv = tmp_path / "file.csv"
    csv.write_text("a,b\n1,2\n")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (csv, broken):
        with pytest.raises(NetworkFileError, match="is not a road graph saved by narvaro") as err:
            RoadGraph.load(path)
        assert "pickle" not in str(err.value) and isinstance(err.value, NarvaroError)
    with pytest.raises(NetworkFileError, match=r"file\.csv is not a readable OpenStreetMap PBF extract"):
        RoadGraph.from_pbf(csv)
    with pytest.raises(FileNotFoundError):
        RoadGraph.load(tmp_path / "missing.npz")


def test_offices_off_the_graph_in_cli_words(capsys, tmp_path, monkeypatch):
    import narvaro.report.assessment
    from narvaro.errors import UnreachableError

    def unreachable(scenarios=None, **kwargs):
        list(scenarios)
        raise UnreachableError(
            "Offices lie farther than snap_max_m=100 m from the road graph (pass far_offices='keep' to keep them)",
            [{"row": 3, "id": "af-1", "problem": "nearest road node 5,000 m away"},
             {"row": 9, "id": "af-2", "problem": "nearest road node 7,000 m away"}],
        )

    monkeypatch.setattr(narvaro.report.assessment, "assess", unreachable)
    code, _, err = _run(capsys, "report", "--no-map", "--out", str(tmp_path / "o"))
    assert code == 2
    _assert_one_line_error(err, r"^error: 2 office\(s\) lie too far from the road graph.*--method estimate \(2 row\(s\)\); "
                                r"first: row 3 \(af-1\): nearest road node 5,000 m away")
    assert "far_offices" not in err and "snap_max_m" not in err


def test_empty_office_list_is_an_error(capsys, tmp_path, no_computing):
    path = _office_file(tmp_path, "tomt.csv", "")
    code, out, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 2 and "OK" not in out
    _assert_one_line_error(err, r"tomt\.csv: the office list holds no offices")
    code, _, err = _run(capsys, "report", "--offices", str(path), "--no-map", "--out", str(tmp_path / "o"))
    assert code == 2
    _assert_one_line_error(err, r"tomt\.csv: the office list holds no offices")


def test_one_office_twice_is_refused_naming_file_lines(capsys, tmp_path):
    # line 1 header, line 2 blank (counted), lines 3-6 offices
    path = _office_file(
        tmp_path,
        "twice.csv",
        "\nk1,af,AF Kiruna,Kiruna,2584,,\nk2,af,AF Kiruna,Kiruna,2584,,\nk3,af,AF Gällivare,Gällivare,2523,,\n"
        "k3,af,AF Malmberget,Gällivare,2523,,\n",
    )
    code, out, err = _run(capsys, "offices", "--validate", str(path))
    assert code == 2
    _assert_one_line_error(err, r"bad office rows \(4 row\(s\)\); first: line 3 \(k1\): the same office "
                                r"\(org, name and position\) as line 4 \('k2'\)")
    table = {int(m.group(1)): m.group(2) for m in re.finditer(r"^\s*(\d+)\s+\S+\s+(.+)$", out, re.M)}
    assert set(table) == {3, 4, 5, 6} and re.match(r"\s*line\s+id\s+problem", out)
    assert "as line 3 ('k1')" in table[4]
    assert "duplicate office_id 'k3'" in table[5] and "duplicate office_id 'k3'" in table[6]


def test_report_offices_bad_file_fails_before_computing_naming_every_row(capsys, tmp_path, no_computing):
    path = _office_file(tmp_path, "mine.csv", "a,af,A,Kiruna,2584,,\nb,xx,B,Kiruna,2584,,\nc,af,C,Kiruna,9999,,\n")
    code, out, err = _run(capsys, "report", "--offices", str(path), "--no-map", "--out", str(tmp_path / "o"))
    assert code == 2
    _assert_one_line_error(err, r"mine\.csv: bad office rows \(2 row\(s\)\); first: line 3 \(b\): unknown org 'xx'")
    assert re.search(r"^\s*3\s+b\s+unknown org", out, re.M) and re.search(r"^\s*4\s+c\s+unknown kommunkod", out, re.M)
    code, _, err = _run(capsys, "report", "--offices", str(tmp_path / "none.csv"))
    assert code == 2
    _assert_one_line_error(err, r"--offices file not found: .*none\.csv")
    code, _, err = _run(capsys, "map", "--offices", str(path))
    assert code == 2
    _assert_one_line_error(err, r"mine\.csv: bad office rows")


def test_report_offices_become_scenarios(capsys, tmp_path, captured_report):
    code, _, _ = _run(capsys, "report", "--offices", str(FIXTURE_OFFICES), "--no-map", "--out", str(tmp_path / "o"))
    assert code == 2
    call = captured_report[-1]
    assert call["scenarios"] == ["offices_complete_af"] and list(call["offices"]) == ["offices_complete_af"]
    assert len(call["offices"]["offices_complete_af"]) == 106
    code, _, _ = _run(capsys, "report", "--offices", str(FIXTURE_OFFICES), "-s", "af_2019", "--no-map",
                      "--out", str(tmp_path / "o"))
    assert captured_report[-1]["scenarios"] == ["af_2019", "offices_complete_af"]
    twice = tmp_path / "b" / FIXTURE_OFFICES.name
    twice.parent.mkdir()
    twice.write_bytes(FIXTURE_OFFICES.read_bytes())
    code, _, err = _run(capsys, "report", "--offices", str(FIXTURE_OFFICES), "--offices", str(twice))
    assert code == 2
    _assert_one_line_error(err, r"two --offices files share the name 'offices_complete_af'")


def test_quiet_hides_progress_and_method_line(capsys):
    assert cli._progress([1, 2], quiet=True).disable is True
    assert cli._graph("estimate", None, quiet=True) is None
    assert capsys.readouterr().out == ""
    cli._graph("estimate", None)
    assert "Method: estimate" in capsys.readouterr().out


def test_map_column_for_an_analyst_list_checked_before_computing(capsys, no_computing):
    code, _, err = _run(capsys, "map", "--offices", str(FIXTURE_OFFICES), "--column", "ssc_dist_mean_km")
    assert code == 2
    _assert_one_line_error(err, r"--column 'ssc_dist_mean_km' is not a column of offices_complete_af; "
                                r"did you mean af_dist_mean_km")


# --- the Python API: narvaro errors that are still ValueErrors -----------------------------------
def test_api_bad_values_raise_input_value_errors(tmp_path):
    from narvaro.data.layers import load_kommuner, load_population
    from narvaro.errors import InputValueError, NarvaroError, OfficeListError
    from narvaro.maps.i18n import check_lang
    from narvaro.offices.lists import read_offices

    path = tmp_path / "mina.csv"
    pd.DataFrame({"Kontor": ["AF Kiruna"], "Myndighet": ["af"], "Ort": ["Kiruna"], "Kommun": ["2584"]}).to_csv(
        path, index=False
    )
    for call, pattern in (
        (lambda: read_offices(path, errors="ignore"), r"errors must be 'raise' or 'flag', not 'ignore'"),
        (lambda: read_offices(path, org="fk"), r"org must be one of af, ssc, not 'fk'"),
        (lambda: load_population(2019), r"population year 2019 is not available; choose one of 2017, 2018, 2021"),
        (lambda: load_kommuner("foo"), r"unknown kommun source 'foo'; choose one of scb, valmyndigheten"),
        (lambda: check_lang("de"), r"lang must be 'en' or 'sv', not 'de'"),
        (lambda: read_offices(path, columns={"Ort": "city"}), r"columns maps to 'city', not one of narvaro's"),
        (lambda: read_offices(path, columns={"name": "Kontor", "town": "Ort"}), r"columns looks reversed"),
    ):
        with pytest.raises(InputValueError, match=pattern) as err:
            call()
        assert isinstance(err.value, ValueError) and isinstance(err.value, NarvaroError)
    with pytest.raises(OfficeListError, match=r"columns names 'Typ', not a column of the file \(the file has: Kontor"):
        read_offices(path, columns={"Typ": "org"})
    # a mapping whose keys carry stray spaces still applies
    gdf = read_offices(path, columns={" Kontor ": "name", "Myndighet": "org", "Ort": "town", "Kommun": "kommunkod"})
    assert gdf["name"].tolist() == ["AF Kiruna"] and gdf["kommunkod"].tolist() == ["2584"]


# --- an analyst's complete list: the three kinds of number coincide ------------------------------
@pytest.mark.slow
def test_report_with_an_analysts_complete_list(capsys, tmp_path):
    out_dir, maps_dir = tmp_path / "out", tmp_path / "maps"
    code, out, err = _run(capsys, "report", "--offices", str(FIXTURE_OFFICES), "--out", str(out_dir),
                          "--maps-dir", str(maps_dir), "--no-map", "--format", "csv", "--quiet")
    assert code == 0, err
    assert "Headline per scenario" not in out and "Method:" not in out  # --quiet: only what was written
    assert f"Per-kommun tables: {out_dir / 'coverage_offices_complete_af.csv'}" in out
    table = pd.read_csv(out_dir / "coverage_offices_complete_af.csv", dtype={"kommunkod": str})
    assert len(table) == 290
    metrics = [c[: -len("_lo")] for c in table.columns if c.endswith("_lo")]
    assert len(metrics) >= 20 and all(f"{m}_hi" in table and m in table for m in metrics)
    for m in metrics:
        for end in ("lo", "hi", "q05", "q95"):
            if f"{m}_{end}" in table:
                assert table[m].equals(table[f"{m}_{end}"]), (m, end)
    assert not maps_dir.exists()


@pytest.mark.slow
def test_map_with_an_analysts_list(capsys, tmp_path):
    path = tmp_path / "m.html"
    code, out, err = _run(capsys, "map", "--offices", str(FIXTURE_OFFICES), "--out", str(path), "-q",
                          "--column", "af_dist_mean_km")
    assert code == 0, err
    assert out.strip().splitlines() == [f"Map written: {path} ({path.stat().st_size / 1e6:.1f} MB, "
                                        "self-contained, works offline)"]
    html = path.read_text(encoding="utf-8")
    assert "Arbetsförmedlingen Kiruna" in html or "(hypothetical)" in html
