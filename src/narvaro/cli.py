"""Command-line interface: ``narvaro report | map | offices | network build | kommuner``.

Every command prints what it computed with the provenance line (method: road network or
estimate; how complete the office lists are). Errors end with one line on stderr and exit
code 2 (a missing file, an unknown scenario, a bad office list, bad options, any
:class:`narvaro.errors.NarvaroError`); ``--debug`` (anywhere on the command line) shows the
traceback instead. Exit code 1 is left for unexpected failures (a bug: please report it).

Without a road graph (``--graph``, built by ``narvaro network build``) every figure is an
*estimate* (straight line x circuity at 60 km/h), labelled so. No Swedish road graph ships
with narvaro: building one needs an OpenStreetMap extract (sweden-latest.osm.pbf, Geofabrik).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # typer >= 0.22 vendors click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer on top of click
    from click.exceptions import ClickException as _ClickException

from .errors import NarvaroError, OfficeListError, UnknownNetworkError
from .provenance import describe

__all__ = ["app", "main", "run", "parse_thresholds_option", "DEFAULT_OUT_DIR", "DEFAULT_MAPS_DIR"]

#: Where ``narvaro report`` writes its tables (relative to the working directory).
DEFAULT_OUT_DIR = Path("output")
#: Where ``narvaro report`` and ``narvaro map`` write their HTML maps.
DEFAULT_MAPS_DIR = Path("maps")
#: Before/after pair of the default map and the scenario of the default coverage map.
MAP_BEFORE, MAP_AFTER, MAP_BOTH = "af_2019", "af_2020", "af_2020+ssc_2020"

app = typer.Typer(
    help=(
        "narvaro: travel distance and time from Sweden's residents to Arbetsförmedlingen offices and "
        "Statens servicecenter servicekontor, before and after the 2019-2020 closures, with ranges where "
        "the office lists are incomplete. Without --graph every figure is an estimate (straight line x "
        "circuity), labelled as such."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
network_app = typer.Typer(
    help="Road networks: build and cache a RoadGraph from an OpenStreetMap PBF file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(network_app, name="network")


class CLIError(NarvaroError):
    """A bad command-line value (missing file, conflicting options)."""


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
) -> None:
    """narvaro command-line interface."""


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------
def _echo(text: str = "") -> None:
    typer.echo(text)


def _progress(iterable: Any = None, **kwargs: Any) -> Any:
    """A tqdm progress bar on stderr (hidden when stderr is not a terminal)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, file=sys.stderr, disable=None, leave=False, **kwargs)


def parse_thresholds_option(text: str | None) -> dict[str, tuple[float, ...]] | None:
    """Parse ``--thresholds``, e.g. ``"10,25,50km;30,45,60min"`` or ``"25km"`` (a missing unit keeps its defaults).

    Examples
    --------
    >>> parse_thresholds_option("10,25km; 30min")
    {'km': (10.0, 25.0), 'min': (30.0,)}
    """
    if text is None or not text.strip():
        return None
    out: dict[str, tuple[float, ...]] = {}
    rest = text
    for numbers, unit in re.findall(r"([0-9.,\s]+?)\s*(km|min)\b", text):
        try:
            values = tuple(float(v) for v in numbers.replace(" ", "").split(",") if v)
        except ValueError:
            values = ()
        if not values or unit in out:
            raise CLIError(f"bad --thresholds {text!r}: expected e.g. '10,25,50km;30,45,60min'")
        out[unit] = values
        rest = rest.replace(numbers, " ", 1).replace(unit, " ", 1)
    if not out or re.sub(r"[\s;]", "", rest):
        raise CLIError(f"bad --thresholds {text!r}: expected e.g. '10,25,50km;30,45,60min'")
    from .analysis.metrics import parse_thresholds

    km, mins = parse_thresholds(out)  # validates (positive, increasing)
    return {"km": km, "min": mins}


def _check_scenarios(names: Sequence[str]) -> list[str]:
    from .offices.sources import NETWORKS

    out = []
    for name in names:
        for part in name.split("+"):
            if part.strip() not in NETWORKS:
                raise UnknownNetworkError(
                    f"unknown scenario {name!r}: {part.strip()!r} is not an office network "
                    f"(known: {', '.join(NETWORKS)}; combine with '+', e.g. af_2020+ssc_2020)"
                )
        out.append(name)
    return out


