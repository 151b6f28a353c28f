"""Command-line interface: ``narvaro report | map | offices | model | network build | plan | kommuner``.

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
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

try:  # typer >= 0.22 vendors click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer on top of click
    from click.exceptions import ClickException as _ClickException

from . import settings
from .errors import NarvaroError, OfficeListError, UnknownNetworkError, UnreachableError
from .provenance import describe

__all__ = [
    "app", "main", "run", "parse_thresholds_option", "parse_threshold_option", "DEFAULT_OUT_DIR", "DEFAULT_MAPS_DIR",
]

#: Where ``narvaro report`` writes its tables (relative to the working directory); each language
#: writes to its own folder below it (``output/en``, ``output/sv``).
DEFAULT_OUT_DIR = Path("output")
#: Where ``narvaro report`` and ``narvaro map`` write their HTML maps.
DEFAULT_MAPS_DIR = Path("maps")
#: Before/after pair of the default map and the scenario of the default coverage map.
MAP_BEFORE, MAP_AFTER, MAP_BOTH = "af_2019", "af_2020+af_2020_changes", "af_2020+af_2020_changes+ssc_2020"

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
    rich_markup_mode=None,  # plain click help: flags show as "--map / --no-map", never "<bool>"
    context_settings={"help_option_names": ["-h", "--help"]},
)
network_app = typer.Typer(
    help="Road networks: build and cache a RoadGraph from an OpenStreetMap PBF file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(network_app, name="network")


class CLIError(NarvaroError):
    """A bad command-line value (missing file, conflicting options)."""


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"narvaro {version('narvaro')}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print narvaro's version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """narvaro command-line interface."""


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------
def _echo(text: str = "") -> None:
    typer.echo(text)


def _progress(iterable: Any = None, quiet: bool = False, **kwargs: Any) -> Any:
    """A tqdm progress bar on stderr (hidden when stderr is not a terminal, or with ``quiet``)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, file=sys.stderr, disable=True if quiet else None, leave=False, **kwargs)


