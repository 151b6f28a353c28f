"""Ranges by hand on road stars (tests/_star.py): deduced presence, fixed offices in the
count-constrained solver, and unknowns that must not count residents already within T."""

from __future__ import annotations

import _star as star
import _synthetic as syn
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from narvaro.analysis import coverage, national
from narvaro.analysis.bounds import unknowns
from narvaro.analysis.constrained import constrained_range

LABELS = ("10km", "25km", "50km", "30min", "45min", "60min")


# --- a confirmed kommun without an office row, and a fixed office in the solver -------------------
# K1 has office O (listed). K2's presence is deduced by a status rule ("confirmed", no row): its
# position is the candidate P. K3 is unknown with candidate Q. Roads (km = min):
#   rO (K1, pop 1000) -> O 5            within every threshold
#   rP (K2, pop  100) -> O 100, -> P 5
#   rQ (K3, pop   10) -> O 100, -> Q 5
# K2's office exists for certain and P is its only possible position, so P counts with the
# confirmed offices in both hard bounds (as in every draw): with O and P only rQ is beyond every
# threshold (10); Q brings it within all of them.
#   published 3: m = 3 - 2 confirmed = 1 of the 1 unknown (Q); P is open anyway -> 0 beyond
#   published 2: m = 0: Q closed, P open (fixed)                              -> 10 beyond (rQ)
# A solver that frees P would pick 1 of {P, Q} for published 3 (range 10..100) and 0 of them for
# published 2 (110).
def _deduced_country():
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 10.0},
         {"office_id": "P", "kommunkod": "0002", "x_km": 60.0, "basis": "candidate"},
         {"office_id": "Q", "kommunkod": "0003", "x_km": 110.0, "basis": "candidate"}],
        [{"id": "rO", "kommunkod": "0001", "x_km": 20.0, "population": 1000},
         {"id": "rP", "kommunkod": "0002", "x_km": 70.0, "population": 100},
         {"id": "rQ", "kommunkod": "0003", "x_km": 120.0, "population": 10}],
        [("rO", "O", 5.0), ("rP", "O", 100.0), ("rP", "P", 5.0), ("rQ", "O", 100.0), ("rQ", "Q", 5.0)], 3)
    status = {"af_t": pd.DataFrame({"kommunkod": ["0001", "0002", "0003"],
                                    "status": ["confirmed", "confirmed", "unknown"]})}
    return coverage(off, dem, kom, graph=graph, bounds=True, status=status)


# function scope: mutmut credits a test with the code it runs, and a module fixture runs once
@pytest.fixture
def deduced():
    return _deduced_country()


def test_deduced_presence_has_an_office_in_both_bounds(deduced):
    cov = deduced
    assert cov["af_status"].tolist() == ["confirmed", "confirmed", "unknown"]
    assert "af_has_office" not in cov.columns  # ranges without draws: no plain value
    assert cov["af_has_office_lo"].tolist() == [True, True, False]
    assert cov["af_has_office_hi"].tolist() == [True, True, True]
    assert cov["af_n_offices_lo"].tolist() == [1, 1, 0]  # K2's deduced office counts in both bounds
    nat = national(cov)
    assert (nat["af_has_office_lo"], nat["af_has_office_hi"]) == (2, 3)
    # a deduced office is certain: K2's distance is 5 km in both bounds (never "as if it had none")
    assert (cov.loc[1, "af_dist_mean_km_lo"], cov.loc[1, "af_dist_mean_km_hi"]) == (pytest.approx(5.0),
                                                                                   pytest.approx(5.0))
    assert (nat["af_pop_over_50km_lo"], nat["af_pop_over_50km_hi"]) == (0, 10)


def test_fixed_office_counts_as_open_in_the_constrained_range(deduced):
    three = constrained_range(deduced, published={"af_t": 3}, workers=1).set_index("threshold")
    two = constrained_range(deduced, published={"af_t": 2}, workers=1).set_index("threshold")
    for lab in LABELS:
        assert (three.loc[lab, "simple_pop_lo"], three.loc[lab, "simple_pop_hi"]) == (0, 10), lab
        assert (three.loc[lab, "pop_lo"], three.loc[lab, "pop_hi"]) == (pytest.approx(0), pytest.approx(0)), lab
        assert (two.loc[lab, "pop_lo"], two.loc[lab, "pop_hi"]) == (pytest.approx(10), pytest.approx(10)), lab
        assert two.loc[lab, "share_hi"] == pytest.approx(10 / 1110)
    assert three.loc["25km", "m"] == "af_t=1" and two.loc["25km", "m"] == "af_t=0"
    assert three.loc["25km", "published"] == "af_t=3"
    assert (three["note"] == "").all() and (two["note"] == "").all()  # solved, nothing clamped
    # no count: any of the unknown kommuner may have an office, P is still open
    free = constrained_range(deduced, published={}, workers=1).set_index("threshold")
    assert (free.loc["50km", "pop_lo"], free.loc["50km", "pop_hi"]) == (pytest.approx(0), pytest.approx(10))
    assert free.loc["50km", "range"] == "simple range (no published count)"
    assert free.loc["50km", "note"] == "af_t: no published count (unconstrained)"


