"""Rate limits of the portal's own endpoints: the public /verify/ page, uploads and autosave.

allauth limits its own views (log-in, sign-up, password reset, the confirmation e-mail) through
``settings.ACCOUNT_RATE_LIMITS``; this module does the rest with django-ratelimit. The rates are
``settings.PORTAL_RATE_LIMITS`` (``{"verify": "30/m", ...}``), read at each request. Requests
are counted in the shared cache per user, or per client address for someone not logged in, in a
fixed window: past the limit the view does not run and the person gets a 429 that says when to
try again (JSON for the autosave script), with a ``Retry-After`` header. When the cache cannot be
reached the request is let through and the failure logged (fail open): a Redis outage must not
stop uploads and autosave before a deadline.
"""

import logging
import math
from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """The client's address as allauth sees it (behind ``ALLAUTH_TRUSTED_PROXY_COUNT`` proxies),
    so that allauth's limits and the portal's count the same person alike
    (``settings.RATELIMIT_IP_META_KEY`` names this function)."""
    return get_adapter().get_client_ip(request)


def rate(group: str, request: HttpRequest | None = None) -> str:
    """The rate of ``group`` in force, e.g. ``"30/m"`` (django-ratelimit calls it per request)."""
    return settings.PORTAL_RATE_LIMITS[group]


def wait_text(seconds: int) -> str:
    """"1 minute", "40 seconds": how long until the window ends, rounded up to a minute past
    one minute."""
    seconds = max(int(seconds), 1)
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def refusal_message(group: str, seconds: int) -> str:
    if group == "autosave":
        return _("Autosave is paused: too many saves in a short time. It saves again in "
                 "%(wait)s; keep this page open.") % {"wait": wait_text(seconds)}
    return _("Too many attempts in a short time. Please try again in %(wait)s.") % {
        "wait": wait_text(seconds)}


def too_many_requests(request: HttpRequest, *, group: str, seconds: int,
                      json: bool = False) -> HttpResponse:
    """The 429 answer: a page (or JSON) that says when to try again."""
    seconds = max(int(seconds), 1)
    message = refusal_message(group, seconds)
    if json:
        response = JsonResponse({"status": "throttled", "message": message,
                                 "retry_after": seconds}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(group: str, *, json: bool = False) -> Callable:
    """Decorate a view (or, with ``method_decorator``, a view's method) so that each call counts
    against ``PORTAL_RATE_LIMITS[group]``; the call past the limit gets a 429 instead."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                usage = get_usage(request, group=group, key="user_or_ip", rate=rate,
                                  increment=True)
            except (RedisError, OSError):
                # The counter's cache is down: an SME's upload or autosave on deadline day
                # matters more than the limit, so the request goes through (and is logged).
                logger.exception("Rate limit %s not counted: the cache cannot be reached", group)
                usage = None
            if usage and usage["should_limit"]:
                who = (f"user {request.user.pk}" if request.user.is_authenticated
                       else "an anonymous client")
                logger.warning("Rate limit %s (%s) reached by %s on %s", group, rate(group),
                               who, request.path)
                return too_many_requests(request, group=group, seconds=usage["time_left"],
                                         json=json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
