"""The payments app keeps its layers: selectors never import services, and neither imports
tasks (tasks are queued by name); no service module is over 450 lines. No circle inside the app
is checked for every app by tests/portal/test_import_graph.py."""

import ast

import pytest

from tests.portal.test_import_graph import all_imports, imported_names, modules_of

MODULES = modules_of("payments")


def _imports_of() -> dict[str, set[str]]:
    """module -> every module of the app it imports, a function's imports too."""
    found = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        found[name] = {imported for node in all_imports(tree)
                       for imported in imported_names(node, name, path.name == "__init__.py")
                       if imported in MODULES and imported != name}
    return found


def test_selectors_never_import_services_and_neither_imports_tasks():
    imports = _imports_of()
    assert "payments.selectors.beneficiary" in imports
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in imports.items() for target in targets
        if (name.startswith(("payments.selectors", "payments.services"))
            and target == "payments.tasks")
        or (name.startswith("payments.selectors") and target.startswith("payments.services")))
    assert wrong == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("payments.services")))
def test_service_modules_stay_at_or_under_450_lines(module):
    assert len(MODULES[module].read_text().splitlines()) <= 450
