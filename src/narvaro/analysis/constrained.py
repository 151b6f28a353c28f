"""The national range of residents beyond a threshold given a published number of kommuner.

Where the number of kommuner with an office of a network is published (AF: 218 at the start of
2019, 106 at the end of 2020; SSC: 110 in December 2020, see
:func:`narvaro.offices.published_kommun_count`), exactly ``m = K - (kommuner confirmed)``
of the unknown kommuner have an office. Two small integer programmes per group and threshold,
solved with the CBC solver bundled in pulp's wheel, give the best choice of ``m`` kommuner
(maximal covering: fewest residents beyond the threshold) and the worst (its minimising twin).
A kommun whose office is deduced (status "confirmed" without an office row) always counts as
open. spopt's ``MCLP`` has neither a per-network cardinality constraint nor the minimising twin,
so the model (the same covering formulation) is written in pulp directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from .. import settings
from ..offices.sources import published_kommun_count
from .bounds import bounds_info

__all__ = ["constrained_range"]


# --------------------------------------------------------------------------------------
# Count-constrained range
# --------------------------------------------------------------------------------------
def _solution_key(weights: np.ndarray, sets: list[np.ndarray], groups_of_fac: np.ndarray,
                  counts: dict[int, int | None], maximise: bool) -> str:
    """sha256 over everything that defines one covering programme."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(weights, dtype=np.float64).tobytes())
    for s in sets:
        digest.update(np.asarray(s, dtype=np.int64).tobytes() + b"|")
    digest.update(np.asarray(groups_of_fac, dtype=np.int64).tobytes())
    digest.update(json.dumps(sorted((int(k), v) for k, v in counts.items())).encode())
    digest.update(b"max" if maximise else b"min")
    return digest.hexdigest()


def _solve(weights: np.ndarray, sets: list[np.ndarray], groups_of_fac: np.ndarray,
           counts: dict[int, int | None], maximise: bool, time_limit_s: float) -> float | None:
    """Residents covered by the best (maximise) or worst choice of facilities; None if CBC did
    not prove optimality within the time limit.

    Proven optima are cached on disk (``cache_dir()/solutions``), keyed by the sha256 of the
    programme, so a second report on the same inputs does not solve again.
    """
    path = settings.cache_dir() / "solutions" / f"{_solution_key(weights, sets, groups_of_fac, counts, maximise)}.json"
    if path.is_file():
        return float(json.loads(path.read_text())["objective"])
    value = _solve_cbc(weights, sets, groups_of_fac, counts, maximise, time_limit_s)
    if value is not None:
        _write_atomic(path, json.dumps({"objective": value}))
    return value


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that no reader ever sees a partial file.

    The temporary name is unique per call (uuid4), so threads of one process and processes
    sharing the cache never remove each other's files; ``os.replace`` is atomic on POSIX and
    Windows, and two writers of one key write the same proven optimum.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _solve_cbc(weights: np.ndarray, sets: list[np.ndarray], groups_of_fac: np.ndarray,
               counts: dict[int, int | None], maximise: bool, time_limit_s: float) -> float | None:
    """Solve one covering programme with CBC (see :func:`_solve`)."""
    import pulp

    if not len(weights):
        return 0.0
    prob = pulp.LpProblem("cover", pulp.LpMaximize if maximise else pulp.LpMinimize)
    n_f = len(groups_of_fac)
    x = [prob.add_variable(f"x{j}", cat="Binary") for j in range(n_f)]
    y = [prob.add_variable(f"y{p}", lowBound=0, upBound=1) for p in range(len(weights))]
    prob += pulp.lpSum(float(wp) * yp for wp, yp in zip(weights, y, strict=False))
    for p, s in enumerate(sets):
        if maximise:
            prob += y[p] <= pulp.lpSum(x[j] for j in s)
        else:
            for j in s:
                prob += y[p] >= x[j]
    for net, m in counts.items():
        members = [x[j] for j in np.flatnonzero(groups_of_fac == net)]
        if m is not None and members:
            prob += pulp.lpSum(members) == m
    with warnings.catch_warnings():
        # pulp 3.x bundles CBC as PULP_CBC_CMD and announces its removal for pulp 4
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    if prob.sol_status != pulp.LpSolutionOptimal:
        return None
    return float(pulp.value(prob.objective) or 0.0)


