"""Where should the next offices go: location planning with the existing network fixed.

:func:`plan_offices` chooses ``k`` new sites among candidate points so that, with every existing
office kept, either the fewest residents live beyond a threshold (``objective="coverage"``, the
maximal covering problem) or the population-weighted mean distance or time is lowest
(``objective="mean"``, the p-median problem with the existing offices as fixed facilities).
:func:`plan_curve` gives the objective against the number of added offices, and
:func:`plan_effect` measures any set of added sites (the optimiser's, the government's) on both
residents beyond the threshold and mean distance and time.

How the problem is made small
-----------------------------
Distances come from narvaro's own :func:`narvaro.nearest_office` (to the existing offices) and
:func:`narvaro.od_matrix` (to the candidates), in estimate or road mode. Then:

* coverage: only residents beyond the threshold of every existing office matter, only
  candidates within the threshold of them can help, and demand points with the same set of
  helping candidates are merged into one row (their populations added);
* mean: a demand point can only be served by a candidate closer than its nearest existing
  office, so its assignment variables are restricted to those candidates (and a point with a
  single such candidate needs none: its saving goes straight onto the site variable).

Incomplete office lists (``draws=``): each draw is one complete office set. Both objectives
are averaged over the draws; a demand point's rows are its distinct distances to the existing
offices across the draws, weighted by how often each occurs, so the expected objective is one
programme of the same shape.

Solver
------
The two integer programmes are written in pulp and solved with the CBC solver bundled in its
wheel (as :mod:`narvaro.analysis.constrained` does). spopt's ``MCLP``/``PMedian`` (with
``predefined_facility_col`` for the existing offices) state the same models, but build them
from a dense demand x facility matrix with one assignment variable per pair: about 15 million
for Sweden's 25,500 demand points, where the reduced programmes above need a few thousand
(coverage) or tens of thousands (mean); the draws' weighting is not expressible there either.
The greedy solution (best marginal gain, one site at a time) is a warm start and a fallback; a
programme not proven optimal within ``time_limit_s`` reports its gap against the smaller of
the LP relaxation and the greedy run's submodular bound. Both objectives are monotone
submodular in the added sites (coverage; facility-location savings), so greedy's gains never
increase and its value is within 1 - 1/e of the optimum (in practice much closer).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..data.layers import load_centralorter, load_demand_points, load_kommuner, load_tatorter, to_compute_crs
from ..errors import NarvaroError
from ..network.distance import nearest_office, od_matrix
from ..offices.sources import network_label
from ..provenance import describe, get_provenance, set_provenance
from .metrics import GROUP_OFFICE_LABEL, GROUP_ORGS, GROUPS

__all__ = [
    "ASSUMPTIONS",
    "OBJECTIVES",
    "PlanError",
    "assumed_offices",
    "default_candidates",
    "describe_plan",
    "plan_curve",
    "plan_effect",
    "plan_offices",
    "plot_plan_curve",
]

#: The planning objectives.
OBJECTIVES: tuple[str, ...] = ("coverage", "mean")
#: Default threshold (km by road): PTS's 25 km rule for basic services (see settings).
DEFAULT_THRESHOLD_KM = 25.0
#: Smallest tätort (residents, SCB 2020) that is a default candidate site (issue 14).
MIN_TATORT_POPULATION = 2_000
#: Candidate points closer than this (m) to an earlier candidate are dropped as duplicates
#: (a centralort is usually also a tätort point).
_DUPLICATE_M = 500.0
#: Distances are rounded to this many decimals before rows are merged across draws.
_ROUND = 3


class PlanError(NarvaroError, ValueError):
    """Bad input to the location planning (k, objective, threshold, candidates, draws)."""


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------
def _check_k(k: Any, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise PlanError(f"{name} must be a whole number of offices to add, not {k!r}")
    if k < 0:
        raise PlanError(f"{name} must be 0 or more (offices to add), not {k}")
    return int(k)


def _metric(threshold_km: float | None, threshold_min: float | None) -> tuple[str, float, str]:
    """("distance" | "time", threshold, unit)."""
    if threshold_km is not None and threshold_min is not None:
        raise PlanError("give threshold_km or threshold_min, not both")
    if threshold_min is not None:
        value, metric, unit = threshold_min, "time", "min"
    else:
        value = DEFAULT_THRESHOLD_KM if threshold_km is None else threshold_km
        metric, unit = "distance", "km"
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PlanError(f"the threshold must be a number of {unit}, not {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise PlanError(f"the threshold must be a positive number of {unit}, not {value}")
    return metric, value, unit


def _check_objective(objective: Any) -> str:
    if objective not in OBJECTIVES:
        raise PlanError(f"unknown objective {objective!r}; choose 'coverage' (residents beyond the "
                        "threshold) or 'mean' (population-weighted mean distance or time)")
    return str(objective)


def _check_demand(demand: Any) -> gpd.GeoDataFrame:
    if demand is None:
        return load_demand_points()
    if not isinstance(demand, gpd.GeoDataFrame):
        raise PlanError(f"demand must be a GeoDataFrame of points with a population, not {type(demand).__name__}")
    if "population" not in demand.columns:
        raise PlanError("the demand points lack a 'population' column")
    pop = pd.to_numeric(demand["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        raise PlanError("the demand points have missing or negative populations")
    return demand


def _orgs_of(offices: pd.DataFrame | None) -> set[str]:
    if offices is None or "org" not in offices.columns:
        return set()
    return set(offices["org"].dropna().astype(str))


def _group(group: str | None, *frames: pd.DataFrame | None) -> str:
    if group is not None:
        if group not in GROUPS:
            raise PlanError(f"unknown group {group!r}; choose from {', '.join(GROUPS)}")
        return group
    orgs = set().union(*(_orgs_of(f) for f in frames))
    if orgs == {"af"}:
        return "af"
    if orgs == {"ssc"}:
        return "ssc"
    return "any"


def _of_group(offices: gpd.GeoDataFrame | None, group: str) -> gpd.GeoDataFrame | None:
    if offices is None:
        return None
    if "org" not in offices.columns:
        raise PlanError("the office list lacks an 'org' column (af or ssc)")
    return offices[offices["org"].isin(GROUP_ORGS[group])]


# --------------------------------------------------------------------------------------
# Office sets: the existing list, or joint draws of an incomplete one
# --------------------------------------------------------------------------------------
@dataclass
class _OfficeSets:
    """The fixed offices (in every set) and, with draws, the offices present per draw."""

    fixed: gpd.GeoDataFrame | None
    drawn: gpd.GeoDataFrame | None = None
    mask: np.ndarray | None = None  # draws x drawn offices
    label: str = ""
    prov: list[dict] = field(default_factory=list)

    @property
    def n_draws(self) -> int:
        return 1 if self.mask is None else int(self.mask.shape[0])

    def certain(self) -> gpd.GeoDataFrame:
        """Offices present in every set (the fixed ones and those drawn in every draw)."""
        # never empty: without draws the fixed offices are required, with draws .drawn is a frame
        parts = [f for f in (self.fixed,) if f is not None and len(f)]
        if self.drawn is not None and self.mask is not None:
            parts.append(self.drawn[self.mask.all(axis=0)])
        return gpd.GeoDataFrame(pd.concat([to_compute_crs(p) for p in parts], ignore_index=True),
                                geometry="geometry", crs=settings.CRS_COMPUTE)

    def in_kommun_share(self, codes: np.ndarray) -> np.ndarray:
        """Per kommunkod: share of the office sets with an office in that kommun."""
        out = np.zeros(len(codes))
        fixed = set(self.fixed["kommunkod"]) if self.fixed is not None and "kommunkod" in self.fixed else set()
        out[np.isin(codes, list(fixed))] = 1.0
        if self.drawn is not None and self.mask is not None and "kommunkod" in self.drawn:
            kods = self.drawn["kommunkod"].to_numpy(dtype=object)
            for i, c in enumerate(codes):
                if out[i] < 1.0:
                    cols = kods == c
                    if cols.any():
                        out[i] = float(self.mask[:, cols].any(axis=1).mean())
        return out


def _office_label(offices: pd.DataFrame | None) -> tuple[str, list[dict]]:
    if offices is None:
        return "", []
    prov = list(get_provenance(offices).get("offices") or [])
    if prov:
        return "; ".join(o.get("label") or o.get("name", "?") for o in prov), prov
    nets = []
    if "network" in offices.columns:
        nets = [str(n) for n in pd.unique(offices["network"].dropna()) if n]
    name = network_label("+".join(nets)) if nets else "an office list passed in"
    label = f"{name}: {len(offices)} {'office' if len(offices) == 1 else 'offices'} as given"
    return label, [{"name": "+".join(nets) or "custom", "label": label}]


def _office_sets(existing: gpd.GeoDataFrame | None, draws: Any, group: str) -> _OfficeSets:
    fixed = _of_group(existing, group)
    if draws is None:
        if fixed is None or len(fixed) == 0:
            raise PlanError(f"no existing {GROUP_OFFICE_LABEL[group]} to keep: pass the office list "
                            "(or draws=) the plan adds to")
        label, prov = _office_label(existing)
        return _OfficeSets(fixed, label=f"the existing list as given ({label})", prov=prov)
    offices = getattr(draws, "offices", None)
    mask = getattr(draws, "mask", None)
    if not isinstance(offices, gpd.GeoDataFrame) or mask is None:
        raise PlanError("draws must have .offices (a GeoDataFrame) and .mask (draws x offices, bool)")
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or mask.shape[1] != len(offices) or mask.shape[0] == 0:
        raise PlanError(f"draws.mask must be (draws x {len(offices)} offices) with at least one draw, "
                        f"not shape {mask.shape}")
    keep = offices["org"].isin(GROUP_ORGS[group]).to_numpy() if "org" in offices.columns else np.ones(len(offices), bool)
    drawn, mask = offices[keep], mask[:, keep]
    if (fixed is None or len(fixed) == 0) and not mask.any(axis=1).all():
        raise PlanError("a draw has no office at all and no existing offices were passed")
    d_label, d_prov = _office_label(offices)
    label = f"{mask.shape[0]} joint draws of the office list ({d_label}; {mask.sum(axis=1).mean():.1f} "
    label += f"of {mask.shape[1]} offices present on average)"
    prov = list(d_prov)
    if fixed is not None and len(fixed):
        f_label, f_prov = _office_label(existing)
        label += f" plus the fixed offices ({f_label})"
        prov += f_prov
    return _OfficeSets(fixed if fixed is not None and len(fixed) else None, drawn, mask, label, prov)


# --------------------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------------------
def default_candidates(
    existing: gpd.GeoDataFrame | None = None,
    *,
    group: str | None = None,
    min_population: int = MIN_TATORT_POPULATION,
    kommuner: Any = None,
) -> gpd.GeoDataFrame:
    """The default candidate sites: the centralort and every tätort of at least
    ``min_population`` residents (SCB 2020) in each kommun without an office of the group.

    Parameters
    ----------
    existing : GeoDataFrame, optional
        The offices; kommuner holding one of the group are left out.
    group : {"af", "ssc", "any"}, optional
        Default: from the offices' ``org``.
    min_population : int
        Smallest tätort that is a candidate.
    kommuner : iterable of str, optional
        Restrict to these kommunkoder instead of "kommuner without an office".

    Returns
    -------
    GeoDataFrame
        ``site_id`` ("c-<kommunkod>" / "t-<tatortskod>"), ``name``, ``kind`` ("centralort" /
        "tatort"), ``kommunkod``, ``kommunnamn``, ``population`` (the tätort's; NaN for a
        centralort that is not an SCB tätort point), geometry (EPSG:3006). A tätort within
        500 m of the centralort is the same site.
    """
    group = _group(group, existing)
    central = load_centralorter()
    if kommuner is not None:
        wanted = set(map(str, kommuner))
    else:
        have = set(_of_group(existing, group)["kommunkod"]) if existing is not None else set()
        wanted = set(central["kommunkod"]) - have
    names = central.set_index("kommunkod")["kommunnamn"]
    c = central[central["kommunkod"].isin(wanted)]
    t = load_tatorter()
    t = t[t["kommunkod"].isin(wanted) & (t["population"] >= min_population)]
    sites = pd.concat([
        pd.DataFrame({"site_id": "c-" + c["kommunkod"], "name": c["centralort"].astype(str), "kind": "centralort",
                      "kommunkod": c["kommunkod"], "population": np.nan, "geometry": c.geometry.values}),
        pd.DataFrame({"site_id": "t-" + t["tatortskod"].astype(str), "name": t["tatort"].astype(str),
                      "kind": "tatort", "kommunkod": t["kommunkod"], "population": t["population"].astype(float),
                      "geometry": t.geometry.values}),
    ], ignore_index=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=settings.CRS_COMPUTE)
    sites["kommunnamn"] = sites["kommunkod"].map(names)
    return _dedupe(sites)[["site_id", "name", "kind", "kommunkod", "kommunnamn", "population", "geometry"]]


def _dedupe(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop candidates within :data:`_DUPLICATE_M` of an earlier one (a centralort's tätort
    keeps the centralort row, with the tätort's population)."""
    from scipy.spatial import cKDTree

    if len(sites) < 2:
        return sites.reset_index(drop=True)
    xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(_DUPLICATE_M, output_type="ndarray")
    drop = set()
    pop = sites["population"].to_numpy(dtype=float).copy()
    for a, b in sorted(map(tuple, pairs)):
        if a in drop or b in drop:
            continue
        drop.add(b)
        if np.isnan(pop[a]):
            pop[a] = pop[b]
    sites = sites.assign(population=pop)
    return sites.drop(index=sites.index[sorted(drop)]).reset_index(drop=True)


