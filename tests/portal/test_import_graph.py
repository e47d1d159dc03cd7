"""The house keeps its shape: no import circle inside an app, no app importing a higher one.

Read from the source with ``ast``, nothing imported. A circle is found among the imports that run
when a module is imported: those at module level, in a class body, under ``if``/``try``/``with``
at module level; not those inside a function (each is marked ``# noqa: PLC0415`` with its reason,
which ruff checks) nor those under ``if TYPE_CHECKING:``. The layers are checked on every import,
a function's too: an import inside a function is still a dependency.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lower apps never import higher ones (STYLE.md); the portal is the base and imports no app (it
# finds the apps' tasks by their registered names, see portal.queue).
LAYERS = ("portal", "accounts", "euroclusters", "calls", "applications", "activities",
          "evaluation", "payments", "reporting")


def modules_of(app: str) -> dict[str, Path]:
    """Every module of ``app`` by dotted name (packages by their own name), migrations aside."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_at_import_time(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def all_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom))


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names ``node`` may import: ``a.b`` for ``from a import b`` and ``a``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def graph_of(app: str) -> dict[str, set[str]]:
    """module -> the modules of the same app it imports at import time."""
    modules = modules_of(app)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = set()
        for node in imports_at_import_time(tree):
            for imported in imported_names(node, name, is_package):
                if imported in modules and imported != name:
                    targets.add(imported)
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_function_level_and_type_checking_imports_are_not_import_time_ones():
    tree = ast.parse(
        "import a\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import b\n"
        "try:\n    import c\nexcept ImportError:\n    pass\n"
        "class K:\n    import d\n"
        "def f():\n    import e\n")
    names = sorted(name for node in imports_at_import_time(tree)
                   for name in imported_names(node, "x", False))
    assert names == ["a", "c", "d", "typing", "typing.TYPE_CHECKING"]


@pytest.mark.parametrize("app", LAYERS)
def test_no_import_circle_inside_the_app(app):
    cycle = find_cycle(graph_of(app))
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_a_higher_one(app):
    higher = LAYERS[LAYERS.index(app) + 1:]
    upward = []
    for name, path in modules_of(app).items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in all_imports(tree):
            for imported in imported_names(node, name, path.name == "__init__.py"):
                if imported.split(".")[0] in higher:
                    upward.append(f"{name}:{node.lineno} imports {imported}")
    assert sorted(set(upward)) == []
