"""From a grant agreement to a paid tranche, through the pages only, as the three people would do
it: the beneficiary gives bank details and signs, the cluster manager countersigns, the finance
officer approves the due tranche, builds a batch, exports and downloads the SEPA file, marks the
batch sent and the payment paid; the beneficiary then sees the payment.

The call, the selected application and its agreement (rendered with WeasyPrint) are made in the
test's own code: the live server sees them because the browser tests run on a transactional
database. Celery runs eagerly, in the live server's thread, so the batch is filled before its
page shows.
"""

import hashlib
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from sepaxml.validation import try_valid_xml

from applications.models import Application
from euroclusters.models import Membership
from payments.models import BankAccount, GrantAgreement, Payment, PaymentBatch, Signature, Tranche
from payments.services.agreements import agreement_generate
from portal.audit import audit_trail
from portal.formats import brussels
from tests.browser.actions import FACTORY_PASSWORD, log_in, reauthenticate
from tests.factories import MembershipFactory, OrganisationFactory
from tests.payments.factories import IBAN_DE, results_call, selected_application

pytestmark = pytest.mark.browser

PASSWORD = FACTORY_PASSWORD
MANAGER_EMAIL = "marta.keller@ec-digital.example"
MANAGER_NAME = "Marta Keller"
FINANCE_EMAIL = "jonas.weber@ec-digital.example"
BENEFICIARY_EMAIL = "office@gent-precision.example"
BENEFICIARY_NAME = "Pieter Claes"
HOLDER = "Gent Precision NV"
IBAN_TYPED = "BE68 5390 0754 7034"
IBAN = "BE68539007547034"
BIC = "GKCCBEBB"
BANK_REFERENCE = "KBC-2026-0417-88231"
PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").first.get_by_role("link", name="Log in")).to_be_visible()


def _nav(page, name: str) -> None:
    page.get_by_role("navigation").first.get_by_role("link", name=name, exact=True).click()


def _open_application(page, application: Application) -> None:
    """From any page, through the menu, to the application's page."""
    _nav(page, "My applications")
    page.locator("#applications").get_by_role("link", name="SWELD").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Smart welding cell")


