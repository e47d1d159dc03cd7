"""The payments app keeps its shape: selectors never import services, no import circle between
its modules, no service module over 450 lines, and imports inside functions only with a reason."""

import ast
from pathlib import Path

import pytest

import payments

ROOT = Path(payments.__file__).resolve().parent
MODULES = {
    ".".join(("payments", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(
        ".__init__"): path
    for path in ROOT.rglob("*.py") if "migrations" not in path.parts
}


def imported(path: Path) -> set[str]:
    """The payments modules ``path`` imports, anywhere in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {module: imported(path) - {module} for module, path in MODULES.items()}


def test_selectors_never_import_services():
    offenders = {module: sorted(n for n in names if n.startswith("payments.services"))
                 for module, names in GRAPH.items() if module.startswith("payments.selectors")}
    assert {m: n for m, n in offenders.items() if n} == {}


def test_no_import_circle_inside_the_payments_app():
    circles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for name in sorted(GRAPH[module]):
            if state.get(name) == "open":
                circles.append([*path[path.index(name):], name])
            elif name not in state:
                visit(name, [*path, name])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if ".services" in m))
def test_service_modules_stay_at_or_under_450_lines(module):
    assert len(MODULES[module].read_text().splitlines()) <= 450


def test_imports_inside_functions_say_why():
    unexplained = []
    for module, path in MODULES.items():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom) and \
                            "# noqa: PLC0415 -- " not in lines[inner.lineno - 1]:
                        unexplained.append(f"{module}:{inner.lineno}")
    assert unexplained == []