def _check_candidates(candidates: Any) -> gpd.GeoDataFrame:
    if not isinstance(candidates, gpd.GeoDataFrame):
        raise PlanError(f"candidates must be a GeoDataFrame of points, not {type(candidates).__name__}")
    if len(candidates) == 0:
        raise PlanError("there are no candidate sites")
    cand = to_compute_crs(candidates, "The candidates GeoDataFrame").reset_index(drop=True)
    if "site_id" not in cand.columns:
        ids = cand["office_id"] if "office_id" in cand.columns else pd.Series([f"s{i}" for i in range(len(cand))])
        cand["site_id"] = ids.astype(str).to_numpy()
    if cand["site_id"].duplicated().any():
        raise PlanError("candidate site_id values are not unique: "
                        + ", ".join(map(str, cand.loc[cand["site_id"].duplicated(), "site_id"].head(5))))
    if "name" not in cand.columns:
        cand["name"] = cand["site_id"].astype(str)
    if "kind" not in cand.columns:
        cand["kind"] = "given"
    if "kommunkod" not in cand.columns:
        kommuner = load_kommuner()[["kommunkod", "geometry"]]
        hit = gpd.sjoin_nearest(cand[["geometry"]], kommuner, how="left")
        cand["kommunkod"] = hit[~hit.index.duplicated()]["kommunkod"].reindex(cand.index).to_numpy()
    if "kommunnamn" not in cand.columns:
        names = load_centralorter().set_index("kommunkod")["kommunnamn"]
        cand["kommunnamn"] = cand["kommunkod"].map(names)
    return cand