def _graph(method: str, graph: Path | None) -> Any:
    """The RoadGraph for --method/--graph, or None for estimate mode."""
    method = method.lower()
    if method not in ("estimate", "road"):
        raise CLIError(f"unknown --method {method!r}; use 'estimate' or 'road'")
    if method == "estimate":
        if graph is not None:
            raise CLIError("--graph needs --method road (estimate mode uses no road graph)")
        _echo(
            "Method: estimate (straight line x circuity, not a road measurement). No Swedish road graph "
            "ships with narvaro; for road distances build one with `narvaro network build "
            "sweden-latest.osm.pbf` and pass --method road --graph PATH."
        )
        return None
    if graph is None:
        raise CLIError("--method road needs --graph PATH (a road graph saved by `narvaro network build`)")
    if not graph.is_file():
        raise CLIError(f"road graph file not found: {graph}")
    from .network.graph import RoadGraph

    try:
        g = RoadGraph.load(graph)
    except NarvaroError:
        raise
    except Exception as exc:  # a file that is not a saved RoadGraph
        raise CLIError(f"{graph} is not a road graph saved by narvaro ({type(exc).__name__}: {exc})") from exc
    _echo(f"Method: road network {g.describe()}")
    return g


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name)


def _write_map(m: Any, path: Path, self_contained: bool) -> Path:
    from .maps.html import save_map

    out = save_map(m, path, self_contained=self_contained)
    size = out.stat().st_size / 1e6
    mode = "self-contained, works offline" if self_contained else "loads Leaflet from public CDNs"
    _echo(f"Map written: {out} ({size:.1f} MB, {mode})")
    return out


def _offices_for_map(scenario: str) -> Any:
    from .offices.load import load_offices

    return load_offices(scenario, include_candidates=True)


def _closed_for_map(scenario: str) -> Any:
    """The closed AF offices layer for scenarios after the closures."""
    from .offices.load import load_offices

    if any(p.startswith("af_2020") for p in scenario.split("+")):
        return load_offices("af_closed_2020")
    return None


# --------------------------------------------------------------------------------------
# narvaro report
# --------------------------------------------------------------------------------------
_SCENARIO_HELP = (
    "Office network(s) to compute, repeatable; names from `narvaro offices`, combined with '+' "
    "(e.g. af_2020+ssc_2020). Default: af_2019, af_2020, af_2020+ssc_2020, ssc_2020."
)
_THRESHOLD_HELP = (
    "Distance and time thresholds for 'residents beyond', e.g. '10,25,50km;30,45,60min' "
    "(default; 25 km is PTS's rule for basic services, 60 min AF's own guideline)."
)
_METHOD_HELP = (
    "'estimate' (default): straight line x circuity at 60 km/h, no road graph needed; "
    "'road': shortest paths on --graph."
)
_GRAPH_HELP = "A road graph saved by `narvaro network build` (needed for --method road)."


@app.command("report")
def report_cmd(
    scenario: Annotated[list[str] | None, typer.Option("--scenario", "-s", help=_SCENARIO_HELP)] = None,
    thresholds: Annotated[str | None, typer.Option("--thresholds", "-t", help=_THRESHOLD_HELP)] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=_METHOD_HELP)] = "estimate",
    graph: Annotated[Path | None, typer.Option("--graph", "-g", help=_GRAPH_HELP)] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for the per-kommun tables, the summary, presence lists, "
            "comparisons, unknowns and report.txt.",
        ),
    ] = DEFAULT_OUT_DIR,
    maps_dir: Annotated[
        Path,
        typer.Option("--maps-dir", help="Folder for the default HTML maps (self-contained, open offline)."),
    ] = DEFAULT_MAPS_DIR,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write the HTML maps.")] = False,
    lang: Annotated[
        str, typer.Option("--lang", help="Column labels of the exported files: en or sv (svenska).")
    ] = "en",
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="Format(s) of the per-kommun tables, repeatable: csv, xlsx, gpkg (default: csv and xlsx).",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", help="How many kommuner of unknown office status to list.")
    ] = 20,
    no_bounds: Annotated[
        bool,
        typer.Option(
            "--no-bounds", help="Point values only (confirmed offices), no ranges for unknown status."
        ),
    ] = False,
) -> None:
    """National summary, kommuner without presence, unknowns, per-kommun tables and the default maps.

    Writes the per-kommun tables and the other tables to --out and the maps to --maps-dir.

    With no options: the four default scenarios in estimate mode, tables to ./output, maps to ./maps.
    """
    from .report.summary import DEFAULT_SCENARIOS, run_report

    if lang not in ("en", "sv"):
        raise CLIError(f"--lang must be 'en' or 'sv', not {lang!r}")
    fmt = fmt or ["csv", "xlsx"]
    bad = [f for f in fmt if f not in ("csv", "xlsx", "gpkg")]
    if bad:
        raise CLIError(f"unknown --format {bad[0]!r}; use csv, xlsx or gpkg")
    scenarios = _check_scenarios(scenario or list(DEFAULT_SCENARIOS))
    th = parse_thresholds_option(thresholds)
    g = _graph(method, graph)
    # run_report iterates the scenarios once, computing one coverage table each: the bar follows it
    with _progress(scenarios, desc="coverage per scenario", unit="scenario") as bar:
        result = run_report(
            scenarios=bar,
            graph=g,
            thresholds=th,
            out_dir=out,
            bounds=not no_bounds,
            lang=lang,
            formats=tuple(dict.fromkeys(fmt)),
            top=top,
        )
    _echo(result.text)
    tables = [f for f in result.files if f.name.startswith("coverage_")]
    if tables:
        _echo("Per-kommun tables: " + ", ".join(str(f) for f in tables))
    if not no_map:
        _report_maps(result.coverages, maps_dir)


