"""Inside each app, the layers of STYLE.md: selectors never import services, neither imports the
app's tasks (tasks are queued by name), and no service module is over 450 lines. Imports inside
functions count too. (No circle inside an app: tests/portal/test_import_graph.py.)"""

import ast

import pytest

from tests.portal.test_import_graph import LAYERS, all_imports, imported_names, modules_of

MAX_SERVICE_LINES = 450
APPS = [app for app in LAYERS if app != "portal"]


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


@pytest.mark.parametrize("app", APPS)
def test_selectors_never_import_services_and_neither_imports_tasks(app):
    selectors, services, tasks = f"{app}.selectors", f"{app}.services", f"{app}.tasks"
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in _imports_of(app).items() for target in targets
        if (name.startswith((selectors, services)) and target == tasks)
        or (name.startswith(selectors) and target.startswith(services)))
    assert wrong == []


def test_the_layer_check_sees_the_split_selectors():
    assert {"evaluation.selectors.assignment", "payments.selectors.beneficiary"} <= {
        name for app in APPS for name in _imports_of(app)}


SERVICE_MODULES = sorted(
    (name, path) for app in APPS for name, path in modules_of(app).items()
    if name == f"{app}.services" or name.startswith(f"{app}.services.")
    or name.endswith(".services"))


@pytest.mark.parametrize(("module", "path"), SERVICE_MODULES, ids=[m for m, _ in SERVICE_MODULES])
def test_service_modules_stay_at_or_under_450_lines(module, path):
    assert len(path.read_text().splitlines()) <= MAX_SERVICE_LINES
