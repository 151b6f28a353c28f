"""The smallest network that meets a rule, and the best worst case with k new offices.

:func:`plan_minimum` answers "what is the fewest new offices, every existing one kept, so that at
most ``max_share`` of the residents live beyond ``threshold`` km (or minutes)?": location set
covering with a share allowance. :func:`plan_centre` answers the p-centre form: with ``k`` new
offices, the smallest distance (or time) within which all residents, or a share ``quantile`` of
them, live.

The programme
-------------
Residents beyond the threshold of every existing office are the rows; a row is covered by the
candidates within the threshold of it (rows with the same covering candidates are merged, as in
:mod:`narvaro.analysis.plan`). With ``x_j`` (site j opened, binary) and ``y_r`` (row r covered,
0..1)::

    minimise   sum_j x_j
    subject to y_r <= sum_{j covers r} x_j             for every row r
               sum_r w_r y_r >= B - A

where ``B`` is the residents beyond the threshold before and ``A = max_share x residents`` the
allowance. CBC (bundled with pulp) solves it; if it stops at its time limit, the lower bound is
the LP relaxation rounded up, and the gap is stated. Among the networks of the fewest offices
the one with the fewest residents beyond is then chosen (the maximal covering programme of
:func:`narvaro.plan_offices` with that k). Residents no candidate can bring within the threshold
(and residents with no road to any office or site) stay beyond whatever is opened: if they alone
exceed the allowance the rule cannot be met, and the result names them.

:func:`plan_centre` searches the distances (each is some resident's distance to some office or
site) by bisection for the smallest D whose covering programme with allowance ``1 - quantile``
needs at most ``k`` offices.

Incomplete office lists (``draws=``): each draw is one complete office set, and the number of
offices needed is computed for each, giving the best estimate (median over the draws), the
90 % interval (5th-95th percentile) and the possible range (smallest and largest draw).
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..provenance import get_provenance
from .plan import (
    PlanError,
    _bases,
    _check_candidates,
    _checked,
    _coverage_model,
    _Instance,
    _instance,
    _OfficeSets,
    _site_costs,
    _solve,
    _total_gain,
    default_candidates,
)

__all__ = ["CentrePlan", "MinimumPlan", "parse_rule", "plan_centre", "plan_minimum"]

#: Smallest tätort (residents, SCB 2020) that is a default candidate of :func:`plan_minimum` and
#: :func:`plan_centre`: a rule on the far tail needs small places as sites (every SCB tätort, with
#: the centralorter about 2,000 candidates, in every kommun, those with an office included; with
#: tätorter of 1,000 or more, 45,785 residents, 0.44 %, are beyond 50 km of every candidate).
MIN_POPULATION = 200

_RULE = re.compile(r"^\s*(?P<t>\d+(?:\.\d+)?)\s*(?P<u>km|min)\s*<=\s*(?P<p>\d+(?:\.\d+)?)\s*%\s*$")


def parse_rule(text: str) -> dict[str, float]:
    """``"25km<=0.3%"`` -> ``{"threshold_km": 25.0, "max_share": 0.003}`` (or ``threshold_min``).

    Raises
    ------
    PlanError
        Text not of the form ``<number>km<=<number>%`` or ``<number>min<=<number>%``.
    """
    m = _RULE.match(str(text))
    if not m:
        raise PlanError(f"cannot read the rule {text!r}: write e.g. '25km<=0.3%' (at most 0.3 % of residents "
                        "beyond 25 km) or '60min<=1%'")
    share = float(m["p"]) / 100.0
    if share >= 1.0:
        raise PlanError(f"the rule {text!r} allows {m['p']} % beyond: give a share below 100 %")
    key = "threshold_km" if m["u"] == "km" else "threshold_min"
    return {key: float(m["t"]), "max_share": share}


def _check_share(value: Any, name: str) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise PlanError(f"{name} must be a share between 0 and 1, not {value!r}") from None
    if not np.isfinite(share) or share < 0 or share >= 1:
        raise PlanError(f"{name} must be a share in [0, 1), not {value!r}")
    return share


# --------------------------------------------------------------------------------------
# The covering programme on one instance
# --------------------------------------------------------------------------------------
@dataclass
class _Cover:
    n: int | None  # fewest sites; None: infeasible
    chosen: list[int]
    status: str  # "optimal", "time limit", "infeasible"
    lower: int
    beyond_before: float
    beyond_after: float
    stuck: float  # residents beyond whom no candidate helps (incl. unreachable)
    seconds: float = 0.0
    size: dict = field(default_factory=dict)


def _cover(inst: _Instance, allowance: float, time_limit_s: float, place: bool = True) -> _Cover:
    """Fewest candidates so that at most ``allowance`` residents stay beyond the threshold."""
    import pulp

    t0 = time.perf_counter()
    beyond = float(inst.weight[inst.base > inst.threshold].sum()) + inst.unreachable
    sets, weights = _coverage_model(inst)
    helpable = float(weights.sum())
    stuck = beyond - helpable
    tol = 1e-9 * max(1.0, beyond)
    if stuck > allowance + tol:
        return _Cover(None, [], "infeasible", 0, beyond, beyond, stuck, time.perf_counter() - t0)
    if beyond <= allowance + tol:
        return _Cover(0, [], "optimal", 0, beyond, beyond, stuck, time.perf_counter() - t0)
    need = beyond - allowance
    used = sorted({int(j) for s in sets for j in s})
    size = {"sites": len(used), "rows": len(sets)}

    def programme(relax: bool) -> tuple[Any, list[Any]]:
        prob = pulp.LpProblem("minimum", pulp.LpMinimize)
        x = {j: prob.add_variable(f"x{j}", lowBound=0, upBound=1, cat="Continuous" if relax else "Binary")
             for j in used}
        y = [prob.add_variable(f"y{r}", lowBound=0, upBound=1) for r in range(len(sets))]
        for r, s in enumerate(sets):
            prob += pulp.LpAffineExpression([(y[r], 1.0)] + [(x[int(j)], -1.0) for j in s]) <= 0
        prob += pulp.LpAffineExpression([(y[r], float(weights[r])) for r in range(len(sets))]) >= need - tol
        prob += pulp.LpAffineExpression([(v, 1.0) for v in x.values()])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1.0, time_limit_s)))
        return prob, [x[j] for j in used]

    prob, xs = programme(relax=False)
    chosen = [used[i] for i, v in enumerate(xs) if (v.value() or 0.0) > 0.5]
    if prob.sol_status == pulp.LpSolutionOptimal:
        status, lower = "optimal", len(chosen)
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        lp, _ = programme(relax=True)
        lower = int(np.ceil(float(pulp.value(lp.objective) or 0.0) - 1e-6))
        status = "optimal" if lower >= len(chosen) else "time limit"
    else:  # cannot happen for a feasible rule (all helpful sites cover everyone helpable)
        raise PlanError(f"CBC found no solution within {time_limit_s:g} s (status {prob.status})")
    n = len(chosen)
    if place and n and status == "optimal":
        # among the networks of n new sites, the one leaving the fewest residents beyond
        best = _solve(inst, n, "coverage", "optimal", max(1.0, time_limit_s))
        if _total_gain(inst, best.chosen, "coverage") >= _total_gain(inst, chosen, "coverage"):
            chosen = list(best.chosen)
    after = beyond - _total_gain(inst, chosen, "coverage")
    return _Cover(n, chosen, status, lower, beyond, after, stuck, time.perf_counter() - t0, size)


# --------------------------------------------------------------------------------------
# Preparing the instances
# --------------------------------------------------------------------------------------
@dataclass
class _Setup:
    sets: _OfficeSets
    cand: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    bases: np.ndarray  # draws x demand points
    cost: np.ndarray  # demand points x candidates
    weights: np.ndarray
    metric: str
    threshold: float
    unit: str
    group: str
    method: str

    def instance(self, draw: int | None = None, threshold: float | None = None) -> _Instance:
        bases = self.bases if draw is None else self.bases[draw: draw + 1]
        return _instance(bases, self.weights, self.cost, self.threshold if threshold is None else threshold)


def _setup(existing: Any, *, demand: Any, threshold_km: float | None, threshold_min: float | None,
           candidates: Any, graph: Any, group: str | None, draws: Any) -> _Setup:
    metric, threshold, unit, group, sets, demand = _checked(existing, demand, threshold_km, threshold_min,
                                                            group, draws)
    if candidates is None:
        from ..data.layers import load_centralorter

        cand = default_candidates(sets.certain(), group=group, min_population=MIN_POPULATION,
                                  kommuner=load_centralorter()["kommunkod"])
    else:
        cand = _check_candidates(candidates)
    bases = _bases(sets, demand, graph, metric)
    cost = _site_costs(demand, cand, graph, metric)
    weights = pd.to_numeric(demand["population"]).to_numpy(dtype=float)
    return _Setup(sets, cand, demand, bases, cost.to_numpy(dtype=float), weights, metric, threshold, unit,
                  group, get_provenance(cost).get("method", ""))


def _three(values: np.ndarray) -> dict[str, float]:
    """Best estimate (median), 90 % interval and possible range over the draws."""
    v = np.asarray(values, dtype=float)
    return {"best": float(np.median(v)), "p05": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95)),
            "min": float(v.min()), "max": float(v.max())}


_TEXT = {
    "en": {
        "rule": "Rule: at most {share:g} % of residents beyond {t:g} {u} of an office ({group}).",
        "before": "Before: {b:,.0f} residents ({bs:.3f} %) beyond; allowed {a:,.0f}.",
        "optimal": "Fewest new offices: {n} (proven optimal by CBC).",
        "time limit": "New offices: {n} found; at least {lower} are needed (CBC stopped at its time limit, gap {gap}).",
        "after": "After: {b:,.0f} residents ({bs:.3f} %) beyond.",
        "infeasible": ("The rule cannot be met from the candidates: {s:,.0f} residents ({ss:.3f} %) live beyond "
                       "{t:g} {u} of every existing office and every candidate site, more than the {a:,.0f} allowed."),
        "stuck": "  {name}: {pop:,.0f} residents, nearest candidate {c} {u}",
        "draws": ("Over {d} office draws: best estimate {best:g} new offices, 90 % interval {p05:g}-{p95:g}, "
                  "possible range {min:g}-{max:g}{inf}."),
        "inf": "; the rule cannot be met in {k} of the draws",
        "how": "How: {method} distances; set covering with a share allowance, solved by CBC (pulp).",
    },
    "sv": {
        "rule": "Regel: högst {share:g} % av invånarna längre än {t:g} {u} från ett kontor ({group}).",
        "before": "Före: {b:,.0f} invånare ({bs:.3f} %) längre bort; tillåtet {a:,.0f}.",
        "optimal": "Minsta antal nya kontor: {n} (bevisat optimalt av CBC).",
        "time limit": ("Nya kontor: {n} funna; minst {lower} behövs (CBC stoppade vid tidsgränsen, "
                       "skillnad {gap})."),
        "after": "Efter: {b:,.0f} invånare ({bs:.3f} %) längre bort.",
        "infeasible": ("Regeln kan inte uppfyllas med de tänkbara platserna: {s:,.0f} invånare ({ss:.3f} %) bor "
                       "längre än {t:g} {u} från varje befintligt kontor och varje tänkbar plats, fler än de "
                       "{a:,.0f} som tillåts."),
        "stuck": "  {name}: {pop:,.0f} invånare, närmaste tänkbara plats {c} {u}",
        "draws": ("Över {d} dragningar av kontorslistan: bästa skattning {best:g} nya kontor, 90 %-intervall "
                  "{p05:g}-{p95:g}, möjligt spann {min:g}-{max:g}{inf}."),
        "inf": "; regeln kan inte uppfyllas i {k} av dragningarna",
        "how": "Metod: avstånd ({method}); mängdtäckning med tillåten andel, löst med CBC (pulp).",
    },
}


_GROUP = {"af": ("AF offices", "AF-kontor"), "ssc": ("SSC servicekontor", "SSC-servicekontor"),
          "any": ("AF offices or SSC servicekontor", "AF-kontor eller SSC-servicekontor")}


def _fmt(x: float) -> str:
    return "no road" if not np.isfinite(x) else f"{x:.1f}"


@dataclass
class MinimumPlan:
    """The answer of :func:`plan_minimum`.

    Attributes
    ----------
    n_new : int or None
        Fewest new offices (None: the rule cannot be met from the candidates).
    status : str
        "optimal" (proven by CBC), "time limit" (``lower_bound`` is then below ``n_new``) or
        "infeasible".
    lower_bound, gap : int
        No network with fewer than ``lower_bound`` new offices meets the rule; ``gap`` is
        ``n_new - lower_bound``.
    sites : GeoDataFrame
        The new sites (``rank``, ``site_id``, ``name``, ``kind``, ``kommunkod``, ``kommunnamn``,
        ``gain_pop_within``: residents newly within the threshold given the sites above).
    beyond_before, beyond_after, allowed, population : float
        Residents beyond the threshold before and after, the allowance and all residents.
    uncoverable : DataFrame
        Demand points beyond the threshold that no candidate can bring within it:
        ``kommunkod``, ``population``, ``existing`` (cost to the nearest existing office),
        ``nearest_candidate`` (cost to the nearest candidate), largest population first.
    per_draw : DataFrame or None
        With ``draws=``: ``draw``, ``n_new`` (NaN where infeasible), ``status``.
    summary : dict
        With draws: best estimate, 90 % interval and possible range of ``n_new`` over the
        feasible draws (``best``, ``p05``, ``p95``, ``min``, ``max``) and ``infeasible``.
    """

    n_new: int | None
    status: str
    lower_bound: int
    gap: int
    sites: gpd.GeoDataFrame
    threshold: float
    unit: str
    metric: str
    max_share: float
    group: str
    method: str
    beyond_before: float
    beyond_after: float
    allowed: float
    population: float
    uncoverable: pd.DataFrame
    office_set: str = ""
    seconds: float = 0.0
    per_draw: pd.DataFrame | None = None
    summary: dict = field(default_factory=dict)

    def describe(self, lang: str = "en") -> str:
        """The answer in words (``lang`` "en" or "sv"), with how it was obtained."""
        from ..i18n import check_lang

        t = _TEXT[check_lang(lang)]
        pct = 100.0 / max(self.population, 1e-300)
        lines = [t["rule"].format(share=self.max_share * 100, t=self.threshold, u=self.unit,
                                  group=_GROUP[self.group][lang == "sv"]),
                 t["before"].format(b=self.beyond_before, bs=self.beyond_before * pct, a=self.allowed)]
        if self.per_draw is not None:
            s = self.summary
            inf = t["inf"].format(k=s["infeasible"]) if s.get("infeasible") else ""
            if "best" in s:
                lines.append(t["draws"].format(d=len(self.per_draw), inf=inf, **{k: s[k] for k in
                                                                                  ("best", "p05", "p95", "min", "max")}))
        if self.status == "infeasible":
            stuck = float(self.uncoverable["population"].sum())
            lines.append(t["infeasible"].format(s=stuck, ss=stuck * pct, t=self.threshold, u=self.unit,
                                                a=self.allowed))
            for _, r in self.uncoverable.groupby("kommunkod").agg(
                    population=("population", "sum"), c=("nearest_candidate", "min")).sort_values(
                    "population", ascending=False).head(10).iterrows():
                lines.append(t["stuck"].format(name=r.name, pop=r["population"], c=_fmt(r["c"]), u=self.unit))
        else:
            key = "optimal" if self.status == "optimal" else "time limit"
            lines.append(t[key].format(n=self.n_new, lower=self.lower_bound, gap=self.gap))
            lines.append(t["after"].format(b=self.beyond_after, bs=self.beyond_after * pct))
        lines.append(t["how"].format(method=self.method))
        return "\n".join(lines)


def _uncoverable(setup: _Setup, inst: _Instance) -> pd.DataFrame:
    """Demand points beyond the threshold of every office and of every candidate."""
    base = setup.bases.min(axis=0) if setup.bases.shape[0] == 1 else np.median(setup.bases, axis=0)
    best = setup.cost.min(axis=1) if setup.cost.shape[1] else np.full(len(base), np.inf)
    stuck = (base > inst.threshold) & (best > inst.threshold) & (setup.weights > 0)
    kod = (setup.demand["kommunkod"].astype(str).to_numpy() if "kommunkod" in setup.demand.columns
           else np.full(len(base), ""))
    out = pd.DataFrame({"point": np.flatnonzero(stuck), "kommunkod": kod[stuck],
                        "population": setup.weights[stuck], "existing": base[stuck],
                        "nearest_candidate": best[stuck]})
    return out.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)


def _sites(setup: _Setup, inst: _Instance, chosen: list[int]) -> gpd.GeoDataFrame:
    order: list[int] = []
    gains: list[float] = []
    left = list(chosen)
    while left:  # best first, each given the sites above it
        g = [_total_gain(inst, [*order, j], "coverage") - _total_gain(inst, order, "coverage") for j in left]
        i = int(np.argmax(g))
        order.append(left.pop(i))
        gains.append(float(g[i]))
    cols = [c for c in ("site_id", "name", "kind", "kommunkod", "kommunnamn") if c in setup.cand.columns]
    out = setup.cand.iloc[order][[*cols, "geometry"]].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(order) + 1))
    out["gain_pop_within"] = gains
    return gpd.GeoDataFrame(out, geometry="geometry", crs=settings.CRS_COMPUTE)


def plan_minimum(
    existing: gpd.GeoDataFrame | None,
    *,
    threshold_km: float | None = None,
    threshold_min: float | None = None,
    max_share: float = 0.003,
    candidates: gpd.GeoDataFrame | None = None,
    demand: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    group: str | None = None,
    draws: Any = None,
    time_limit_s: float = 60.0,
) -> MinimumPlan:
    """The fewest new offices, every existing one kept, so that at most ``max_share`` of the
    residents live beyond the threshold.

    Parameters
    ----------
    existing : GeoDataFrame or None
        The offices kept (as for :func:`narvaro.plan_offices`); ``None`` with ``draws``.
    threshold_km, threshold_min : float, optional
        The threshold by road distance (default 25 km) or by car time.
    max_share : float
        Largest share of residents allowed beyond it (0.003: PTS's 0.3 %). Residents exactly
        at the threshold are within it.
    candidates : GeoDataFrame, optional
        Candidate sites; default: the centralort and every tätort of at least
        :data:`MIN_POPULATION` residents in every kommun (a resident far from the office of
        their own kommun may need a second office there).
    demand, graph, group
        As for :func:`narvaro.plan_offices`.
    draws : object, optional
        Joint office draws (``.offices``, ``.mask``): the number needed is computed for every
        draw (``per_draw``, ``summary``: the three kinds of number); the headline number and
        sites are those of the draw-averaged programme (a resident counts as beyond in the
        share of the draws where it is).
    time_limit_s : float
        CBC's time limit per programme.

    Returns
    -------
    MinimumPlan
        ``.describe(lang)`` renders it.

    Raises
    ------
    PlanError
        A bad threshold, share, office list, candidates or draws.
    """
    max_share = _check_share(max_share, "max_share")
    setup = _setup(existing, demand=demand, threshold_km=threshold_km, threshold_min=threshold_min,
                   candidates=candidates, graph=graph, group=group, draws=draws)
    population = float(setup.weights.sum())
    allowed = max_share * population
    inst = setup.instance()
    cov = _cover(inst, allowed, time_limit_s)
    per_draw, summary = None, {}
    if setup.sets.mask is not None:
        rows = []
        for s in range(setup.sets.n_draws):
            c = _cover(setup.instance(s), allowed, time_limit_s, place=False)
            rows.append({"draw": s, "n_new": np.nan if c.n is None else c.n, "status": c.status})
        per_draw = pd.DataFrame(rows)
        ok = per_draw["n_new"].dropna().to_numpy()
        summary = {**(_three(ok) if len(ok) else {}), "infeasible": int(per_draw["n_new"].isna().sum())}
    chosen = cov.chosen
    return MinimumPlan(
        n_new=cov.n, status=cov.status, lower_bound=cov.lower, gap=0 if cov.n is None else cov.n - cov.lower,
        sites=_sites(setup, inst, chosen), threshold=setup.threshold, unit=setup.unit, metric=setup.metric,
        max_share=max_share, group=setup.group, method=setup.method, beyond_before=cov.beyond_before,
        beyond_after=cov.beyond_after, allowed=allowed, population=population,
        uncoverable=_uncoverable(setup, inst), office_set=setup.sets.label, seconds=round(cov.seconds, 2),
        per_draw=per_draw, summary=summary)


@dataclass
class CentrePlan:
    """The answer of :func:`plan_centre`: with ``k`` new offices, the smallest ``value`` (km or
    min) within which a share ``quantile`` of the residents live (``inf``: not reachable for
    any distance, e.g. residents without a road), ``before`` the same without new offices,
    and the ``sites``."""

    k: int
    quantile: float
    value: float
    before: float
    unit: str
    sites: gpd.GeoDataFrame
    status: str
    method: str
    evaluations: int = 0


def plan_centre(
    existing: gpd.GeoDataFrame | None,
    k: int,
    *,
    quantile: float = 1.0,
    metric: str = "distance",
    candidates: gpd.GeoDataFrame | None = None,
    demand: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    group: str | None = None,
    time_limit_s: float = 60.0,
) -> CentrePlan:
    """p-centre: with ``k`` new offices (existing kept), minimise the largest distance any
    resident has (``quantile=1``) or the distance within which a share ``quantile`` live.

    Parameters
    ----------
    existing : GeoDataFrame
        The offices kept.
    k : int
        New offices.
    quantile : float
        Share of residents that must live within the answer (1: everyone; 0.99: 99 %).
    metric : {"distance", "time"}
        Road distance (km) or car time (min).
    candidates, demand, graph, group, time_limit_s
        As for :func:`plan_minimum`.

    Returns
    -------
    CentrePlan
        ``status`` "optimal" when every covering programme of the bisection was proven
        optimal by CBC, else "time limit" (the value is then an upper bound).
    """
    from .plan import _check_k

    k = _check_k(k)
    if metric not in ("distance", "time"):
        raise PlanError(f"metric must be 'distance' or 'time', not {metric!r}")
    q = float(quantile)
    if not 0 < q <= 1:
        raise PlanError(f"quantile must be in (0, 1], not {quantile!r}")
    th = {"threshold_km": 1.0, "threshold_min": None} if metric == "distance" else {"threshold_km": None, "threshold_min": 1.0}
    setup = _setup(existing, demand=demand, candidates=candidates, graph=graph, group=group, draws=None, **th)
    inst = setup.instance()
    allowed = (1.0 - q) * float(setup.weights.sum())
    values = np.concatenate([inst.base, inst.row_cost().ravel()])
    values = np.unique(values[np.isfinite(values)])

    def needs(d: float) -> _Cover:
        return _cover(replace(inst, threshold=float(d)), allowed, time_limit_s, place=False)

    def ok(c: _Cover, kk: int) -> bool:
        return c.n is not None and c.n <= kk

    evals = 0
    before = np.inf
    lo, hi = 0, len(values) - 1
    if len(values) and ok(needs(values[hi]), 0):
        a, b = 0, hi
        while a < b:
            mid = (a + b) // 2
            evals += 1
            if ok(needs(values[mid]), 0):
                b = mid
            else:
                a = mid + 1
        before = float(values[a])
    statuses = set()
    value, chosen = np.inf, []
    if len(values) and ok(last := needs(values[hi]), k):
        statuses.add(last.status)
        while lo < hi:
            mid = (lo + hi) // 2
            evals += 1
            c = needs(values[mid])
            statuses.add(c.status)
            if ok(c, k):
                hi = mid
            else:
                lo = mid + 1
        value = float(values[lo])
        best = _cover(replace(inst, threshold=value), allowed, time_limit_s, place=True)
        chosen = best.chosen
    status = "optimal" if statuses <= {"optimal", "infeasible"} else "time limit"
    inst_v = replace(inst, threshold=value if np.isfinite(value) else 0.0)
    return CentrePlan(k, q, value, before, setup.unit, _sites(setup, inst_v, chosen), status, setup.method, evals)