def _check_count(value: int, option: str) -> int:
    """``value`` if it is a whole number >= 0, else a CLIError naming ``option``."""
    if value < 0:
        raise CLIError(f"{option} must be 0 or more, not {value}")
    return value


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder above ``path`` (or ``path`` itself) that exists."""
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def _check_folder(path: Path, option: str) -> Path:
    """Raise CLIError unless ``path`` is, or can be created as, a folder narvaro can write to.

    Nothing is left behind: where the folder does not exist yet, a throw-away folder is created
    (and removed) in its nearest existing parent.
    """
    if path.exists() and not path.is_dir():
        raise CLIError(f"{option} {path} is a file, not a folder; give a folder (it is created if missing)")
    base = _existing_ancestor(path)
    if not base.is_dir():
        raise CLIError(f"{option} {path} cannot be created: {base} is a file, not a folder")
    try:
        with tempfile.TemporaryDirectory(dir=base, prefix=".narvaro-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CLIError(f"{option} {path} is not writable: cannot create files in {base} ({reason})") from exc
    return path


def _check_out_file(path: Path, option: str) -> Path:
    """Raise CLIError unless ``path`` can be written as a file (its folder creatable and writable)."""
    if path.is_dir():
        raise CLIError(f"{option} {path} is a folder; give the file to write, e.g. {path / 'map.html'}")
    base = _existing_ancestor(path.parent)
    if not base.is_dir():
        raise CLIError(f"{option} {path} cannot be written: {base} is a file, not a folder")
    _check_folder(path.parent, f"the folder of {option}")
    return path


def _read_analyst_lists(files: Sequence[Path]) -> dict[str, Any]:
    """Read and validate each --offices file (read_offices): {file stem: office list}.

    Every bad row of a file is printed (stdout) before the one-line error, as ``offices --validate``.
    """
    from .offices.lists import read_offices

    lists: dict[str, Any] = {}
    for path in files:
        if not path.is_file():
            raise CLIError(f"--offices file not found: {path}")
        if path.stem in lists:
            raise CLIError(f"two --offices files share the name {path.stem!r}; each list is named by its file stem")
        try:
            lists[path.stem] = read_offices(path)
        except OfficeListError as exc:
            _print_problems(exc)
            raise
    return lists


def _print_problems(exc: OfficeListError) -> None:
    """Every offending row of an office list, as a table on stdout (rows named by file line)."""
    if len(exc.problems):
        _echo(exc.problems.rename(columns={"row": exc.row_word}).to_string(index=False))


def _cli_unreachable(exc: UnreachableError) -> UnreachableError:
    """The road-mode error about offices off the graph, in command-line words."""
    return UnreachableError(
        f"{len(exc.problems)} office(s) lie too far from the road graph to be reached (wrong coordinates, or a "
        "graph that does not cover them): build the graph from an extract that covers every office "
        "(e.g. sweden-latest.osm.pbf) or use --method estimate",
        exc.problems,
    )


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


def parse_columns_option(text: str | None) -> dict[str, str] | None:
    """Parse ``--columns "Ort=town,Kommun=kommunkod"`` into ``{"Ort": "town", "Kommun": "kommunkod"}``.

    Examples
    --------
    >>> parse_columns_option("Ort=town, Kommun = kommunkod")
    {'Ort': 'town', 'Kommun': 'kommunkod'}
    """
    from .offices.sources import COLUMNS

    if text is None or not text.strip():
        return None
    ours = list(dict.fromkeys([*COLUMNS, "lat", "lon"]))
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if part.count("=") != 1:
            raise CLIError(f"bad --columns part {part.strip()!r}: write YOURS=OURS, e.g. \"Ort=town,Kommun=kommunkod\"")
        yours, target = (x.strip() for x in part.split("="))
        if not yours or target not in ours:
            raise CLIError(
                f"bad --columns part {part.strip()!r}: {target!r} is not one of narvaro's columns ({', '.join(ours)})"
            )
        out[yours] = target
    return out


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


def _check_lang(lang: str) -> None:
    if lang not in ("en", "sv"):
        raise CLIError(f"--lang must be 'en' or 'sv', not {lang!r}")


def map_columns(
    scenarios: Sequence[str],
    thresholds: dict[str, tuple[float, ...]] | None = None,
    orgs: Mapping[str, set[str]] | None = None,
) -> list[str]:
    """Coverage columns a map of ``scenarios`` can show, known before anything is computed.

    The groups follow the organisations of the scenarios' networks (af, ssc, and "any" when both
    are present); every metric has its interval and bound columns (``_q05``, ``_q95``, ``_lo``,
    ``_hi``) and each group its ``_p_office``. ``orgs`` gives the organisations of scenarios
    that are not shipped networks (an analyst's list: the values of its ``org`` column).
    """
    from .analysis.metrics import GROUPS, group_metric_columns
    from .offices.sources import NETWORKS

    km = (thresholds or {}).get("km", settings.DISTANCE_THRESHOLDS_KM)
    mins = (thresholds or {}).get("min", settings.TIME_THRESHOLDS_MIN)
    out: list[str] = []
    for name in scenarios:
        have = set((orgs or {}).get(name, ())) or {
            NETWORKS[p.strip()].org for p in name.split("+") if p.strip() in NETWORKS
        }
        for g in GROUPS:
            if (g == "any" and have >= {"af", "ssc"}) or g in have:
                for col in group_metric_columns(g, km, mins):
                    out += [col] + [f"{col}_{end}" for end in ("q05", "q95", "lo", "hi")]
                out.append(f"{g}_p_office")
    return list(dict.fromkeys(out))


def _check_map_column(
    column: str, scenarios: Sequence[str], thresholds: Any, orgs: Mapping[str, set[str]] | None = None
) -> None:
    """Raise CLIError for a --column no map of ``scenarios`` has, naming the closest ones."""
    import difflib

    known = map_columns(scenarios, thresholds, orgs)
    if column in known:
        return
    close = difflib.get_close_matches(column, known, n=4, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else (
        "columns look like af_time_mean_min, any_dist_median_km, ssc_share_over_25km"
    )
    raise CLIError(f"--column {column!r} is not a column of {' / '.join(scenarios)}; {hint}")


def _graph(method: str, graph: Path | None, lang: str = "en", quiet: bool = False) -> Any:
    """The RoadGraph for --method/--graph, or None for estimate mode (``quiet``: no method line)."""
    method = method.lower()
    if method not in ("estimate", "road"):
        raise CLIError(f"unknown --method {method!r}; use 'estimate' or 'road'")
    if method == "estimate":
        if graph is not None:
            raise CLIError("--graph needs --method road (estimate mode uses no road graph)")
        if quiet:
            return None
        if lang == "sv":
            _echo(
                "Metod: uppskattning (fågelvägen x slingerfaktor, inte uppmätt längs väg). Inget svenskt vägnät "
                "följer med narvaro; för vägavstånd, bygg ett med `narvaro network build sweden-latest.osm.pbf` "
                "och ange --method road --graph SÖKVÄG."
            )
        else:
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

    g = RoadGraph.load(graph)  # NetworkFileError: not a road graph saved by narvaro
    if not quiet:
        _echo(f"Method: road network {g.describe()}")
    return g


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name)


def _write_map(m: Any, path: Path, self_contained: bool, lang: str = "en") -> Path:
    """Save ``m`` and print the essential "Map written" line."""
    from .maps.html import save_map

    out = save_map(m, path, self_contained=self_contained)
    size = out.stat().st_size / 1e6
    if lang == "sv":
        mode = "fristående, fungerar utan internet" if self_contained else "laddar Leaflet från publika CDN"
        _echo(f"Karta skriven: {out} ({size:.1f} MB, {mode})")
    else:
        mode = "self-contained, works offline" if self_contained else "loads Leaflet from public CDNs"
        _echo(f"Map written: {out} ({size:.1f} MB, {mode})")
    return out


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
_LANG_HELP = (
    "Language of report.html, report.txt, the maps and the exported column labels: en (English) or "
    "sv (svenska). Official names stay as they are."
)


@app.command("report")
def report_cmd(
    scenario: Annotated[list[str] | None, typer.Option("--scenario", "-s", help=_SCENARIO_HELP)] = None,
    thresholds: Annotated[str | None, typer.Option("--thresholds", "-t", help=_THRESHOLD_HELP)] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=_METHOD_HELP)] = "estimate",
    graph: Annotated[Path | None, typer.Option("--graph", "-g", help=_GRAPH_HELP)] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder for report.html, report.txt, the per-kommun tables, the summary, presence lists, "
            "comparisons and unknowns (default: output/en, or output/sv with --lang sv).",
        ),
    ] = None,
    maps_dir: Annotated[
        Path,
        typer.Option("--maps-dir", help="Folder for the default HTML maps (self-contained, open offline)."),
    ] = DEFAULT_MAPS_DIR,
    write_maps: Annotated[
        bool, typer.Option("--map/--no-map", help="Write the HTML maps (default) or not.")
    ] = True,
    lang: Annotated[str, typer.Option("--lang", help=_LANG_HELP)] = "en",
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help="Format(s) of the per-kommun tables, repeatable: csv, xlsx, gpkg (default: csv and xlsx).",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", help="How many kommuner of unknown office status to list (0 = none).")
    ] = 20,
    bounds: Annotated[
        bool,
        typer.Option(
            "--bounds/--no-bounds",
            help="Ranges where office status is unknown (default), or point values only "
            "(confirmed offices).",
        ),
    ] = True,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Joint office draws behind the best estimates and 90 % intervals (0 = hard bounds only).",
        ),
    ] = settings.N_DRAWS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the draws (same seed, same outputs).")] = 0,
    offices_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--offices",
            help="Your own office list (CSV or Excel, as `narvaro offices --validate` reads it), taken as "
            "complete; repeatable. Each file is one more scenario named by its file stem, added to the "
            "--scenario ones (with --offices and no --scenario only your lists are computed). Checked "
            "before anything is computed: every bad row is printed.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars; print only the files written and errors.")
    ] = False,
    # --- public transport (issue 23) ---
    gtfs: Annotated[Path | None, typer.Option("--gtfs", help="A GTFS feed (zip or folder): adds the public-transport "
                                              "section, its tables and map (kommuner the feed covers).")] = None,
    gtfs_date: Annotated[str | None, typer.Option("--gtfs-date", help="Service date YYYY-MM-DD (default: a normal "
                                                  "Wednesday inside the feed's validity).")] = None,
    # --- end public transport ---
) -> None:
    """National summary, kommuner without presence, unknowns, per-kommun tables and the default maps.

    Writes the per-kommun tables and the other tables to --out and the maps to --maps-dir.

    With no options: the four default scenarios in estimate mode, tables to ./output, maps to ./maps.
    """
    from .report.assessment import HEADLINE_SCENARIOS, assess

    _check_lang(lang)
    fmt = fmt or ["csv", "xlsx"]
    bad = [f for f in fmt if f not in ("csv", "xlsx", "gpkg")]
    if bad:
        raise CLIError(f"unknown --format {bad[0]!r}; use csv, xlsx or gpkg")
    _check_count(top, "--top")
    _check_count(draws, "--draws")
    _check_count(seed, "--seed")
    names = _check_scenarios(scenario or ([] if offices_files else list(HEADLINE_SCENARIOS)))
    th = parse_thresholds_option(thresholds)
    out = out if out is not None else DEFAULT_OUT_DIR / lang
    _check_folder(out, "--out")
    if write_maps:
        _check_folder(maps_dir, "--maps-dir")
    analyst = _read_analyst_lists(offices_files or [])
    scenarios = list(dict.fromkeys([*names, *analyst]))
    g = _graph(method, graph, lang, quiet)
    try:
        result = assess(scenarios, offices=analyst or None, graph=g, thresholds=th,
                        draws=draws if bounds else 0, seed=seed, progress=False if quiet else None,
                        gtfs=gtfs, gtfs_date=gtfs_date)  # gtfs: issue 23
        result.report(out, lang=lang, formats=tuple(dict.fromkeys(fmt)), top=top,
                      maps_dir=maps_dir if write_maps else None)
    except UnreachableError as exc:
        raise _cli_unreachable(exc) from exc
    if not quiet:
        _echo(result.text)
    sv = lang == "sv"
    tables = [f for f in result.files if f.name.startswith("coverage_")]
    if tables:
        _echo(("Tabeller per kommun: " if sv else "Per-kommun tables: ") + ", ".join(str(f) for f in tables))
    for path in result.files:
        if path.suffix == ".html" and path.name != "report.html":
            size = f"{path.stat().st_size / 1e6:.1f} MB"
            _echo(f"Karta skriven: {path} ({size}, fristående, fungerar utan internet)" if sv
                  else f"Map written: {path} ({size}, self-contained, works offline)")
    page = out / "report.html"
    if page.is_file():
        _echo(f"Rapport skriven: {page} (öppna den i en webbläsare; fungerar utan internet)" if sv
              else f"Report written: {page} (open it in a browser; works offline)")


def _report_maps(covs: dict[str, Any], maps_dir: Path, lang: str = "en") -> list[Path]:
    """The default maps (see :func:`narvaro.report.html.default_maps`), with a line per map written."""
    from .report.html import default_maps

    written = []
    for path in default_maps(covs, maps_dir, lang=lang, progress=_progress):
        size = path.stat().st_size / 1e6
        _echo(f"Map written: {path} ({size:.1f} MB, self-contained, works offline)")
        written.append(path)
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
    lang: Annotated[str, typer.Option("--lang", help="Language of the map: en or sv (svenska).")] = "en",
    offices_file: Annotated[
        Path | None,
        typer.Option(
            "--offices",
            help="Map your own office list (CSV or Excel, as `narvaro offices --validate` reads it), taken "
            "as complete and named by its file stem, instead of --scenario (--before still compares with a "
            "shipped scenario). Checked before anything is computed: every bad row is printed.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Joint office draws behind the best estimates and 90 % intervals (0 = hard bounds only).",
        ),
    ] = settings.N_DRAWS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the draws (same seed, same outputs).")] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars; print only the file written and errors.")
    ] = False,
) -> None:
    """Write an HTML map of the 290 kommuner coloured by travel time, with the offices as layers.

    The figures come from :func:`narvaro.assess` (the same draws and numbers as ``narvaro report``).
    """
    from .maps.build import compare_map, coverage_map
    from .maps.i18n import scenario_title
    from .maps.style import map_title
    from .report.assessment import assess
    from .report.html import closed_offices, map_offices

    _check_lang(lang)
    _check_count(draws, "--draws")
    _check_count(seed, "--seed")
    names = _check_scenarios(([] if offices_file else [scenario]) + ([before] if before else []))
    th = parse_thresholds_option(thresholds)
    if out is not None:
        _check_out_file(out, "--out")
    else:
        _check_folder(DEFAULT_MAPS_DIR, "the default map folder")
    analyst = _read_analyst_lists([offices_file] if offices_file else [])
    orgs = {stem: set(frame["org"]) for stem, frame in analyst.items()}
    if analyst:
        scenario = next(iter(analyst))
        names = [*names, scenario]
    if column is not None:
        _check_map_column(column, names, th, orgs)
    g = _graph(method, graph, lang, quiet)
    office_lists = {**{name: map_offices(name) for name in names if name not in analyst}, **analyst}
    try:
        covs = assess(names, offices=analyst or None, graph=g, thresholds=th, draws=draws, seed=seed,
                      constrained=False, progress=False if quiet else None).coverages
    except UnreachableError as exc:
        raise _cli_unreachable(exc) from exc
    offices = office_lists[scenario]
    closed = None if scenario in analyst else closed_offices(scenario)
    if before:
        m = compare_map(
            covs[before],
            covs[scenario],
            offices,
            closed=closed,
            column=column,
            labels=(scenario_title(before, lang), scenario_title(scenario, lang)),
            title=title or map_title(column or "", (before, scenario), lang),
            lang=lang,
        )
        default = DEFAULT_MAPS_DIR / f"narvaro_{_slug(before)}_vs_{_slug(scenario)}.html"
    else:
        m = coverage_map(
            covs[scenario],
            offices,
            closed=closed,
            column=column,
            title=title or map_title(column or "", (scenario,), lang),
            lang=lang,
        )
        default = DEFAULT_MAPS_DIR / f"narvaro_{_slug(scenario)}{'_sv' if lang == 'sv' else ''}.html"
    _write_map(m, out or default, self_contained, lang)
    if not quiet:
        from .maps.i18n import describe_lang

        _echo(describe_lang(covs[scenario], lang))


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
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="With --validate: your column names mapped to narvaro's, e.g. "
            "\"Ort=town,Kommun=kommunkod,Myndighet=org,Kontor=name\" (narvaro's: office_id, org, name, "
            "town, kommunkod, lat, lon).",
        ),
    ] = None,
) -> None:
    """List the office networks with how complete each is, list one network, or validate a file."""
    import pandas as pd

    from .offices.lists import office_completeness, read_offices
    from .offices.load import load_offices
    from .offices.sources import NETWORKS, ORGS

    if org is not None and org not in ORGS:
        raise CLIError(f"unknown --org {org!r}; use af (Arbetsförmedlingen) or ssc (Statens servicecenter)")
    if validate is not None:
        if not validate.is_file():
            raise CLIError(f"office list not found: {validate}")
        mapping = parse_columns_option(columns)
        try:
            gdf = read_offices(validate, columns=mapping, org=org)
        except OfficeListError as exc:
            _print_problems(exc)
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
# narvaro model
# --------------------------------------------------------------------------------------
_MODEL_TEXT = {
    "en": {
        "title": "Office presence model: {label} ({network})",
        "coef": "Coefficients (logistic regression, L2, standardised features; per standard deviation):",
        "cv": "Leave-one-län-out cross-validation (out-of-fold predictions; known kommuner only):",
        "rel": "Reliability (model, all known kommuner): mean predicted vs observed share per bin:",
        "no_complete": "No county has a sourced complete set for this network.",
        "verdict": "Verdict",
        "sample": {"all known": "all known", "sourced-complete counties": "sourced-complete counties"},
        "bayes": "Bayesian presence model in the office draws (logistic, län random intercept, external features only):",
        "skill": "Skill (headline, non-leaky): leave-one-län-out AUC {auc:.3f}, Brier {brier:.3f} on {n} known kommuner",
        "flatter": "For comparison, flattering: full model with label-derived features, leave-one-län-out AUC "
                   "{auc:.3f}, Brier {brier:.3f} (the closure flag and earlier status come from the labels' own pages)",
        "post": "Posterior (mean and 90 % interval; coefficients per standard deviation, logit scale):",
        "before_after": "Unknown kommuner: P(office) before and after the count conditioning ({n} draws):",
        "cols": ("kommun", "P before", "P after"),
        "legacy": "Earlier point-estimate model (kept for comparison; not used by the draws):",
    },
    "sv": {
        "title": "Modell för kontorsnärvaro: {label} ({network})",
        "coef": "Koefficienter (logistisk regression, L2, standardiserade variabler; per standardavvikelse):",
        "cv": "Korsvalidering med ett län i taget utelämnat (prediktioner utanför träningen; kända kommuner):",
        "rel": "Kalibrering (modellen, alla kända kommuner): medelprognos mot observerad andel per intervall:",
        "no_complete": "Inget län har en källbelagd fullständig lista för detta nät.",
        "verdict": "Slutsats",
        "sample": {"all known": "alla kända", "sourced-complete counties": "län med fullständig lista"},
        "bayes": "Bayesiansk närvaromodell i kontorsdragningarna (logistisk, slumpintercept per län, "
                 "endast externa variabler):",
        "skill": "Träffsäkerhet (huvudmått, utan läckage): AUC {auc:.3f}, Brier {brier:.3f} med ett län i taget "
                 "utelämnat, {n} kända kommuner",
        "flatter": "Som jämförelse, smickrande: hela modellen med variabler från etiketternas egna källor, AUC "
                   "{auc:.3f}, Brier {brier:.3f} (nedläggningsflaggan och tidigare status kommer från samma sidor)",
        "post": "Aposteriori (medelvärde och 90 %-intervall; koefficienter per standardavvikelse, logitskala):",
        "before_after": "Okända kommuner: P(kontor) före och efter villkoret på antalet ({n} dragningar):",
        "cols": ("kommun", "P före", "P efter"),
        "legacy": "Tidigare punktskattad modell (för jämförelse; används inte av dragningarna):",
    },
}


@app.command("model")
def model_cmd(
    network: Annotated[
        str,
        typer.Option(
            "--network",
            "-n",
            help="af_2019, af_2020, af_2020+af_2020_changes, ssc_2019 or ssc_2020.",
        ),
    ] = "af_2020",
    lang: Annotated[str, typer.Option("--lang", help="Language of the headings: en or sv (svenska).")] = "en",
) -> None:
    """Print the office presence model's coefficients and its cross-validation against two baselines."""
    import pandas as pd

    from .offices.model import cross_validate, presence_model
    from .offices.sources import network_label
    from .offices.status import STATUS_RULES

    if lang not in _MODEL_TEXT:
        raise CLIError(f"--lang must be 'en' or 'sv', not {lang!r}")
    if network not in STATUS_RULES:
        raise UnknownNetworkError(f"no presence model for {network!r}; choose from {', '.join(STATUS_RULES)}")
    text = _MODEL_TEXT[lang]
    model = presence_model(network)
    cv = cross_validate(network)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        _echo(text["title"].format(label=network_label(network), network=network))
        _echo("")
        _model_bayes_section(network, cv, text, lang)
        _echo("")
        _echo(text["legacy"])
        _echo(text["coef"])
        _echo(model.coefficients.drop(columns=["label"]).to_string(index=False))
        _echo("")
        _echo(text["cv"])
        table = cv.drop(columns=["network"]).assign(sample=cv["sample"].map(text["sample"]))
        _echo(table.to_string(index=False))
        if "sourced-complete counties" not in set(cv["sample"]):
            _echo(text["no_complete"])
        _echo("")
        _echo(text["rel"])
        rel = cv.attrs["reliability"]
        rel = rel[(rel["predictor"] == "model") & (rel["sample"] == "all known")]
        _echo(rel[["bin", "n", "mean_predicted", "observed"]].to_string(index=False))
    _echo("")
    _echo(f"{text['verdict']}: {_model_verdict(model, cv, lang)}")


def _model_bayes_section(network: str, cv: Any, text: Mapping[str, Any], lang: str) -> None:
    """The Bayesian model of the draws: honest skill, posterior table, P before / after conditioning."""
    import pandas as pd

    from . import i18n
    from .data.layers import load_kommuner
    from .offices.bayes import bayes_presence, lolo_bayes
    from .offices.draws import DRAWABLE, office_draws

    fit_net = "af_2020" if network.startswith("af_2020") else network
    bayes = bayes_presence(fit_net)
    skill = lolo_bayes(fit_net)
    _echo(text["bayes"])
    _echo(text["skill"].format(**skill))
    full = cv[(cv["sample"] == "all known") & (cv["predictor"] == "model")].iloc[0]
    _echo(text["flatter"].format(auc=full["auc"], brier=full["brier"]))
    _echo("")
    _echo(text["post"])
    post = bayes.coefficient_table()
    post.insert(0, "name", [i18n.feature(f, lang) for f in post["feature"]])
    _echo(post.drop(columns=["feature"]).to_string(index=False))
    if network not in DRAWABLE:
        return
    n = settings.N_DRAWS
    d = office_draws((network,), n=n, seed=0)[network]
    st = d.status.set_index("kommunkod")["status"]
    unk = st.index[st == "unknown"]
    names = load_kommuner().set_index("kommunkod")["kommunnamn"]
    cols = text["cols"]
    table = pd.DataFrame({cols[0]: names.reindex(unk).to_numpy(), cols[1]: d.p_kommun.reindex(unk).to_numpy(),
                          cols[2]: d.p_drawn.reindex(unk).to_numpy()}).sort_values(cols[1], ascending=False)
    _echo("")
    _echo(text["before_after"].format(n=n))
    _echo(table.to_string(index=False))


def _model_verdict(model: Any, cv: Any, lang: str) -> str:
    """The model's one-line verdict, in English or Swedish."""
    if lang != "sv":
        return model.verdict
    m = cv[cv["sample"] == "all known"].set_index("predictor")
    figures = ", ".join(
        f"{name} AUC {m.loc[k, 'auc']:.2f} Brier {m.loc[k, 'brier']:.3f}"
        for k, name in (
            ("model", "modellen"),
            ("population_rank", "befolkningsrang"),
            ("constant", "konstant"),
        )
    )
    what = {
        "model": "modellen slår båda jämförelsealternativen på AUC och Brier; modellen används",
        "population_rank": "modellen slår INTE båda jämförelsealternativen; befolkningsrang används",
        "constant": "varken modellen eller befolkningsrang slår konstanten; konstanten används",
    }[model.chosen]
    return f"{model.network}: {what} ({figures})"


_UNCERTAINTY_TEXT = {
    "en": {
        "title": "Error budget of the headline figures ({how})",
        "note": "Coefficients, län effects and deduced statuses act through the office draws, so their rows "
                "are 'offices + ...'; compare them with the row 'offices'.",
        "check": "Realistic-selection coverage check ({trials} trials):",
    },
    "sv": {
        "title": "Felbudget för huvudsiffrorna ({how})",
        "note": "Koefficienter, länseffekter och härledda statusar verkar genom kontorsdragningarna, så deras "
                "rader är 'kontor + ...'; jämför med raden 'kontor'.",
        "check": "Täckningskontroll med realistiskt urval ({trials} försök):",
    },
}


@app.command("uncertainty")
def uncertainty_cmd(
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="One scenario (default: the headline scenarios).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Run the realistic-selection coverage check instead of the budget.")
    ] = False,
    trials: Annotated[int, typer.Option("--trials", help="Trials of --check (at least 200 for the figure).")] = 200,
    lang: Annotated[str, typer.Option("--lang", help="Language: en or sv (svenska).")] = "en",
) -> None:
    """Print the error budget of the headline figures, or (--check) the coverage of the 90 % interval."""
    import pandas as pd

    if lang not in _UNCERTAINTY_TEXT:
        raise CLIError(f"--lang must be 'en' or 'sv', not {lang!r}")
    text = _UNCERTAINTY_TEXT[lang]
    if check:
        from .analysis.selection_check import selection_coverage

        if trials < 1:
            raise CLIError(f"--trials must be at least 1, not {trials}")
        result = selection_coverage(trials)
        _echo(text["check"].format(trials=trials))
        _echo(result.describe())
        return
    from .analysis.budget import budget_sentence, budget_table, error_budget
    from .report.assessment import HEADLINE_SCENARIOS, assess

    scenarios = [scenario] if scenario else list(HEADLINE_SCENARIOS)
    budget = error_budget(assess, scenarios)
    with pd.option_context("display.width", 220, "display.max_columns", 20):
        _echo(text["title"].format(how=budget.attrs["how"]))
        _echo(budget_table(budget, lang).to_string(index=False))
    _echo(text["note"])
    for sc in scenarios:
        _echo(budget_sentence(budget, sc, lang))


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
            "--include-service/--no-include-service",
            help="Also keep highway=service roads (not parking aisles or driveways).",
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
    osm_ids: Annotated[
        bool,
        typer.Option(
            "--osm-ids",
            help="Keep OSM node ids (reading takes about twice as long); by default nodes are identified "
            "by their location, which gives the same graph unless two OSM nodes share a location.",
        ),
    ] = False,
) -> None:
    """Build a road graph from PBF and cache it; use it with `narvaro report --method road --graph PATH`."""
    from .network import RoadGraph, contract

    if not pbf.is_file():
        raise CLIError(f"PBF file not found: {pbf}")
    if min_component_nodes < 1:
        raise CLIError("--min-component-nodes must be at least 1")
    with pbf.open("rb") as fh:
        head = fh.read(16)
    if b"OSMHeader" not in head:
        raise CLIError(
            f"{pbf} is not an OpenStreetMap PBF extract (expected a .osm.pbf file such as sweden-latest.osm.pbf "
            "from Geofabrik)"
        )
    target = out or settings.cache_dir() / "graphs" / (pbf.name.split(".")[0] + ".npz")
    with _progress(total=4, desc="road graph", unit="step") as bar:
        bar.set_postfix_str("reading PBF")
        try:
            graph = RoadGraph.from_pbf(pbf, include_service=include_service, ferries=ferries, date=date,
                                       osm_ids=osm_ids, progress=sys.stderr.isatty())
        except (ValueError, OSError) as exc:
            raise CLIError(f"could not read {pbf} as an OpenStreetMap PBF extract ({exc})") from exc
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
# narvaro plan
# --------------------------------------------------------------------------------------
def parse_threshold_option(text: str) -> dict[str, float]:
    """Parse ``--threshold`` for ``narvaro plan``: ``"25km"`` or ``"45min"``.

    Examples
    --------
    >>> parse_threshold_option("45 min")
    {'threshold_min': 45.0}
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(km|min)\s*", text or "")
    if not match:
        raise CLIError(f"bad --threshold {text!r}: expected e.g. '25km' or '45min'")
    key = "threshold_km" if match.group(2) == "km" else "threshold_min"
    return {key: float(match.group(1))}


def _office_draws(scenario: str) -> Any:
    """Joint office draws of the scenario's networks (narvaro.office_draws, the default count)."""
    from .offices import office_draws

    return office_draws(scenario.split("+"), n=settings.N_DRAWS, seed=0)[scenario]


