"""The roles a person holds on the portal, for the menu and for where she lands after login.

accounts is the lowest app and knows no role itself: each app that gives one registers it from
its ``AppConfig.ready()`` (applications: applicant and manager, evaluation: evaluator, payments:
finance officer) with the URL name of its home and a test that reads only the session and the
per-request role cache, so that the menu costs no query of its own on any page.

After login a person with several roles lands on the home of the role with the lowest priority
number: manager (10), finance officer (20), evaluator (30), applicant (90). The people who run a
Eurocluster's calls have the most waiting for them; an evaluator who is also an SME applicant
finds her proposals to score before her own applications, which the menu still offers. An
explicit ``?next=`` wins over all of this.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.http import HttpRequest


@dataclass(frozen=True)
class Role:
    code: str
    priority: int
    home: str  # URL name of the role's landing page
    held: Callable[[HttpRequest], bool]
    # Held by anyone who holds no other role (a new SME has no enterprise yet).
    default: bool = False


_ROLES: dict[str, Role] = {}


def register_role(*, code: str, priority: int, home: str, held: Callable[[HttpRequest], bool],
                  default: bool = False) -> None:
    """Register (or replace, so that a second ``ready()`` is harmless) the role ``code``."""
    _ROLES[code] = Role(code=code, priority=priority, home=home, held=held, default=default)


def move_home(*, code: str, home: str) -> None:
    """Give the registered role ``code`` another landing page: a higher app that builds a better
    home for a role than the app that registered it (the manager's dashboard) says so here."""
    _ROLES[code] = replace(_ROLES[code], home=home)


def roles_of(request: HttpRequest) -> list[Role]:
    """The roles the request's user holds, by priority; none for a visitor."""
    if not request.user.is_authenticated:
        return []
    ordered = sorted(_ROLES.values(), key=lambda role: role.priority)
    held = [role for role in ordered if role.held(request)]
    if any(not role.default for role in held):
        return held
    return [role for role in ordered if role.default]