def constrained_range(cov: pd.DataFrame, published: Mapping[str, int] | None = None,
                      groups: Sequence[str] | None = None, time_limit_s: float = 30.0,
                      workers: int | None = None) -> pd.DataFrame:
    """National range of residents beyond each threshold given the published office counts.

    Parameters
    ----------
    cov : GeoDataFrame
        From ``coverage(..., bounds=True)``.
    published : dict network -> int, optional
        Number of kommuner with an office per network; default :func:`published_kommun_count`.
        Networks without a count are unconstrained (any number of unknown kommuner).
    groups : sequence of str, optional
        Groups to solve (default all in the table).
    time_limit_s : float
        CBC time limit per problem; a side not proven optimal in time falls back to the simple
        range's end (still a valid bound) and the note says so.
    workers : int, optional
        Problems solved at once (CBC subprocesses); default the number of CPUs, at most 4.

    Returns
    -------
    DataFrame
        One row per group and threshold: ``group``, ``threshold`` ("25km"), ``pop_lo``,
        ``pop_hi``, ``share_lo``, ``share_hi`` (range given the count), ``simple_pop_lo``,
        ``simple_pop_hi`` (simple range), ``published`` ("af_2020=106"), ``m`` (unknown
        kommuner that must have an office, per network), ``range`` (which range this is),
        ``note`` (clamps and inconsistencies).
    """
    workers = workers or min(4, os.cpu_count() or 1)
    info = bounds_info(cov)
    fac = info.facilities
    rows: list[dict] = []
    jobs: list[tuple] = []
    for gr in groups or info.groups:
        nets = info.group_networks(gr)
        fac_in = np.flatnonzero(fac["network"].isin(nets).to_numpy()) if len(fac) else np.zeros(0, dtype=int)
        counts: dict[int, int | None] = {}
        pub_txt, m_txt, notes = [], [], []
        net_codes = {n: i for i, n in enumerate(nets)}
        for net in nets:
            n_unknown = int(((fac["network"] == net) & ~fac["fixed"]).sum()) if len(fac) else 0
            n_conf = int((info.status[net] == "confirmed").sum())
            got = published.get(net) if published is not None else published_kommun_count(net)
            k = got[0] if isinstance(got, tuple) else got
            if k is None:
                counts[net_codes[net]] = None
                notes.append(f"{net}: no published count (unconstrained)")
                continue
            m_raw = int(k) - n_conf
            m = min(max(m_raw, 0), n_unknown)
            if m != m_raw:
                notes.append(f"{net}: published {k} kommuner but {n_conf} confirmed and {n_unknown} unknown with "
                             f"a candidate; m clamped from {m_raw} to {m}")
            counts[net_codes[net]] = m
            pub_txt.append(f"{net}={k}")
            m_txt.append(f"{net}={m}")
        fac_net = np.array([net_codes[n] for n in fac["network"].iloc[fac_in]]) if len(fac_in) else np.zeros(0)
        # a deduced office (fixed) always exists: its own "network" code -1 with count = all of them
        fixed = fac["fixed"].to_numpy(dtype=bool)[fac_in] if len(fac_in) else np.zeros(0, dtype=bool)
        fac_net = np.where(fixed, -1, fac_net)
        counts_g = dict(counts)
        if fixed.any():
            counts_g[-1] = int(fixed.sum())
        label = ("range given the published count of " + ", ".join(pub_txt) + " kommuner with an office"
                 if pub_txt else "simple range (no published count)")
        for lab in info.labels():
            beyond = info.beyond[(gr, lab)]
            base = info.base[(gr, lab)]
            a = info.cover[lab][beyond][:, fac_in] if len(fac_in) else sparse.csr_matrix((int(beyond.sum()), 0))
            wv = info.weights[beyond]
            a = sparse.csr_matrix(a)
            keys: dict[tuple, float] = {}
            for r in range(a.shape[0]):
                cols = tuple(a.indices[a.indptr[r]:a.indptr[r + 1]])
                if cols:
                    keys[cols] = keys.get(cols, 0.0) + wv[r]
            sets = [np.array(c) for c in keys]
            weights = np.array(list(keys.values()))
            all_cover = float(weights.sum())
            for maximise in (True, False):
                if len(weights):
                    jobs.append((len(rows), maximise, (weights, sets, fac_net, counts_g, maximise, time_limit_s)))
            rows.append({
                "group": gr, "threshold": lab, "base": base, "all_cover": all_cover, "best": 0.0, "worst": 0.0,
                "published": ", ".join(pub_txt), "m": ", ".join(m_txt), "range": label, "notes": list(notes),
            })
    # identical programmes (e.g. a group whose thresholds leave the same residents beyond)
    # are solved once
    keys = [_solution_key(*job[2][:5]) for job in jobs]
    distinct = dict(zip(keys, (job[2] for job in jobs), strict=True))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # CBC runs as a subprocess
        solved = dict(zip(distinct, pool.map(lambda args: _solve(*args), distinct.values()), strict=True))
    for (i, maximise, _), key in zip(jobs, keys, strict=True):
        rows[i]["best" if maximise else "worst"] = solved[key]
    out = []
    for r in rows:
        best, worst, base, all_cover = r["best"], r["worst"], r["base"], r["all_cover"]
        notes = r["notes"]
        if best is None or worst is None:
            notes.append(f"solver time limit ({time_limit_s:g} s): the simple bound is used on the "
                         f"{'best' if best is None else 'worst'}-case side")
        best = all_cover if best is None else best
        worst = 0.0 if worst is None else worst
        pop_lo = max(base - best, base - all_cover)  # clip solver round-off to the simple range
        pop_hi = min(base - worst, base)
        out.append({
            "group": r["group"], "threshold": r["threshold"], "pop_lo": pop_lo, "pop_hi": pop_hi,
            "share_lo": pop_lo / info.population, "share_hi": pop_hi / info.population,
            "simple_pop_lo": base - all_cover, "simple_pop_hi": base,
            "published": r["published"], "m": r["m"], "range": r["range"], "note": "; ".join(notes),
        })
    return pd.DataFrame(out)
