"""Logging in through the login form, second factor included, as a person would (tests that
need the real login rather than ``client.force_login``)."""

from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from tests.factories import totp_code


def log_in(client, email: str, password: str, *, next_url: str = ""):
    """Post the login form, then the authenticator-app code if allauth asks for it (users the
    factories give a second factor have tests.factories.TOTP_SECRET). Returns the last response."""
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"login": email, "password": password})
    if response.status_code == 302 and response["Location"].startswith(
            reverse("mfa_authenticate")):
        code = totp_code()
        # allauth refuses a code used once already within its 30 seconds (a replayed code); a test
        # that logs in again within them is not a replay.
        cache.delete_many(_used_code_keys(code))
        response = client.post(response["Location"], {"code": code})
    return response


def _used_code_keys(code: str) -> list[str]:
    return [f"allauth.mfa.totp.used?user={user_id}&code={code}"
            for user_id in Authenticator.objects.values_list("user_id", flat=True)]
