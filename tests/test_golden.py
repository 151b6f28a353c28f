"""Pinned real-data results: a changed rule or data file must be reviewed on purpose.

Both golden files live in ``tests/golden/`` and are written by ``scripts/regenerate_golden.py``
(the same functions compute the values here). On a failure: run

    .venv/bin/python scripts/regenerate_golden.py

read the diff it prints, and commit the rewritten golden file with the reason in the message.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HOW = ("if the change is intended, run `.venv/bin/python scripts/regenerate_golden.py` and commit "
       "tests/golden/ with the reason in the commit message")


def _script():
    spec = importlib.util.spec_from_file_location("regenerate_golden", ROOT / "scripts" / "regenerate_golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


golden = _script()


# --- part 1: office status per kommun and network ------------------------------------------------
def test_office_status_matches_golden_file():
    old = golden.read_status()
    new = golden.status_rows()
    diff = golden.status_diff(old, new)
    assert not diff, f"{len(diff)} office status change(s):\n" + "\n".join(diff[:40]) + f"\n{HOW}"
    assert list(new.columns) == golden.STATUS_COLUMNS


def test_golden_status_file_is_whole():
    old = golden.read_status()
    networks = ["af_2019", "af_2020", "af_2020+af_2020_changes", "ssc_2019", "ssc_2020"]
    assert sorted(old["network"].unique()) == networks
    assert (old.groupby("network").size() == 290).all()
    assert set(old["status"]) == {"confirmed", "none", "unknown"}


def test_status_diff_reports_every_kind_of_change():
    import pandas as pd

    old = pd.DataFrame({"network": ["n", "n", "n"], "kommunkod": ["0001", "0002", "0003"],
                        "status": ["unknown", "none", "confirmed"], "rule": ["no_rule", "r", "listed_office"]})
    new = old.iloc[[0, 1]].copy()
    new.loc[0, ["status", "rule"]] = ["none", "rule_x"]
    new = pd.concat([new, pd.DataFrame([{"network": "n", "kommunkod": "0004", "status": "none", "rule": "r"}])])
    assert golden.status_diff(old, new) == [
        "n 0001: unknown (no_rule) -> none (rule_x)",
        "n 0003: removed (confirmed, listed_office)",
        "n 0004: added (none, r)",
    ]


# --- part 2: national headline figures ------------------------------------------------------------
# Today: residents beyond 10/25/50 km and 30/45/60 min per default scenario (point value, _lo,
# _hi), each with its best estimate and 90 % interval over 1,000 joint office draws (seed 0).
@pytest.mark.slow
def test_headline_figures_match_golden_file():
    old = golden.read_headline()
    new = golden.headline_rows()
    diff = golden.headline_diff(old, new)
    assert not diff, f"{len(diff)} headline figure(s) moved:\n" + "\n".join(diff) + f"\n{HOW}"


def test_golden_headline_file_covers_the_default_scenarios():
    old = golden.read_headline()
    assert tuple(sorted(old["scenario"].unique())) == tuple(sorted(golden.SCENARIOS))
    assert (old["rtol"] > 0).all() and (old["rtol"] <= 0.01).all()
    # every threshold of every scenario has its best estimate, 90 % interval and both hard bounds
    for lab in golden.THRESHOLDS:
        for suffix in ("", "_q05", "_q95", "_lo", "_hi"):
            assert (old["figure"] == f"af_pop_over_{lab}{suffix}").sum() == 3  # af_2019, af_2020, af+ssc
    # lo <= q05 <= best <= q95 <= hi
    wide = old.pivot(index=["scenario"], columns="figure", values="value")
    for fig in [f for f in wide.columns if not f.endswith(("_lo", "_hi", "_q05", "_q95"))]:
        chain = [wide[fig + suffix] for suffix in ("_lo", "_q05", "", "_q95", "_hi")]
        ordered = np.all([(a <= b + 1e-6).to_numpy() for a, b in zip(chain, chain[1:], strict=False)], axis=0)
        assert (wide[fig].isna().to_numpy() | ordered).all(), fig


def test_headline_diff_uses_the_tolerance():
    import pandas as pd

    old = pd.DataFrame({"scenario": ["s", "s"], "figure": ["a", "b"], "value": [1000.0, 2000.0], "rtol": [0.005, 0.005]})
    new = old.assign(value=[1004.9, 2011.0])  # a within 0.5 %, b 0.55 % off
    assert golden.headline_diff(old, new) == ["s b: 2,000 -> 2,011 (+0.55%, tolerance 0.5%)"]
