"""The shape of the code: small modules, no import cycles among `kata.*`.

Both are read statically (with `ast`), so the test imports nothing of kata and runs in
well under a second. An import under `if TYPE_CHECKING:` or inside a function counts like any
other: a cycle there is still a circular design. CI checks the same with import-linter too
(`lint-imports`, the contracts in pyproject.toml), with the layers and the trust boundary.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "runner" / "kata"
# ~300 lines is the guideline (a reader holds one concern); this is the line past which a module must
# be split. Between the two, keep a class whole rather than spread over files to meet a number.
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Every module under runner/kata, by dotted name (a package by its `__init__`)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement anywhere in the tree: in functions and under `if TYPE_CHECKING:` too."""
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module that `import name` loads last: the name itself or its nearest parent."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The kata modules that `name` names in its imports.

    `from pkg import sub` counts as importing the submodule `sub`, and the package itself
    only when some imported name is not a submodule (it then needs the package's contents).
    The packages that Python runs on the way to a submodule are not counted: a package's
    `__init__` re-exporting its own modules is not a cycle.
    """
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            targets.add(submodule if submodule in modules else source)
    edges = {_owner(target, modules) for target in targets}
    return {edge for edge in edges if edge and edge != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _edges(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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
            connect(node)
    return [_path_through(component, graph) for component in components]


def _path_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from the component's first module back to it, as a readable path."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(graph[node] & members):
                if other == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if other not in came_from:
                    came_from[other] = node
                    following.append(other)
        frontier = following
    return component


def test_every_module_is_at_most_400_lines():
    too_long = {
        str(path.relative_to(PACKAGE.parents[1])): lines
        for path in _modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{path} ({lines})" for path, lines in sorted(too_long.items())
    )


def test_no_kata_module_imports_another_in_a_circle():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles among kata modules:\n" + "\n".join(
        "  " + " -> ".join(cycle) for cycle in cycles
    )


def test_the_cycle_finder_reads_relative_submodule_function_level_and_type_checking_imports(tmp_path):
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import b\n"
        "from kata.pkg import c\n"
        "from kata import pkg as alias_of_the_package\n"
        "def later():\n"
        "    import kata.d\n"
        "if TYPE_CHECKING:\n"
        "    from kata import e\n"
    )
    path = tmp_path / "a.py"
    path.write_text(source)
    modules = {name: tmp_path / "x.py" for name in ("kata", "kata.pkg", "kata.pkg.b", "kata.pkg.c", "kata.d", "kata.e")}
    modules["kata.pkg.a"] = path
    assert _edges("kata.pkg.a", path, modules) == {"kata.pkg", "kata.pkg.b", "kata.pkg.c", "kata.d", "kata.e"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_trusted_judge_never_imports_the_sandboxed_side():
    """The trust boundary is a folder: nothing outside kata.judge.sandboxed imports it (only the
    sandbox's command line names it, as the module bubblewrap runs), and the sandboxed side imports
    nothing of the trusted judge but the frame format and the random state's encoding. The process
    layer it shares with the engine, kata.procs, imports nothing of kata at all."""
    graph = _graph()
    sandboxed = {name for name in graph if name.startswith("kata.judge.sandboxed")}
    for name, edges in graph.items():
        if name not in sandboxed:
            assert not edges & sandboxed, f"{name} imports the sandboxed side: {sorted(edges & sandboxed)}"
    shared = {"kata.judge", "kata.judge.wire", "kata.judge.rng"}
    for name in sandboxed:
        trusted = {e for e in graph[name] if e.startswith("kata.judge") and e not in sandboxed}
        assert trusted <= shared, f"{name} imports the trusted judge: {sorted(trusted - shared)}"
    assert not {e for e in graph["kata.procs"] if e.startswith("kata")}, "kata.procs imports kata"


def test_no_two_parts_of_kata_import_each_other():
    """The same rule one level up: the subpackages and top-level modules of kata (engine, judge,
    plugin, dev, cli, session, …) form no circle either, so each layer can be read on its own.
    Module-level cycles inside one subpackage are the test above's; this one sees e.g.
    engine → judge → engine, which no single module's imports show."""
    def part(name: str) -> str:
        return ".".join(name.split(".")[:2])

    parts: dict[str, set[str]] = {}
    for name, edges in _graph().items():
        parts.setdefault(part(name), set()).update(part(e) for e in edges if part(e) != part(name))
    cycles = _cycles(parts)
    assert not cycles, "parts of kata that import each other: " + "; ".join(
        " → ".join(_path_through(c, parts)) for c in cycles)
