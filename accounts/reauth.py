"""Re-authentication before the acts that move money or power: signing and countersigning a grant
agreement, approving bank details, exporting SEPA files, changing someone's role.

allauth's own check (``allauth.account.decorators.reauthentication_required``): the person must
have confirmed her password or a second factor on allauth's re-authentication page within
``ACCOUNT_REAUTHENTICATION_TIMEOUT`` (10 minutes). Logging in does not count: each of these acts
asks for a fresh confirmation, which then holds for 10 minutes.

A GET is left to allauth: to its re-authentication page and back to the same address. A POST is
not kept to be replayed (allauth would keep its fields, a typed password among them, and the
request's headers in the session): the person confirms, comes back to the page of the form and
sends it again. Nothing has changed in between: the view never ran.

Who may act is checked first: a view whose permission depends on the object it loads calls
``reauthentication_asked`` after its own checks, so a person who may not act gets her 403 or 404
at once instead of being asked to confirm her password for nothing. The decorator is for views
whose only gate before it is the login (and the admin's, behind its staff check).
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.decorators import (
    reauthentication_required as allauth_reauthentication_required,
)
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext as _


def reauthentication_required(function=None, *,
                              back_to: Callable[..., str] | None = None,
                              enabled: Callable[[HttpRequest], bool] | None = None):
    """Decorate a view (``method_decorator`` for a class's ``dispatch``, ``get`` or ``post``).
    ``back_to(request, *args, **kwargs)`` is the page of the form a refused POST returns to after
    the confirmation (default: the same address); ``enabled(request)`` limits the check to some
    requests (one action of a form)."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            # Anonymous: the view's own login check answers.
            if request.user.is_authenticated and (enabled is None or enabled(request)):
                asked = reauthentication_asked(
                    request, back=back_to(request, *args, **kwargs) if back_to else None)
                if asked is not None:
                    return asked
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(function) if function else decorator


def reauthentication_asked(request: HttpRequest, *,
                           back: str | None = None) -> HttpResponseRedirect | None:
    """None when the signed-in person re-authenticated recently enough; otherwise, for a POST,
    the redirect that asks her to (then back to ``back``, default the same address), and for a
    GET allauth's ``ReauthenticationRequired`` (its middleware asks, then comes back here). Call
    it after the view's own permission checks."""
    try:
        allauth_reauthentication_required(lambda _request: None)(request)
    except ReauthenticationRequired:
        if request.method in ("GET", "HEAD"):
            raise
        return _confirm_then_resend(request, back or request.path)
    return None


def _confirm_then_resend(request: HttpRequest, back: str) -> HttpResponseRedirect:
    methods = get_adapter().get_reauthentication_methods(request.user)
    if not methods:
        raise PermissionDenied
    messages.warning(request, _("For your security, confirm it is you (your password or your "
                                "second factor), then send the form again: nothing was done."))
    return HttpResponseRedirect(f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: back})}")
