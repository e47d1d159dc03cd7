"""What the browser tests do as a person would, written once."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.cache import cache
from playwright.sync_api import expect

from portal.demo import demo_totp_code

FACTORY_PASSWORD = "correct-horse-42"  # the password tests/factories.py gives every user


def log_in(page, email: str, password: str = FACTORY_PASSWORD) -> None:
    """Log in through the login page, with the code of her authenticator app when she has one
    (staff and evaluators must), and wait until the menu shows the account."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    authenticator = Authenticator.objects.filter(
        user__email=email, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        enter_totp_code(page, authenticator)
        page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("navigation").first).to_contain_text(email)


def enter_totp_code(page, authenticator: Authenticator) -> None:
    """Type the code her authenticator app shows now (computed from the stored secret, as the
    app computes it)."""
    # allauth takes the code of the current 30 seconds only: on a busy machine a code typed in
    # the last seconds of its period is checked in the next one. Wait for a fresh period then.
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 8:
        time.sleep(left + 0.2)
    code = demo_totp_code(secret=decrypt(authenticator.data["secret"]))
    # allauth refuses a code used once within its 30 seconds (a replay); a test that logs the same
    # person in again within them is not one. The live server shares this process's cache.
    cache.delete(f"allauth.mfa.totp.used?user={authenticator.user_id}&code={code}")
    page.locator("input[name=code]").fill(code)


def fill_enterprise(page, *, vat: str) -> None:
    """Fill the enterprise form ("My enterprise") with a small Belgian enterprise: 12 staff, above
    the micro ceiling (fewer than 10) and within the small one (fewer than 50). Not saved."""
    page.get_by_label("Legal name").fill("Brasov Motion BV")
    page.get_by_label("VAT or company registration number").fill(vat)
    page.get_by_label("Country of legal establishment").select_option("BE")
    page.get_by_label("Street and number").fill("Rue de la Loi 16")
    page.get_by_label("Postcode").fill("1000")
    page.get_by_label("City").fill("Brussels")
    page.get_by_label("NACE sector").fill("C28.4")
    page.get_by_label("Year founded").fill("2015")
    page.get_by_label("Staff (annual work units)").fill("12")
    page.get_by_label("Annual turnover (EUR)").fill("1500000")
    page.get_by_label("Balance-sheet total (EUR)").fill("900000")


def reauthenticate(page, password: str = FACTORY_PASSWORD) -> None:
    """Confirm the password on allauth's re-authentication page, which the portal shows before
    signing, countersigning, approving bank details, exporting SEPA files and changing roles."""
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Confirm").click()