@app.command("plan")
def plan_cmd(
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Office network(s) kept, e.g. ssc_2020.")] = "ssc_2020",
    add: Annotated[int, typer.Option("--add", "-k", help="Number of new offices to place.")] = 28,
    objective: Annotated[
        str, typer.Option("--objective", help="coverage (fewest residents beyond the threshold) or mean "
                          "(lowest population-weighted mean distance/time).")
    ] = "coverage",
    threshold: Annotated[str, typer.Option("--threshold", "-t", help="'25km' (default) or e.g. '45min'.")] = "25km",
    assume: Annotated[
        str, typer.Option("--assume", help="Office set kept while the list is incomplete: known (listed + "
                          "deduced, default), confirmed (listed only), candidates (every kommun not pinned "
                          "down has one), draws (joint draws of the presence model).")
    ] = "known",
    offices_file: Annotated[
        Path | None, typer.Option("--offices", help="A complete office list (CSV/Excel) to keep instead.")
    ] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=_METHOD_HELP)] = "estimate",
    graph: Annotated[Path | None, typer.Option("--graph", "-g", help=_GRAPH_HELP)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the CSV, PNG and HTML.")] = DEFAULT_OUT_DIR,
    time_limit: Annotated[float, typer.Option("--time-limit", help="CBC time limit (s).")] = 60.0,
    minimum: Annotated[
        bool, typer.Option("--minimum", help="The fewest new offices that meet --rule (existing kept).")
    ] = False,
    rule: Annotated[
        str, typer.Option("--rule", help="With --minimum: e.g. '25km<=0.3%' (at most 0.3 % of residents "
                          "beyond 25 km) or '60min<=1%'.")
    ] = "25km<=0.3%",
    lang: Annotated[str, typer.Option("--lang", help="Language of the printed answer: en or sv.")] = "en",
) -> None:
    """Where should K new offices go? Writes the sites (CSV), the curve (PNG) and a map (HTML).
    With --minimum: the fewest new offices that meet --rule, and where."""
    from .analysis.plan import (
        ASSUMPTIONS,
        _check_k,
        _check_objective,
        assumed_offices,
        describe_plan,
        plan_curve,
        plan_offices,
        plot_plan_curve,
    )
    from .maps.plan import plan_map
    from .offices.lists import read_offices

    k = _check_k(add, "--add")
    objective = _check_objective(objective)
    th = parse_threshold_option(threshold)
    _check_scenarios([scenario])
    if assume not in (*ASSUMPTIONS, "draws"):
        raise CLIError(f"unknown --assume {assume!r}; use known, confirmed, candidates or draws")
    g = _graph(method, graph)
    draws = None
    if offices_file is not None:
        if not offices_file.is_file():
            raise CLIError(f"office list not found: {offices_file}")
        existing = read_offices(offices_file)
        assumed = f"the complete list {offices_file.name} ({len(existing)} offices)"
    elif assume == "draws":
        existing, draws = None, _office_draws(scenario)
        assumed = f"joint draws of {scenario}"
    else:
        existing = assumed_offices(scenario, assume)
        assumed = describe(existing).removeprefix("Offices: ")
    _echo(f"Office set assumed: {assumed}")
    if minimum:
        _plan_minimum_cmd(existing, draws, rule, g, scenario, out, time_limit, lang)
        return
    kwargs = dict(objective=objective, graph=g, draws=draws, **th)
    plan = plan_offices(existing, k, time_limit_s=time_limit, **kwargs)
    curve = plan_curve(existing, max(k, 1), **kwargs)
    stem = f"plan_{_slug(scenario)}_{objective}_{k}"
    out.mkdir(parents=True, exist_ok=True)
    table = out / f"{stem}.csv"
    frame = plan.drop(columns="geometry")
    wgs = plan.geometry.to_crs("EPSG:4326")
    frame["lat"], frame["lon"] = wgs.y.round(6), wgs.x.round(6)
    frame.to_csv(table, index=False)
    png = out / f"{stem}.png"
    plot_plan_curve(curve, png, optimum=(k, plan.attrs["narvaro"]["plan"]["value_after"]) if k else None)
    html = _write_map(plan_map(plan, existing if existing is not None else draws.offices), out / f"{stem}.html", True)
    _echo(describe_plan(plan))
    with pd_options():
        cols = [c for c in plan.columns if c not in ("geometry", "method", "kind")]
        _echo(plan[cols].to_string(index=False))
    _echo(f"Written: {table}, {png}, {html}")


