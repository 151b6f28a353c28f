"""Benchmark: what 1,000 joint office draws add to the four default scenarios (estimate mode).

Run from the repository root::

    python benchmarks/bench_draws.py              # 1,000 draws, the real data
    python benchmarks/bench_draws.py --draws 200  # a quicker look

Phases, each timed once on the real data (290 kommuner, ~25,500 demand points):

(a) ``narvaro.office_draws`` for af_2019, af_2020, ssc_2020 (models fitted, counts imposed);
(b) the four default scenarios with hard bounds only (``coverage(..., bounds=True)``);
(c) the same four with the draws (``coverage(..., draws=...)``): best estimates, 90 % intervals
    and hard bounds; (c) - (b) is what the draws add;
(d) the floor: one OD pass over every confirmed and candidate office of the four scenarios
    (straight line x circuity, ``od_matrix``), the least any per-draw method must do;
(e) a naive per-draw evaluation (``nearest_office`` on each draw's office set), timed on
    20 draws of af_2020 and extrapolated to all draws of the four scenarios.

Target (issues 11 and 22): (a) + (c) - (b), 1,000 draws with every source on, at most 30 s on 2
cores; (a0) is the same draws with the office draws alone (the presence model at its posterior
mean), so (a) - (a0) is what drawing the coefficients and the län effects adds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import narvaro
    from narvaro.analysis import coverage, intervals
    from narvaro.offices.draws import split_scenario
    from narvaro.report.assessment import HEADLINE_SCENARIOS as DEFAULT_SCENARIOS

    demand, kommuner = narvaro.load_demand_points(), narvaro.load_kommuner()
    nets = [p for sc in DEFAULT_SCENARIOS for p in split_scenario(sc)]
    from narvaro.offices.bayes import bayes_presence
    from narvaro.settings import ErrorSources

    for net in ("af_2019", "af_2020", "ssc_2019", "ssc_2020"):
        bayes_presence(net)  # fitted once per process (cached), timed in (a) only through the draws
    _, t_a0 = _timed(lambda: narvaro.office_draws(list(dict.fromkeys(nets)), n=args.draws, seed=args.seed,
                                                  sources=ErrorSources.only("offices")))
    draws, t_a = _timed(lambda: narvaro.office_draws(list(dict.fromkeys(nets)), n=args.draws, seed=args.seed))
    offices = {sc: draws[sc].offices for sc in DEFAULT_SCENARIOS}

    def bounds_only():
        return [coverage(offices[sc], demand, kommuner, bounds=True, name=sc) for sc in DEFAULT_SCENARIOS]

    def with_draws():
        intervals._MEMO.clear()
        return [coverage(None, demand, kommuner, draws=draws[sc], name=sc) for sc in DEFAULT_SCENARIOS]

    _, t_b = _timed(bounds_only)
    covs, t_c = _timed(with_draws)
    import pandas as pd

    universe = pd.concat(offices.values(), ignore_index=True).drop_duplicates("office_id", ignore_index=True)
    _, t_d = _timed(lambda: narvaro.od_matrix(demand, universe, metric="distance", progress=False))

    nd = draws["af_2020"]
    confirmed = nd.offices.assign(basis="confirmed")

    def naive(k=20):
        for r in range(k):
            narvaro.nearest_office(demand, confirmed[nd.mask[r]])

    _, t_e20 = _timed(naive)
    per_draw = t_e20 / 20
    n_group_evals = sum(len(narvaro.analysis.metrics.GROUPS) if "+" in sc else 1 for sc in DEFAULT_SCENARIOS)
    t_e = per_draw * args.draws * n_group_evals

    print(f"narvaro draws benchmark: {args.draws} draws, seed {args.seed}, {len(demand):,} demand points, "
          f"{len(kommuner)} kommuner, {len(universe):,} offices in the OD universe")
    print(f"{'phase':58s} {'seconds':>9s}")
    rows = [
        ("(a0) office_draws, office draws alone (posterior mean)", t_a0),
        ("(a) office_draws, every source on (posterior draws)", t_a),
        ("    (a) - (a0): what the model's posterior adds", t_a - t_a0),
        ("(b) 4 scenarios, hard bounds only", t_b),
        ("(c) 4 scenarios, best estimate + 90 % interval + bounds", t_c),
        ("    (c) - (b): what the draws add", t_c - t_b),
        ("    (a) + (c) - (b): draws and their evaluation", t_a + t_c - t_b),
        ("(d) floor: one OD pass over every office (estimate)", t_d),
        (f"(e) naive: nearest_office per draw, extrapolated ({per_draw:.2f} s/draw)", t_e),
    ]
    for name, t in rows:
        print(f"{name:58s} {t:9.1f}")
    nat = narvaro.national(covs[2])
    c = "any_share_over_25km"
    print("check: AF 2020 + SSC 2020, residents beyond 25 km: "
          f"{100 * nat[c]:.1f} % (90 % interval {100 * nat[c + '_q05']:.1f}-{100 * nat[c + '_q95']:.1f} %; "
          f"possible {100 * nat[c + '_lo']:.1f}-{100 * nat[c + '_hi']:.1f} %)")
    assert np.isfinite(nat[c])


if __name__ == "__main__":
    main()
