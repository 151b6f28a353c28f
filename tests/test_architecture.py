"""Data flows one way: no module imports from a module to its right in the chain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "narvaro"

#: The chain, left to right. A module may import from its own step or any step to its left.
CHAIN: list[set[str]] = [
    {"errors", "settings", "provenance"},  # shared by all; import nothing from the chain
    {"registry", "data"},
    {"geocode", "offices", "kommun_status"},
    {"osm", "network"},
    {"distance"},
    {"metrics", "coverage", "bounds", "constrained", "presence"},
    {"export", "report", "maps", "map_style", "map_layers", "map_offices", "map_html"},
    {"cli", "__main__", "__init__"},
]
STEP = {name: i for i, step in enumerate(CHAIN) for name in step}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("narvaro."):
            found.add(node.module.split(".")[1])
    return found


def test_every_module_has_a_place_in_the_chain():
    modules = {p.stem for p in SRC.glob("*.py")}
    assert modules == set(STEP), f"unplaced: {modules - set(STEP)}, gone: {set(STEP) - modules}"


@pytest.mark.parametrize("module", sorted(STEP))
def test_no_import_from_the_right(module):
    own = STEP[module]
    shared = CHAIN[0]
    for target in _imports(SRC / f"{module}.py"):
        assert target in STEP, f"{module} imports unknown module {target}"
        if module in shared:
            assert target in shared, f"shared module {module} imports {target} from the chain"
        assert STEP[target] <= own, f"{module} (step {own}) imports {target} (step {STEP[target]})"
