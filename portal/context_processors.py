import functools

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from portal.notifications import unread_count


def notifications(request) -> dict:
    """``unread_notifications``: the bell's number for a signed-in person, counted only when a
    template prints it: one COUNT over the partial index of unread rows, and no query at all for
    anonymous visitors or pages without the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(person=user))}


# The links of the header, the footer and the language switcher, on every page: reversed once
# per process (and script prefix) instead of a dozen {% url %} a page, about half a millisecond of
# CPU a page in the deadline rush (README "Load test"). Written in templates as
# ``links.<name>``, the URL name with "_" for ":".
LINK_NAMES = (
    "calls:home", "applications:dashboard", "applications:organisation", "evaluation:queue",
    "evaluation:profile", "reporting:dashboard", "applications:manage_calls", "reporting:kpis",
    "reporting:audit", "payments:finance", "admin:index", "notifications:list", "account_email",
    "account_logout", "account_login", "account_signup", "reporting:beneficiaries",
    "payments:verify", "accounts:privacy", "accounts:language",
)


@functools.cache
def _links(prefix: str, urlconf: str | None) -> dict[str, str]:
    return {name.replace(":", "_"): reverse(name, urlconf=urlconf) for name in LINK_NAMES}


def links(request) -> dict:
    """``links``: the URLs of the pages every page links to (``LINK_NAMES``)."""
    return {"links": _links(get_script_prefix(), get_urlconf())}