# --------------------------------------------------------------------------------------
# The instance: rows (demand point x distinct existing distance) and candidate costs
# --------------------------------------------------------------------------------------
@dataclass
class _Instance:
    """Everything the solvers need, as arrays."""

    point: np.ndarray  # row -> demand point
    weight: np.ndarray  # residents per row (averaged over draws)
    base: np.ndarray  # row -> cost to the nearest existing office (inf: unreachable)
    cost: np.ndarray  # demand points x candidates
    threshold: float
    total: float  # residents counted in the objective (reachable)
    unreachable: float  # residents with no finite cost to any office or candidate (expected)

    def row_cost(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.cost[self.point[rows]]


def _bases(sets: _OfficeSets, demand: gpd.GeoDataFrame, graph: Any, metric: str) -> np.ndarray:
    """draws x demand points: cost to the nearest office of each office set."""
    col = "time_min" if metric == "time" else "distance_km"
    n = len(demand)
    fixed = np.full(n, np.inf)
    if sets.fixed is not None and len(sets.fixed):
        near = nearest_office(demand, sets.fixed, graph, far_offices="keep")
        fixed = near[col].to_numpy(dtype=float, copy=True)
        fixed[np.isnan(fixed)] = np.inf
    if sets.mask is None:
        return fixed[None, :]
    cost = od_matrix(demand, sets.drawn, graph, metric=metric, far_offices="keep", progress=False).to_numpy()
    out = np.empty((sets.n_draws, n))
    for s, present in enumerate(sets.mask):
        out[s] = np.minimum(fixed, cost[:, present].min(axis=1)) if present.any() else fixed
    return out


def _instance(bases: np.ndarray, weights: np.ndarray, cost: np.ndarray, threshold: float) -> _Instance:
    """Rows: one per demand point and distinct base cost across the draws, weighted by frequency."""
    s, n = bases.shape
    best_cand = cost.min(axis=1) if cost.shape[1] else np.full(n, np.inf)
    dead = ~np.isfinite(bases) & ~np.isfinite(best_cand)[None, :]
    unreachable = float((weights[None, :] * dead).sum() / s)
    if s == 1:
        point, base, weight = np.arange(n), bases[0].copy(), weights.astype(float).copy()
    else:
        rounded = np.round(bases, _ROUND)
        pts = np.repeat(np.arange(n)[None, :], s, axis=0).ravel()
        frame = pd.DataFrame({"p": pts, "b": rounded.ravel()})
        counts = frame.groupby(["p", "b"], sort=True).size().reset_index(name="c")
        point = counts["p"].to_numpy()
        base = counts["b"].to_numpy(dtype=float)
        weight = weights[point] * counts["c"].to_numpy() / s
    keep = ~(~np.isfinite(base) & ~np.isfinite(best_cand[point]))
    total = float(weight[keep].sum())
    return _Instance(point[keep], weight[keep], base[keep], cost, threshold, total, unreachable)


# --------------------------------------------------------------------------------------
# Objective values and greedy
# --------------------------------------------------------------------------------------
def _current(inst: _Instance, chosen: list[int]) -> np.ndarray:
    cur = inst.base.copy()
    if chosen:
        cur = np.minimum(cur, inst.cost[:, chosen][inst.point].min(axis=1))
    return cur


def _value(inst: _Instance, cur: np.ndarray, objective: str) -> float:
    """Residents beyond the threshold (coverage) or the weighted mean (mean) at ``cur``."""
    if objective == "coverage":
        return float(inst.weight[cur > inst.threshold].sum())
    ok = np.isfinite(cur)
    return float((inst.weight[ok] * cur[ok]).sum() / max(inst.weight[ok].sum(), 1e-300))


def _matrix(inst: _Instance, objective: str) -> np.ndarray:
    """The gain matrix M (rows that some candidate helps x candidates), so that the gain of a
    set X of new sites is sum_r max(0, max_{j in X} M[r, j]) for both objectives.

    coverage: M[r, j] = residents of row r if j brings it within the threshold (rows beyond it
    only); mean: M[r, j] = residents x the cost saved by j over the nearest existing office.
    """
    if objective == "coverage":
        rows = np.flatnonzero(inst.base > inst.threshold)
        mat = (inst.row_cost(rows) <= inst.threshold) * inst.weight[rows, None]
    else:
        rows = np.flatnonzero(np.isfinite(inst.base))
        mat = np.maximum(0.0, inst.base[rows, None] - inst.row_cost(rows))
        mat[~np.isfinite(mat)] = 0.0
        mat *= inst.weight[rows, None]
    return mat[(mat > 0).any(axis=1)]


def _greedy(mat: np.ndarray, k: int, allowed: np.ndarray | None = None
            ) -> tuple[list[int], list[float], list[np.ndarray]]:
    """Greedy sites (from ``allowed``) on the gain matrix, their gains and the gain vectors
    seen at every step."""
    chosen: list[int] = []
    cur = np.zeros(mat.shape[0])
    gains_out, seen = [], []
    ok = np.ones(mat.shape[1], dtype=bool) if allowed is None else allowed.copy()
    for _ in range(k):
        if not ok.any():
            break
        g = np.maximum(0.0, mat - cur[:, None]).sum(axis=0)
        seen.append(np.where(ok, g, 0.0))
        j = int(np.argmax(np.where(ok, g, -np.inf)))
        chosen.append(j)
        gains_out.append(float(g[j]))
        ok[j] = False
        cur = np.maximum(cur, mat[:, j])
    return chosen, gains_out, seen


def _greedy_bound(total_gain: list[float], seen: list[np.ndarray], k: int) -> float:
    """Upper bound on the best gain of ``k`` sites from a greedy run (submodularity:
    OPT <= f(S_i) + sum of the k largest marginal gains at S_i, for every step i)."""
    best = np.inf
    acc = 0.0
    for i, g in enumerate(seen):
        best = min(best, acc + float(np.sort(g)[::-1][:k].sum()))
        acc += total_gain[i]
    return float(best)


# --------------------------------------------------------------------------------------
# The integer programmes (pulp / CBC)
# --------------------------------------------------------------------------------------
@dataclass
class _Solution:
    chosen: list[int]
    gain: float  # residents newly covered, or weighted cost saved
    status: str  # "optimal", "time limit", "greedy"
    bound: float  # upper bound on the gain
    seconds: float
    size: dict = field(default_factory=dict)


def _coverage_model(inst: _Instance) -> tuple[list[np.ndarray], np.ndarray]:
    """Merged rows of the maximal covering problem: helping candidates per row and weights."""
    rows = np.flatnonzero(inst.base > inst.threshold)
    within = inst.row_cost(rows) <= inst.threshold
    has = within.any(axis=1)
    rows, within = rows[has], within[has]
    if not len(rows):
        return [], np.zeros(0)
    packed = np.packbits(within, axis=1)
    keys, inverse = np.unique(packed, axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=inst.weight[rows], minlength=len(keys))
    sets = [np.flatnonzero(np.unpackbits(key)[: within.shape[1]]) for key in keys]
    return sets, weights


def _mean_model(inst: _Instance) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """p-median savings: per candidate the savings of single-candidate rows (folded into x),
    and per multi-candidate row its candidates, savings and weight."""
    rows = np.flatnonzero(np.isfinite(inst.base))
    saving = np.maximum(0.0, inst.base[rows, None] - inst.row_cost(rows))
    saving[~np.isfinite(saving)] = 0.0
    n_help = (saving > 0).sum(axis=1)
    single = np.zeros(inst.cost.shape[1])
    one = n_help == 1
    if one.any():
        j = saving[one].argmax(axis=1)
        np.add.at(single, j, inst.weight[rows[one]] * saving[one][np.arange(one.sum()), j])
    multi = np.flatnonzero(n_help > 1)
    pairs = []
    for r in multi:
        js = np.flatnonzero(saving[r] > 0)
        pairs.append((js, saving[r, js]))
    return single, pairs, inst.weight[rows[multi]]


def _solve_cbc(inst: _Instance, k: int, objective: str, greedy: list[int],
               time_limit_s: float, relax: bool = False) -> tuple[list[int], float, str, dict]:
    import pulp

    m = inst.cost.shape[1]
    prob = pulp.LpProblem("plan", pulp.LpMaximize)
    cat = "Continuous" if relax else "Binary"
    x = [prob.add_variable(f"x{j}", lowBound=0, upBound=1, cat=cat) for j in range(m)]
    terms: dict = {}
    size = {"sites": m}
    if objective == "coverage":
        sets, weights = _coverage_model(inst)
        y = [prob.add_variable(f"y{r}", lowBound=0, upBound=1) for r in range(len(sets))]
        for r, s in enumerate(sets):
            terms[y[r]] = float(weights[r])
            prob += pulp.LpAffineExpression([(y[r], 1.0)] + [(x[j], -1.0) for j in s]) <= 0
        size["rows"] = len(sets)
    else:
        single, pairs, weights = _mean_model(inst)
        for j in np.flatnonzero(single > 0):
            terms[x[j]] = float(single[j])
        n_z = 0
        for r, (js, sav) in enumerate(pairs):
            zs = [prob.add_variable(f"z{r}_{j}", lowBound=0, upBound=1) for j in js]
            n_z += len(zs)
            for z, j, s in zip(zs, js, sav, strict=True):
                terms[z] = float(weights[r] * s)
                prob += pulp.LpAffineExpression([(z, 1.0), (x[j], -1.0)]) <= 0
            prob += pulp.LpAffineExpression([(z, 1.0) for z in zs]) <= 1
        size.update(rows=len(pairs), assignments=n_z)
    prob += pulp.LpAffineExpression(list(terms.items()))
    prob += pulp.LpAffineExpression([(v, 1.0) for v in x]) == k
    if not relax:
        for j, v in enumerate(x):
            v.setInitialValue(1.0 if j in set(greedy) else 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, warmStart=not relax))
    value = float(pulp.value(prob.objective) or 0.0)
    if relax:
        return [], value, "relaxation", size
    if prob.sol_status == pulp.LpSolutionOptimal:
        status = "optimal"
    elif prob.sol_status == pulp.LpSolutionIntegerFeasible:
        status = "time limit"
    else:
        return list(greedy), -np.inf, "failed", size
    chosen = [j for j, v in enumerate(x) if (v.value() or 0.0) > 0.5]
    return chosen, value, status, size