def _download(page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _agreement_ready() -> GrantAgreement:
    """A selected application of a call with a 50/50 schedule, its agreement generated."""
    manager = MembershipFactory(user__email=MANAGER_EMAIL, user__full_name=MANAGER_NAME,
                                eurocluster__acronym="DIGIMAN",
                                eurocluster__name="Digital Manufacturing Eurocluster")
    eurocluster = manager.eurocluster
    MembershipFactory(eurocluster=eurocluster, role=Membership.Role.FINANCE,
                      user__email=FINANCE_EMAIL, user__full_name="Jonas Weber",
                      user__is_staff=False, user__mfa=True)
    call = results_call(eurocluster=eurocluster, reference="DIGI-2026-03",
                        title="Digital manufacturing vouchers 2026")
    organisation = OrganisationFactory(legal_name=HOLDER, user__email=BENEFICIARY_EMAIL,
                                       user__full_name=BENEFICIARY_NAME)
    application = selected_application(call, organisation=organisation)
    return agreement_generate(application=application, by=manager.user)


def test_beneficiary_signs_manager_countersigns_finance_pays_and_the_beneficiary_sees_it(
        page, mailoutbox):
    agreement = _agreement_ready()
    application = agreement.application
    call = application.call
    receipt = application.receipt_prefix
    assert (agreement.status, agreement.amount) == ("generated", Decimal("20000.00"))

    # --- the beneficiary: bank details, then the signature -----------------------------------
    log_in(page, BENEFICIARY_EMAIL)
    _nav(page, "My enterprise")
    page.get_by_role("link", name="Bank details for grant payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank details")
    expect(page.locator("#blocked")).to_have_text(
        "Give your bank details: no tranche can be paid until you do.")
    expect(page.locator("#active")).to_contain_text("No bank account yet.")
    form = page.locator("#bank-form")
    expect(form.get_by_role("heading")).to_have_text("Give your bank details")
    form.get_by_label("Account holder").fill(HOLDER)
    form.get_by_label("IBAN").fill(IBAN_TYPED)
    form.get_by_label("BIC").fill(BIC)
    form.get_by_role("button", name="Save the bank details").click()
    expect(page.get_by_role("alert")).to_have_text("Your bank details are saved.")
    expect(page.locator("#active-iban")).to_have_text("****7034")
    expect(page.locator("#blocked")).to_have_count(0)

    _open_application(page, application)
    expect(page.locator("#status")).to_have_text("Selected")
    # Reports and payments come with the contract, not before.
    expect(page.get_by_role("link", name="Payments", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Grant agreement", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/agreement/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grant agreement")
    state = page.locator("#agreement-state")
    expect(page.locator("#agreement-status")).to_have_text("Ready to sign")
    expect(state).to_contain_text("EUR 20,000.00")
    expect(state).to_contain_text(agreement.verification_code)

    # The document to read before signing is the one whose fingerprint the signature records.
    name, document = _download(page, page.locator("#download"))
    assert name == f"{receipt}-grant-agreement-r1.pdf"
    assert document.startswith(b"%PDF-")
    assert hashlib.sha256(document).hexdigest() == agreement.sha256

    sign = page.locator("#sign-form")
    expect(sign.get_by_role("heading")).to_have_text("Sign the agreement")
    # Signing asks her to confirm it is her first (nothing is signed), then to send it again.
    sign.get_by_label("Your password").fill(PASSWORD)
    sign.get_by_label("Your full name").fill(BENEFICIARY_NAME)
    sign.get_by_label("I have read the agreement and accept its terms").check()
    sign.get_by_role("button", name="Sign the grant agreement").click()
    expect(page.get_by_role("alert")).to_contain_text("confirm it is you")
    reauthenticate(page, PASSWORD)
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/agreement/$"))
    expect(page.locator("#agreement-status")).to_have_text("Ready to sign")
    sign.get_by_label("Your password").fill("not-my-password")
    sign.get_by_label("Your full name").fill(BENEFICIARY_NAME)
    sign.get_by_label("I have read the agreement and accept its terms").check()
    sign.get_by_role("button", name="Sign the grant agreement").click()
    expect(sign).to_contain_text("The password is not right. Enter the password you log in with.")
    expect(page.locator("#agreement-status")).to_have_text("Ready to sign")
    expect(sign.get_by_label("Your full name")).to_have_value(BENEFICIARY_NAME)

    sign.get_by_label("Your password").fill(PASSWORD)
    sign.get_by_label("I have read the agreement and accept its terms").check()
    sign.get_by_role("button", name="Sign the grant agreement").click()
    expect(page.get_by_role("alert")).to_have_text(
        "You signed the grant agreement. The Eurocluster countersigns it next; you will receive "
        "the final document by e-mail.")
    expect(page.locator("#agreement-status")).to_have_text("Signed by the beneficiary")
    expect(state).to_contain_text(f"signed by {BENEFICIARY_NAME}")
    expect(page.get_by_text("You signed the agreement; the Eurocluster countersigns it next.")
           ).to_be_visible()
    expect(page.locator("#sign-form")).to_have_count(0)
    _log_out(page)

    # --- the cluster manager countersigns ----------------------------------------------------
    log_in(page, MANAGER_EMAIL)
    _nav(page, "Manage calls")
    expect(page.get_by_role("heading", level=1)).to_have_text("Calls you manage")
    page.locator("#managed-calls tbody tr").filter(has_text=call.title).get_by_role(
        "link", name="Agreements").click()
    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/agreements/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grant agreements")
    expect(page.locator("#committed")).to_have_text("EUR 20,000.00")
    row = page.locator(f"#agreements tr[data-application='{application.pk}']")
    expect(row.locator("td").nth(1)).to_have_text(HOLDER)
    expect(row.locator(".badge")).to_have_text("Signed by the beneficiary")
    expect(row.locator("td").nth(4)).to_contain_text(f"Beneficiary: {BENEFICIARY_NAME}")
    row.get_by_role("link", name="Countersign").click()
    reauthenticate(page, PASSWORD)  # before the countersignature page opens

    expect(page).to_have_url(re.compile(rf"/manage/agreements/{agreement.pk}/countersign/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Grant agreement of SWELD")
    expect(page.locator("#agreement-state")).to_contain_text(agreement.sha256)
    countersign = page.locator("#countersign-form")
    expect(countersign.get_by_role("heading")).to_have_text("Countersign for the Eurocluster")
    countersign.get_by_label("Your password").fill(PASSWORD)
    countersign.get_by_label("Your full name").fill(MANAGER_NAME)
    countersign.get_by_label("I have read the agreement and accept its terms").check()
    countersign.get_by_role("button", name="Countersign the grant agreement").click()

    expect(page).to_have_url(re.compile(rf"/manage/calls/{call.pk}/agreements/$"))
    expect(page.get_by_role("alert")).to_have_text(
        "You countersigned the agreement: it is in force, the application is contracted and the "
        "beneficiary receives the final document.")
    expect(row.locator(".badge")).to_have_text("Countersigned (active)")
    expect(row.locator("td").first).to_contain_text("Contracted")
    expect(row.locator("td").nth(4)).to_contain_text(f"For the Eurocluster: {MANAGER_NAME}")
    expect(row.get_by_role("link", name="Countersign")).to_have_count(0)
    _log_out(page)

    # --- the finance officer: approve, batch, SEPA file, sent, paid --------------------------
    log_in(page, FINANCE_EMAIL)
    _nav(page, "Finance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Finance")
    first = Tranche.objects.get(agreement=agreement, position=1)
    due = page.locator(f"#due-tranches tr[data-tranche='{first.pk}']")
    due_since = brussels(first.due_at, date_only=True)  # "5 December 2026", as on every page
    expect(due.locator("td")).to_have_text(
        ["DIGIMAN", "DIGI-2026-03\nSWELD · Gent Precision NV", "1 · Agreement countersigned",
         "10,000.00", due_since, "", "Approve"], use_inner_text=True)
    expect(page.locator("#due-tranches tbody tr")).to_have_count(1)  # tranche 2 is not due
    expect(page.locator("#waiting-tranches")).to_contain_text(
        "No approved tranche waits for a batch.")
    create = page.get_by_role("button", name="Create a batch for DIGIMAN")
    expect(create).to_be_disabled()
    due.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_have_text("Tranche 1 of SWELD is approved for payment.")
    expect(page.locator("#due-tranches")).to_contain_text("No tranche is due.")
    expect(page.locator(f"#waiting-tranches tr[data-tranche='{first.pk}']")).to_contain_text(
        "10,000.00")

    reference = f"EC-DIGIMAN-{timezone.localdate():%Y%m%d}-1"
    expect(create).to_be_enabled()
    create.click()
    batch = PaymentBatch.objects.get()
    expect(page).to_have_url(re.compile(rf"/finance/batches/{batch.pk}/$"))
    expect(page.get_by_role("alert")).to_have_text(
        f"Batch {reference} is created; the approved tranches are being put into it.")
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    # The fill ran (eagerly, on commit) before the page was drawn: nothing is left to fill.
    expect(page.locator("#batch-status")).to_have_text("Draft")
    expect(page.get_by_text("being filled")).to_have_count(0)
    payment = Payment.objects.get()
    payment_row = page.locator(f"#payments tr[data-payment='{payment.pk}']")
    expect(payment_row.locator("td")).to_have_text(
        [payment.end_to_end_id, HOLDER, f"{HOLDER} {IBAN} · {BIC}", "DIGI-2026-03 SWELD tranche 1",
         "10,000.00", "In the batch", "Take out"], use_inner_text=True)

    # Exporting asks the officer to confirm it is her first; then she exports.
    page.get_by_role("button", name="Export the SEPA file").click()
    reauthenticate(page, PASSWORD)
    expect(page).to_have_url(re.compile(rf"/finance/batches/{batch.pk}/$"))
    expect(page.locator("#batch-status")).to_have_text("Draft")
    page.get_by_role("button", name="Export the SEPA file").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The SEPA file is exported and validated. Download it, send it to the bank, then mark "
        "the batch as sent.")
    expect(page.locator("#batch-status")).to_have_text("SEPA file exported")
    expect(page.locator("#control-sum")).to_have_text("10,000.00")

    name, sepa = _download(page, page.get_by_role("link", name="Download the SEPA file"))
    assert name == f"{reference}.xml"
    assert sepa.startswith(b"<?xml")
    try_valid_xml(sepa, "pain.001.001.09")  # raises when the file does not validate
    root = ET.fromstring(sepa)  # noqa: S314 - the portal's own file, read back
    assert root.tag == f"{{{PAIN_001}}}Document"

    def text(node, path):
        return node.findtext(path, namespaces={"p": PAIN_001})

    header, info = (root.find(f"p:CstmrCdtTrfInitn/p:{part}", {"p": PAIN_001})
                    for part in ("GrpHdr", "PmtInf"))
    assert [text(header, f"p:{tag}") for tag in ("MsgId", "NbOfTxs", "CtrlSum")] == [
        reference, "1", "10000.00"]
    assert [text(info, "p:CtrlSum"), text(info, "p:DbtrAcct/p:Id/p:IBAN")] == [
        "10000.00", IBAN_DE]
    assert [[text(transfer, f"p:{path}") for path in (
        "PmtId/p:EndToEndId", "Amt/p:InstdAmt", "Cdtr/p:Nm", "CdtrAcct/p:Id/p:IBAN")]
        for transfer in info.findall("p:CdtTrfTxInf", {"p": PAIN_001})] == [
        [payment.end_to_end_id, "10000.00", HOLDER, IBAN]]
    batch.refresh_from_db()
    assert (batch.control_sum, hashlib.sha256(sepa).hexdigest()) == (Decimal("10000.00"),
                                                                     batch.sepa_sha256)

    page.get_by_role("button", name="Mark as sent to the bank").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The batch is marked as sent. Mark each payment paid or failed as the bank reports it.")
    expect(page.locator("#batch-status")).to_have_text("Sent to the bank")
    payment_row.get_by_label("Bank reference").fill(BANK_REFERENCE)
    payment_row.get_by_role("button", name="Paid").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"Payment {payment.end_to_end_id} is marked paid; the beneficiary is told by e-mail.")
    expect(payment_row.locator("td").nth(5)).to_have_text(f"Paid\n{BANK_REFERENCE}",
                                                          use_inner_text=True)
    expect(payment_row.get_by_role("button")).to_have_count(0)
    # Its only payment settled, the batch is reconciled.
    expect(page.locator("#batch-status")).to_have_text("Reconciled")
    _log_out(page)

    # --- the beneficiary sees the payment ----------------------------------------------------
    log_in(page, BENEFICIARY_EMAIL)
    _open_application(page, application)
    expect(page.locator("#status")).to_have_text("In progress")
    page.get_by_role("link", name="Payments", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/applications/{application.pk}/payments/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    expect(page.locator("#totals")).to_have_text("Grant: EUR 20,000.00 · paid: EUR 10,000.00")
    expect(page.locator("#blocked")).to_have_count(0)
    paid = page.locator("#tranches tr[data-tranche='1']")
    expect(paid.locator("td").nth(2)).to_have_text("Agreement countersigned")
    expect(paid.locator(".status")).to_have_text("Paid")
    settled = timezone.localdate().strftime("%-d %B %Y")
    expect(paid.locator(f"li[data-payment='{payment.pk}']")).to_have_text(
        f"Paid · {settled} · bank reference {BANK_REFERENCE} · to ****7034")
    second = page.locator("#tranches tr[data-tranche='2']")
    expect(second.locator("td").nth(2)).to_have_text("Final report approved")
    expect(second.locator(".status")).to_have_text("Planned")
    expect(second.locator("td").nth(5)).to_have_text("–")

    # The agreement in force, and its final document with the signature page.
    page.get_by_role("link", name="SWELD").click()
    page.get_by_role("link", name="Grant agreement", exact=True).click()
    expect(page.locator("#agreement-status")).to_have_text("Countersigned (active)")
    expect(page.locator("#agreement-state")).to_contain_text(f"signed by {MANAGER_NAME}")
    name, final = _download(page, page.get_by_role(
        "link", name="Download the final signed agreement (PDF)"))
    agreement.refresh_from_db()
    assert name == f"{receipt}-grant-agreement-signed.pdf"
    assert final.startswith(document)  # the signed bytes first, unchanged
    assert hashlib.sha256(final).hexdigest() == agreement.final_sha256

    # What the database holds: one signature per role on the same document, one paid payment.
    agreement.refresh_from_db()
    application.refresh_from_db()
    signatures = {s.role: s for s in agreement.signatures.select_related("signer")}
    assert agreement.status == GrantAgreement.Status.COUNTERSIGNED
    assert application.status == Application.Status.IN_PROGRESS
    assert [(role, s.signer.email, s.typed_name, s.document_sha256, s.ip_address)
            for role, s in sorted(signatures.items())] == [
        (Signature.Role.BENEFICIARY, BENEFICIARY_EMAIL, BENEFICIARY_NAME, agreement.sha256,
         "127.0.0.1"),
        (Signature.Role.COUNTERSIGNATORY, MANAGER_EMAIL, MANAGER_NAME, agreement.sha256,
         "127.0.0.1")]
    assert all("HeadlessChrome" in s.user_agent for s in signatures.values())
    assert [(t.position, t.amount, t.status) for t in agreement.tranches.order_by("position")] == [
        (1, Decimal("10000.00"), Tranche.Status.PAID),
        (2, Decimal("10000.00"), Tranche.Status.PLANNED)]
    assert [(p.tranche_id, p.status, p.bank_reference, p.bank_account.iban)
            for p in Payment.objects.select_related("bank_account")] == [
        (first.pk, Payment.Status.PAID, BANK_REFERENCE, IBAN)]
    assert BankAccount.objects.get(organisation=application.organisation).status == "active"
    assert audit_trail(agreement).filter(action="agreement_sign_refused").count() == 1
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([BENEFICIARY_EMAIL], f"{receipt}: your grant agreement is ready to sign"),
        ([BENEFICIARY_EMAIL], f"{receipt}: your grant agreement is countersigned"),
        ([BENEFICIARY_EMAIL], f"{receipt}: tranche 1 of your grant is paid"),
    ]
