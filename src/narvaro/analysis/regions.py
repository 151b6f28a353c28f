"""Per-län and national figures from demand points: population-weighted mean and median distance
and time to the nearest office, and residents beyond each threshold.

Pure computation on arrays aligned to the demand points (one nearest-office result per office
set, :func:`narvaro.network.nearest_office`). With an incomplete office list the report calls it
twice, once with the confirmed offices (``_hi``: the worst case for distances) and once with
the confirmed offices plus every candidate (``_lo``), and :func:`regional_bounds` puts the two
side by side; a plain column (no suffix) exists only when the list is complete.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .metrics import _grouped_quantile, threshold_label

__all__ = ["NATIONAL_CODE", "regional_bounds", "regional_table"]

#: ``lanskod`` of the national row.
NATIONAL_CODE = "SE"


def regional_table(
    demand: pd.DataFrame,
    distance_km: np.ndarray,
    time_min: np.ndarray,
    lan: pd.DataFrame,
    km: Sequence[float] = (10.0, 25.0, 50.0),
    mins: Sequence[float] = (30.0, 45.0, 60.0),
) -> pd.DataFrame:
    """Per-län and national figures for one set of per-point distances and times.

    Parameters
    ----------
    demand : DataFrame
        Demand points with ``kommunkod`` and ``population`` (:func:`narvaro.data.load_demand_points`).
    distance_km, time_min : array
        Distance and time from each demand point to its nearest office (NaN = unreachable).
    lan : DataFrame
        ``kommunkod``, ``lanskod``, ``lansnamn`` per kommun (e.g. :func:`narvaro.data.load_kommuner`).
    km, mins : thresholds for "residents beyond".

    Returns
    -------
    DataFrame
        One row per län (sorted by ``lanskod``) and a national row (``lanskod`` "SE"):
        ``lanskod``, ``lansnamn``, ``population``, ``dist_mean_km``, ``dist_median_km``,
        ``time_mean_min``, ``time_median_min``, ``pop_over_{T}``, ``share_over_{T}``.

    Examples
    --------
    >>> d = pd.DataFrame({"kommunkod": ["0001", "0001", "0002"], "population": [1.0, 1.0, 2.0]})
    >>> lan = pd.DataFrame({"kommunkod": ["0001", "0002"], "lanskod": ["01", "02"], "lansnamn": ["A", "B"]})
    >>> t = regional_table(d, np.array([5.0, 30.0, 60.0]), np.array([5.0, 30.0, 60.0]), lan, km=(25,), mins=(45,))
    >>> t[["lanskod", "dist_mean_km", "pop_over_25km"]].to_dict("list")
    {'lanskod': ['01', '02', 'SE'], 'dist_mean_km': [17.5, 60.0, 38.75], 'pop_over_25km': [1.0, 2.0, 3.0]}
    """
    names = lan.drop_duplicates("kommunkod").set_index("kommunkod")
    codes = demand["kommunkod"].astype(str).map(names["lanskod"])
    if codes.isna().any():
        missing = sorted(demand.loc[codes.isna(), "kommunkod"].astype(str).unique())[:5]
        raise ValueError(f"demand points in kommuner without a län: {', '.join(missing)}")
    w = demand["population"].to_numpy(dtype=float)
    dist = np.asarray(distance_km, dtype=float)
    time = np.asarray(time_min, dtype=float)
    lan_codes = sorted(codes.unique())
    lan_names = lan.drop_duplicates("lanskod").set_index("lanskod")["lansnamn"]
    g_all = codes.map({c: i for i, c in enumerate(lan_codes)}).to_numpy(dtype=np.int64)
    rows = []
    for code, mask in [(c, g_all == i) for i, c in enumerate(lan_codes)] + [(NATIONAL_CODE, np.ones(len(w), bool))]:
        rows.append(_stats(code, "Sverige" if code == NATIONAL_CODE else str(lan_names.get(code, code)),
                           w[mask], dist[mask], time[mask], km, mins))
    return pd.DataFrame(rows)


def _stats(code: str, name: str, w: np.ndarray, dist: np.ndarray, time: np.ndarray,
           km: Sequence[float], mins: Sequence[float]) -> dict[str, object]:
    row: dict[str, object] = {"lanskod": code, "lansnamn": name, "population": float(w.sum())}
    for what, x, unit in (("dist", dist, "km"), ("time", time, "min")):
        ok = np.isfinite(x) & (w > 0)
        ws = w[ok].sum()
        row[f"{what}_mean_{unit}"] = float((x[ok] * w[ok]).sum() / ws) if ws > 0 else np.nan
        row[f"{what}_median_{unit}"] = (
            float(_grouped_quantile(x[ok], w[ok], np.zeros(int(ok.sum()), dtype=np.int64), 1, 0.5)[0])
            if ws > 0 else np.nan
        )
    for values, x, unit in ((km, dist, "km"), (mins, time, "min")):
        for t in values:
            lab = threshold_label(t, unit)
            far = ~(x <= t)  # unreachable (NaN) counts as beyond
            pop = float(w[far].sum())
            row[f"pop_over_{lab}"] = pop
            row[f"share_over_{lab}"] = pop / w.sum() if w.sum() > 0 else np.nan
    return row


def regional_bounds(confirmed: pd.DataFrame, with_candidates: pd.DataFrame | None) -> pd.DataFrame:
    """Combine two :func:`regional_table` results into one table of hard bounds.

    ``confirmed`` is computed with the confirmed offices only, ``with_candidates`` with every
    candidate office added. Every metric ``X`` becomes ``X_lo`` (with candidates: fewer residents
    far away, shorter distances) and ``X_hi`` (confirmed only). With ``with_candidates=None`` (a
    complete office list) the table is returned unchanged: one plain number per metric.
    """
    if with_candidates is None:
        return confirmed.copy()
    keys = ["lanskod", "lansnamn", "population"]
    out = confirmed[keys].copy()
    for col in confirmed.columns:
        if col in keys:
            continue
        a = confirmed[col].to_numpy(dtype=float)
        b = with_candidates[col].to_numpy(dtype=float)
        out[f"{col}_lo"] = np.fmin(a, b)
        out[f"{col}_hi"] = np.fmax(a, b)
    return out
