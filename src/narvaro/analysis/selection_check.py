"""Coverage of the 90 % interval under the selection the real data has (``narvaro uncertainty --check``).

A synthetic truth on the real 290 kommuner, and the whole estimation pipeline run on what a
study of it would see:

1. **Truth.** Presence is feature-dependent and county-correlated: ``logit P = b0 + z . beta +
   u_lan`` on the real standardised external features (population, largest tätort, FA-region
   centre, residence town), with ``beta`` drawn per trial around (1.5, 0.5, 1.0, 0.5), ``u_lan
   ~ N(0, 1.2^2)`` and ``b0`` set so that 35-80 % of kommuner have an office (end 2020: 37 %; 2019: 75 %).
2. **Selection as in the real data.** Every kommun of the six counties whose complete lists are
   sourced (:data:`narvaro.offices.status.COUNTY_KEPT_SETS`) is known. Elsewhere a closure list
   names kommuner: each without an office with probability 0.5, each with one with probability
   0.03 (a kommun that kept another office); 40 % of the listed kommuner are known (their label
   found on the same page), the rest stay unknown and get the closure prior. Kommuner with an
   office are found by their office pages with a probability rising with population
   (``expit(-1 + 0.8 z_pop)``): known kommuner are a selection on both outcome and features.
3. **Estimate.** The Bayesian presence model (:func:`narvaro.offices.bayes.fit_bayes`) is fitted on
   the known kommuner; the office draws condition exactly on the true number of kommuner with an
   office (:func:`narvaro.offices.draws.conditional_bernoulli`), one posterior draw per block.
4. **Figure.** The population-weighted share of residents whose kommun's centroid lies more than
   25 km from the nearest kommun centroid with an office (an office at the centroid; weights are
   the real populations, feature-dependent by construction). The trial counts as covered when the
   true figure lies inside the 5th-95th percentile of the draws.

Narrowing the interval back to the office draws alone (``sources=ErrorSources.only("offices")``)
must make the coverage fall: the tests check both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import settings
from ..data import layers as data
from ..offices.bayes import EXTERNAL_FEATURES, fit_bayes
from ..offices.draws import conditional_bernoulli
from ..offices.model import kommun_features
from ..offices.status import COUNTY_KEPT_SETS

__all__ = ["CoverageCheck", "selection_coverage"]

#: Distance (km) of the synthetic headline figure.
LIMIT_KM = 25.0


@dataclass
class CoverageCheck:
    """Result of :func:`selection_coverage`.

    Attributes
    ----------
    coverage : float
        Share of trials whose 90 % interval covers the true figure.
    trials : DataFrame
        Per trial: ``truth``, ``q05``, ``q95``, ``estimate``, ``covered``, ``n_known``, ``count``.
    sources : ErrorSources
        The sources of error the intervals carried.
    """

    coverage: float
    trials: pd.DataFrame
    sources: settings.ErrorSources

    def describe(self) -> str:
        """One line: the figure and how it was obtained."""
        return (
            f"90 % interval covers the synthetic truth in {100 * self.coverage:.1f} % of {len(self.trials)} "
            f"seeded trials (known kommuner selected by whole counties, closure lists and feature-dependent "
            f"office pages; figure: share of residents beyond {LIMIT_KM:.0f} km, population-weighted)"
        )


def _setting() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    x = kommun_features("af_2019", EXTERNAL_FEATURES)
    kom = data.load_kommuner().set_index("kommunkod").reindex(x.index)
    pop = data.load_population(2018).reindex(x.index).to_numpy(float)
    c = kom.geometry.to_crs(settings.CRS_COMPUTE).representative_point()
    xy = np.column_stack([c.x, c.y]) / 1000.0
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return x, pop / pop.sum(), d, kom["lanskod"].astype(str).to_numpy()


def _share_beyond(masks: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Population share beyond the limit for each row of ``masks`` (draws x kommuner)."""
    big = np.where(masks[:, None, :], d[None, :, :], np.inf).min(axis=2)
    return ((big > LIMIT_KM) * w[None, :]).sum(axis=1)


def selection_coverage(
    trials: int = 200,
    *,
    draws: int = 200,
    posterior: int = 20,
    seed: int = 0,
    sources: settings.ErrorSources = settings.ALL_SOURCES,
) -> CoverageCheck:
    """Coverage of the 90 % interval over seeded synthetic trials with realistic selection.

    Parameters
    ----------
    trials : int
        Seeded trials (trial ``t`` uses ``numpy.random.default_rng([seed, t])``).
    draws : int
        Office draws per trial.
    posterior : int
        Posterior draws per trial (each serves ``draws / posterior`` office draws).
    seed : int
        Seed.
    sources : ErrorSources
        ``offices``, ``coefficients`` and ``lan_effects`` apply (as in :func:`narvaro.office_draws`).

    Returns
    -------
    CoverageCheck
    """
    x, w, d, lan = _setting()
    z = ((x[list(EXTERNAL_FEATURES)] - x[list(EXTERNAL_FEATURES)].mean()) / x[list(EXTERNAL_FEATURES)].std()).to_numpy()
    lans = np.unique(lan)
    li = np.searchsorted(lans, lan)
    complete = np.isin(lan, list(COUNTY_KEPT_SETS))
    rows = []
    for t in range(int(trials)):
        rng = np.random.default_rng([int(seed), t])
        beta = np.array([1.5, 0.5, 1.0, 0.5]) + rng.normal(0, 0.4, 4)
        u = rng.normal(0, 1.2, len(lans))[li]
        target = rng.uniform(0.35, 0.8)
        eta0 = z @ beta + u
        b0 = float(np.quantile(-eta0, target))  # about `target` of the kommuner above 0
        y = rng.random(len(z)) < 1 / (1 + np.exp(-(b0 + eta0)))
        listed = ~complete & (rng.random(len(z)) < np.where(y, 0.03, 0.5))
        known = complete | (listed & (rng.random(len(z)) < 0.4))
        found = ~complete & ~listed & y & (rng.random(len(z)) < 1 / (1 + np.exp(-(-1 + 0.8 * z[:, 0]))))
        known |= found
        obs = pd.Series(np.where(known, y.astype(float), np.nan), index=x.index)
        closure = x.index[listed & ~known]
        model = fit_bayes(x, obs, pd.Series(lan, index=x.index), network=f"trial {t}", closure=closure)
        count = int(y.sum())
        unk = ~known
        rest = count - int(y[known].sum())
        if sources.offices:
            k = min(posterior, draws) if (sources.coefficients or sources.lan_effects) else 1
            p = model.sample(k, rng, coefficients=sources.coefficients, lan_effects=sources.lan_effects)
            sizes = np.full(k, draws // k)
            sizes[: draws - sizes.sum()] += 1
        else:
            p, sizes = model.sample(1, rng, coefficients=False, lan_effects=False), np.array([1])
        masks = []
        for g, size in enumerate(sizes):
            m = np.broadcast_to(y & known, (int(size), len(z))).copy()
            m[:, unk] = conditional_bernoulli(p[g, unk], rest, int(size), rng)
            masks.append(m)
        mask = np.vstack(masks)
        shares = _share_beyond(mask, d, w)
        truth = float(_share_beyond(y[None, :], d, w)[0])
        lo, hi = np.quantile(shares, [0.05, 0.95])
        rows.append({"truth": truth, "estimate": float(np.median(shares)), "q05": float(lo), "q95": float(hi),
                     "covered": bool(lo <= truth <= hi), "n_known": int(known.sum()), "count": count})
    df = pd.DataFrame(rows)
    return CoverageCheck(coverage=float(df["covered"].mean()), trials=df, sources=sources)