#: Largest p-median programme (assignment variables) handed to CBC. Beyond it (a sparse
#: existing network, e.g. 19 known servicekontor: half a million pairs) CBC needs minutes, so
#: the sites come from greedy + interchange and the gap from a Lagrangian bound instead.
MAX_ASSIGNMENTS = 60_000


def _interchange(sav: np.ndarray, chosen: list[int], max_passes: int = 50) -> list[int]:
    """Teitz-Bart interchange on f(X) = sum_r max(0, max_{j in X} sav[r, j]): swap a chosen
    site for another while that raises f (first improvement per chosen site)."""
    chosen = list(chosen)
    if not chosen or len(chosen) >= sav.shape[1]:
        return chosen
    for _ in range(max_passes):
        improved = False
        for pos in range(len(chosen)):
            sub = sav[:, chosen]
            order = np.argsort(-sub, axis=1)
            best1 = np.maximum(0.0, np.take_along_axis(sub, order[:, :1], axis=1)[:, 0])
            best2 = (np.maximum(0.0, np.take_along_axis(sub, order[:, 1:2], axis=1)[:, 0])
                     if sub.shape[1] > 1 else np.zeros(len(sub)))
            owner = order[:, 0]
            cur = np.where((owner == pos) & (best1 > 0), best2, best1)
            loss = float((best1 - cur).sum())
            gain = np.maximum(0.0, sav - cur[:, None]).sum(axis=0)
            gain[chosen] = -np.inf
            j = int(np.argmax(gain))
            if gain[j] > loss * (1 + 1e-12) + 1e-9:
                chosen[pos] = j
                improved = True
        if not improved:
            break
    return chosen


