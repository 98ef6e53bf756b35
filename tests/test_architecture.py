"""The layers of docs/architecture.md, checked on the source: nothing imports upward, front
ends reach each other only through the use cases, and there are no import cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "matching", "training", "services", "api")

#: What each layer may not import (everything above it).
FORBIDDEN = {
    "models": ("matching", "training", "services", "api"),
    "matching": ("training", "services", "api"),
    "training": ("services", "api"),
    "services": ("api",),
    "api": (),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield _module_name(path), path


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Modules ``path`` imports (absolute names); with ``top_level_only`` only those imported
    when the module itself is imported (not inside functions or ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from matching.privacy import audit_log" imports the module audit_log too
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


SOURCES = dict(_sources())


def test_nothing_imports_upward() -> None:
    upward = [
        (module, name)
        for module, path in SOURCES.items()
        for name in sorted(_imports(path))
        if any(_within(name, above) for above in FORBIDDEN[module.split(".")[0]])
    ]
    assert upward == []


def test_front_ends_do_not_import_each_other() -> None:
    """Routers, pages and commands share what they need through services/ (and api's own
    helpers: auth, deps, openapi, settings), never through a router, page or command.

    Only the wiring is exempt: the app factory includes the routers, pages.install the
    page routers, and a command may run another command (``werkkans demo``)."""
    forbidden = {
        "api.routers": ("api.routers", "api.web", "api.commands"),
        "api.web": ("api.routers", "api.commands"),
        "api.commands": ("api.routers", "api.web"),
    }
    wrong = [
        (module, name)
        for module, path in SOURCES.items()
        for front_end, others in forbidden.items()
        if _within(module, front_end)
        for name in sorted(_imports(path))
        if name != module and any(_within(name, other) for other in others)
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    """Between modules, counting the imports made when a module is imported (a module
    importing from its own package's ``__init__`` is how packages work, not a cycle)."""
    graph = {
        module: {
            name
            for name in _imports(path, top_level_only=True)
            if name in SOURCES and name != module and not module.startswith(name + ".")
        }
        for module, path in SOURCES.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
