"""The notebooks are committed with outputs stripped and execute from top to bottom."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SRC = Path(__file__).resolve().parents[1] / "src"
NAMES = ["01_lokal_narvaro_2020.ipynb", "02_bring_your_own_data.ipynb", "03_var_ska_nya_kontor_ligga.ipynb"]


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            for key in ("text/plain", "text/html"):
                if key in out.get("data", {}):
                    parts.append(out["data"][key])
    return "\n".join(parts)


def _stderr(nb) -> str:
    return "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stripped(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(c.execution_count is None and c.outputs == [] for c in code)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.fixture(scope="module")
def kernel_env():
    """The kernel inherits the environment: make sure it imports this checkout of narvaro."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(SRC) + (os.pathsep + old if old else "")
    yield
    if old is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old


def _execute(name: str, tmp_path: Path):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    return nb


@pytest.mark.slow
def test_notebook_01_answers_the_question(kernel_env, tmp_path):
    nb = _execute(NAMES[0], tmp_path)
    text = _text(nb)
    assert "estimate (straight line x circuity, not a road measurement)" in text
    assert "Kommuner without an AF office, 2020:" in text
    assert "Kommuner with neither an AF office nor an SSC servicekontor, 2020:" in text
    assert "AF 2020:" in text and "offices known" in text
    assert text.count("<iframe srcdoc=") >= 2  # the two maps, inline
    assert "cdn.jsdelivr.net" not in text  # inline maps are self-contained too
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    assert _stderr(nb) == ""  # no warnings (e.g. tqdm's "IProgress not found")


@pytest.mark.slow
def test_notebook_02_brings_own_data(kernel_env, tmp_path):
    nb = _execute(NAMES[1], tmp_path)
    text = _text(nb)
    assert "mina_kontor" in text
    assert "tatort_exact" in text  # towns placed at SCB tätorter
    assert "duplicate" in text.lower()  # the bad list shows its rows
    assert "RoadGraph(" in text and "road vs estimate" in text
    assert "<iframe srcdoc=" in text
    assert _stderr(nb) == ""


@pytest.mark.slow
def test_notebook_03_compares_the_plan_with_the_government(kernel_env, tmp_path):
    nb = _execute(NAMES[2], tmp_path)
    text = _text(nb)
    assert "of 28 kommuner coincide" in text
    assert "government 28 (2021)" in text and "optimiser 28" in text
    assert "Assumed office set:" in text and "19 of 117 offices known" in text
    assert "proven optimal (CBC)" in text
    assert "<iframe srcdoc=" in text and "cdn.jsdelivr.net" not in text
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    assert _stderr(nb) == ""
