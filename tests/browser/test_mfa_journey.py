"""Issue 13: a cluster manager without a second factor logs in, is sent to set one up, sets up
an authenticator app (the test reads the secret on the page and computes the code, as the app
would), reaches her dashboard, and is asked to confirm it is her before countersigning."""

import re
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from euroclusters.models import Membership
from payments.models import GrantAgreement
from payments.services.agreements import agreement_generate
from portal.demo import demo_totp_code
from tests.browser.actions import FACTORY_PASSWORD, log_in, reauthenticate
from tests.factories import MembershipFactory
from tests.payments.factories import results_call, selected_application
from tests.payments.test_agreements_views import signed

pytestmark = pytest.mark.browser

MANAGER_EMAIL = "new.manager@ec-digital.example"
WHY = "your account needs a second factor"


def test_a_manager_sets_up_her_authenticator_app_then_confirms_before_countersigning(page):
    membership = MembershipFactory(role=Membership.Role.MANAGER, user__email=MANAGER_EMAIL,
                                   user__full_name="Nora Lindqvist", user__mfa=False)
    call = results_call(eurocluster=membership.eurocluster, budget=Decimal("1000000"))
    agreement = agreement_generate(application=selected_application(call))
    signed(agreement, agreement.application.organisation.user)

    # --- logging in sends her to the set-up, which asks for her password once more first -------
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(MANAGER_EMAIL)
    page.locator("input[name=password]").fill(FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text=WHY)).to_be_visible()
    reauthenticate(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))

    # The dashboard, and any other page behind her role, sends her back here.
    page.goto("/manage/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("alert").filter(has_text=WHY)).to_be_visible()

    # --- she sets up the authenticator app ----------------------------------------------------
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.locator("input[name=code]").fill("000000" if demo_totp_code(secret=secret) != "000000"
                                          else "111111")
    page.get_by_role("button", name="Activate").click()
    # The error summary takes the focus and links to the field, whose own message is tied to it.
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary").get_by_role("link")).to_have_text(
        "Authenticator code: Incorrect code.")
    expect(page.locator("input[name=code]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_code_error")).to_have_text("Incorrect code.")
    assert not Authenticator.objects.filter(user=membership.user).exists()

    page.locator("input[name=code]").fill(demo_totp_code(secret=secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert Authenticator.objects.filter(user=membership.user,
                                        type=Authenticator.Type.TOTP).count() == 1

    # --- her dashboard opens ------------------------------------------------------------------
    page.goto("/manage/")
    expect(page).to_have_url(re.compile(r"/manage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{membership.eurocluster.acronym} dashboard")

    # --- the next day: her login asks for the code of her app; countersigning, to confirm -------
    # (Setting up the app counted as a confirmation for 10 minutes: a new session has none.)
    page.get_by_role("button", name="Log out").click()
    log_in(page, MANAGER_EMAIL)  # with the code of the app, computed from her stored secret
    expect(page).to_have_url(re.compile(r"/manage/$"))
    page.goto(f"/manage/agreements/{agreement.pk}/countersign/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next="))
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.SIGNED_BY_BENEFICIARY
    reauthenticate(page)
    expect(page).to_have_url(re.compile(rf"/manage/agreements/{agreement.pk}/countersign/$"))
    countersign = page.locator("#countersign-form")
    countersign.get_by_label("Your password").fill(FACTORY_PASSWORD)
    countersign.get_by_label("Your full name").fill("Nora Lindqvist")
    countersign.get_by_label("I have read the agreement and accept its terms").check()
    countersign.get_by_role("button", name="Countersign the grant agreement").click()
    expect(page.get_by_role("alert")).to_contain_text("You countersigned the agreement")
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.COUNTERSIGNED
