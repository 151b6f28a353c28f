"""Bayesian presence model: posterior draws of P(office) whose uncertainty travels into the office draws.

:func:`bayes_presence` fits, per network, a logistic model with a random intercept per län

    logit P(office_k) = b0 + x_k . beta + u_lan(k),   u_lan ~ N(0, tau^2)

on the kommuner whose status is known, with weakly informative priors on the standardised
coefficients (``beta_j ~ N(0, 2.5^2)`` per standard deviation of feature ``j``, Gelman et al.
2008; ``b0 ~ N(0, 5^2)``) and a half-normal prior on the län standard deviation
(``tau ~ HalfNormal(1)`` on the logit scale).

Why a hand-written Laplace approximation
    The posterior is computed as a mixture over a grid of ``tau`` (:data:`TAU_GRID`): for each
    ``tau`` the joint mode of ``(b0, beta, u)`` by Newton's method and its Gaussian (Laplace)
    approximation; the grid points are weighted by their Laplace marginal likelihood times the
    prior. ``tau`` is therefore integrated, not plugged in, and every draw takes ``tau`` first
    and then ``(b0, beta, u)`` from that point's Gaussian. About 30 parameters and 150
    kommuner: the whole fit takes milliseconds in numpy, needs no compiler or extra package
    (PyMC/NumPyro would add hundreds of MB and tens of seconds per fit in CI on 2 cores), and
    is deterministic. statsmodels' ``BinomialBayesMixedGLM`` is variational (mean-field), which
    understates exactly the correlations between the intercept and the län effects that matter
    here. The Laplace approximation is accurate for a logistic model once no feature separates
    the labels, which is why the separating closure flag is not a feature (below).

Features: only what does not come from the labels' own pages (:data:`EXTERNAL_FEATURES`):
population, largest tätort, FA-region centre, residence town. ``previous_status`` is label
derived: the draws do not use it as a feature but as structure (the end-2020 AF network lies
inside af_2019 in every draw, so the af_2020 model is P(kept | existed), fitted on kommuner
that had a 2019 office). The distance to the nearest known office is measured to labelled
rows too, so it is left out.

The closure flag (:func:`narvaro.offices.model.closure_listed_kommuner`: the kommun's only
known 2019 office is on the 2019 closure list) is a near-rule, not a feature: those kommuner
are left out of the fit and their P(office at the end of 2020) is a documented prior
(:data:`CLOSURE_PRIOR`), drawn per draw from a Beta distribution.

Selection. Six counties have complete sourced lists (all their kommuner are known whatever
their status); elsewhere kommuner are known through closure lists (mostly "none") and office
pages (mostly "confirmed"), a selection on the outcome. Outcome-dependent selection inside a
county shifts that county's intercept, which the län effect absorbs, and the count
conditioning of the draws then tilts only what the data do not pin down. To keep the closure
lists from pulling the tilt onto the big towns, the closure-flagged kommuner are not in the
fit at all (they get the prior). ``narvaro model`` prints, per unknown kommun, P before and
after the count conditioning; ``narvaro uncertainty --check`` shows by simulation, with
kommuner selected as the real ones are, that the resulting 90 % interval covers the truth.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import NarvaroError

__all__ = [
    "CLOSURE_PRIOR",
    "COEF_PRIOR_SD",
    "DEDUCED_RULES",
    "EXTERNAL_FEATURES",
    "BayesPresence",
    "bayes_presence",
    "fit_bayes",
    "lolo_bayes",
]

#: Features that do not come from the labels' own pages.
EXTERNAL_FEATURES = ("log_population", "log_largest_tatort", "fa_centre", "residensstad")
#: Prior standard deviation of each coefficient per standard deviation of its feature (logit scale).
COEF_PRIOR_SD = 2.5
#: Prior standard deviation of the intercept (logit scale).
INTERCEPT_PRIOR_SD = 5.0
#: Scale of the half-normal prior on the län standard deviation tau (logit scale).
TAU_PRIOR_SCALE = 1.0
#: Grid of tau over which the posterior is a mixture (logit scale).
TAU_GRID = tuple(float(t) for t in np.round(np.linspace(0.05, 3.0, 20), 4))
#: P(a kommun whose only known 2019 AF office is on the closure list still has another, kept
#: office at the end of 2020), as a Beta(a, b) prior. At the start of 2019 AF had 242 offices in
#: 218 kommuner (AF 2019-03-04; Publikt 2020-10-23), so at most 242 - 218 = 24 of the 218
#: kommuner held more than one office: the share of kommuner in which an office other than the
#: known one can exist is at most 24 / 218 = 0.11. Beta(24, 194) has that mean and the
#: uncertainty of 218 kommuner (sd 0.02). An upper bound taken as the mean: most of the 24
#: multi-office kommuner are cities whose offices are all known.
CLOSURE_PRIOR = (24.0, 194.0)
#: Status rules that deduce a status from the absence of later evidence (drawn, not fixed,
#: when ``ErrorSources.deduced`` is on): ``closed_before_2019`` (af_2019 none: the only facts
#: are closures dated before 2019).
DEDUCED_RULES = ("closed_before_2019",)


def _standardise(x: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu = x[known].mean(axis=0)
    sd = x[known].std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    lo, hi = x[known].min(axis=0), x[known].max(axis=0)
    return (np.clip(x, lo, hi) - mu) / sd, mu, sd


def _laplace(z: np.ndarray, y: np.ndarray, prior_prec: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Mode, Hessian (negative log posterior) and Laplace log evidence of a Gaussian-prior logistic model."""
    theta = start.copy()
    for _ in range(100):
        eta = z @ theta
        p = 1.0 / (1.0 + np.exp(-eta))
        grad = z.T @ (y - p) - prior_prec * theta
        h = (z * (p * (1 - p))[:, None]).T @ z + np.diag(prior_prec)
        step = np.linalg.solve(h, grad)
        theta = theta + step
        if np.max(np.abs(step)) < 1e-9:
            break
    eta = z @ theta
    p = 1.0 / (1.0 + np.exp(-eta))
    h = (z * (p * (1 - p))[:, None]).T @ z + np.diag(prior_prec)
    loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    logprior = float(-0.5 * np.sum(prior_prec * theta**2) + 0.5 * np.sum(np.log(prior_prec)))
    _sign, logdet = np.linalg.slogdet(h)
    return theta, h, loglik + logprior - 0.5 * logdet


