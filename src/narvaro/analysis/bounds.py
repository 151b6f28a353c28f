"""Ranges under incomplete office lists: simple ranges, count-constrained ranges, unknowns.

The public office lists are incomplete: for many kommuner it is not known whether the network
had an office there (status ``"unknown"``, see :func:`narvaro.offices.office_status`). For those
kommuner :func:`narvaro.offices.candidate_offices` proposes where the office would be. Every
figure then has a range:

Simple range ("confirmed .. confirmed + all candidates")
    ``X_max`` of a distance/time/count-beyond metric (and ``X_min`` of ``has_office``) comes from
    the confirmed offices only; the other end from the confirmed offices plus *all* candidates.
    Nearest-office distances can only fall when offices are added, so every monotone statistic
    (means, weighted quantiles, maxima, residents beyond a threshold) of any list between the
    two lies inside the range. It assumes the true offices of unknown kommuner stand at the
    candidate positions.
Range given the published count
    Where the number of kommuner with an office of the network is published (AF: 218 at the
    start of 2019, 106 at the end of 2020; SSC: 110 in December 2020,
    :func:`narvaro.offices.published_kommun_count`), exactly ``m = K - (kommuner confirmed)`` of the
    unknown kommuner have one. :func:`constrained_range` solves two small integer programmes
    per group and threshold with pulp's bundled CBC solver: a maximal covering problem (the
    best choice of ``m`` kommuner, fewest residents beyond the threshold) and its minimising
    twin (the worst choice). ``m`` is clamped to ``[0, number of unknown kommuner]`` and the
    clamp is reported when the published count does not fit the facts. spopt's ``MCLP`` has no
    per-network cardinality constraint nor a minimising twin, so the model is written in pulp
    directly (the same formulation as ``spopt.locate.MCLP``).
Unknowns ranked
    :func:`unknowns` lists each unknown kommun with the residents whose answer depends on it:
    residents beyond a threshold with the confirmed offices who would be within it if that
    kommun's candidate office existed (its marginal effect alone), sorted descending.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import CoverageInputError, NarvaroError
from ..network.distance import od_arrays
from ..offices.status import candidate_offices, office_status
from .intervals import DRAWS_ATTR
from .metrics import GROUP_ORGS, threshold_label, threshold_labels

__all__ = [
    "BOUNDS_ATTR",
    "BoundsInfo",
    "bounds_info",
    "Frozen",
    "span",
    "unknowns",
]

#: Key in ``cov.attrs`` of the :class:`BoundsInfo` that coverage(bounds=True) leaves.
BOUNDS_ATTR = "narvaro_bounds"

# --------------------------------------------------------------------------------------
# Small helpers used by coverage
# --------------------------------------------------------------------------------------
class Frozen(Mapping):
    """A read-only mapping that pandas can carry in ``.attrs`` without deep-copying it."""

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __deepcopy__(self, memo: dict) -> Frozen:
        return self

    def __repr__(self) -> str:
        return f"Frozen({len(self._data)} items)"


def span(a: Any, b: Any) -> tuple[Any, Any]:
    """Elementwise (min, max) of two arrays or scalars, ignoring NaN on one side."""
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.dtype == bool and b_arr.dtype == bool:
        lo, hi = np.logical_and(a_arr, b_arr), np.logical_or(a_arr, b_arr)
    else:
        lo, hi = np.fmin(a_arr, b_arr), np.fmax(a_arr, b_arr)
    if np.ndim(lo) == 0:
        return lo.item(), hi.item()
    return lo, hi


def collect_candidates(offices: pd.DataFrame, cand_mask: np.ndarray, candidates: pd.DataFrame | None) -> pd.DataFrame:
    """The candidate offices for the ranges: ``candidates`` if given, else the candidate rows of
    ``offices``, else :func:`narvaro.offices.candidate_offices` for each network in ``offices``."""
    if candidates is not None:
        out = candidates
    elif cand_mask.any():
        out = offices[cand_mask]
    else:
        frames = []
        nets = pd.unique(offices["network"].dropna()) if "network" in offices.columns else []
        for net in nets:
            try:
                frames.append(candidate_offices(net))
            except (AttributeError, NarvaroError, KeyError):  # a network without status rules
                continue
        frames = [f for f in frames if f is not None and len(f)]
        out = pd.concat(frames, ignore_index=True) if frames else offices.iloc[0:0]
    if len(out):
        crs = getattr(offices, "crs", None)
        if getattr(out, "crs", None) is not None and crs is not None and not out.crs.equals(crs):
            out = out.to_crs(crs)
        missing = [c for c in ("office_id", "org", "name", "kommunkod") if c not in out.columns]
        if missing:
            raise CoverageInputError("candidate offices lack columns",
                                     [{"row": "columns", "id": c, "problem": "missing"} for c in missing])
        bad_org = ~out["org"].isin(GROUP_ORGS["any"])
        if bad_org.any():
            raise CoverageInputError("candidate offices with an org other than 'af' or 'ssc'",
                                     [{"row": i, "id": r.office_id, "problem": f"org {r.org!r}"}
                                      for i, r in out[bad_org].iterrows()])
        dup = out["office_id"].isin(offices.loc[~cand_mask, "office_id"])
        if dup.any():
            raise CoverageInputError("candidate office ids repeat known office ids",
                                     [{"row": i, "id": v, "problem": "duplicate office_id"}
                                      for i, v in out.loc[dup, "office_id"].items()])
    return out


# --------------------------------------------------------------------------------------
# What coverage(bounds=True) keeps for the count-constrained range and the unknowns
# --------------------------------------------------------------------------------------
@dataclass(eq=False)
class BoundsInfo:
    """Compact facts for :func:`constrained_range` and :func:`unknowns` (kept in ``cov.attrs``).

    Attributes
    ----------
    groups : list of str
    km, mins : tuple of float
        Thresholds.
    codes : pandas.Index
        Kommunkoder in table order.
    kommunnamn : pandas.Series
        kommunkod -> name.
    networks : dict org -> network name
    status : dict network -> Series kommunkod -> status
    facilities : DataFrame
        One row per (network, unknown kommun) with candidates: ``network``, ``org``,
        ``kommunkod``, ``candidates`` (names), ``n_candidates``.
    weights : ndarray
        Residents of the relevant demand points (those beyond the smallest threshold, or
        unreachable, under some group's confirmed offices).
    beyond : dict (group, label) -> bool ndarray over the relevant points, under confirmed offices
    cover : dict label -> csr_matrix (points x facilities), True where the facility's candidate
        is within the threshold
    base : dict (group, label) -> national residents beyond under confirmed offices
    population : float
    """

    groups: list[str]
    km: tuple[float, ...]
    mins: tuple[float, ...]
    codes: pd.Index
    kommunnamn: pd.Series
    networks: dict[str, str]
    status: dict[str, pd.Series]
    facilities: pd.DataFrame
    weights: np.ndarray
    beyond: dict[tuple[str, str], np.ndarray]
    cover: dict[str, sparse.csr_matrix]
    base: dict[tuple[str, str], float]
    population: float
    kommun_population: pd.Series
    notes: list[str] = field(default_factory=list)

    def __deepcopy__(self, memo: dict) -> BoundsInfo:
        return self

    def __copy__(self) -> BoundsInfo:
        return self

    def labels(self) -> list[str]:
        """Threshold labels, distance first ("10km", ..., "30min", ...)."""
        return threshold_labels(self.km, self.mins)

    def group_networks(self, group: str) -> list[str]:
        """The networks whose offices a group uses."""
        return [self.networks[o] for o in GROUP_ORGS[group] if o in self.networks]

    def group_status(self, group: str) -> pd.Series:
        """Status per kommun for a group: confirmed if any of its networks is, else unknown if
        any is, else none."""
        parts = [self.status[n].reindex(self.codes) for n in self.group_networks(group)]
        frame = pd.concat(parts, axis=1)
        out = pd.Series("none", index=self.codes, dtype=object)
        out[(frame == "unknown").any(axis=1)] = "unknown"
        out[(frame == "confirmed").any(axis=1)] = "confirmed"
        return out


def _network_of(org: str, frames: Sequence[pd.DataFrame]) -> str:
    """The network of an org: the first one listed in the first frame that has the org
    (``af_2020`` in ``af_2020+af_2020_changes``), else the org itself."""
    for f in frames:
        if "network" in f.columns:
            nets = pd.unique(f.loc[f["org"] == org, "network"].dropna())
            if len(nets):
                return str(nets[0])
    return org


def _status_for(network: str, codes: pd.Index, conf: pd.DataFrame, cand: pd.DataFrame,
                override: Mapping[str, Any] | None, notes: list[str]) -> pd.Series:
    given = None
    if override is not None and network in override:
        given = override[network]
    else:
        try:
            given = office_status(network)
        except (AttributeError, NarvaroError, KeyError, ValueError):  # a network without status rules
            given = None
    if isinstance(given, pd.DataFrame):
        given = given.set_index("kommunkod")["status"]
    if given is not None and not set(codes) <= set(given.index):
        given = None
    base = given.reindex(codes) if given is not None else pd.Series("none", index=codes, dtype=object)
    base = base.astype(object)
    has_cand = codes.isin(cand["kommunkod"])
    has_conf = codes.isin(conf["kommunkod"])
    # a candidate in a kommun whose presence is deduced (status confirmed, no office row) stays
    # "confirmed": the office exists, only its position is unknown
    base[has_cand & ~has_conf & (base != "confirmed")] = "unknown"
    base[has_conf] = "confirmed"
    lone = (base == "unknown") & ~has_cand
    if lone.any():
        notes.append(f"{network}: {int(lone.sum())} unknown kommuner have no candidate office and are "
                     "treated as without an office in the ranges")
    return base


def deduced_offices(confirmed: pd.DataFrame, candidates: pd.DataFrame, codes: pd.Index,
                    status: Mapping[str, Any] | None = None) -> np.ndarray:
    """Which candidate rows stand for an office whose existence a status rule deduced.

    A kommun whose status is "confirmed" by a rule but that has no office row of its org, and
    exactly one candidate of that org, has that office for certain: only its position is a
    candidate (the kommun's central town). Such a row belongs with the confirmed offices in both
    hard bounds, as in every draw; the row keeps ``basis="candidate"``.

    Returns
    -------
    ndarray of bool
        One value per row of ``candidates``.
    """
    out = np.zeros(len(candidates), dtype=bool)
    if not len(candidates):
        return out
    for org in pd.unique(candidates["org"]):
        net = _network_of(org, [candidates, confirmed])
        conf = confirmed[confirmed["org"] == org]
        rows = (candidates["org"] == org).to_numpy()
        stat = _status_for(net, codes, conf, candidates[rows], status, [])
        kk = candidates["kommunkod"].to_numpy()
        n_cand = pd.Series(kk[rows]).value_counts()
        conf_codes = set(conf["kommunkod"])
        out |= rows & np.array([stat.get(k) == "confirmed" and k not in conf_codes and n_cand.get(k, 0) == 1
                                for k in kk])
    return out


def build_info(*, groups, demand, w, g, codes, confirmed, candidates, nearest, graph, km, mins,
               status, kommunnamn) -> BoundsInfo:
    """Collect the facts for the ranges (called by :func:`narvaro.analysis.coverage.coverage`)."""

    notes: list[str] = []
    orgs = sorted(set(confirmed["org"]) | set(candidates["org"]))
    # candidates carry the network whose status table placed them (e.g. af_2020+af_2020_changes)
    networks = {o: _network_of(o, [candidates, confirmed]) for o in orgs}
    stat = {}
    for o in orgs:
        net = networks[o]
        stat[net] = _status_for(net, codes, confirmed[confirmed["org"] == o],
                                candidates[candidates["org"] == o], status, notes)
    # facilities: one per (network, unknown kommun with candidates)
    cand = candidates.copy()
    cand["network_"] = cand["org"].map(networks)
    conf_codes = {o: set(confirmed.loc[confirmed["org"] == o, "kommunkod"]) for o in orgs}
    st_of = [stat[n].get(k) for n, k in zip(cand["network_"], cand["kommunkod"], strict=True)]
    keep = [s_ == "unknown" or (s_ == "confirmed" and k not in conf_codes[o])
            for s_, k, o in zip(st_of, cand["kommunkod"], cand["org"], strict=True)]
    cand = cand[np.asarray(keep, dtype=bool)]
    fac = (cand.groupby(["network_", "org", "kommunkod"], sort=True)
           .agg(candidates=("name", lambda s: "; ".join(map(str, s))), n_candidates=("name", "size"))
           .reset_index().rename(columns={"network_": "network"}))
    # fixed: the kommun has an office (deduced), only its position is a candidate
    fac["fixed"] = [stat[n].get(k) == "confirmed" for n, k in zip(fac["network"], fac["kommunkod"], strict=True)]
    # relevant points: beyond the smallest thresholds (or unreachable) under some group's confirmed list
    lab_km = [threshold_label(t, "km") for t in km]
    lab_min = [threshold_label(t, "min") for t in mins]
    lo_km = km[0] if km else np.inf
    lo_min = mins[0] if mins else np.inf
    relevant = np.zeros(len(w), dtype=bool)
    per_group = {}
    for gr in groups:
        near = nearest[gr][0]
        reach = near["reachable"].to_numpy(dtype=bool)
        d = np.where(reach, near["distance_km"].to_numpy(dtype=float), np.inf)
        t = np.where(reach, near["time_min"].to_numpy(dtype=float), np.inf)
        per_group[gr] = (d, t)
        relevant |= (d > lo_km) | (t > lo_min)
    idx = np.flatnonzero(relevant & (w > 0))
    beyond, base = {}, {}
    for gr in groups:
        d, t = per_group[gr]
        for lab, thr in zip(lab_km, km, strict=False):
            beyond[(gr, lab)] = d[idx] > thr
            base[(gr, lab)] = float(w[d > thr].sum())
        for lab, thr in zip(lab_min, mins, strict=False):
            beyond[(gr, lab)] = t[idx] > thr
            base[(gr, lab)] = float(w[t > thr].sum())
    cover: dict[str, sparse.csr_matrix] = {}
    n_f = len(fac)
    if n_f and len(idx):
        pts = demand.iloc[idx]
        col_fac = pd.MultiIndex.from_frame(fac[["network", "kommunkod"]])
        fac_pos = pd.Series(np.arange(n_f), index=col_fac)
        key = list(zip(cand["network_"], cand["kommunkod"], strict=False))
        cpos = fac_pos.reindex(pd.MultiIndex.from_tuples(key)).to_numpy()
        # one pass for both metrics, cut at the largest threshold: a trip beyond it covers nothing
        asked = tuple(m for m, ths in (("distance", km), ("time", mins)) if ths)
        arrays = od_arrays(pts, cand, graph, metrics=asked, limit_km=max(km) if km else None,
                           limit_min=max(mins) if mins else None, progress=False, dtype=np.float64)
        for metric, labs, ths in (("distance", lab_km, km), ("time", lab_min, mins)):
            if not ths:
                continue
            od = (arrays.distance_km if metric == "distance" else arrays.time_min).T
            best = np.full((len(idx), n_f), np.inf)
            for j in range(n_f):
                cols = np.flatnonzero(cpos == j)
                best[:, j] = od[:, cols].min(axis=1)
            for lab, thr in zip(labs, ths, strict=False):
                cover[lab] = sparse.csr_matrix(best <= thr)
    else:
        for lab in lab_km + lab_min:
            cover[lab] = sparse.csr_matrix((len(idx), n_f), dtype=bool)
    kpop = pd.Series(np.bincount(g, weights=w, minlength=len(codes)), index=codes)
    return BoundsInfo(groups=list(groups), km=tuple(km), mins=tuple(mins), codes=codes, kommunnamn=kommunnamn,
                      networks=networks, status=stat, facilities=fac, weights=w[idx], beyond=beyond, cover=cover,
                      base=base, population=float(w.sum()), kommun_population=kpop, notes=notes)


def status_labels(office_prov: list[dict], info: BoundsInfo) -> list[dict]:
    """Add "office status known for X of N kommuner" to the provenance entry of each network."""
    out = [dict(o) for o in office_prov]
    n = len(info.codes)
    for net, st in info.status.items():
        known = int((st != "unknown").sum())
        text = f"office status known for {known} of {n} kommuner"
        hit = [o for o in out if o.get("name") == net]
        if hit:
            for o in hit:
                o["status_known"] = known
                if "status known" not in (o.get("label") or ""):
                    o["label"] = f"{o.get('label') or net}; {text}"
        else:
            out.append({"name": net, "status_known": known, "label": f"{net}: {text}"})
    return out


def bounds_info(cov: pd.DataFrame) -> BoundsInfo:
    info = cov.attrs.get(BOUNDS_ATTR)
    if info is None:
        raise CoverageInputError(
            "this coverage table has no range information; compute it with coverage(..., bounds=True)")
    return info


# --------------------------------------------------------------------------------------
# Unknowns ranked
# --------------------------------------------------------------------------------------
def unknowns(cov: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The unknown kommuner per network, ranked by the residents whose answer depends on them.

    For every kommun whose office status is unknown and that has a candidate office, and every
    threshold T, ``pop_depends_over_T`` is the number of residents (anywhere, not only in that
    kommun) who are beyond T with the confirmed offices of the network's own group and within T
    if that kommun's candidate office existed (its marginal effect alone). ``kommun_population``
    are the residents whose presence answer ("is there an office in my kommun?") depends on it.

    Parameters
    ----------
    cov : GeoDataFrame
        From ``coverage(..., bounds=True)``.
    by : str, optional
        Threshold label to sort by (default "25km" if present, else the first threshold).

    Returns
    -------
    DataFrame
        ``rank``, ``network``, ``org``, ``kommunkod``, ``kommunnamn``, ``kommun_population``,
        ``candidates``, ``pop_depends_over_{T}`` for every threshold; sorted by ``by`` descending
        (ties by kommun population). Empty when nothing is unknown.
    """
    info = bounds_info(cov)
    labels = info.labels()
    by = by or ("25km" if "25km" in labels else (labels[0] if labels else None))
    if by is not None and by not in labels:
        raise CoverageInputError(f"unknown threshold {by!r}; choose one of {labels}")
    fac = info.facilities.copy()
    cols = ["rank", "network", "org", "kommunkod", "kommunnamn", "status", "kommun_population", "candidates"]
    cols += [f"pop_depends_over_{lab}" for lab in labels]
    if fac.empty:
        return pd.DataFrame(columns=cols)
    fac["kommunnamn"] = fac["kommunkod"].map(info.kommunnamn)
    fac["status"] = np.where(fac["fixed"], "confirmed, position unknown", "unknown")
    fac["kommun_population"] = fac["kommunkod"].map(info.kommun_population)
    for lab in labels:
        vals = np.zeros(len(fac))
        for org in ("af", "ssc"):  # a facility of org counts for the residents of the org's own group
            if org not in info.groups:
                continue
            sel = (fac["org"] == org).to_numpy()
            beyond = info.beyond[(org, lab)]
            gain = info.cover[lab].T.astype(float) @ (info.weights * beyond)
            vals[sel] = np.asarray(gain).ravel()[sel]
        fac[f"pop_depends_over_{lab}"] = vals
    keys = [f"pop_depends_over_{by}", "kommun_population"] if by else ["kommun_population"]
    values = cov.attrs.get(DRAWS_ATTR)
    if values is not None and by is not None:
        lan = cov.set_index("kommunkod")["lansnamn"] if "lansnamn" in cov.columns else pd.Series(dtype=object)
        fac = _value_of_knowing(fac, values, lan, by)
        cols += [c for c in fac.columns if c not in cols]
        keys = ["narrows_interval_by", "kommun_population"]
    fac = fac.sort_values(keys, ascending=False, ignore_index=True)
    fac["rank"] = np.arange(1, len(fac) + 1)
    return fac[cols]


#: Width of a 90 % interval in standard deviations of a normal distribution (2 x 1.645).
_Z90_WIDTH = 3.29


def _value_of_knowing(fac: pd.DataFrame, values: Any, lan: pd.Series, by: str) -> pd.DataFrame:
    """How much knowing each unknown kommun (and each län's unknowns together) would narrow the
    90 % interval of the national residents beyond ``by``, from the joint draws.

    Y is the national number of residents beyond the threshold for the kommun's own
    organisation (each resident counted once), X the kommun's office presence in each draw.
    Knowing X removes ``Var(E[Y | X]) = p (1 - p) (E[Y | X=1] - E[Y | X=0])^2`` of Var(Y); the
    reduction of the standard deviation, times 3.29, is the expected narrowing of a 90 %
    interval under a normal approximation. A län's unknowns are one question when one source
    (the county's list of kept offices) would answer them all: their joint effect is the
    variance of Y explained by a linear regression on all their presence indicators.
    """
    fac = fac.copy()
    codes = pd.Index(values.codes)
    fac["p_office"] = np.nan
    fac["narrows_interval_by"] = 0.0
    fac["question"] = ""
    fac["question_narrows_interval_by"] = 0.0
    for org in ("af", "ssc"):
        col = f"{org}_pop_over_{by}"
        has = values.per_kommun.get(f"{org}_has_office")
        if col not in values.national or has is None:
            continue
        y = values.national[col]
        sd = float(y.std())
        sel = np.flatnonzero((fac["org"] == org).to_numpy())
        pos = codes.get_indexer(fac["kommunkod"].iloc[sel])
        x = has[:, pos] > 0.5
        p = x.mean(axis=0)
        with np.errstate(invalid="ignore"):
            m1 = np.where(p > 0, (y[:, None] * x).sum(axis=0) / np.maximum(x.sum(axis=0), 1), 0.0)
            m0 = np.where(p < 1, (y[:, None] * ~x).sum(axis=0) / np.maximum((~x).sum(axis=0), 1), 0.0)
        explained = p * (1 - p) * (m1 - m0) ** 2
        fac.iloc[sel, fac.columns.get_loc("p_office")] = p
        fac.iloc[sel, fac.columns.get_loc("narrows_interval_by")] = _Z90_WIDTH * (
            sd - np.sqrt(np.maximum(sd**2 - explained, 0.0)))
        groups = fac["kommunkod"].iloc[sel].map(lan).astype(object).fillna("")
        for name, idx in groups.groupby(groups).groups.items():
            rows = fac.index.get_indexer(idx)
            xs = (has[:, codes.get_indexer(fac["kommunkod"].iloc[rows])] > 0.5).astype(float)
            design = np.column_stack([np.ones(len(y)), xs])
            coef, *_ = np.linalg.lstsq(design, y, rcond=None)
            joint = float(np.var(design @ coef))
            label = f"{org.upper()} offices in {name}" if name else f"{org.upper()} offices"
            fac.iloc[rows, fac.columns.get_loc("question")] = label
            fac.iloc[rows, fac.columns.get_loc("question_narrows_interval_by")] = _Z90_WIDTH * (
                sd - np.sqrt(max(sd**2 - joint, 0.0)))
    return fac
