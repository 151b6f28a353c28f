"""Command-line interface (typer): ``narvaro kommuner`` and, as the chain grows, report/map/offices."""

from __future__ import annotations

import sys

import typer

from .errors import NarvaroError

app = typer.Typer(help="narvaro: travel distance from Sweden's residents to the state's service offices.",
                  no_args_is_help=True, add_completion=False)


@app.command("kommuner")
def kommuner_cmd(
    source: str = typer.Option("valmyndigheten", help="Kommun boundaries: valmyndigheten or scb."),
    year: int = typer.Option(2021, help="SCB population year (2017, 2018, 2021)."),
) -> None:
    """Print the 290 kommuner with population and demand points per län."""
    from .data import load_demand_points, load_kommuner
    from .provenance import describe

    kommuner = load_kommuner(source, year=year)
    demand = load_demand_points(year)
    counts = demand.groupby(["kommunkod", "kind"]).size().unstack(fill_value=0)
    table = kommuner.drop(columns="geometry").join(counts, on="kommunkod")
    per_lan = table.groupby("lansnamn").agg(kommuner=("kommunkod", "size"), population=("population", "sum"),
                                           tatort_points=("tatort", "sum"), residual_points=("residual", "sum"))
    typer.echo(per_lan.to_string())
    typer.echo(f"\n{len(kommuner)} kommuner, {kommuner['population'].sum():,} residents, "
               f"{len(demand):,} demand points")
    typer.echo(describe(demand))


def main() -> None:
    """Entry point of the ``narvaro`` console script: one-line errors, exit code 2."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app(standalone_mode=False)
    except NarvaroError as exc:
        if debug:
            raise
        typer.echo(f"error: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)