def _lagrange_bound(sav: np.ndarray, k: int, chosen: list[int], iters: int = 600) -> float:
    """Upper bound on max f(X), |X| = k: the Lagrangian relaxation of "each row served once",
    UB(lam) = sum(lam) + the k largest sum_r max(0, sav[r, j] - lam_r), by subgradient."""
    r_idx, c_idx = np.nonzero(sav)
    data = sav[r_idx, c_idx]
    n, m = sav.shape
    if k >= m:
        return float(sav.max(axis=1).sum())
    lam = np.maximum(0.0, sav[:, chosen].max(axis=1))  # each row's share of the primal solution
    start = float(lam.sum())
    best, theta, stall = np.inf, 2.0, 0
    for _ in range(iters):
        vals = data - lam[r_idx]
        pos = vals > 0
        rho = np.bincount(c_idx[pos], vals[pos], minlength=m)
        top = np.argpartition(-rho, k - 1)[:k] if k else np.zeros(0, dtype=int)
        ub = float(lam.sum() + rho[top].sum())
        if not np.isfinite(best) or ub < best - 1e-9 * abs(best):
            best, stall = ub, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
                if theta < 1e-4:
                    break
        in_top = np.zeros(m, dtype=bool)
        in_top[top] = True
        cnt = np.bincount(r_idx[pos & in_top[c_idx]], minlength=n)
        g = 1.0 - cnt
        norm = float((g * g).sum())
        if norm == 0:
            break
        lam = np.maximum(0.0, lam - theta * (ub - start) / norm * g)
    return best


def _solve(inst: _Instance, k: int, objective: str, solve: str, time_limit_s: float) -> _Solution:
    t0 = time.perf_counter()
    m = inst.cost.shape[1]
    mat = _matrix(inst, objective)
    base_gain = mat.sum(axis=0) if len(mat) else np.zeros(m)
    useful = np.flatnonzero(base_gain > 0)
    greedy, gains, seen = _greedy(mat, min(k, len(useful)), allowed=base_gain > 0)
    g_bound = _greedy_bound(gains, seen, k) if seen else 0.0
    g_gain = float(sum(gains))
    if solve == "greedy" or k == 0 or len(useful) <= k or not len(useful):
        exact = len(useful) <= k  # every helpful site chosen: nothing better exists
        chosen = _fill(greedy, k, m)
        return _Solution(chosen, g_gain, "optimal" if exact or k == 0 else "greedy",
                         g_gain if exact or k == 0 else g_bound, time.perf_counter() - t0)
    # restrict the programme to the helpful candidates
    sub = _Instance(inst.point, inst.weight, inst.base, inst.cost[:, useful], inst.threshold, inst.total,
                    inst.unreachable)
    pos = {int(j): i for i, j in enumerate(useful)}
    start = [pos[j] for j in greedy]
    if objective == "mean":
        sav = mat[:, useful]
        sav = sav[(sav > 0).any(axis=1)]
        start = _interchange(sav, start)
        n_pairs = int(((sav > 0).sum(axis=1) * ((sav > 0).sum(axis=1) > 1)).sum())
        if n_pairs > MAX_ASSIGNMENTS:
            chosen = [int(useful[i]) for i in start]
            gain = _total_gain(inst, chosen, objective)
            bound = min(g_bound, _lagrange_bound(sav, k, start))
            status = "optimal" if bound - gain <= 1e-6 * max(1.0, bound) else "heuristic"
            size = {"sites": len(useful), "rows": len(sav), "assignments": n_pairs}
            return _Solution(_fill(chosen, k, m), gain, status, max(bound, gain), time.perf_counter() - t0, size)
        g_gain = max(g_gain, _total_gain(inst, [int(useful[i]) for i in start], objective))
        greedy = [int(useful[i]) for i in start]
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    chosen_sub, value, status, size = _solve_cbc(sub, k, objective, start, left)
    chosen = [int(useful[i]) for i in chosen_sub]
    gain = _total_gain(inst, chosen, objective) if status != "failed" else -np.inf
    if status != "optimal" or gain < g_gain - 1e-9 * max(1.0, g_gain):
        if gain < g_gain:
            chosen, gain = list(greedy), g_gain
        _, lp, _, _ = _solve_cbc(sub, k, objective, [], max(1.0, time_limit_s / 4), relax=True)
        bound = min(g_bound, lp)
        status = "optimal" if bound - gain <= 1e-6 * max(1.0, bound) else "time limit"
    else:
        bound = gain
    return _Solution(_fill(chosen, k, m), gain, status, max(bound, gain), time.perf_counter() - t0, size)


def _fill(chosen: list[int], k: int, m: int) -> list[int]:
    """Pad with sites of no gain (in candidate order) up to ``k`` (at most all candidates)."""
    out = list(chosen)
    for j in range(m):
        if len(out) >= min(k, m):
            break
        if j not in out:
            out.append(j)
    return out


def _total_gain(inst: _Instance, chosen: list[int], objective: str) -> float:
    cur = _current(inst, chosen)
    if objective == "coverage":
        return _value(inst, inst.base, objective) - _value(inst, cur, objective)
    ok = np.isfinite(inst.base)
    return float((inst.weight[ok] * (inst.base[ok] - cur[ok])).sum())


def _order(inst: _Instance, chosen: list[int], objective: str) -> tuple[list[int], list[float]]:
    """The chosen sites in order of marginal gain given the ones before (greedy within the set)."""
    allowed = np.zeros(inst.cost.shape[1], dtype=bool)
    allowed[chosen] = True
    order, gains, _ = _greedy(_matrix(inst, objective), len(chosen), allowed=allowed)
    return order, gains


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    inst: _Instance
    sets: _OfficeSets
    cand: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    objective: str
    metric: str
    threshold: float
    unit: str
    group: str
    method: str
    network: str
    graph: Any = None


def _checked(existing: Any, demand: Any, threshold_km: float | None, threshold_min: float | None,
             group: str | None, draws: Any) -> tuple[str, float, str, str, _OfficeSets, gpd.GeoDataFrame]:
    """The checks every planner shares: (metric, threshold, unit, group, office sets, demand)."""
    metric, threshold, unit = _metric(threshold_km, threshold_min)
    if existing is not None and not isinstance(existing, gpd.GeoDataFrame):
        raise PlanError(f"existing must be a GeoDataFrame of offices, not {type(existing).__name__}")
    group = _group(group, existing, getattr(draws, "offices", None))
    return metric, threshold, unit, group, _office_sets(existing, draws, group), _check_demand(demand)


def _site_costs(demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, graph: Any, metric: str) -> pd.DataFrame:
    """Demand points x candidate sites cost matrix (km or min), far sites kept."""
    return od_matrix(demand, sites.assign(office_id=sites["site_id"], org="plan"), graph, metric=metric,
                     far_offices="keep", progress=False)


def _prepare(existing: Any, *, demand: Any, objective: Any, threshold_km: float | None,
             threshold_min: float | None, candidates: Any, graph: Any, group: str | None,
             draws: Any) -> _Prepared:
    objective = _check_objective(objective)
    metric, threshold, unit, group, sets, demand = _checked(existing, demand, threshold_km, threshold_min,
                                                            group, draws)
    if candidates is None:
        cand = default_candidates(sets.certain(), group=group)
        if not len(cand):
            raise PlanError(f"every kommun has an {GROUP_OFFICE_LABEL[group]}: there is no default candidate; "
                            "pass candidates=")
    else:
        cand = _check_candidates(candidates)
    bases = _bases(sets, demand, graph, metric)
    cost = _site_costs(demand, cand, graph, metric)
    prov = get_provenance(cost)
    weights = pd.to_numeric(demand["population"]).to_numpy(dtype=float)
    inst = _instance(bases, weights, cost.to_numpy(dtype=float), threshold)
    return _Prepared(inst, sets, cand, demand, objective, metric, threshold, unit, group,
                     prov.get("method", ""), prov.get("network", ""), graph)


