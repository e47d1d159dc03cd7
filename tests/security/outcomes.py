"""The notation of the URL-role table: who gets which outcome, in one short line.

``expect("owner manager superuser 200; anon login; * 404")``: segments separated by ``;``, each a
list of roles (or groups, see GROUPS) and the outcome they get, last. ``*`` stands for every role
not named before it; without it, every role must be named. Outcomes:

- ``200``: the page (or the file).
- ``login``: a redirect to a login page (the portal's, or the admin's for the admin).
- ``302``: a redirect elsewhere (a refusal that sends the person on, or a POST that worked).
- ``400``, ``409``: the request reached the view, which refused its (empty) data.
- ``403``, ``404``, ``405``: refused.

A POST's outcome says whether it wrote: ``302+`` is a redirect after rows changed, a plain
``302`` (or any outcome without ``+``) left every row of the database as it was. A refusal never
has ``+``.
"""

from tests.security.world import ROLES

GROUPS = {
    "applicants": ("owner", "applicant", "member"),
    "evaluators": ("eval_before", "eval_after", "eval_other"),
    "staff_a": ("manager", "finance", "observer"),
    "staff_b": ("manager_b", "finance_b"),
    "staff": ("manager", "finance", "observer", "manager_b", "finance_b"),
    "managers": ("manager", "manager_b"),
    "finances": ("finance", "finance_b"),
    "people": tuple(r for r in ROLES if r != "anon"),
}
REFUSALS = {"login", "403", "404", "405"}
ALLOWED = {"200", "302", "400", "409"}
OUTCOMES = REFUSALS | ALLOWED | {f"{o}+" for o in ALLOWED}


def expect(spec: str) -> dict[str, str]:
    """Every role's outcome under ``spec`` (see the module's docstring)."""
    result: dict[str, str] = {}
    for segment in spec.split(";"):
        words = segment.split()
        if len(words) < 2:
            raise ValueError(f"{spec!r}: {segment!r} names no role or no outcome")
        *names, outcome = words
        if outcome not in OUTCOMES:
            raise ValueError(f"{spec!r}: unknown outcome {outcome!r}")
        for name in names:
            if name == "*":
                roles = tuple(r for r in ROLES if r not in result)
            elif name in GROUPS:
                roles = GROUPS[name]
            elif name in ROLES:
                roles = (name,)
            else:
                raise ValueError(f"{spec!r}: unknown role {name!r}")
            for role in roles:
                if role in result and name != "*":
                    raise ValueError(f"{spec!r}: {role} is given twice")
                result.setdefault(role, outcome)
    missing = [r for r in ROLES if r not in result]
    if missing:
        raise ValueError(f"{spec!r}: no outcome for {', '.join(missing)}")
    return result


def compact(outcomes: dict[str, str]) -> str:
    """The shortest usual spelling of ``outcomes``: the most common outcome as ``*``."""
    by_outcome: dict[str, list[str]] = {}
    for role in ROLES:
        by_outcome.setdefault(outcomes[role], []).append(role)
    common = max(by_outcome, key=lambda o: len(by_outcome[o]))
    parts = [f"{' '.join(_grouped(roles))} {o}" for o, roles in by_outcome.items()
             if o != common]
    return "; ".join([*parts, f"* {common}"])


def _grouped(roles: list[str]) -> list[str]:
    """``roles`` with each whole group among them spelt by its name (the widest first)."""
    left, names = list(roles), []
    for group in ("staff", "applicants", "evaluators", "staff_a", "staff_b"):
        if all(r in left for r in GROUPS[group]):
            names.append(group)
            left = [r for r in left if r not in GROUPS[group]]
    return names + left