def test_unknowns_marks_the_fixed_office(deduced):
    unk = unknowns(deduced, by="50km")
    # K2's office is deduced and has one possible position: nothing about it is left to check
    assert unk["kommunkod"].tolist() == ["0003"]
    assert unk["status"].tolist() == ["unknown"]
    assert unk["pop_depends_over_50km"].tolist() == [10]
    assert unk["kommun_population"].tolist() == [10]


# --- unknowns: a resident already within T who sits near a candidate is no gain ------------------
# Confirmed office O in K1, candidate Q in K2 (unknown). Roads (km = min):
#   r1 (K1, pop 100) -> O 20, -> Q 3     beyond 10 km with O (so a relevant point), within 25 and 50
#   r2 (K2, pop  10) -> O 30, -> Q 3     beyond 10 and 25 km; exactly at 30 min: not beyond 30 min
#   r3 (K2, pop   1) -> O 80, -> Q 60    beyond everything with O; Q brings it exactly to 60 min
# pop_depends_over_T (beyond T with O, within T with Q):
#   10km: r1 + r2 = 110; 25km: r2 = 10 (r1 is within 25 km already, although 3 km from Q);
#   50km: 0 (r1, r2 within; r3 60 km from Q); 30min: 0 (r1 20, r2 exactly 30: not beyond);
#   45min: 0 (r3 only beyond, 60 from Q); 60min: r3 = 1 (80 > 60, Q exactly 60: within).
def test_unknowns_count_only_residents_beyond_with_the_known_offices():
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 10.0},
         {"office_id": "Q", "kommunkod": "0002", "x_km": 60.0, "basis": "candidate"}],
        [{"id": "r1", "kommunkod": "0001", "x_km": 20.0, "population": 100},
         {"id": "r2", "kommunkod": "0002", "x_km": 70.0, "population": 10},
         {"id": "r3", "kommunkod": "0002", "x_km": 90.0, "population": 1}],
        [("r1", "O", 20.0), ("r1", "Q", 3.0), ("r2", "O", 30.0), ("r2", "Q", 3.0), ("r3", "O", 80.0),
         ("r3", "Q", 60.0)], 2)
    cov = coverage(off, dem, kom, graph=graph, bounds=True)
    unk = unknowns(cov, by="25km")
    assert unk["kommunkod"].tolist() == ["0002"]
    expected = {"10km": 110, "25km": 10, "50km": 0, "30min": 0, "45min": 0, "60min": 1}
    for lab, pop in expected.items():
        assert unk.loc[0, f"pop_depends_over_{lab}"] == pop, lab
    # the simple range agrees: beyond 25 km with Q only r3 (60 km), without it r2 and r3; beyond
    # 30 min r3 either way (r2 exactly at 30 min is not beyond); beyond 60 min r3 without Q only
    nat = national(cov)
    assert (nat["af_pop_over_25km_lo"], nat["af_pop_over_25km_hi"]) == (1, 11)
    assert (nat["af_pop_over_30min_lo"], nat["af_pop_over_30min_hi"]) == (1, 1)
    assert (nat["af_pop_over_60min_lo"], nat["af_pop_over_60min_hi"]) == (0, 1)
    with pytest.raises(Exception, match=r"unknown threshold '7km'; choose one of \['10km'"):
        unknowns(cov, by="7km")


