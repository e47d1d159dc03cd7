"""Issue 16 in a browser: a selected SME lands on her dashboard after login and sees, on the
row of her application, a button to sign the grant agreement with its deadline, on screen at
1280 px and at 390 px; a manager lands on the manager area with the manager's menu only; the
footer leads to the public verification page."""

import random
import re

import pytest
from django.template.defaultfilters import date
from django.utils import timezone
from playwright.sync_api import expect

from applications.identifiers import example_vat_number
from payments.services.agreements import agreement_generate
from tests.browser.actions import fill_enterprise, log_in
from tests.factories import (
    MembershipFactory,
    OpenCallFactory,
    OrganisationFactory,
    UserFactory,
    VoucherTypeFactory,
)
from tests.payments.factories import results_call, selected_application

pytestmark = pytest.mark.browser


def _on_screen(page, locator) -> None:
    """The control lies inside the viewport's width, and the page does not scroll sideways."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 390])
def test_a_selected_sme_is_told_to_sign_her_agreement(page, width):
    manager = MembershipFactory()
    call = results_call(eurocluster=manager.eurocluster)
    organisation = OrganisationFactory(user__email="ines@minho-sensores.example")
    application = selected_application(call, organisation=organisation, acronym="GREENSENS")
    agreement = agreement_generate(application=application, by=manager.user)
    page.set_viewport_size({"width": width, "height": 900})

    log_in(page, "ines@minho-sensores.example")

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    row = page.locator("#applications tbody tr", has_text="GREENSENS")
    button = row.get_by_role("link", name="Sign the grant agreement")
    expect(button).to_be_visible()
    deadline = date(timezone.localtime(agreement.signing_deadline), "j F Y, H:i")
    expect(row.locator(".next-step")).to_contain_text(f"Sign by {deadline} Brussels time")
    button.scroll_into_view_if_needed()
    _on_screen(page, button)
    button.click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/agreement/$"))


def test_a_manager_lands_on_the_manager_area_with_the_managers_menu(page):
    MembershipFactory(user__email="marta.keller@ec-digital.example")
    log_in(page, "marta.keller@ec-digital.example")
    expect(page).to_have_url(re.compile(r"/manage/$"))
    menu = page.get_by_role("navigation").first
    expect(menu.get_by_role("link", name="Manage calls", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="My applications", exact=True)).to_have_count(0)
    expect(menu.get_by_role("link", name="Evaluations", exact=True)).to_have_count(0)


def test_the_footer_leads_to_the_verification_page(page):
    page.goto("/")
    link = page.locator("footer").get_by_role("link", name="Verify a grant agreement")
    link.click()
    expect(page).to_have_url(re.compile(r"/verify/$"))


def test_apply_goes_on_to_the_application_after_the_enterprise_and_partners_follow_the_voucher(
        page):
    """Issue 16 item 12: no second Apply press; "Partner SMEs" only for a consortium voucher."""
    call = OpenCallFactory(title="Collaboration vouchers 2026")
    VoucherTypeFactory(call=call, name="Single-SME voucher", max_consortium_size=1)
    VoucherTypeFactory(call=call, name="Collaboration project", min_consortium_size=2,
                       max_consortium_size=4)
    UserFactory(email="new.sme@example.org")
    log_in(page, "new.sme@example.org")

    page.goto(call.get_absolute_url())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My enterprise")
    fill_enterprise(page, vat=example_vat_number("BE", random.Random(1)))
    page.get_by_role("button", name="Save enterprise").click()

    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    partners = page.get_by_role("heading", name="Partner SMEs")
    expect(partners).to_be_visible()  # no voucher chosen yet, and one of them takes partners
    page.get_by_label("Voucher type").select_option(label="Single-SME voucher")
    expect(partners).to_be_hidden()
    page.get_by_label("Voucher type").select_option(label="Collaboration project")
    expect(partners).to_be_visible()
    page.get_by_label("Voucher type").select_option(label="Single-SME voucher")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Draft saved")).to_be_visible()
    expect(partners).to_be_hidden()
