"""One entry point for the whole answer: :func:`assess` computes, every surface is a view.

::

    import narvaro
    a = narvaro.assess()                      # the four headline scenarios, estimate mode
    a.per_kommun("af_2020+af_2020_changes")   # 290 rows: best estimate, 90 % interval, hard bounds
    a.national("af_2019")                     # the national figures of one scenario
    a.report("output/en")                     # everything `narvaro report` writes

The CLI (``narvaro report``), report.html, report.txt, the maps, the notebooks and the README
example all go through :func:`assess`, so no two of them can disagree: the joint office draws
are made once for every scenario, and every table, list and comparison is read from the same
coverage tables (one per scenario, :func:`narvaro.analysis.coverage.coverage` with the draws).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..analysis.bounds import unknowns as unknowns_of
from ..analysis.constrained import constrained_range
from ..analysis.coverage import coverage, national
from ..analysis.metrics import groups_in
from ..analysis.presence import compare, kommuner_without_presence
from ..data.layers import load_demand_points, load_kommuner
from ..errors import CoverageInputError
from ..offices.draws import DRAWABLE, END_2020, office_draws, split_scenario
from ..offices.load import load_offices

__all__ = ["HEADLINE_SCENARIOS", "Assessment", "assess"]

#: The scenarios of ``narvaro report``, named as people do: AF before the closures (early 2019),
#: AF at the end of 2020 (the 2019 decision plus the June 2020 changes), AF at the end of 2020 +
#: SSC servicekontor, and SSC servicekontor alone (December 2020). The 2019 decision alone
#: (``af_2020``, the 106 offices) stays available by name.
HEADLINE_SCENARIOS: tuple[str, ...] = ("af_2019", END_2020, f"{END_2020}+ssc_2020", "ssc_2020")

#: The before/after pairs compared (earlier, later, groups of the later table compared to).
COMPARISONS: tuple[tuple[str, str, dict[str, str] | None], ...] = (
    ("af_2019", END_2020, None),
    ("af_2019", "af_2020", None),
    (END_2020, f"{END_2020}+ssc_2020", {"af": "any"}),
    ("af_2020", "af_2020+ssc_2020", {"af": "any"}),
)


def _drawable(name: str) -> bool:
    return all(p in DRAWABLE for p in split_scenario(name))


@dataclass
class Assessment:
    """Everything narvaro says about a set of scenarios, computed once by :func:`assess`.

    Attributes
    ----------
    scenarios : tuple of str
        Scenario names, in order (network codes; ``"+"`` combines networks).
    coverages : dict scenario -> GeoDataFrame
        The per-kommun tables (:func:`narvaro.coverage`): 290 rows each, every metric ``X`` with
        its best estimate, ``X_q05``/``X_q95`` (90 % interval over the draws) and
        ``X_lo``/``X_hi`` (hard bounds).
    summary : DataFrame
        The national summary (:func:`narvaro.report.national_summary`).
    presence : dict "scenario:group:rule" -> DataFrame
        Kommuner without presence per rule (:func:`narvaro.kommuner_without_presence`).
    comparisons : dict "before -> after" -> GeoDataFrame
        Changes per kommun and nationally, taken within each draw (:func:`narvaro.compare`).
    unknowns : DataFrame
        The unknown kommuner ranked by what knowing them is worth.
    constrained : dict scenario -> DataFrame
        National ranges given the published number of kommuner with an office.
    draws : OfficeDraws or None
        The joint office draws behind every best estimate and interval.
    offices : dict scenario -> GeoDataFrame
        The office list of each scenario (confirmed and candidate offices).
    analyst_lists : tuple of str
        Scenarios given as an analyst's own (complete) office list.
    """

    scenarios: tuple[str, ...]
    coverages: dict[str, gpd.GeoDataFrame]
    summary: pd.DataFrame
    presence: dict[str, pd.DataFrame]
    comparisons: dict[str, gpd.GeoDataFrame]
    unknowns: pd.DataFrame
    constrained: dict[str, pd.DataFrame]
    draws: Any
    offices: dict[str, gpd.GeoDataFrame]
    demand: gpd.GeoDataFrame = field(repr=False)
    kommuner: gpd.GeoDataFrame = field(repr=False)
    graph: Any = field(default=None, repr=False)
    analyst_lists: tuple[str, ...] = ()
    regions: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    files: list[Path] = field(default_factory=list, repr=False)
    text: str = field(default="", repr=False)
    transit: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # issue 23: scenario -> table

    def per_kommun(self, scenario: str | None = None) -> gpd.GeoDataFrame:
        """The per-kommun table of one scenario (default: the first)."""
        return self.coverages[self._name(scenario)]

    def national(self, scenario: str | None = None) -> pd.Series:
        """The national figures of one scenario (:func:`narvaro.analysis.coverage.national`)."""
        return national(self.coverages[self._name(scenario)])

    def without_presence(self, scenario: str | None = None, rule: str = "no_office_inside",
                         group: str | None = None) -> pd.DataFrame:
        """Kommuner without presence under ``rule`` (the same list the report prints and writes)."""
        name = self._name(scenario)
        if group is None:
            group = "af+ssc" if rule == "af_definition" else groups_in(self.coverages[name])[0]
        key = f"{name}:{group}:{rule}"
        if key not in self.presence:
            raise CoverageInputError(f"no list for scenario {name!r}, group {group!r}, rule {rule!r}; "
                                     f"computed: {', '.join(self.presence)}")
        return self.presence[key]

    def _name(self, scenario: str | None) -> str:
        if scenario is None:
            return self.scenarios[0]
        if scenario not in self.coverages:
            raise CoverageInputError(f"scenario {scenario!r} was not assessed; assessed: {', '.join(self.scenarios)}")
        return scenario

    def report(
        self,
        out_dir: str | Path,
        lang: str = "en",
        maps_dir: str | Path | None = None,
        formats: Sequence[str] = ("csv", "xlsx"),
        top: int = 20,
    ) -> list[Path]:
        """Write everything ``narvaro report`` writes: tables, report.html, report.txt, maps.

        Parameters
        ----------
        out_dir : folder for the tables, report.html and report.txt (created if missing).
        lang : {"en", "sv"}
            Language of report.html, report.txt, the maps and the exported column labels.
        maps_dir : folder for the HTML maps (self-contained); no maps when None.
        formats : per-kommun table formats ("csv", "xlsx", "gpkg").
        top : how many unknown kommuner report.txt lists.

        Returns
        -------
        list of Path
            The files written (also in ``self.files``); ``self.text`` holds report.txt.
        """
        from .writer import write_report

        self.files, self.text = write_report(self, Path(out_dir), lang=lang, maps_dir=maps_dir,
                                             formats=formats, top=top)
        return self.files


def _progress(total: int, show: bool | None) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, file=sys.stderr, disable=None if show is None else not show, leave=False,
                desc="narvaro", unit="step")


def assess(
    scenarios: Sequence[str] | None = None,
    *,
    offices: Mapping[str, gpd.GeoDataFrame] | None = None,
    graph: Any = None,
    draws: int = settings.N_DRAWS,
    seed: int = 0,
    thresholds: Any = None,
    demand: gpd.GeoDataFrame | None = None,
    kommuner: gpd.GeoDataFrame | None = None,
    constrained: bool = True,
    progress: bool | None = None,
    gtfs: Any = None,
    gtfs_date: Any = None,
    sources: settings.ErrorSources = settings.ALL_SOURCES,
) -> Assessment:
    """Compute the answer for a set of scenarios: one entry point for every surface.

    Parameters
    ----------
    scenarios : sequence of str, optional
        Office networks (``narvaro offices`` lists them; ``"+"`` combines). Default
        :data:`HEADLINE_SCENARIOS`, or the names of ``offices`` when those are given.
    offices : dict name -> GeoDataFrame, optional
        An analyst's own office lists (:func:`narvaro.read_offices`), each taken as complete:
        its best estimate, interval and hard bounds coincide. A name that is also in
        ``scenarios`` replaces that scenario's shipped list.
    graph : RoadGraph, optional
        Road network; None = estimate mode (straight line x circuity), labelled so everywhere.
    draws : int
        Number of joint office draws behind the best estimates and 90 % intervals; 0 = hard
        bounds only.
    seed : int
        Seed of the draws (the same seed gives the same numbers, byte for byte).
    thresholds : optional
        Distance and time thresholds, as for :func:`narvaro.coverage`.
    demand, kommuner : GeoDataFrame, optional
        Demand points and kommuner (default: the shipped SCB and Valmyndigheten layers).
    constrained : bool
        Also compute the national ranges given the published number of kommuner with an office.
    progress : bool, optional
        Show a progress bar on stderr (None: when stderr is a terminal).
    gtfs, gtfs_date : optional
        A GTFS feed (path) and service date: adds ``Assessment.transit``, public transport
        journey times per kommun the feed covers for the scenarios of
        :data:`narvaro.report.transit_section.TRANSIT_SCENARIOS` that are assessed
        (:func:`narvaro.coverage` with ``mode="transit"``, from the same draws).
    sources : ErrorSources, default every source
        Which sources of error the 90 % intervals carry (``narvaro.settings.ErrorSources``);
        the coverage tables read ``circuity``, ``speed`` and ``demand`` (drawn from their own
        random streams with ``seed``, so the office draws do not change). The hard bounds
        cover the office lists only; the distance sources widen the interval, not the bounds.
        :func:`narvaro.office_draws` reads ``offices``, ``coefficients``, ``lan_effects`` and
        ``deduced``; ``narvaro uncertainty`` switches them one by one.

    Returns
    -------
    Assessment
    """
    offices = dict(offices or {})
    names = list(scenarios) if scenarios else (list(offices) or list(HEADLINE_SCENARIOS))
    names = list(dict.fromkeys(names + [n for n in offices if n not in names]))
    if int(draws) < 0:
        raise CoverageInputError(f"draws must be 0 or more, not {draws}")
    demand = load_demand_points() if demand is None else demand
    kommuner = load_kommuner() if kommuner is None else kommuner
    drawn = [n for n in names if n not in offices and _drawable(n)]
    # --- public transport (issue 23): read the feed first, so a bad feed fails before any work ---
    from ..network.transit import TransitNetwork

    net = TransitNetwork.from_gtfs(gtfs, gtfs_date) if gtfs is not None else None
    # --- end public transport ---
    bar = _progress(2 + len(names) + 3, progress)
    with bar:
        bar.set_description("office draws")
        joint = _joint_draws(drawn, int(draws), int(seed), sources)
        bar.update()
        covs: dict[str, gpd.GeoDataFrame] = {}
        lists: dict[str, gpd.GeoDataFrame] = {}
        for sc in names:
            bar.set_description(f"coverage {sc}")
            sc_draws = joint[sc] if joint is not None and sc in drawn else None
            if sc in offices:
                off = offices[sc]
            else:
                off = sc_draws.offices if sc_draws is not None else load_offices(sc, include_candidates=True)
            lists[sc] = off
            covs[sc] = coverage(off, demand=demand, kommuner=kommuner, graph=graph, thresholds=thresholds,
                                bounds=True, name=sc, draws=sc_draws, sources=sources, seed=int(seed))
            bar.update()
        bar.set_description("ranges given the published counts")
        cons = {sc: constrained_range(cov) for sc, cov in covs.items()} if constrained else {}
        bar.update()
        bar.set_description("kommuner without presence")
        presence = _presence(covs)
        comparisons = _comparisons(covs)
        bar.update()
        bar.set_description("unknown kommuner")
        unk = _unknowns(covs)
        bar.update()
        from .summary import national_summary

        summary = national_summary(covs, constrained=cons or None)
        bar.update()
    # --- public transport (issue 23) ---
    from .transit_section import transit_tables

    transit = transit_tables(net, None, names, joint, drawn, lists, demand, kommuner) if net is not None else {}
    # --- end public transport ---
    return Assessment(scenarios=tuple(names), coverages=covs, summary=summary, presence=presence,
                      comparisons=comparisons, unknowns=unk, constrained=cons, draws=joint, offices=lists,
                      demand=demand, kommuner=kommuner, graph=graph, analyst_lists=tuple(offices), transit=transit)


def _joint_draws(
    scenarios: Iterable[str], n: int, seed: int, sources: settings.ErrorSources = settings.ALL_SOURCES
) -> Any:
    """One set of joint office draws for every shipped network the scenarios use (None if none)."""
    nets = list(dict.fromkeys(p for sc in scenarios for p in split_scenario(sc)))
    if n <= 0 or not nets:
        return None
    return office_draws(nets, n=n, seed=seed, sources=sources)


def _presence(covs: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for sc, cov in covs.items():
        gs = groups_in(cov)
        for g in gs:
            out[f"{sc}:{g}:no_office_inside"] = kommuner_without_presence(cov, "no_office_inside", g)
            out[f"{sc}:{g}:no_office_and_far"] = kommuner_without_presence(cov, "no_office_and_far", g)
        if {"af", "ssc"} <= set(gs):
            out[f"{sc}:af+ssc:af_definition"] = kommuner_without_presence(cov, "af_definition")
    return out


def _comparisons(covs: Mapping[str, pd.DataFrame]) -> dict[str, gpd.GeoDataFrame]:
    out: dict[str, gpd.GeoDataFrame] = {}
    for a, b, groups in COMPARISONS:
        if a in covs and b in covs:
            out[f"{a} -> {b}"] = compare(covs[a], covs[b], groups=groups)
    return out


def _unknowns(covs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    unk = pd.concat([unknowns_of(c) for c in covs.values()], ignore_index=True)
    if len(unk):
        first = "narrows_interval_by" if "narrows_interval_by" in unk.columns else "pop_depends_over_25km"
        unk = unk.drop_duplicates(["network", "kommunkod"]).sort_values(
            [c for c in (first, "kommun_population") if c in unk.columns], ascending=False, ignore_index=True)
        unk["rank"] = np.arange(1, len(unk) + 1)
    return unk

