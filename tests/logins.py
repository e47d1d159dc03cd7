"""Logging in through the login form, second factor included, as a person would (tests that
need the real login rather than ``client.force_login``)."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.cache import cache
from django.urls import reverse

from portal.demo import demo_totp_code


def log_in(client, email: str, password: str, *, next_url: str = ""):
    """Post the login form, then the code of her authenticator app if allauth asks for it
    (computed from the stored secret, as the app computes it: tests.factories.TOTP_SECRET for the
    factories' staff, portal.demo.DEMO_TOTP_SECRET for the demo's). Returns the last response."""
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"login": email, "password": password})
    if response.status_code == 302 and response["Location"].startswith(
            reverse("mfa_authenticate")):
        authenticator = Authenticator.objects.get(user__email=email,
                                                  type=Authenticator.Type.TOTP)
        code = demo_totp_code(secret=decrypt(authenticator.data["secret"]))
        # allauth refuses a code used once already within its 30 seconds (a replayed code); a test
        # that logs in again within them is not a replay.
        cache.delete(f"allauth.mfa.totp.used?user={authenticator.user_id}&code={code}")
        response = client.post(response["Location"], {"code": code})
    return response


def reauthenticate(client, password: str):
    """Confirm the password on allauth's re-authentication page (asked before signing,
    countersigning, approving bank details, exporting SEPA files and changing roles)."""
    return client.post(reverse("account_reauthenticate"), {"password": password})