def _gain_column(p: _Prepared) -> str:
    if p.objective == "coverage":
        return f"gain_pop_within_{p.threshold:g}{p.unit}"
    return f"gain_mean_{'time' if p.metric == 'time' else 'dist'}_{p.unit}"


def _value_column(p: _Prepared) -> str:
    if p.objective == "coverage":
        return f"pop_over_{p.threshold:g}{p.unit}"
    return f"{'time' if p.metric == 'time' else 'dist'}_mean_{p.unit}"


def plan_offices(
    existing: gpd.GeoDataFrame | None,
    k: int,
    *,
    demand: gpd.GeoDataFrame | None = None,
    objective: str = "coverage",
    threshold_km: float | None = None,
    threshold_min: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    group: str | None = None,
    draws: Any = None,
    solve: str = "optimal",
    time_limit_s: float = 60.0,
) -> gpd.GeoDataFrame:
    """Choose ``k`` new office sites with every existing office kept.

    Parameters
    ----------
    existing : GeoDataFrame or None
        The offices kept (``office_id``, ``org``, ``name``, ``kommunkod``, geometry), e.g.
        :func:`narvaro.load_offices`. Only offices of ``group`` count. ``None`` with ``draws``.
    k : int
        Offices to add (0 or more).
    demand : GeoDataFrame, optional
        Points with ``population``; default :func:`narvaro.load_demand_points`.
    objective : {"coverage", "mean"}
        ``"coverage"``: fewest residents beyond the threshold (maximal covering);
        ``"mean"``: lowest population-weighted mean distance or time (p-median).
    threshold_km, threshold_min : float, optional
        The threshold, by road distance (default 25 km) or by car time. ``threshold_min``
        makes time the metric of both objectives.
    candidates : GeoDataFrame, optional
        Candidate points (any set; ``site_id``, ``name``, ``kommunkod`` used if present).
        Default :func:`default_candidates`: the centralort and every tätort of at least 2,000
        residents in each kommun without an office of the group.
    graph : RoadGraph, optional
        Road mode; ``None``: estimate mode (straight line x circuity).
    group : {"af", "ssc", "any"}, optional
        Which offices count as existing; default from the offices' ``org``.
    draws : object, optional
        Joint draws of an incomplete office list: ``.offices`` (GeoDataFrame) and ``.mask``
        (bool, draws x offices), e.g. ``narvaro.office_draws(...)[scenario]``. The plan
        minimises the objective averaged over the draws; ``existing`` (if given) is added to
        every draw.
    solve : {"optimal", "greedy"}
        CBC (proven optimum or the gap reported), or the greedy heuristic alone.
    time_limit_s : float
        CBC's time limit.

    Returns
    -------
    GeoDataFrame
        ``k`` rows in order (each site's gain is given the sites above it): ``rank``,
        ``site_id``, ``name``, ``kind``, ``kommunkod``, ``kommunnamn``, the gain
        (``gain_pop_within_25km``: residents newly within the threshold, or
        ``gain_mean_dist_km`` / ``gain_mean_time_min``: drop of the mean), the objective after
        the site (``pop_over_25km`` or ``dist_mean_km`` / ``time_mean_min``),
        ``already_within`` (share of the office sets in which the site already lies within
        the threshold of an office) and ``office_in_kommun`` (share of the office sets with an
        office of the group in the site's kommun); both are 0 or 1 without draws.
        ``.attrs["narvaro"]`` holds the provenance (method, office lists) and ``plan``: the
        office set assumed, objective, threshold, value before and after, solver status
        ("optimal", "time limit" with ``gap``, or "greedy"), seconds and programme size.
        :func:`describe_plan` renders it.

    Raises
    ------
    PlanError
        k < 0, an unknown objective or group, a bad threshold, no candidates, bad draws.
    """
    k = _check_k(k)
    if solve not in ("optimal", "greedy"):
        raise PlanError(f"solve must be 'optimal' or 'greedy', not {solve!r}")
    p = _prepare(existing, demand=demand, objective=objective, threshold_km=threshold_km,
                 threshold_min=threshold_min, candidates=candidates, graph=graph, group=group, draws=draws)
    m = len(p.cand)
    if k > m:
        raise PlanError(f"k={k} is more than the {m} candidate sites")
    sol = _solve(p.inst, k, p.objective, solve, time_limit_s)
    order, gains = _order(p.inst, sol.chosen, p.objective)
    return _result(p, order, gains, sol, k)


def _result(p: _Prepared, order: list[int], gains: list[float], sol: _Solution, k: int) -> gpd.GeoDataFrame:
    inst = p.inst
    scale = 1.0 if p.objective == "coverage" else 1.0 / max(inst.total, 1e-300)
    cols = ["site_id", "name", "kind", "kommunkod", "kommunnamn"]
    out = p.cand.iloc[order][cols + ["geometry"]].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(order) + 1))
    out[_gain_column(p)] = np.asarray(gains) * scale
    before = _value(inst, inst.base, p.objective)
    after = [_value(inst, _current(inst, order[: i + 1]), p.objective) for i in range(len(order))]
    out[_value_column(p)] = after
    out["already_within"] = _already_within(p, order)
    out["office_in_kommun"] = p.sets.in_kommun_share(out["kommunkod"].to_numpy(dtype=object))
    out["method"] = p.method
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=settings.CRS_COMPUTE)
    gap = max(0.0, sol.bound - sol.gain) * scale
    info = {
        "office_set": p.sets.label,
        "draws": p.sets.n_draws if p.sets.mask is not None else 0,
        "group": p.group,
        "objective": p.objective,
        "metric": p.metric,
        "threshold": p.threshold,
        "unit": p.unit,
        "k": k,
        "candidates": len(p.cand),
        "value_before": before,
        "value_after": after[-1] if after else before,
        "value_column": _value_column(p),
        "gain_column": _gain_column(p),
        "population": inst.total,
        "unreachable": inst.unreachable,
        "status": sol.status,
        "gap": gap,
        "seconds": round(sol.seconds, 2),
        "size": sol.size,
    }
    set_provenance(out, method=p.method, network=p.network, offices=p.sets.prov,
                   population=get_provenance(p.demand).get("population"), plan=info)
    return out


def _already_within(p: _Prepared, order: list[int]) -> np.ndarray:
    """Share of the office sets in which each chosen site lies within the threshold of an office."""
    if not order:
        return np.zeros(0)
    sites = p.cand.iloc[order]
    bases = _bases(p.sets, sites, p.graph, p.metric)
    return (bases <= p.threshold).mean(axis=0)