@pytest.mark.parametrize("unproven", ["best", "worst"])
def test_side_not_proven_in_time_falls_back_to_the_simple_range(deduced, monkeypatch, tmp_path, unproven):
    """When CBC does not prove a side optimal within the time limit, that side of the range is the
    simple range's end (still a valid bound) and the note says so; the other side stays solved."""
    import narvaro.analysis.constrained as constrained

    monkeypatch.setenv("NARVARO_CACHE_DIR", str(tmp_path))  # no cached optimum may answer instead
    real = constrained._solve_cbc

    def solve(weights, sets, groups_of_fac, counts, maximise, time_limit_s):
        if maximise == (unproven == "best"):
            return None
        return real(weights, sets, groups_of_fac, counts, maximise, time_limit_s)

    monkeypatch.setattr(constrained, "_solve_cbc", solve)
    limit = {} if unproven == "best" else {"time_limit_s": 7}  # the default is 30 s
    two = constrained_range(deduced, published={"af_t": 2}, workers=1, **limit).set_index("threshold")
    for lab in LABELS:
        # solved, the range given the count is 10..10; the simple range is 0..10
        expect = (0, 10) if unproven == "best" else (10, 10)
        assert (two.loc[lab, "pop_lo"], two.loc[lab, "pop_hi"]) == (pytest.approx(expect[0]),
                                                                     pytest.approx(expect[1])), lab
        seconds = 30 if unproven == "best" else 7
        assert two.loc[lab, "note"] == (f"solver time limit ({seconds} s): the simple bound is used on the "
                                        f"{unproven}-case side"), lab


# --- a resident within T of two candidates counts once ----------------------------------------------
# K1 has O. K2..K5 are unknown with candidates Q2..Q5; roads (km = min), all other trips 100 km:
#   o (K1, pop 5)   -> O 1
#   p (K2, pop 100) -> Q2 5, -> Q3 5     within T of two candidates
#   r (K4, pop 50)  -> Q4 5
#   s (K5, pop 60)  -> Q5 5
# Published 3 with O confirmed: m = 2 of the 4 unknown kommuner. Beyond 25 km with O only: 210.
# Best pair: Q2 or Q3 with Q5 covers 160 -> 50 beyond (Q2 + Q3 covers p only once: 100);
# worst pair: Q2 + Q3, both reaching only p, covers 100 -> 110 beyond.
def test_a_resident_near_two_candidates_is_covered_once():
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 10.0}]
        + [{"office_id": f"Q{k}", "kommunkod": f"000{k}", "x_km": 50.0 * k - 25.0, "basis": "candidate"}
           for k in (2, 3, 4, 5)],
        [{"id": "o", "kommunkod": "0001", "x_km": 20.0, "population": 5},
         {"id": "p", "kommunkod": "0002", "x_km": 70.0, "population": 100},
         {"id": "q", "kommunkod": "0003", "x_km": 120.0, "population": 0},
         {"id": "r", "kommunkod": "0004", "x_km": 170.0, "population": 50},
         {"id": "s", "kommunkod": "0005", "x_km": 220.0, "population": 60}],
        [("o", "O", 1.0), ("p", "O", 100.0), ("q", "O", 100.0), ("r", "O", 100.0), ("s", "O", 100.0),
         ("p", "Q2", 5.0), ("p", "Q3", 5.0), ("r", "Q4", 5.0), ("s", "Q5", 5.0)], 5)
    cov = coverage(off, dem, kom, graph=graph, bounds=True, thresholds=((25.0,), (25.0,)))
    rng = constrained_range(cov, published={"af_t": 3}, workers=1).set_index("threshold")
    for lab in ("25km", "25min"):
        assert (rng.loc[lab, "simple_pop_lo"], rng.loc[lab, "simple_pop_hi"]) == (0, 210), lab
        assert (rng.loc[lab, "pop_lo"], rng.loc[lab, "pop_hi"]) == (pytest.approx(50), pytest.approx(110)), lab
        assert (rng.loc[lab, "share_lo"], rng.loc[lab, "share_hi"]) == (pytest.approx(50 / 215),
                                                                       pytest.approx(110 / 215)), lab
        assert rng.loc[lab, "m"] == "af_t=2"


def test_solutions_are_cached_in_a_cache_directory_that_does_not_exist_yet(deduced, monkeypatch, tmp_path):
    """A first run on a machine creates the cache directory (and its parents) for the solutions."""
    cache = tmp_path / "new" / "narvaro"
    monkeypatch.setenv("NARVARO_CACHE_DIR", str(cache))
    two = constrained_range(deduced, published={"af_t": 2}, workers=1).set_index("threshold")
    assert two.loc["25km", "pop_lo"] == pytest.approx(10)
    assert len(list((cache / "solutions").glob("*.json"))) > 0


def test_published_count_beyond_the_unknown_kommuner_is_clamped(deduced):
    """Published 5 with 2 kommuner confirmed (one deduced) and 1 unknown: m = 3 cannot be met."""
    five = constrained_range(deduced, published={"af_t": 5}, workers=1).set_index("threshold")
    assert five.loc["25km", "m"] == "af_t=1"
    assert five.loc["25km", "note"] == ("af_t: published 5 kommuner but 2 confirmed and 1 unknown with a candidate; "
                                        "m clamped from 3 to 1")
    assert (five.loc["25km", "pop_lo"], five.loc["25km", "pop_hi"]) == (pytest.approx(0), pytest.approx(0))


