"""The real report in Swedish: the same sections as in English and no English UI word anywhere.

One assessment of the four headline scenarios (50 draws, to keep it quick) is written in both
languages; every Swedish output a user reads is scanned: report.html's visible text,
report.txt, every CSV header and code value, and the xlsx sheet names.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_report import ENGLISH_UI

import narvaro
from narvaro.analysis.presence import presence_table

pytestmark = pytest.mark.slow

END = "af_2020+af_2020_changes"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    a = narvaro.assess(draws=50, seed=0, progress=False)
    out = {}
    for lang in ("en", "sv"):
        folder = tmp_path_factory.mktemp(lang)
        a.report(folder, lang=lang, formats=("csv", "xlsx"))
        out[lang] = folder
    return a, out


def _english_left(text: str) -> list[str]:
    text = re.sub(r"\([^)]*https?://[^)]*\)", " ", text)  # cited sources keep their own language
    return sorted({w for w in ENGLISH_UI if re.search(rf"(?<![\w-]){re.escape(w)}\b", text)})


def test_swedish_page_and_text_have_no_english_ui_word(written):
    _, out = written
    html = (out["sv"] / "report.html").read_text(encoding="utf-8")
    visible = re.sub(r"<(style|svg|script|iframe)[\s\S]*?</\1>|<[^>]+>", " ", html)
    assert _english_left(visible) == []
    assert _english_left((out["sv"] / "report.txt").read_text(encoding="utf-8")) == []


def test_swedish_exports_have_no_english_label_or_code(written):
    _, out = written
    files = sorted(out["sv"].glob("*.csv"))
    assert len(files) >= 15
    codes = {"unknown", "confirmed", "candidate", "depends_on_unknown", "certain", "estimate", "road"}
    for path in files:
        table = pd.read_csv(path, dtype=str)
        bad_cols = [c for c in table.columns if re.fullmatch(r"[a-z0-9_]+", c) or c.endswith(("_q05", "_q95"))]
        assert bad_cols == [], (path.name, bad_cols)
        values = {v for c in table.columns for v in table[c].dropna().unique()}
        assert not values & codes, (path.name, sorted(values & codes))
        assert _english_left(" | ".join(table.columns)) == [], path.name
    for path in sorted(out["sv"].glob("*.xlsx")):
        names = load_workbook(path, read_only=True).sheetnames
        assert not {"columns", "sheet", "notes"} & {n.lower() for n in names}, (path.name, names)


def test_both_languages_have_the_same_sections_and_lines(written):
    _, out = written
    en = (out["en"] / "report.txt").read_text(encoding="utf-8").splitlines()
    sv = (out["sv"] / "report.txt").read_text(encoding="utf-8").splitlines()
    assert len(en) == len(sv)
    blank = [i for i, line in enumerate(en) if not line.strip()]
    assert blank == [i for i, line in enumerate(sv) if not line.strip()]  # the same blocks in the same order
    en_csv = sorted(p.name for p in out["en"].glob("*.csv"))
    assert en_csv == sorted(p.name for p in out["sv"].glob("*.csv"))


def test_the_page_names_every_kommun_likely_without_an_af_office(written):
    a, out = written
    table = presence_table(a.coverages[END], "no_office_inside", "af")
    likely = table.loc[table["p_without"] >= 0.5, "kommunnamn"]
    assert len(likely) > 100
    for lang in ("en", "sv"):
        page = (out[lang] / "report.html").read_text(encoding="utf-8")
        missing = [k for k in likely if k not in page]
        assert missing == [], (lang, missing[:10])
    sv = (out["sv"] / "report.html").read_text(encoding="utf-8")
    assert "förlorade sitt sista kontor" in sv