def _report_maps(covs: dict[str, Any], maps_dir: Path) -> list[Path]:
    """The default maps: AF before/after (if both computed) and AF + SSC after (if computed)."""
    from .maps.build import compare_map, coverage_map

    written = []
    jobs = []
    if MAP_BEFORE in covs and MAP_AFTER in covs:
        jobs.append("compare")
    if MAP_BOTH in covs:
        jobs.append("both")
    if not jobs:  # custom scenarios: one map per scenario
        jobs = list(covs)
    for job in _progress(jobs, desc="maps", unit="map"):
        if job == "compare":
            m = compare_map(
                covs[MAP_BEFORE],
                covs[MAP_AFTER],
                _offices_for_map(MAP_AFTER),
                closed=_closed_for_map(MAP_AFTER),
                column="af_time_mean_min",
                labels=("AF 2019", "AF 2020"),
                title="Travel time to the nearest AF office, 2019 and 2020",
            )
            path = maps_dir / f"narvaro_{MAP_BEFORE}_vs_{MAP_AFTER}.html"
        else:
            sc = MAP_BOTH if job == "both" else job
            m = coverage_map(
                covs[sc],
                _offices_for_map(sc),
                closed=_closed_for_map(sc),
                title=f"Travel time to the nearest office: {sc}",
            )
            path = maps_dir / f"narvaro_{_slug(sc)}.html"
        written.append(_write_map(m, path, self_contained=True))
    return written


# --------------------------------------------------------------------------------------
# narvaro map
# --------------------------------------------------------------------------------------
@app.command("map")
def map_cmd(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", "-s", help="Office network(s) to map, combined with '+' (see `narvaro offices`)."
        ),
    ] = MAP_BOTH,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            "-b",
            help="A second scenario to compare with (e.g. af_2019): writes a before/after map "
            "with the two as switchable layers plus the change.",
        ),
    ] = None,
    column: Annotated[
        str | None,
        typer.Option(
            "--column",
            "-c",
            help="Coverage column to colour by, e.g. af_dist_mean_km, any_share_over_25km "
            "(default: mean travel time to the nearest office).",
        ),
    ] = None,
    thresholds: Annotated[str | None, typer.Option("--thresholds", "-t", help=_THRESHOLD_HELP)] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=_METHOD_HELP)] = "estimate",
    graph: Annotated[Path | None, typer.Option("--graph", "-g", help=_GRAPH_HELP)] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file to write (default maps/narvaro_<scenario>.html)."),
    ] = None,
    self_contained: Annotated[
        bool,
        typer.Option(
            "--self-contained/--cdn",
            help="Inline Leaflet so the file opens offline (default), or link "
            "folium's public CDNs (smaller file, needs internet).",
        ),
    ] = True,
    title: Annotated[str | None, typer.Option("--title", help="Map title (default: the scenario).")] = None,
) -> None:
    """Write an HTML map of the 290 kommuner coloured by travel time, with the offices as layers."""
    from .analysis.coverage import coverage
    from .maps.build import compare_map, coverage_map

    names = _check_scenarios([scenario] + ([before] if before else []))
    th = parse_thresholds_option(thresholds)
    g = _graph(method, graph)
    office_lists = {name: _offices_for_map(name) for name in names}
    covs = {}
    for name in _progress(names, desc="coverage", unit="scenario"):
        covs[name] = coverage(office_lists[name], graph=g, thresholds=th, bounds=True, name=name)
    offices = office_lists[scenario]
    if before:
        m = compare_map(
            covs[before],
            covs[scenario],
            offices,
            closed=_closed_for_map(scenario),
            column=column,
            labels=(before, scenario),
            title=title or f"{before} and {scenario}",
        )
        default = DEFAULT_MAPS_DIR / f"narvaro_{_slug(before)}_vs_{_slug(scenario)}.html"
    else:
        m = coverage_map(
            covs[scenario],
            offices,
            closed=_closed_for_map(scenario),
            column=column,
            title=title or f"Travel time to the nearest office: {scenario}",
        )
        default = DEFAULT_MAPS_DIR / f"narvaro_{_slug(scenario)}.html"
    _write_map(m, out or default, self_contained)
    _echo(describe(covs[scenario]))


