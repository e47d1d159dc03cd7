"""The evaluation app keeps its layers: selectors never import services, and neither imports
tasks (tasks are queued by name). No circle inside the app is checked for every app by
tests/portal/test_import_graph.py."""

import ast

from tests.portal.test_import_graph import all_imports, imported_names, modules_of


def _imports_of(app: str) -> dict[str, set[str]]:
    """module -> every module of the same app it imports, a function's imports too."""
    modules = modules_of(app)
    found = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        found[name] = {imported for node in all_imports(tree)
                       for imported in imported_names(node, name, path.name == "__init__.py")
                       if imported in modules and imported != name}
    return found


def test_selectors_never_import_services_and_neither_imports_tasks():
    imports = _imports_of("evaluation")
    assert "evaluation.selectors.assignment" in imports
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in imports.items() for target in targets
        if (name.startswith(("evaluation.selectors", "evaluation.services"))
            and target == "evaluation.tasks")
        or (name.startswith("evaluation.selectors") and target.startswith("evaluation.services")))
    assert wrong == []