def test_count_from_the_sources_by_default():
    """Without ``published`` the count comes from published_kommun_count: none for a synthetic
    network (unconstrained), 218 kommuner (with its source) for af_2019."""
    off, dem, kom, graph = star.country(
        [{"office_id": "O", "kommunkod": "0001", "x_km": 10.0, "network": "af_2019"},
         {"office_id": "Q", "kommunkod": "0002", "x_km": 60.0, "basis": "candidate", "network": "af_2019"}],
        [{"id": "rO", "kommunkod": "0001", "x_km": 20.0, "population": 1000},
         {"id": "rQ", "kommunkod": "0002", "x_km": 70.0, "population": 10}],
        [("rO", "O", 5.0), ("rQ", "O", 100.0), ("rQ", "Q", 5.0)], 2)
    status = {"af_2019": pd.DataFrame({"kommunkod": ["0001", "0002"], "status": ["confirmed", "unknown"]})}
    cov = coverage(off, dem, kom, graph=graph, bounds=True, status=status, thresholds=((25.0,), (25.0,)))
    got = constrained_range(cov, workers=1).set_index("threshold")
    assert got.loc["25km", "published"] == "af_2019=218"
    assert got.loc["25km", "note"] == ("af_2019: published 218 kommuner but 1 confirmed and 1 unknown with a "
                                       "candidate; m clamped from 217 to 1")
    assert (got.loc["25km", "pop_lo"], got.loc["25km", "pop_hi"]) == (pytest.approx(0), pytest.approx(0))
    free = constrained_range(_deduced_country(), workers=1).set_index("threshold")
    assert free.loc["25km", "note"] == "af_t: no published count (unconstrained)"


def _two_orgs(extra_candidate: bool = True):
    """tests/_synthetic.py: AF's C1 unknown (candidate at its place) and a false AF candidate in Bby."""
    off = syn.offices()
    off.loc[1, "basis"] = "candidate"
    if extra_candidate:
        extra = gpd.GeoDataFrame({"office_id": ["B?"], "org": ["af"], "name": ["Candidate Bby"],
                                  "kommunkod": ["0002"], "network": ["af_t"], "basis": ["candidate"]},
                                 geometry=[Point(syn.X0 + 75e3, syn.Y0 + 25e3)], crs="EPSG:3006")
        off = pd.concat([off, extra], ignore_index=True)
    return coverage(off, syn.demand(), syn.kommuner(), bounds=True)


def test_labels_of_a_group_with_two_networks():
    cov = _two_orgs()
    both = constrained_range(cov, published={"af_t": 2, "ssc_t": 1}, workers=1).set_index(["group", "threshold"])
    row = both.loc[("any", "50km")]
    assert row["published"] == "af_t=2, ssc_t=1"
    assert row["m"] == "af_t=1, ssc_t=0"
    assert row["range"] == "range given the published count of af_t=2, ssc_t=1 kommuner with an office"
    # AF without a count: the group is constrained by SSC's count alone
    ssc_only = constrained_range(cov, published={"ssc_t": 1}, workers=1).set_index(["group", "threshold"])
    row = ssc_only.loc[("any", "50km")]
    assert (row["published"], row["m"]) == ("ssc_t=1", "ssc_t=0")
    assert row["note"] == "af_t: no published count (unconstrained)"
    # two notes: AF uncounted, SSC's count clamped
    row = constrained_range(cov, published={"ssc_t": 5}, workers=1).set_index(["group", "threshold"]).loc[("any", "50km")]
    assert row["note"] == ("af_t: no published count (unconstrained); ssc_t: published 5 kommuner but 1 confirmed "
                           "and 0 unknown with a candidate; m clamped from 4 to 0")


def test_complete_list_leaves_nothing_to_choose():
    """No unknown kommun: the range given the count is the single value, and a count above the
    confirmed kommuner is clamped to 0."""
    cov = coverage(syn.offices(), syn.demand(), syn.kommuner(), bounds=True)
    got = constrained_range(cov, published={"af_t": 3, "ssc_t": 1}, workers=1).set_index(["group", "threshold"])
    row = got.loc[("af", "25km")]
    assert row["m"] == "af_t=0"
    assert row["note"] == "af_t: published 3 kommuner but 2 confirmed and 0 unknown with a candidate; m clamped from 1 to 0"
    assert row["pop_lo"] == row["pop_hi"] == row["simple_pop_lo"] == row["simple_pop_hi"]
