"""Tests' shorthand for what `narvaro report` does: assess() then report()."""

from __future__ import annotations


def run_report(scenarios=None, *, offices=None, demand=None, kommuner=None, out_dir, lang="en", formats=("csv", "xlsx", "gpkg"),
               constrained=True, draws=None, seed=0, maps_dir=None, graph=None):
    """assess() then report(): what `narvaro report` does."""
    import narvaro

    kw = {} if draws is None else {"draws": draws}
    a = narvaro.assess(scenarios, offices=offices, demand=demand, kommuner=kommuner, constrained=constrained,
                       seed=seed, graph=graph, **kw)
    a.report(out_dir, lang=lang, formats=formats, maps_dir=maps_dir)
    return a