# --------------------------------------------------------------------------------------
# narvaro offices
# --------------------------------------------------------------------------------------
@app.command("offices")
def offices_cmd(
    validate: Annotated[
        Path | None,
        typer.Option(
            "--validate",
            "-v",
            help="Validate an analyst's office list (CSV or Excel): prints every bad row; "
            "exit code 2 if any.",
        ),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", help="With --validate: fill the org column (af or ssc) if the file has none."),
    ] = None,
    network: Annotated[
        str | None,
        typer.Option(
            "--network", "-n", help="List the offices of one network (or a '+' combination) instead."
        ),
    ] = None,
) -> None:
    """List the office networks with how complete each is, list one network, or validate a file."""
    import pandas as pd

    from .offices.lists import office_completeness, read_offices
    from .offices.load import load_offices
    from .offices.sources import NETWORKS

    if validate is not None:
        if not validate.is_file():
            raise CLIError(f"office list not found: {validate}")
        try:
            gdf = read_offices(validate, org=org)
        except OfficeListError as exc:
            if len(exc.problems):
                _echo(exc.problems.to_string(index=False))
            raise
        counts = gdf["org"].value_counts().to_dict()
        _echo(
            f"OK: {validate} holds {len(gdf)} valid offices "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))})"
        )
        _echo(describe(gdf))
        return
    if network is not None:
        _check_scenarios([network])
        gdf = load_offices(network)
        cols = [c for c in ("office_id", "org", "name", "town", "kommunkod", "status", "geocode") if c in gdf]
        with pd.option_context("display.max_rows", None, "display.width", 200):
            _echo(pd.DataFrame(gdf[cols]).to_string(index=False))
        _echo(describe(gdf))
        return
    nets = pd.DataFrame(
        [
            {
                "network": n.name,
                "org": n.org,
                "label": n.label,
                "published": n.published,
                "description": n.description,
            }
            for n in NETWORKS.values()
        ]
    )
    with pd.option_context("display.max_colwidth", 70, "display.width", 200):
        _echo("Office networks (scenarios; combine with '+', e.g. af_2020+ssc_2020):")
        _echo(nets.to_string(index=False))
        _echo("")
        _echo("Completeness against the published counts:")
        comp = office_completeness()
        _echo(
            comp.drop(columns=[c for c in ("published_source", "note") if c in comp]).to_string(index=False)
        )
    _echo("")
    _echo("Sources of the published counts:")
    for row in comp.itertuples():
        _echo(f"  {row.network} ({row.counted}): {getattr(row, 'published_source', '')}")


