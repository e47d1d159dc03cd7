"""The applicant's whole journey, through the pages only, as a person would walk it."""

import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.identifiers import example_vat_number
from tests.browser.actions import fill_enterprise
from tests.factories import (
    MINIMAL_PDF,
    OpenCallFactory,
    RequiredDocumentFactory,
    VoucherTypeFactory,
)

pytestmark = pytest.mark.browser

EMAIL = "ana.popescu@brasov-motion.example"
PASSWORD = "Welding-cells-2026!"


def _open_call():
    call = OpenCallFactory(
        reference="DIGI-2026-01",
        slug="digital-manufacturing-2026",
        title="Digital manufacturing vouchers 2026",
        description_sections=[
            {"key": "approach", "title": "Approach and work plan", "help": "", "max_chars": 2000},
            {"key": "impact", "title": "Expected impact", "help": "", "max_chars": 2000},
        ],
    )
    VoucherTypeFactory(
        call=call,
        name="Innovation voucher",
        min_amount=Decimal("10000"),
        max_amount=Decimal("30000"),
    )
    RequiredDocumentFactory(call=call, name="Signed SME declaration", is_mandatory=True)
    return call


def test_an_sme_signs_up_describes_itself_applies_and_gets_a_receipt(page, mailoutbox, tmp_path):
    _open_call()

    # The home page lists the open call; its page invites to sign up.
    page.goto("/")
    open_calls = page.locator("#open-calls")
    expect(open_calls).to_contain_text("Digital manufacturing vouchers 2026")
    expect(open_calls).to_contain_text("Innovation voucher")
    open_calls.get_by_role("link", name="Digital manufacturing vouchers 2026").click()
    expect(page).to_have_url(re.compile(r"/calls/digital-manufacturing-2026/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Digital manufacturing vouchers 2026")
    expect(page.get_by_text("Signed SME declaration")).to_be_visible()
    page.get_by_role("link", name="Sign up to apply").click()

    # Sign up; the account stays unusable until the e-mail address is confirmed.
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert [m.to for m in mailoutbox] == [[EMAIL]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body).group(0)

    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: confirming logs the person in.
    expect(page.get_by_role("navigation").first).to_contain_text(EMAIL)

    # Describe the enterprise once; the SME class is computed from the figures.
    page.get_by_role("link", name="My enterprise").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My enterprise")
    vat = example_vat_number("BE", random.Random(1))
    fill_enterprise(page, vat=vat)  # 12 staff: a small enterprise
    page.get_by_role("button", name="Save enterprise").click()
    expect(page.get_by_role("alert").filter(has_text="saved")).to_have_text(
        re.compile(r"Your enterprise details are saved\.")
    )
    expect(page.locator("#sme-class")).to_have_text("SME class: Small enterprise")

    # Apply to the call: a draft opens.
    page.get_by_role("link", name="Open calls").click()
    page.locator("#open-calls").get_by_role(
        "link", name="Digital manufacturing vouchers 2026"
    ).click()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    application_pk = int(re.search(r"/applications/(\d+)/edit/", page.url).group(1))
    expect(page.locator("#status")).to_have_text("Draft")

    # Fill in the draft.
    start = timezone.localdate() + timedelta(days=60)
    page.get_by_label("Voucher type").select_option(label="Innovation voucher")
    page.get_by_label("Project title").fill("Vision-guided welding cell")
    page.get_by_label("Acronym").fill("VISWELD")
    page.get_by_label("Summary").fill("A camera guides the welding robot, so small series pay off.")
    page.get_by_label("Approach and work plan").fill(
        "We integrate a camera and a seam-tracking controller into our welding cell."
    )
    expect(page.locator(".char-count[data-for=id_section_approach]")).to_have_text(
        "75 / 2000 characters"
    )
    page.get_by_label("Expected impact").fill("Scrap falls from 6 % to 2 %.")
    page.get_by_label("Requested amount (EUR)").fill("20000")
    page.get_by_label("Planned start").fill(start.isoformat())
    page.get_by_label("Duration (months)").fill("9")

    budget = page.locator(".formset[data-prefix=budget]")
    for index, (category, description, amount) in enumerate(
        [
            ("subcontracting", "Integration of the vision system", "12000"),
            ("equipment", "Industrial camera and lighting", "8000"),
        ]
    ):
        budget.get_by_role("button", name="+ Add a budget line").click()
        row = budget.locator(".formset-row").nth(index)
        row.locator(f"select[name=budget-{index}-category]").select_option(category)
        row.locator(f"input[name=budget-{index}-description]").fill(description)
        row.locator(f"input[name=budget-{index}-amount]").fill(amount)
    expect(page.locator("#budget-total")).to_have_text("20,000.00")
    expect(page.locator("#budget-check")).to_have_text("= requested amount")
    # Let the last autosave land before the explicit save, as a person sees it on the page.
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved at")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Draft saved")).to_be_visible()
    expect(page.get_by_label("Project title")).to_have_value("Vision-guided welding cell")
    expect(page.locator("#budget-total")).to_have_text("20,000.00")

    # Upload the required document.
    pdf = tmp_path / "sme-declaration.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    upload = page.locator("#upload-form")
    upload.get_by_label("Document").select_option(label="Signed SME declaration")
    upload.get_by_label("PDF file").set_input_files(pdf)
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="uploaded")).to_have_text(
        re.compile(r"“sme-declaration\.pdf” is uploaded\.")
    )
    expect(page.locator("#attachments")).to_contain_text("sme-declaration.pdf")
    page.screenshot(path="/tmp/journey-edit.png", full_page=True)

    # Review, tick the declarations of honour, submit.
    page.get_by_role("button", name="Save and review submission").click()
    # The upload left "#documents" in the address; a redirect keeps it, harmlessly.
    expect(page).to_have_url(re.compile(rf"/applications/{application_pk}/submit/(#documents)?$"))
    expect(page.get_by_text("Everything required is filled in.")).to_be_visible()
    expect(page.locator("#missing")).to_have_count(0)
    declarations = page.locator("#submit-form input[type=checkbox]")
    expect(declarations).to_have_count(6)
    for index in range(6):
        declarations.nth(index).check()
    page.get_by_role("button", name="Submit application").click()

    # The receipt: its code, and the fingerprint of what was submitted.
    receipt_code = f"DIGI-2026-01-{application_pk:06d}-v1"
    expect(page).to_have_url(
        re.compile(rf"/applications/{application_pk}/versions/1/(#documents)?$")
    )
    expect(page.locator("#receipt-code")).to_have_text(receipt_code)
    sha256 = page.locator("#receipt code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha256)
    expect(page.locator("#status")).to_have_text("Submitted")
    expect(page.get_by_role("alert").filter(has_text="Submitted.")).to_contain_text(receipt_code)
    receipt = page.locator("main")
    expect(receipt).to_contain_text("Innovation voucher · EUR 20,000.00 · 9 months")
    expect(receipt.locator("table tr")).to_have_text(
        [
            re.compile(r"Integration of the vision system\s*EUR 12,000\.00$"),
            re.compile(r"Industrial camera and lighting\s*EUR 8,000\.00$"),
        ]
    )
    page.screenshot(path="/tmp/journey-receipt.png", full_page=True)

    receipt_mail = mailoutbox[-1]
    assert len(mailoutbox) == 2
    assert receipt_mail.to == [EMAIL]
    assert receipt_mail.subject == f"Receipt {receipt_code}: your application was submitted"
    assert f"Receipt: {receipt_code}\n" in receipt_mail.body
    assert f"SHA-256: {sha256}\n" in receipt_mail.body
    assert f"/applications/{application_pk}/versions/1/" in receipt_mail.body

    # The dashboard lists it, submitted, version 1.
    page.get_by_role("link", name="My applications").first.click()
    rows = page.locator("#applications tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("VISWELD")
    expect(rows.first.locator(".badge")).to_have_text("Submitted")
    expect(rows.first.get_by_role("link", name="v1")).to_have_attribute(
        "href", f"/applications/{application_pk}/versions/1/"
    )