def plan_curve(
    existing: gpd.GeoDataFrame | None,
    k_max: int = 30,
    *,
    demand: gpd.GeoDataFrame | None = None,
    objective: str = "coverage",
    threshold_km: float | None = None,
    threshold_min: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    group: str | None = None,
    draws: Any = None,
    solve: str = "greedy",
    time_limit_s: float = 60.0,
) -> pd.DataFrame:
    """The objective against the number of added offices, 0 to ``k_max``.

    Parameters
    ----------
    existing, demand, objective, threshold_km, threshold_min, candidates, graph, group, draws
        As for :func:`plan_offices`.
    k_max : int
        Largest number of added offices.
    solve : {"greedy", "optimal"}
        ``"greedy"`` (default): one greedy run, site by site, with the best possible value
        for each k from submodularity (so the gap is stated); ``"optimal"``: CBC for every k
        (the sites of k and k + 1 need not be nested).
    time_limit_s : float
        CBC's time limit per k (``solve="optimal"``).

    Returns
    -------
    DataFrame
        One row per k: ``k``, the value (``pop_over_25km``, or ``dist_mean_km`` /
        ``time_mean_min``), ``gain`` (improvement over k - 1), ``best_possible`` (no choice of
        k sites does better), ``gap`` (value minus best_possible; 0 when proven optimal),
        ``status``, and for the greedy curve the site added at k (``site_id``, ``name``,
        ``kommunnamn``). ``.attrs["narvaro"]`` as for :func:`plan_offices`.
    """
    k_max = _check_k(k_max, "k_max")
    if solve not in ("optimal", "greedy"):
        raise PlanError(f"solve must be 'optimal' or 'greedy', not {solve!r}")
    p = _prepare(existing, demand=demand, objective=objective, threshold_km=threshold_km,
                 threshold_min=threshold_min, candidates=candidates, graph=graph, group=group, draws=draws)
    inst = p.inst
    k_max = min(k_max, len(p.cand))
    scale = 1.0 if p.objective == "coverage" else 1.0 / max(inst.total, 1e-300)
    before = _value(inst, inst.base, p.objective)
    chosen, gains, seen = _greedy(_matrix(inst, p.objective), k_max)
    rows = [{"k": 0, "value": before, "gain": 0.0, "best_possible": before, "status": "optimal",
             "site_id": "", "name": "", "kommunnamn": ""}]
    for k in range(1, k_max + 1):
        bound = _greedy_bound(gains, seen, k) * scale
        if solve == "optimal":
            sol = _solve(inst, k, p.objective, "optimal", time_limit_s)
            value = _value(inst, _current(inst, sol.chosen), p.objective)
            best = before - sol.bound * scale
            site = {"site_id": "", "name": "", "kommunnamn": ""}
            status = sol.status
        else:
            value = _value(inst, _current(inst, chosen[:k]), p.objective)
            best = before - bound
            j = chosen[k - 1]
            site = {c: p.cand[c].iat[j] for c in ("site_id", "name", "kommunnamn")}
            status = "optimal" if value - best <= 1e-9 * max(1.0, abs(best)) else "greedy"
        rows.append({"k": k, "value": value, "gain": rows[-1]["value"] - value,
                     "best_possible": min(best, value), "status": status, **site})
    table = pd.DataFrame(rows)
    table["gap"] = table["value"] - table["best_possible"]
    table = table.rename(columns={"value": _value_column(p)})
    cols = ["k", _value_column(p), "gain", "best_possible", "gap", "status", "site_id", "name", "kommunnamn"]
    table = table[cols]
    info = {"office_set": p.sets.label, "group": p.group, "objective": p.objective, "metric": p.metric,
            "threshold": p.threshold, "unit": p.unit, "value_column": _value_column(p), "solve": solve,
            "population": inst.total, "candidates": len(p.cand)}
    set_provenance(table, method=p.method, network=p.network, offices=p.sets.prov,
                   population=get_provenance(p.demand).get("population"), plan=info)
    return table


