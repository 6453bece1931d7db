"""The package's layering: no import cycles, no oversized modules, a leaf version module.

Imports are read from the source (every ``import`` statement, including those inside
functions and ``if TYPE_CHECKING:`` blocks), so a lazy import that points back up the
layers fails here just as a top-level one would.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).parent.parent / "replykb"
# "No module over ~500 lines" (the style guide); a little slack for docstrings.
MAX_MODULE_LINES = 520


def _module_name(file: Path) -> str:
    parts = list(file.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(file): file for file in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (before its imported names)."""
    if node.level == 0:
        return node.module or ""
    is_package = MODULES[importer].name == "__init__.py"
    anchor = importer.split(".")
    # A package's own __init__ is level 1 of itself; a module's level 1 is its package.
    anchor = anchor if is_package else anchor[:-1]
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def imports_of(module: str) -> set[str]:
    """The replykb modules ``module`` imports anywhere in its source."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                # `from . import kb` imports the submodule kb; `from .kb import X` imports kb.
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return {name for name in found if name in MODULES and name != module}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_package_has_no_import_cycle() -> None:
    graph = {module: imports_of(module) for module in MODULES}
    cycles = _cycles(graph)
    described = [
        " -> ".join(cycle)
        + "; edges: "
        + ", ".join(f"{a}->{b}" for a in cycle for b in sorted(graph[a]) if b in cycle)
        for cycle in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_the_cycle_finder_sees_a_lazy_import_back_up() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("leaf", ["replykb._version", "replykb.errors", "replykb.locations"])
def test_leaf_modules_import_nothing_from_the_package(leaf: str) -> None:
    assert imports_of(leaf) <= {"replykb.locations"} - {leaf}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_oversized(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{MODULES[module]} has {lines} lines; split it by stage (limit {MAX_MODULE_LINES})"
    )


def test_every_public_name_resolves() -> None:
    import replykb

    missing = [name for name in replykb.__all__ if not hasattr(replykb, name)]
    assert not missing, f"replykb.__all__ names that do not import: {missing}"
    assert set(replykb.__all__) <= set(dir(replykb))


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


# The doors sit on top of the library: the CLI may import the server, the server the
# library, never the other way round (DESIGN.md, "Architecture").
_DOORS = {"replykb.__main__": 3, "replykb.cli": 2, "replykb.serve": 1}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_never_point_up_to_a_door(module: str) -> None:
    rank = _DOORS.get(_package_of(module), 0)
    upward = sorted(name for name in imports_of(module) if _DOORS.get(_package_of(name), 0) > rank)
    assert not upward, f"{module} imports {upward}, which sit above it (a door)"


def test_the_library_does_not_load_the_server_stack() -> None:
    """Library users do not pay for the HTTP server: importing and using the core leaves
    FastAPI, uvicorn and Starlette unloaded."""
    import subprocess
    import sys

    code = (
        "import sys, replykb\n"
        "from replykb import KnowledgeBase, run_checks\n"
        "import replykb.kb, replykb.checks, replykb.batch\n"
        "loaded = sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "", f"importing the library loaded {done.stdout.strip()}"
