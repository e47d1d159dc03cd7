"""The evaluation app keeps its shape: no import circle among its modules (services and tasks,
selectors and services, ...), and selectors never import services."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = "evaluation"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in (ROOT / APP).rglob("*.py")
            if "migrations" not in path.parts}


def _imports(path: Path, known: set[str]) -> set[str]:
    """The app's modules that ``path`` imports when it loads (imports inside functions, run
    later, do not count)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in known}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node], _ = 2, path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_checker_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_circle_inside_the_evaluation_app():
    graph = _graph()
    assert "evaluation.tasks" in graph and "evaluation.services.assignment_runs" in graph
    assert _cycle(graph) is None


def test_selectors_and_services_never_import_tasks_and_selectors_never_import_services():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith(("evaluation.selectors", "evaluation.services")):
            assert "evaluation.tasks" not in targets, name
        if name.startswith("evaluation.selectors"):
            assert not {t for t in targets if t.startswith("evaluation.services")}, name
