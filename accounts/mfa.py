"""Who must have a second factor, and whether she has one.

accounts is the lowest app and knows no role itself (see accounts.roles): each app that gives a
role for which a second factor is required registers a test of it from its ``AppConfig.ready()``
(euroclusters: a cluster manager, finance officer or observer of any Eurocluster; evaluation: an
evaluator of a call's pool). A superuser, and anyone who may open the administration (staff),
needs one too.

Whether the person has a second factor is kept in her session: read at login (one query), updated
by allauth's signals when she adds or removes one, so that pages cost no query of their own. A "no"
is asked again before anyone is turned away (she may have set one up in another session).
"""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest

from portal.audit import audit_record

SESSION_KEY = "portal_mfa_enabled"

_REQUIREMENTS: dict[str, Callable[[HttpRequest], bool]] = {}
# Who is invited (not forced) to turn a second factor on: an applicant once her grant agreement is
# signed (payments registers it).
_INVITATIONS: dict[str, Callable[[HttpRequest], bool]] = {}


def register_mfa_requirement(*, code: str, held: Callable[[HttpRequest], bool]) -> None:
    """Require a second factor of whoever ``held(request)`` says holds the role ``code``
    (registering the same code again replaces it, so that a second ``ready()`` is harmless)."""
    _REQUIREMENTS[code] = held


def mfa_required(request: HttpRequest) -> bool:
    """Must the request's user have a second factor? Cheap tests first: the flags on the user,
    then the registered roles (from the session or the per-request role cache)."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(held(request) for held in _REQUIREMENTS.values())


def register_mfa_invitation(*, code: str, held: Callable[[HttpRequest], bool]) -> None:
    """Invite whoever ``held(request)`` names to turn a second factor on (a notice, no
    obligation); registering the same code again replaces it."""
    _INVITATIONS[code] = held


def mfa_invited(request: HttpRequest) -> bool:
    """Should the page invite the request's user to turn a second factor on? Never once she has
    one (from the session, no query); else each registered test, until one says yes."""
    if not request.user.is_authenticated or has_mfa(request):
        return False
    return any(held(request) for held in _INVITATIONS.values())


def has_mfa(request: HttpRequest, *, fresh: bool = False) -> bool:
    """Has the request's user a second factor? From the session, else (or when ``fresh``) asked
    and kept."""
    enabled = None if fresh else request.session.get(SESSION_KEY)
    if enabled is None:
        enabled = is_mfa_enabled(request.user)
        if request.session.get(SESSION_KEY) != enabled:
            request.session[SESSION_KEY] = enabled
    return enabled


def totp_give(*, user, secret: str) -> bool:
    """Give ``user`` an authenticator app with ``secret`` (base32), as if she had set it up,
    unless she has one already; say whether one was made. For the demo accounts only: a real
    person's secret is made by allauth's set-up page and never leaves her app."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, secret)
    return True


def remember_mfa(sender, request, user, **kwargs) -> None:
    """At login, and when a second factor is added or removed: keep the answer in the session."""
    if request is None or not hasattr(request, "session"):
        return
    enabled = is_mfa_enabled(user)
    if request.session.get(SESSION_KEY) != enabled:
        request.session[SESSION_KEY] = enabled


def audit_mfa_added(sender, request, user, authenticator, **kwargs) -> None:
    """A second factor set up: audited (its kind, never its secret)."""
    audit_record(subject=user, action="mfa_added", actor=user,
                 data={"type": authenticator.type})


def audit_mfa_removed(sender, request, user, authenticator, **kwargs) -> None:
    """A second factor removed: audited, since it weakens the account."""
    audit_record(subject=user, action="mfa_removed", actor=user,
                 data={"type": authenticator.type})