def plot_plan_curve(curve: pd.DataFrame, path: Any = None, *, ax: Any = None, title: str | None = None,
                    optimum: tuple[int, float] | None = None) -> Any:
    """Plot a :func:`plan_curve` table: the objective against the number of added offices.

    Parameters
    ----------
    curve : DataFrame
        From :func:`plan_curve`.
    path : str or Path, optional
        Write a PNG there (folders created).
    ax : matplotlib Axes, optional
        Draw into it (default a new figure).
    title : str, optional
        Default from the objective.
    optimum : (k, value), optional
        A proven optimum to mark (e.g. from :func:`plan_offices`' ``value_after``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from pathlib import Path

    from matplotlib.figure import Figure

    info = get_provenance(curve).get("plan", {})
    col = info.get("value_column") or curve.columns[1]
    if ax is None:
        fig = Figure(figsize=(8, 4.5), dpi=110)
        ax = fig.subplots()
    else:
        fig = ax.figure
    y = curve[col].to_numpy(dtype=float)
    scale, ylabel = (1e3, "residents (thousands)") if col.startswith("pop_") else (1.0, col.replace("_", " "))
    ax.plot(curve["k"], y / scale, marker="o", ms=3, label=f"plan ({info.get('solve', 'greedy')})")
    if (curve["gap"] > 0).any():
        ax.fill_between(curve["k"], curve["best_possible"] / scale, y / scale, alpha=0.25,
                        label="gap to the best possible (bound)")
    if optimum is not None:
        ax.plot([optimum[0]], [optimum[1] / scale], marker="*", ms=12, ls="none", color="#b2182b",
                label=f"optimal for {optimum[0]} (CBC)")
    what = (f"residents beyond {info.get('threshold', 0):g} {info.get('unit', '')}" if col.startswith("pop_")
            else f"population-weighted mean {'time' if info.get('metric') == 'time' else 'distance'}")
    ax.set_xlabel("offices added")
    ax.set_ylabel(ylabel)
    ax.set_title(title or f"{what.capitalize()} against the number of added offices")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    import textwrap

    fig.text(0.01, 0.005, "\n".join(textwrap.wrap(describe(curve), 190)[:3]), fontsize=5.5, color="0.35")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    return fig


def _as_offices(sites: gpd.GeoDataFrame, org: str, name: str) -> gpd.GeoDataFrame:
    """Added sites as office rows for :func:`nearest_office` (only their positions matter there)."""
    sites = to_compute_crs(sites, f"The sites of {name!r}")
    ids = [f"{name}:{i}" for i in range(len(sites))]
    return gpd.GeoDataFrame({"office_id": ids, "org": org, "name": ids}, geometry=sites.geometry.values,
                            crs=settings.CRS_COMPUTE)


def plan_effect(
    existing: gpd.GeoDataFrame,
    added: dict[str, gpd.GeoDataFrame] | gpd.GeoDataFrame,
    *,
    demand: gpd.GeoDataFrame | None = None,
    graph: Any = None,
    threshold_km: float = DEFAULT_THRESHOLD_KM,
    group: str | None = None,
) -> pd.DataFrame:
    """Residents beyond the threshold and the mean distance and time, before and after adding sites.

    Parameters
    ----------
    existing : GeoDataFrame
        The offices kept.
    added : GeoDataFrame or dict name -> GeoDataFrame
        Sets of added sites (e.g. ``plan_offices(...)`` and the government's list), points.
    demand, graph, group
        As for :func:`plan_offices`.
    threshold_km : float
        Distance threshold for ``pop_over_<T>km``.

    Returns
    -------
    DataFrame
        Index ``"existing"`` plus one row per set: ``added``, ``pop_over_<T>km``,
        ``share_over_<T>km``, ``dist_mean_km``, ``time_mean_min``; provenance in ``.attrs``.
    """
    group = _group(group, existing)
    base = _of_group(existing, group)
    if base is None or not len(base):
        raise PlanError(f"no existing {GROUP_OFFICE_LABEL[group]} to keep")
    demand = _check_demand(demand)
    sets = {"existing": None, **(added if isinstance(added, dict) else {"added": added})}
    org = GROUP_ORGS[group][-1]
    w = pd.to_numeric(demand["population"]).to_numpy(dtype=float)
    rows, prov = {}, {}
    for name, sites in sets.items():
        offices = base if sites is None or not len(sites) else gpd.GeoDataFrame(
            pd.concat([to_compute_crs(base), _as_offices(sites, org, name)], ignore_index=True),
            geometry="geometry", crs=settings.CRS_COMPUTE)
        near = nearest_office(demand, offices, graph, far_offices="keep")
        prov = get_provenance(near)
        d = near["distance_km"].to_numpy(dtype=float)
        t = near["time_min"].to_numpy(dtype=float)
        ok = np.isfinite(d)
        over = float(w[~ok].sum() + w[ok][d[ok] > threshold_km].sum())
        rows[name] = {
            "added": 0 if sites is None else len(sites),
            f"pop_over_{threshold_km:g}km": over,
            f"share_over_{threshold_km:g}km": over / w.sum(),
            "dist_mean_km": float((w[ok] * d[ok]).sum() / w[ok].sum()),
            "time_mean_min": float((w[ok] * t[ok]).sum() / w[ok].sum()),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    label, oprov = _office_label(existing)
    set_provenance(table, method=prov.get("method"), network=prov.get("network"), offices=oprov,
                   population=get_provenance(demand).get("population"))
    return table


def describe_plan(result: pd.DataFrame) -> str:
    """A few lines on a :func:`plan_offices` result: the office set assumed, the objective
    before and after, the solver's status and the provenance line."""
    info = get_provenance(result).get("plan", {})
    if not info:
        return describe(result)
    unit = info.get("unit", "")
    if info.get("objective") == "coverage":
        what = f"residents beyond {info['threshold']:g} {unit}"
        fmt = "{:,.0f}"
    else:
        what = f"population-weighted mean {'time' if info.get('metric') == 'time' else 'distance'} ({unit})"
        fmt = "{:.2f}"
    status = info.get("status", "")
    if status == "optimal":
        solver = "proven optimal (CBC)" if info.get("k") else "nothing to solve"
    elif status in ("greedy", "heuristic"):
        how = "greedy" if status == "greedy" else "greedy + interchange (too large for CBC in time)"
        solver = f"{how}; at most {fmt.format(info.get('gap', 0.0))} from the optimum"
    else:
        solver = f"CBC stopped at its time limit; at most {fmt.format(info.get('gap', 0.0))} from the optimum"
    label = GROUP_OFFICE_LABEL.get(info.get("group", ""), "office")
    if info.get("k") != 1:  # "2 new AF offices"; servicekontor is its own plural
        label = label.replace("office", "offices")
    lines = [
        f"Plan: {info.get('k')} new {label} "
        f"({info.get('objective')}, {info.get('candidates')} candidate sites), {solver}, "
        f"{info.get('seconds', 0):.1f} s.",
        f"Assumed office set: {info.get('office_set')}.",
        f"{what.capitalize()}: {fmt.format(info['value_before'])} -> {fmt.format(info['value_after'])}.",
    ]
    if info.get("unreachable"):
        lines.append(f"{info['unreachable']:,.0f} residents reach no office or site on the graph (left out).")
    lines.append(describe(result))
    return "\n".join(lines)


#: The office sets :func:`assumed_offices` can plan on.
ASSUMPTIONS: tuple[str, ...] = ("known", "confirmed", "candidates")


def assumed_offices(scenario: str, assume: str = "known") -> gpd.GeoDataFrame:
    """The office set a plan for ``scenario`` keeps, with a provenance label saying which.

    Parameters
    ----------
    scenario : str
        A network or "+" combination (see :func:`narvaro.load_offices`).
    assume : {"known", "confirmed", "candidates"}
        ``"confirmed"``: the listed offices only; ``"known"`` (default): those plus a
        candidate office in every kommun whose presence is deduced by a rule without an office
        row; ``"candidates"``: a candidate in every kommun not pinned down as well (the most
        offices the record allows). For joint draws pass ``draws=`` to :func:`plan_offices`.

    Returns
    -------
    GeoDataFrame
        The offices (EPSG:3006); ``.attrs["narvaro"]["offices"]`` ends with a line saying
        which set was assumed.
    """
    from ..offices.load import load_offices
    from ..offices.sources import NETWORKS
    from ..offices.status import STATUS_RULES, office_status

    if assume not in ASSUMPTIONS:
        raise PlanError(f"unknown office assumption {assume!r}; choose from {', '.join(ASSUMPTIONS)}")
    offices = load_offices(scenario, include_candidates=assume != "confirmed")
    prov = list(get_provenance(offices).get("offices") or [])
    prov = [o for o in prov if "candidate" not in str(o.get("name", ""))]
    if assume == "known" and "basis" in offices.columns:
        # (org, kommunkod): a kommun deduced to have an SSC servicekontor keeps no AF candidate
        deduced: set[tuple[str, str]] = set()
        for part in [scenario] if scenario in STATUS_RULES else scenario.split("+"):
            if part in STATUS_RULES:
                st = office_status(part)
                org = NETWORKS[part.split("+")[0]].org
                deduced |= {(org, k) for k in st.loc[(st["status"] == "confirmed") & (st["n_offices"] == 0),
                                                     "kommunkod"]}
        is_deduced = [(o, k) in deduced for o, k in zip(offices["org"], offices["kommunkod"], strict=True)]
        keep = (offices["basis"] != "candidate") | np.asarray(is_deduced, dtype=bool)
        n_ded = int((keep & (offices["basis"] == "candidate")).sum())
        offices = offices[keep]
        note = (f"planned on the listed offices plus {n_ded} kommuner whose office is deduced; kommuner of "
                "unknown status count as without an office")
    elif assume == "candidates":
        n_c = int((offices["basis"] == "candidate").sum())
        note = (f"planned on the listed offices plus {n_c} candidate offices (every kommun not pinned down "
                "counts as having one: the fewest gaps the record allows)")
    else:
        note = "planned on the listed offices only; kommuner of unknown status count as without an office"
    prov.append({"name": f"plan assumption {assume}", "label": note})
    offices = gpd.GeoDataFrame(offices.reset_index(drop=True), geometry="geometry", crs=settings.CRS_COMPUTE)
    set_provenance(offices, offices=prov, scenario=scenario)
    return offices
