"""The portal's public address and name: every absolute link (e-mails, agreements, allauth's
messages) is built here, from the one setting ``PORTAL_SITE_URL``, never from the request's host
(which behind a proxy, or in a task, is not the address people use)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def site_url() -> str:
    """``PORTAL_SITE_URL`` without a trailing slash, e.g. ``https://grants.example.eu``."""
    return settings.PORTAL_SITE_URL.rstrip("/")


def absolute_url(location: str) -> str:
    """``location`` (a path such as ``reverse(...)`` returns) made absolute on the portal."""
    if not location.startswith("/"):
        raise ValueError(f"absolute_url takes a path starting with '/', not {location!r}")
    return site_url() + location


@dataclass(frozen=True)
class PortalSite:
    """Stands where allauth expects a Site: the name and host its messages print."""

    name: str
    domain: str


def current_site() -> PortalSite:
    return PortalSite(name=_("Eurocluster portal"), domain=urlsplit(site_url()).netloc)