def _plan_minimum_cmd(existing: Any, draws: Any, rule: str, g: Any, scenario: str, out: Path,
                      time_limit: float, lang: str) -> None:
    """``narvaro plan --minimum``: print the answer and write the sites (CSV, with lat/lon)."""
    from .analysis.minimum import parse_rule, plan_minimum

    _check_lang(lang)
    parsed = parse_rule(rule)
    res = plan_minimum(existing, graph=g, draws=draws, time_limit_s=time_limit, **parsed)
    _echo(res.describe(lang))
    out.mkdir(parents=True, exist_ok=True)
    table = out / f"plan_minimum_{_slug(scenario)}_{_slug(rule)}.csv"
    frame = res.sites.drop(columns="geometry")
    wgs = res.sites.geometry.to_crs("EPSG:4326")
    frame["lat"], frame["lon"] = wgs.y.round(6), wgs.x.round(6)
    frame.to_csv(table, index=False)
    if len(frame):
        with pd_options():
            _echo(frame.to_string(index=False))
    if res.per_draw is not None:
        draws_csv = out / f"plan_minimum_{_slug(scenario)}_{_slug(rule)}_draws.csv"
        res.per_draw.to_csv(draws_csv, index=False)
        _echo(f"Written: {draws_csv}")
    _echo(f"Written: {table}")


