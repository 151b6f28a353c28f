"""Data flows one way, and no two modules import each other.

Every import is parsed, including those inside functions. The chain, left to right:
shared (errors, settings, provenance) -> data -> offices -> network -> analysis -> maps ->
report -> cli. A module may import from its own step or any step to its left; shared modules
import nothing from the chain; and the module graph (and the graph of subpackages) has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "narvaro"

#: Steps of the chain by first name part below ``narvaro`` ("" is the top-level package).
CHAIN: list[set[str]] = [
    {"errors", "settings", "provenance", "i18n"},
    {"data"},
    {"offices"},
    {"network"},
    {"analysis"},
    {"maps"},
    {"report"},
    {"cli", "__main__", ""},
]
STEP = {name: i for i, step in enumerate(CHAIN) for name in step}


def module_name(path: Path, root: Path = SRC) -> str:
    """Dotted name below ``narvaro`` of a source file ("" for narvaro/__init__.py)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules(root: Path = SRC) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imported_modules(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """narvaro modules that ``path`` imports anywhere in its body (functions included)."""
    known = set(known)
    is_pkg = path.name == "__init__.py"
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    package = [p for p in package if p]
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        while target not in known and "." in target:
            target = target.rpartition(".")[0]
        return target if target in known else None

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        bases: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "") == "narvaro" or (node.module or "").startswith("narvaro."):
                mod = node.module[len("narvaro."):] if node.module != "narvaro" else ""
            else:
                continue
            for alias in node.names:
                sub = f"{mod}.{alias.name}".strip(".")
                bases.append(sub if sub in known else mod)
            # "from . import x" runs the package's __init__ too: inside the package that is a
            # dependency on the package itself (the top-level package, "", is left out)
            if mod and node.level:
                bases.append(mod)
        elif isinstance(node, ast.Import):
            bases = [a.name[len("narvaro."):] for a in node.names if a.name.startswith("narvaro.")]
        for b in bases:
            target = resolve(b) if b else ""
            if target is not None and target != name:
                found.add(target)
    return found


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    mods = all_modules(root)
    return {m: imported_modules(m, p, mods) for m, p in mods.items()}


def step_of(module: str) -> int:
    return STEP[module.split(".")[0]]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Edges between first-level parts (subpackages and top-level modules)."""
    out: dict[str, set[str]] = {}
    for a, targets in graph.items():
        pa = a.split(".")[0]
        for b in targets:
            pb = b.split(".")[0]
            if pa != pb and pa and pb:
                out.setdefault(pa, set()).add(pb)
    return out


GRAPH = import_graph()


def test_every_module_has_a_place_in_the_chain():
    unplaced = sorted(m for m in GRAPH if m.split(".")[0] not in STEP)
    assert not unplaced, f"modules outside the chain: {unplaced}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_against_the_chain(module):
    own = step_of(module)
    for target in GRAPH[module]:
        if own == 0:
            assert step_of(target) == 0, f"shared module {module} imports {target} from the chain"
        assert step_of(target) <= own, f"{module} imports {target}, which is to its right in the chain"


def test_no_import_cycle_between_modules():
    assert cycles(GRAPH) == []


def test_no_import_cycle_between_subpackages():
    assert cycles(package_graph(GRAPH)) == []


# --- the checker itself finds what it must ------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "narvaro"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_a_deferred_import_cycle_is_found(tmp_path):
    # today's two old cycles: offices <-> kommun_status through an import inside a function,
    # and bounds <-> constrained through a re-export at the bottom of a module
    root = _tree(tmp_path, {
        "__init__.py": "",
        "offices/__init__.py": "",
        "offices/lists.py": "def load():\n    from .status import candidates  # lazy\n",
        "offices/status.py": "from .lists import load\n",
        "analysis/__init__.py": "",
        "analysis/bounds.py": "x = 1\nfrom .constrained import constrained_range  # noqa: E402\n",
        "analysis/constrained.py": "from narvaro.analysis.bounds import x\n",
    })
    found = cycles(import_graph(root))
    assert found == [["analysis.bounds", "analysis.constrained"], ["offices.lists", "offices.status"]]


def test_a_module_importing_its_own_package_is_a_cycle(tmp_path):
    # "from . import bounds" in analysis/coverage.py runs analysis/__init__, which imports coverage
    root = _tree(tmp_path, {
        "__init__.py": "",
        "analysis/__init__.py": "from .coverage import coverage\n",
        "analysis/bounds.py": "x = 1\n",
        "analysis/coverage.py": "from . import bounds as _bounds\ncoverage = 1\n",
    })
    assert cycles(import_graph(root)) == [["analysis", "analysis.coverage"]]


def test_an_import_against_the_chain_and_a_package_cycle_are_found(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "offices/__init__.py": "",
        "offices/status.py": "def f():\n    from ..analysis import coverage\n",
        "analysis/__init__.py": "",
        "analysis/coverage.py": "from ..offices import status\n",
    })
    graph = import_graph(root)
    assert graph["offices.status"] == {"analysis", "analysis.coverage"}
    assert step_of("offices.status") < step_of("analysis.coverage")
    assert cycles(package_graph(graph)) == [["analysis", "offices"]]
