"""No circle among product modules: a reader can start at any module and meet only those below it.

A circle is how a module stops being readable on its own (app factory <-> views, draft <->
republish): neither side can be understood, tested or moved without the other. The graph is
read from the source with `ast`, so imports inside functions count too (they hide a circle
from Python's import machinery, not from a reader). `from a import b` is an edge to the module
`a.b` when there is one, else to `a`; `import a.b` is an edge to `a.b`. Importing a module
runs its parent packages first, but a package's `__init__` is not counted as imported by its
own children: that is how packages work, not a circle in the design.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("publisher", "auth", "feeds", "audio")


def product_modules() -> dict[str, Path]:
    """Every product module by dotted name: `publisher/web/__init__.py` is `publisher.web`."""
    modules: dict[str, Path] = {}
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _absolute(name: str, node: ast.ImportFrom) -> str:
    """The module `from ..x import y` names, from inside module `name`."""
    if node.level == 0:
        return node.module or ""
    package = name.split(".")
    is_package = ROOT.joinpath(*package, "__init__.py").exists()
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The product modules that `name` imports anywhere in its body."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(name, node)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in modules else module)
    return {target for target in targets if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module: each holds at least one circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def shortest_circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete circle through the component's first module, for the failure message."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & members):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    raise AssertionError(f"{start} is in a component but on no circle")


def test_the_graph_sees_imports_inside_functions_and_resolves_from_imports() -> None:
    graph = import_graph()
    # `create_app` imports the blueprints inside its body; `from publisher.web import
    # error_pages` is an edge to the module, not to the package.
    assert "publisher.web.error_pages" in graph["publisher.app"]
    assert "publisher.web" in graph["publisher.app"]
    assert "publisher.config" in graph["publisher.services"]


def test_the_circle_finder_finds_a_planted_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert shortest_circle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_circle_among_product_modules() -> None:
    graph = import_graph()
    circles = []
    for component in strongly_connected(graph):
        circles.append(" -> ".join(shortest_circle(graph, component)))
        if len(component) > 2:  # more than one circle: every arrow that could be cut
            members = set(component)
            circles += [
                f"    {name} imports {', '.join(sorted(graph[name] & members))}"
                for name in component
            ]
    assert not circles, "import circles among product modules:\n" + "\n".join(circles)
