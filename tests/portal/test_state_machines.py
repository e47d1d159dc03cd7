"""Every state machine of the portal, found by its ``TRANSITIONS`` table among the installed models.

For each: the table names every status and only statuses, every status can be reached from the
state a row is created in, the app has one transition service for it, and no code outside the
transition modules writes the state. That last check reads the source with ``ast`` and flags:

- an assignment to ``<anything>.status`` (alone or in a tuple), except the in-memory copy of what
  a transition service returned (``x.status = <...>_transition(...).status``);
- ``.update(status=...)``, ``.update_or_create``/``.get_or_create`` with a ``status`` (keyword or
  in ``defaults``), ``.bulk_update`` of a ``status`` field, ``setattr(x, "status", ...)``.

Creating a row in a status is no transition and is not checked. What the check allows is listed
in ``ALLOWED`` with the reason, and each entry must still be needed.
"""

import ast
from collections import deque
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models.fields import NOT_PROVIDED

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "accounts", "euroclusters", "calls", "applications", "evaluation", "payments",
        "reporting")
# The mechanism and the one transition service of each state machine.
TRANSITION_MODULES = ("portal/transitions.py", "calls/transitions.py",
                      "applications/transitions.py", "evaluation/services/transitions.py",
                      "payments/services/transitions.py", "reporting/exports/transitions.py")
ALLOWED = {
    # Seed data, not a lifecycle step: a demo call is put at the stage its dates show, and a
    # closed one is reopened for the block in which its demo proposals are submitted.
    "applications/management/commands/seed_demo.py",
}
STATE_MACHINES = sorted((m for m in apps.get_models() if hasattr(m, "TRANSITIONS")),
                        key=lambda m: m._meta.label)


def state_field(model):
    (field,) = [f for f in model._meta.concrete_fields
                if f.choices and {value for value, _label in f.choices} == set(model.Status)]
    return field


def initial_states(model) -> set[str]:
    """The field's default; without one (rows are created in one of several states), every
    state that no transition leads to."""
    default = state_field(model).default
    if default is not NOT_PROVIDED:
        return {default}
    return set(model.Status) - set().union(*model.TRANSITIONS.values())


def test_the_portal_has_its_seventeen_state_machines():
    assert len(STATE_MACHINES) == 17, [m.__name__ for m in STATE_MACHINES]


@pytest.mark.parametrize("model", STATE_MACHINES, ids=lambda m: m.__name__)
def test_the_table_names_every_status_and_only_statuses(model):
    assert state_field(model).name == "status"
    assert set(model.TRANSITIONS) == set(model.Status.values)
    assert set().union(*model.TRANSITIONS.values()) <= set(model.Status.values)


@pytest.mark.parametrize("model", STATE_MACHINES, ids=lambda m: m.__name__)
def test_every_status_is_reachable_from_the_initial_state(model):
    start = initial_states(model)
    assert start
    seen, queue = set(start), deque(start)
    while queue:
        for target in model.TRANSITIONS[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert set(model.Status.values) - seen == set()


def _transition_services() -> dict[str, str]:
    """Model class name -> the transition service taking a row of it."""
    services = {}
    for module in TRANSITION_MODULES[1:]:
        tree = ast.parse((ROOT / module).read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_transition"):
                for argument in node.args.kwonlyargs:
                    if isinstance(argument.annotation, ast.Name):
                        services.setdefault(argument.annotation.id, node.name)
    return services


@pytest.mark.parametrize("model", STATE_MACHINES, ids=lambda m: m.__name__)
def test_every_state_machine_has_its_transition_service(model):
    assert model.__name__ in _transition_services()


def _is_transition_result(value: ast.expr) -> bool:
    """``<...>_transition(...).status`` or ``transition_row(...).status``."""
    if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Call)):
        return False
    func = value.value.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name.endswith("_transition") or name == "transition_row"


def _targets(node: ast.AST):
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    pending = list(targets)
    while pending:
        target = pending.pop()
        if isinstance(target, ast.Tuple | ast.List):
            pending.extend(target.elts)
        else:
            yield target


def state_writes(source: str, field: str = "status") -> list[int]:
    """Lines of ``source`` that write ``field`` other than through a transition service."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            for target in _targets(node):
                if (isinstance(target, ast.Attribute) and target.attr == field
                        and not _is_transition_result(node.value)):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            keywords = {k.arg: k.value for k in node.keywords}
            if name in ("update", "update_or_create", "get_or_create") and field in keywords:
                lines.append(node.lineno)
            for key in ("defaults", "create_defaults"):
                value = keywords.get(key)
                if isinstance(value, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == field for k in value.keys):
                    lines.append(node.lineno)
            if name == "bulk_update" and any(
                    isinstance(n, ast.Constant) and n.value == field
                    for arg in [*node.args[1:], *keywords.values()] for n in ast.walk(arg)):
                lines.append(node.lineno)
            if (name == "setattr" and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == field):
                lines.append(node.lineno)
    return sorted(set(lines))


@pytest.mark.parametrize(("source", "lines"), [
    ("a.status = 'x'", [1]),
    ("a.status, a.b = 'x', 1", [1]),
    ("a.status = application_transition(application=a, to='x', by=None).status", []),
    ("Application.objects.filter(pk=1).update(status='x')", [1]),
    ("M.objects.update_or_create(pk=1, defaults={'status': 'x'})", [1]),
    ("M.objects.bulk_update(rows, ['status'])", [1]),
    ("setattr(a, 'status', 'x')", [1]),
    ("M.objects.filter(status='x').count()\nrender(request, 't', status=400)", []),
])
def test_state_writes_are_found(source, lines):
    assert state_writes(source) == lines


def test_no_state_is_written_outside_its_transition_service():
    fields = {state_field(model).name for model in STATE_MACHINES}
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if "/migrations/" in module or module in TRANSITION_MODULES:
                continue
            lines = [line for field in sorted(fields)
                     for line in state_writes(path.read_text(), field)]
            if lines:
                found[module] = lines
    assert {module: lines for module, lines in found.items() if module not in ALLOWED} == {}
    assert set(ALLOWED) <= set(found), "an allowed exception is no longer needed: remove it"