def pd_options() -> Any:
    """Wide printing of tables."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format)


# --------------------------------------------------------------------------------------
# narvaro kommuner (from the foundation)
# --------------------------------------------------------------------------------------
@app.command("kommuner")
def kommuner_cmd(
    source: Annotated[str, typer.Option(help="Kommun boundaries: valmyndigheten or scb.")] = "valmyndigheten",
    year: Annotated[int, typer.Option(help="SCB population year (2017, 2018, 2021).")] = 2021,
) -> None:
    """Print the 290 kommuner with population and demand points per län."""
    from .data.layers import KOMMUN_SOURCES, POPULATION_YEARS, load_demand_points, load_kommuner

    if source not in KOMMUN_SOURCES:
        raise CLIError(f"unknown --source {source!r}; use {' or '.join(sorted(KOMMUN_SOURCES))}")
    if year not in POPULATION_YEARS:
        years = ", ".join(map(str, POPULATION_YEARS))
        raise CLIError(f"--year {year} has no SCB population in narvaro; use one of {years}")

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
    if rows is not None and len(rows) and str(rows.iloc[0].get("row")) != "header":
        r = rows.iloc[0]
        ident = (
            f" ({r['id']})" if r.get("id") is not None and str(r.get("id")) not in ("", "nan", "None") else ""
        )
        first += f"; first: {getattr(exc, 'row_word', 'row')} {r['row']}{ident}: {r['problem']}"
    return first


_BOOL_WORDS = {"true", "false", "yes", "no", "1", "0", "on", "off"}


def _usage_message(exc: Exception, args: Sequence[str]) -> str:
    """One line for a click usage error, with a hint for the common mistakes."""
    text = " ".join(str(getattr(exc, "message", exc)).split())
    m = re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", text)
    if m:
        extra = m.group(1).split()
        word = extra[0] if extra else ""
        i = list(args).index(word) if word in args else -1
        flag = args[i - 1] if i > 0 else ""
        if word.lower() in _BOOL_WORDS and flag.startswith("--"):
            base = flag[5:] if flag.startswith("--no-") else flag[2:]
            return (f"{flag} is a switch and takes no value: write --{base} or --no-{base}, "
                    f"not {flag} {word}")
        return f"unexpected argument {word!r}; see narvaro --help"
    cmd = getattr(getattr(exc, "ctx", None), "command_path", "narvaro")
    return f"{text} (see {cmd} --help)"


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
        typer.echo(f"error: {_usage_message(exc, args)}", err=True)
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
