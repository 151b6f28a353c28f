"""Regenerate the golden files that pin narvaro's real-data results, and print what changed.

Usage (from the repository root, with the data mirror set up as for the tests)::

    .venv/bin/python scripts/regenerate_golden.py            # rewrite both files, print the diff
    .venv/bin/python scripts/regenerate_golden.py --check    # print the diff, write nothing (exit 1 on change)
    .venv/bin/python scripts/regenerate_golden.py --only status

Two parts, each with its own file under ``tests/golden/`` and its own test in
``tests/test_golden.py``:

1. **Office status** (``office_status.csv``: ``network, kommunkod, status, rule``): the status
   of every kommun in every network that has status rules. Compared exactly.
2. **Headline figures** (``headline.csv``: ``scenario, figure, value, rtol``): the national
   figures of the default scenarios, each with a relative tolerance. Today: residents beyond
   10/25/50 km and 30/45/60 min: best estimate, 90 % interval (``_q05``/``_q95``, 1,000 joint
   office draws, seed 0) and hard bounds (``_lo``/``_hi``), from
   ``national(coverage(None, draws=office_draws(...)[s]))``.

A change in the data or the rules makes the tests fail until this script is run and the new
golden files are committed, with the reason in the commit message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
STATUS_FILE = GOLDEN / "office_status.csv"
HEADLINE_FILE = GOLDEN / "headline.csv"

STATUS_COLUMNS = ["network", "kommunkod", "status", "rule"]
HEADLINE_COLUMNS = ["scenario", "figure", "value", "rtol"]
#: The default scenarios of ``narvaro report``.
SCENARIOS = ("af_2019", "af_2020", "af_2020+ssc_2020", "ssc_2020")
#: Relative tolerance of a headline figure (estimate mode is deterministic; this leaves room
#: for floating-point differences between platforms, not for a changed result).
HEADLINE_RTOL = 0.005
THRESHOLDS = ("10km", "25km", "50km", "30min", "45min", "60min")


# --------------------------------------------------------------------------------------
# Part 1: office status per kommun
# --------------------------------------------------------------------------------------
def status_rows() -> pd.DataFrame:
    """The status and rule of every kommun in every network with status rules, sorted."""
    from narvaro.offices.status import STATUS_RULES, office_status

    parts = []
    for network in STATUS_RULES:
        st = office_status(network)
        parts.append(st.assign(network=network)[STATUS_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["network", "kommunkod"], ignore_index=True)


def read_status(path: Path = STATUS_FILE) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def status_diff(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """One line per kommun whose status or rule differs (or that is only in one table)."""
    key = ["network", "kommunkod"]
    merged = old.merge(new, on=key, how="outer", suffixes=("_old", "_new"), indicator="side")
    lines = []
    for r in merged.itertuples(index=False):
        if r.side == "left_only":
            lines.append(f"{r.network} {r.kommunkod}: removed ({r.status_old}, {r.rule_old})")
        elif r.side == "right_only":
            lines.append(f"{r.network} {r.kommunkod}: added ({r.status_new}, {r.rule_new})")
        elif (r.status_old, r.rule_old) != (r.status_new, r.rule_new):
            lines.append(f"{r.network} {r.kommunkod}: {r.status_old} ({r.rule_old}) -> "
                         f"{r.status_new} ({r.rule_new})")
    return lines


def status_summary(table: pd.DataFrame) -> list[str]:
    counts = table.groupby(["network", "status"]).size().unstack(fill_value=0)
    return [f"{net}: " + ", ".join(f"{s} {int(n)}" for s, n in row.items()) for net, row in counts.iterrows()]


# --------------------------------------------------------------------------------------
# Part 2: national headline figures: best estimate, 90 % interval, hard bounds
# --------------------------------------------------------------------------------------
def headline_rows(scenarios: tuple[str, ...] = SCENARIOS) -> pd.DataFrame:
    """The pinned national figures of every default scenario, one row per figure."""
    import narvaro

    rows = []
    nets = list(dict.fromkeys(p for scenario in scenarios for p in scenario.split("+")))
    draws = narvaro.office_draws(nets, n=narvaro.settings.N_DRAWS, seed=0)
    for scenario in scenarios:
        cov = narvaro.coverage(None, draws=draws[scenario], name=scenario)
        nat = narvaro.national(cov)
        for group in ("af", "ssc", "any"):
            for lab in THRESHOLDS:
                for suffix in ("", "_q05", "_q95", "_lo", "_hi"):
                    figure = f"{group}_pop_over_{lab}{suffix}"
                    if figure in nat.index:
                        rows.append((scenario, figure, float(nat[figure]), HEADLINE_RTOL))
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def read_headline(path: Path = HEADLINE_FILE) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"scenario": str, "figure": str, "value": float, "rtol": float})


def headline_diff(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """One line per figure outside the golden file's tolerance (or only in one table)."""
    merged = old.merge(new, on=["scenario", "figure"], how="outer", suffixes=("_old", "_new"), indicator="side")
    lines = []
    for r in merged.itertuples(index=False):
        if r.side == "left_only":
            lines.append(f"{r.scenario} {r.figure}: removed (was {r.value_old:,.0f})")
        elif r.side == "right_only":
            lines.append(f"{r.scenario} {r.figure}: added ({r.value_new:,.0f})")
        elif abs(r.value_new - r.value_old) > r.rtol_old * max(abs(r.value_old), 1.0):
            rel = (r.value_new - r.value_old) / max(abs(r.value_old), 1.0)
            lines.append(f"{r.scenario} {r.figure}: {r.value_old:,.0f} -> {r.value_new:,.0f} "
                         f"({rel:+.2%}, tolerance {r.rtol_old:.1%})")
    return lines


# --------------------------------------------------------------------------------------
def _report(name: str, path: Path, diff: list[str], extra: list[str]) -> None:
    print(f"== {name}: {path.relative_to(ROOT)}")
    if diff and all(": added (" in line for line in diff):
        print(f"{len(diff)} row(s) added (new file or new rows)")
    elif diff:
        print(f"{len(diff)} change(s):")
        for line in diff:
            print("  " + line)
    else:
        print("no change")
    for line in extra:
        print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="print the diff, write nothing; exit 1 on change")
    parser.add_argument("--only", choices=("status", "headline"), help="one part only")
    args = parser.parse_args(argv)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    changed = False
    if args.only in (None, "status"):
        new = status_rows()
        old = read_status() if STATUS_FILE.exists() else pd.DataFrame(columns=STATUS_COLUMNS)
        diff = status_diff(old, new)
        _report("office status", STATUS_FILE, diff, status_summary(new))
        changed |= bool(diff)
        if diff and not args.check:
            new.to_csv(STATUS_FILE, index=False, lineterminator="\n")
    if args.only in (None, "headline"):
        new = headline_rows()
        old = read_headline() if HEADLINE_FILE.exists() else pd.DataFrame(columns=HEADLINE_COLUMNS)
        diff = headline_diff(old, new)
        _report("headline figures", HEADLINE_FILE, diff, [])
        changed |= bool(diff)
        if diff and not args.check:
            new.to_csv(HEADLINE_FILE, index=False, lineterminator="\n", float_format="%.3f")
    if changed and not args.check:
        print("golden files rewritten: review the diff and commit them with the reason in the message")
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
