"""Benchmark: what the distance sources of error (circuity, speed, demand placement) add to ``narvaro report``.

Run from the repository root::

    python benchmarks/bench_uncertainty.py              # 1,000 draws, the real data, estimate mode
    python benchmarks/bench_uncertainty.py --draws 200  # a quicker look

Phases, each timed once on the real data (290 kommuner, ~25,500 demand points), the same
``narvaro.assess()`` that ``narvaro report`` runs (its headline scenarios, estimate mode):

(a) ``assess(draws=N, sources=ErrorSources.only("offices"))``: the office draws alone;
(b) ``assess(draws=N)``: every source on (``settings.ALL_SOURCES``);
(b) - (a) is what the other sources add. Target (issue 22): at most 30 s on 2 cores.

A warm-up ``assess`` (20 draws) runs first so that neither phase pays for loading data, and
(a) runs again after (b): its time is the faster of the two (the machine is shared).

Then the headline (AF at the end of 2020, residents beyond 25 km) with each interval, and the
width from circuity (and demand placement) alone: the same coverage with every draw holding one
office set (the draw whose headline is the median of the office draws), so only that source
moves it.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class _FixedDraws:
    """One office set repeated in every draw (the duck type coverage(draws=...) takes)."""

    offices: object
    mask: np.ndarray
    seed: int

    def describe(self) -> str:
        return f"{len(self.mask)} draws of one office set"


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _line(nat, c: str) -> str:
    return (f"{100 * nat[c]:.1f} % (90 % interval {100 * nat[c + '_q05']:.1f}-{100 * nat[c + '_q95']:.1f}, "
            f"width {100 * (nat[c + '_q95'] - nat[c + '_q05']):.2f} pp; hard bounds "
            f"{100 * nat[c + '_lo']:.1f}-{100 * nat[c + '_hi']:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import narvaro
    from narvaro.analysis import coverage, intervals
    from narvaro.report.assessment import assess
    from narvaro.settings import ErrorSources

    demand, kommuner = narvaro.load_demand_points(), narvaro.load_kommuner()

    def run(sources):
        intervals._MEMO.clear()
        return assess(draws=args.draws, seed=args.seed, sources=sources, demand=demand, kommuner=kommuner,
                      progress=False)

    assess(draws=20, seed=args.seed, demand=demand, kommuner=kommuner, progress=False)
    off, t_a1 = _timed(lambda: run(ErrorSources.only("offices")))
    every, t_b = _timed(lambda: run(ErrorSources()))
    _, t_a2 = _timed(lambda: run(ErrorSources.only("offices")))
    t_a = min(t_a1, t_a2)

    sc, c = "af_2020+af_2020_changes", "af_share_over_25km"
    nd = every.draws[sc]
    per_draw = off.per_kommun(sc).attrs[intervals.DRAWS_ATTR].national[c]
    middle = int(np.argsort(per_draw, kind="stable")[len(per_draw) // 2])
    fixed = np.broadcast_to(nd.mask[middle], nd.mask.shape)
    alone = {}
    for name in ("circuity", "demand"):
        intervals._MEMO.clear()
        cov = coverage(None, demand, kommuner, draws=_FixedDraws(nd.offices, fixed, args.seed), name=sc,
                       sources=ErrorSources.only(name))
        alone[name] = narvaro.national(cov)

    print(f"narvaro uncertainty benchmark: {args.draws} draws, seed {args.seed}, {len(demand):,} demand points, "
          f"{len(kommuner)} kommuner, {os.cpu_count()} cores, estimate mode")
    print(f"{'phase':58s} {'seconds':>9s}")
    for label, t in ((f"(a) assess(), office draws alone (runs: {t_a1:.1f}, {t_a2:.1f})", t_a), ("(b) assess(), every source on", t_b),
                     ("    (b) - (a): what circuity, speed, demand add", t_b - t_a)):
        print(f"{label:58s} {t:9.1f}")
    print(f"AF end of 2020, residents beyond 25 km, office draws alone: {_line(off.national(sc), c)}")
    print(f"AF end of 2020, residents beyond 25 km, every source on:    {_line(every.national(sc), c)}")
    for name, nat in alone.items():
        print(f"  one office set (draw {middle}), {name} alone: {_line(nat, c)}")
    assert np.isfinite(every.national(sc)[c])


if __name__ == "__main__":
    main()