@dataclass
class BayesPresence:
    """A fitted Bayesian presence model (see :func:`bayes_presence`).

    Attributes
    ----------
    network : str
        The network.
    features : tuple of str
        The (standardised) features.
    index : Index
        The kommuner predicted (290 kommunkoder, sorted).
    z : ndarray, shape (290, k)
        Standardised features (clipped to the training range).
    lan : ndarray of int, shape (290,)
        The län of each kommun, as an index into ``lan_codes``.
    lan_codes : tuple of str
        The län codes.
    tau_grid, tau_weight : ndarray
        The grid of the län standard deviation and its posterior weights.
    modes : list of ndarray
        Per grid point, the mode of ``(b0, beta, u_1..u_L)``.
    chols : list of ndarray
        Per grid point, the Cholesky factor of the posterior covariance.
    closure : ndarray of bool, shape (290,)
        Kommuner whose P is the closure prior (:data:`CLOSURE_PRIOR`), not the model.
    n_train : int
        Known kommuner in the fit.
    """

    network: str
    features: tuple[str, ...]
    index: pd.Index
    z: np.ndarray
    lan: np.ndarray
    lan_codes: tuple[str, ...]
    tau_grid: np.ndarray
    tau_weight: np.ndarray
    modes: list[np.ndarray]
    chols: list[np.ndarray]
    closure: np.ndarray
    n_train: int
    mean_x: np.ndarray
    sd_x: np.ndarray

    @property
    def k(self) -> int:
        """Number of features."""
        return len(self.features)

    def theta_draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` posterior draws of ``(b0, beta, u)`` (tau integrated over the grid)."""
        which = rng.choice(len(self.tau_grid), size=n, p=self.tau_weight)
        out = np.empty((n, len(self.modes[0])))
        eps = rng.standard_normal(out.shape)
        for g in np.unique(which):
            sel = which == g
            # theta = mode + L^-T eps with H = L L^T  ->  cov = H^-1
            out[sel] = self.modes[g] + np.linalg.solve(self.chols[g].T, eps[sel].T).T
        return out

    def posterior_mean_theta(self) -> np.ndarray:
        """The posterior mean of ``(b0, beta, u)`` (mixture of the grid modes)."""
        return np.sum([w * m for w, m in zip(self.tau_weight, self.modes, strict=True)], axis=0)

    def probabilities(self, theta: np.ndarray, closure_p: np.ndarray | float | None = None) -> np.ndarray:
        """P(office) of every kommun for each row of ``theta`` (shape (n, 290))."""
        theta = np.atleast_2d(theta)
        k = self.k
        eta = theta[:, :1] + theta[:, 1 : 1 + k] @ self.z.T + theta[:, 1 + k :][:, self.lan]
        p = 1.0 / (1.0 + np.exp(-eta))
        cp = CLOSURE_PRIOR[0] / sum(CLOSURE_PRIOR) if closure_p is None else closure_p
        cp = np.broadcast_to(np.asarray(cp, float).reshape(-1, 1), (len(p), 1))
        return np.where(self.closure[None, :], cp, p)

    def sample(
        self, n: int, rng: np.random.Generator, *, coefficients: bool = True, lan_effects: bool = True
    ) -> np.ndarray:
        """``n`` posterior draws of P(office) for every kommun (shape (n, 290)).

        ``coefficients`` draws the intercept, the coefficients and the closure prior; off, they
        are fixed at their posterior mean. ``lan_effects`` draws the län intercepts; off, they
        are fixed at their posterior mean.
        """
        mean = self.posterior_mean_theta()
        if not (coefficients or lan_effects):
            return np.repeat(self.probabilities(mean[None, :]), n, axis=0)
        th = self.theta_draws(n, rng)
        k = self.k
        if not coefficients:
            th[:, : 1 + k] = mean[: 1 + k]
        if not lan_effects:
            th[:, 1 + k :] = mean[1 + k :]
        cp = rng.beta(*CLOSURE_PRIOR, size=n) if coefficients else None
        return self.probabilities(th, cp)

    def p_mean(self, n: int = 4000, seed: int = 12345) -> pd.Series:
        """Posterior mean of P(office) per kommun (Monte Carlo over ``n`` draws, fixed seed)."""
        p = self.sample(n, np.random.default_rng(seed)).mean(axis=0)
        return pd.Series(p, index=self.index, name="p_model")

    def coefficient_table(self, level: float = 0.90, n: int = 4000, seed: int = 12345) -> pd.DataFrame:
        """Posterior mean and ``level`` interval of the intercept, coefficients, tau and the closure prior."""
        rng = np.random.default_rng(seed)
        th = self.theta_draws(n, rng)
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        names = ["intercept", *self.features]
        rows = []
        for j, name in enumerate(names):
            v = th[:, j]
            rows.append({"feature": name, "mean": float(v.mean()), "q05": float(np.quantile(v, lo_q)),
                         "q95": float(np.quantile(v, hi_q))})
        taus = rng.choice(self.tau_grid, size=n, p=self.tau_weight)
        rows.append({"feature": "lan_sd", "mean": float(taus.mean()), "q05": float(np.quantile(taus, lo_q)),
                     "q95": float(np.quantile(taus, hi_q))})
        if self.closure.any():
            c = rng.beta(*CLOSURE_PRIOR, size=n)
            rows.append({"feature": "closure_prior", "mean": float(c.mean()), "q05": float(np.quantile(c, lo_q)),
                         "q95": float(np.quantile(c, hi_q))})
        return pd.DataFrame(rows)


def fit_bayes(
    x: pd.DataFrame,
    y: pd.Series,
    lan: pd.Series,
    *,
    network: str = "synthetic",
    features: Sequence[str] = EXTERNAL_FEATURES,
    closure: Sequence[str] = (),
) -> BayesPresence:
    """Fit the Bayesian presence model on any table (the array core).

    Parameters
    ----------
    x : DataFrame
        One row per unit (kommun), the feature columns.
    y : Series
        Same index: 1 (office), 0 (none) or NaN (not in the fit: unknown, or excluded).
    lan : Series
        Same index: the group of the random intercept.
    network : str
        Name.
    features : sequence of str
        Columns of ``x``.
    closure : sequence
        Units whose P is the closure prior; they are left out of the fit.

    Returns
    -------
    BayesPresence
    """
    idx = x.index
    closure_mask = idx.isin(list(closure))
    yy = pd.to_numeric(y.reindex(idx), errors="coerce").to_numpy(float)
    known = np.isfinite(yy) & ~closure_mask
    if known.sum() < 2 or len(np.unique(yy[known])) < 2:
        raise NarvaroError(f"{network}: the Bayesian presence model needs known units with and without an office")
    xa = x[list(features)].to_numpy(float)
    z, mu, sd = _standardise(xa, known)
    codes = pd.Index(sorted(pd.unique(lan.reindex(idx).astype(str))))
    li = codes.get_indexer(lan.reindex(idx).astype(str))
    k, n_lan = len(features), len(codes)
    design = np.hstack([np.ones((len(idx), 1)), z, np.eye(n_lan)[li]])[known]
    yk = yy[known]
    modes, chols, logev = [], [], []
    start = np.zeros(1 + k + n_lan)
    for tau in TAU_GRID:
        prec = np.concatenate([[INTERCEPT_PRIOR_SD**-2], np.full(k, COEF_PRIOR_SD**-2), np.full(n_lan, tau**-2)])
        theta, h, lml = _laplace(design, yk, prec, start)
        start = theta
        modes.append(theta)
        chols.append(np.linalg.cholesky(h))
        logev.append(lml - 0.5 * (tau / TAU_PRIOR_SCALE) ** 2)  # half-normal prior on tau
    lw = np.asarray(logev)
    w = np.exp(lw - lw.max())
    return BayesPresence(
        network=network,
        features=tuple(features),
        index=idx,
        z=z,
        lan=li,
        lan_codes=tuple(codes),
        tau_grid=np.asarray(TAU_GRID),
        tau_weight=w / w.sum(),
        modes=modes,
        chols=chols,
        closure=closure_mask,
        n_train=int(known.sum()),
        mean_x=mu,
        sd_x=sd,
    )


def _training(network: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Features, labels (NaN = not in the fit) and closure-flagged kommuner of ``network``."""
    from .model import _closure_listed_kommuner, _excluded_by_logic, kommun_features
    from .status import office_status

    x = kommun_features(network, EXTERNAL_FEATURES)
    st = office_status(network).set_index("kommunkod")["status"].reindex(x.index)
    y = pd.Series(np.where(st == "confirmed", 1.0, np.where(st == "none", 0.0, np.nan)), index=x.index)
    y[y.index.isin(_excluded_by_logic(network))] = np.nan
    closure = sorted(_closure_listed_kommuner()) if network in ("af_2020",) else []
    return x, y, closure


@functools.cache
def bayes_presence(network: str) -> BayesPresence:
    """The Bayesian presence model of ``network`` on narvaro's own data (cached per network).

    Parameters
    ----------
    network : {"af_2019", "af_2020", "af_2020+af_2020_changes", "ssc_2019", "ssc_2020"}
        The network. For af_2020 the model is P(kept at the end of 2019's decision | the kommun
        had a 2019 office): kommuner without a 2019 office are not in the fit.

    Returns
    -------
    BayesPresence
    """
    x, y, closure = _training(network)
    return fit_bayes(x, y, x["lanskod"], network=network, closure=closure)


def lolo_bayes(network: str, *, features: Sequence[str] = EXTERNAL_FEATURES) -> dict[str, float]:
    """Leave-one-län-out AUC and Brier of the Bayesian model on its own (non-leaky) features.

    Each län's known kommuner are predicted by a fit on the other län, with the held-out län's
    effect drawn from N(0, tau^2) (a new län), averaged over 400 posterior draws.

    Returns
    -------
    dict
        ``n``, ``auc``, ``brier``.
    """
    from sklearn.metrics import brier_score_loss, roc_auc_score

    from .model import kommun_features

    x, y, closure = _training(network)
    x = kommun_features(network, tuple(features)) if tuple(features) != EXTERNAL_FEATURES else x
    lan = x["lanskod"].astype(str)
    fit_mask = y.notna() & ~y.index.isin(closure)
    pred = pd.Series(np.nan, index=x.index)
    rng = np.random.default_rng(0)
    for g in sorted(lan[fit_mask].unique()):
        test = fit_mask & (lan == g)
        m = fit_bayes(x, y.where(~test), lan, network=network, features=features, closure=closure)
        th = m.theta_draws(400, rng)
        taus = rng.choice(m.tau_grid, size=400, p=m.tau_weight)
        gi = m.lan_codes.index(g)
        th[:, 1 + m.k + gi] = rng.standard_normal(400) * taus  # a län the fit has not seen
        pred[test] = m.probabilities(th)[:, test.to_numpy()].mean(axis=0)
    yk, pk = y[fit_mask].to_numpy(int), pred[fit_mask].to_numpy(float)
    return {"n": int(fit_mask.sum()), "auc": float(roc_auc_score(yk, pk)), "brier": float(brier_score_loss(yk, pk))}