# --------------------------------------------------------------------------------------
# narvaro network build
# --------------------------------------------------------------------------------------
@network_app.command("build")
def network_build_cmd(
    pbf: Annotated[
        Path, typer.Argument(help="An OpenStreetMap .osm.pbf extract, e.g. sweden-latest.osm.pbf.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to save the graph (.npz); default the cache folder "
            "(NARVARO_CACHE_DIR or the OS cache)/graphs/<name>.npz.",
        ),
    ] = None,
    ferries: Annotated[
        bool, typer.Option("--ferries/--no-ferries", help="Join road ferries to the graph.")
    ] = False,
    include_service: Annotated[
        bool,
        typer.Option(
            "--include-service", help="Also keep highway=service roads (not parking aisles or driveways)."
        ),
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Date of the extract for the provenance line (YYYY-MM-DD).")
    ] = None,
    keep_small_components: Annotated[
        bool,
        typer.Option(
            "--keep-small-components",
            help="Keep road pieces smaller than --min-component-nodes (dropped by default: stray fragments "
            "catch snapped points and leave them unreachable).",
        ),
    ] = False,
    min_component_nodes: Annotated[
        int, typer.Option("--min-component-nodes", help="Smallest weakly connected piece kept (OSM nodes).")
    ] = 50,
    contract_chains: Annotated[
        bool,
        typer.Option(
            "--contract/--no-contract",
            help="Merge degree-2 chains into single edges (exact distances, 3-5x fewer nodes).",
        ),
    ] = True,
) -> None:
    """Build a road graph from PBF and cache it; use it with `narvaro report --method road --graph PATH`."""
    from . import settings
    from .network import RoadGraph, contract

    if not pbf.is_file():
        raise CLIError(f"PBF file not found: {pbf}")
    if min_component_nodes < 1:
        raise CLIError("--min-component-nodes must be at least 1")
    target = out or settings.cache_dir() / "graphs" / (pbf.name.split(".")[0] + ".npz")
    with _progress(total=4, desc="road graph", unit="step") as bar:
        bar.set_postfix_str("reading PBF")
        graph = RoadGraph.from_pbf(pbf, include_service=include_service, ferries=ferries, date=date,
                                   progress=sys.stderr.isatty())
        bar.update()
        if not keep_small_components:
            bar.set_postfix_str("dropping small components")
            graph = graph.drop_small_components(min_component_nodes)
        bar.update()
        if contract_chains:
            bar.set_postfix_str("contracting chains")
            graph = contract(graph, progress=sys.stderr.isatty())
        bar.update()
        bar.set_postfix_str("saving")
        path = graph.save(target)  # atomic: a temporary file replaced in one step
        bar.update()
    _echo(f"Road graph: {graph.describe()}")
    if not keep_small_components:
        _echo(f"Dropped {graph.metadata.get('nodes_in_small_components', 0):,} nodes in pieces smaller than "
              f"{min_component_nodes} nodes (--keep-small-components keeps them).")
    if contract_chains and graph.metadata.get("contracted"):
        c = graph.metadata["contracted"]
        _echo(f"Contracted: {c['nodes_before']:,} -> {c['nodes_after']:,} nodes, {c['edges_before']:,} -> "
              f"{c['edges_after']:,} edges ({c['interior_vertices']:,} shape nodes kept for snapping).")
    _echo(f"Saved: {path}  (use: narvaro report --method road --graph {path})")


# --------------------------------------------------------------------------------------
# narvaro kommuner (from the foundation)
# --------------------------------------------------------------------------------------
@app.command("kommuner")
def kommuner_cmd(
    source: Annotated[str, typer.Option(help="Kommun boundaries: valmyndigheten or scb.")] = "valmyndigheten",
    year: Annotated[int, typer.Option(help="SCB population year (2017, 2018, 2021).")] = 2021,
) -> None:
    """Print the 290 kommuner with population and demand points per län."""
    from .data.layers import load_demand_points, load_kommuner

    kommuner = load_kommuner(source, year=year)
    demand = load_demand_points(year)
    counts = demand.groupby(["kommunkod", "kind"]).size().unstack(fill_value=0)
    table = kommuner.drop(columns="geometry").join(counts, on="kommunkod")
    per_lan = table.groupby("lansnamn").agg(
        kommuner=("kommunkod", "size"),
        population=("population", "sum"),
        tatort_points=("tatort", "sum"),
        residual_points=("residual", "sum"),
    )
    _echo(per_lan.to_string())
    _echo(
        f"\n{len(kommuner)} kommuner, {kommuner['population'].sum():,} residents, {len(demand):,} demand points"
    )
    _echo(describe(demand))


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    rows = getattr(exc, "problems", None)
    if rows is not None and len(rows):
        r = rows.iloc[0]
        ident = (
            f" ({r['id']})" if r.get("id") is not None and str(r.get("id")) not in ("", "nan", "None") else ""
        )
        first += f"; first: row {r['row']}{ident}: {r['problem']}"
    return first


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    0 on success; 2 for usage errors and every expected error (one line on stderr);
    1 for an unexpected failure. ``--debug`` anywhere re-raises with the traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="narvaro", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 1
    except _ClickException as exc:  # usage errors: bad option, missing argument
        if debug:
            raise
        exc.show()
        return 2
    except (NarvaroError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if debug:
            raise
        typer.echo(f"error: {_one_line(exc)}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: still one line, and how to see more
        if debug:
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {_one_line(exc)} (run with --debug for the traceback)",
            err=True,
        )
        return 1
    return 0


def main() -> None:
    """Entry point of the ``narvaro`` console script."""
    sys.exit(run())
