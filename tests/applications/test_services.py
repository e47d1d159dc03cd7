"""The applicant journey's services: start, save, upload, check, submit, withdraw."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    ConsortiumMember,
    Declaration,
    EligibilityResult,
)
from applications.services import (
    DeadlinePassed,
    SubmissionIncomplete,
    application_save_draft,
    application_start,
    application_submit,
    application_withdraw,
    attachment_remove,
    attachment_upload,
)
from applications.submission import missing_items
from applications.tasks import task_check_eligibility
from applications.transitions import application_transition
from portal.audit import audit_trail
from portal.errors import DomainError, InvalidTransition
from portal.models import ScanStatus
from portal.queue import registered_task
from portal.scanning import UploadInfected
from tests.factories import (
    MINIMAL_PDF,
    ApplicationFactory,
    BudgetLineFactory,
    OpenCallFactory,
    OrganisationFactory,
    RequiredDocumentFactory,
    UserFactory,
    VoucherTypeFactory,
    complete_application,
)
from tests.scanning import INFECTED_PDF, THREAT, refusal

pytestmark = pytest.mark.django_db

ALL_DECLARATIONS = Declaration.values
# Queries of one submit (test_submit_reads_each_related_table_once_...): the same at 1 and at 4
# rows of each related table.
SUBMIT_QUERIES = 16  # 15, and the receipt in the notification centre (the transition reuses
# the row the submission locked, without a savepoint of its own: 4 fewer than it did)
# Fixed instants and how the portal shows them (Europe/Brussels).
PAST_DEADLINE = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
PAST_DEADLINE_SHOWN = "1 July 2024, 12:00:00"
FUTURE_OPENING = datetime(2099, 3, 5, 9, 30, tzinfo=UTC)
FUTURE_OPENING_SHOWN = "5 March 2099, 10:30:00"
DEADLINE = datetime(2030, 6, 30, 15, 0, tzinfo=UTC)


def deadline_message(shown: str) -> str:
    return (f"The deadline of this call passed on {shown} (Brussels time). Changes can no longer "
            "be saved or submitted; your text is still shown below so that you can copy it.")


def pdf(name: str = "plan.pdf", content: bytes = MINIMAL_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pdf_of_size(size: int, name: str = "big.pdf") -> SimpleUploadedFile:
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    return pdf(name, head + b"0" * (size - len(head) - len(tail)) + tail)


def member(**overrides) -> dict:
    row = {
        "legal_name": "Beta Automation GmbH", "registration_number": "DE 136 695 976",
        "country": "DE", "contact_email": "ceo@beta.example", "staff_headcount": Decimal("30"),
        "annual_turnover": Decimal("4000000"), "balance_sheet_total": Decimal("3000000"),
        "role": "Vision software",
    }
    return {**row, **overrides}


def canonical_sha256(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def reload(application: Application) -> Application:
    """The application as a request would load it (amounts with their two decimals)."""
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def clock(monkeypatch):
    """Stops the server clock (an outside boundary) at a chosen instant."""

    def stop_at(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return stop_at


# --- application_start --------------------------------------------------------------------------


def test_start_without_a_verified_email_is_refused():
    organisation = OrganisationFactory(user=UserFactory(verified=False))
    with pytest.raises(DomainError) as refused:
        application_start(call=OpenCallFactory(), user=organisation.user)
    assert refused.value.message == "Please confirm your e-mail address before applying."
    assert Application.objects.count() == 0


def test_start_without_an_organisation_is_refused():
    with pytest.raises(DomainError) as refused:
        application_start(call=OpenCallFactory(), user=UserFactory())
    assert refused.value.message == "Please describe your enterprise before applying."
    assert Application.objects.count() == 0


def test_start_before_the_call_opens_is_refused():
    call = OpenCallFactory(status="published", opens_at=FUTURE_OPENING,
                           closes_at=FUTURE_OPENING + timedelta(days=30))
    organisation = OrganisationFactory()
    with pytest.raises(DeadlinePassed) as refused:
        application_start(call=call, user=organisation.user)
    assert refused.value.message == (
        f"This call opens on {FUTURE_OPENING_SHOWN} (Brussels time).")
    assert Application.objects.count() == 0


def test_start_after_the_deadline_is_refused():
    call = OpenCallFactory(opens_at=PAST_DEADLINE - timedelta(days=30), closes_at=PAST_DEADLINE)
    organisation = OrganisationFactory()
    with pytest.raises(DeadlinePassed) as refused:
        application_start(call=call, user=organisation.user)
    assert refused.value.message == deadline_message(PAST_DEADLINE_SHOWN)
    assert Application.objects.count() == 0


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_start_on_a_call_not_open_within_its_dates_is_refused(status):
    call = OpenCallFactory(status=status)
    organisation = OrganisationFactory()
    with pytest.raises(DeadlinePassed) as refused:
        application_start(call=call, user=organisation.user)
    assert refused.value.message == "This call is not open for applications."


def test_start_on_a_published_call_whose_opening_has_come_is_accepted():
    call = OpenCallFactory(status="published")
    organisation = OrganisationFactory()
    application = application_start(call=call, user=organisation.user)
    assert application.status == Application.Status.DRAFT


def test_start_creates_a_draft_with_the_only_voucher_type_and_an_audit_line():
    voucher = VoucherTypeFactory()
    organisation = OrganisationFactory()
    application = application_start(call=voucher.call, user=organisation.user)
    assert application.status == Application.Status.DRAFT
    assert application.organisation == organisation
    assert application.created_by == organisation.user
    assert application.voucher_type == voucher
    assert [(e.action, e.actor) for e in audit_trail(application)] == [
        ("created", organisation.user)]


def test_start_with_several_voucher_types_leaves_the_choice_to_the_applicant():
    call = OpenCallFactory()
    VoucherTypeFactory(call=call, name="Innovation voucher")
    VoucherTypeFactory(call=call, name="Collaboration voucher")
    application = application_start(call=call, user=OrganisationFactory().user)
    assert application.voucher_type is None


def test_start_again_returns_the_live_application_instead_of_a_second_one():
    call = OpenCallFactory()
    organisation = OrganisationFactory()
    first = application_start(call=call, user=organisation.user)
    again = application_start(call=call, user=organisation.user)
    assert again.pk == first.pk
    assert Application.objects.filter(call=call, organisation=organisation).count() == 1


def test_start_returns_a_submitted_application_instead_of_a_new_draft():
    application = ApplicationFactory(status=Application.Status.SUBMITTED)
    again = application_start(call=application.call, user=application.organisation.user)
    assert again.pk == application.pk
    assert again.status == Application.Status.SUBMITTED
    assert Application.objects.count() == 1


def test_start_after_withdrawal_opens_a_new_application():
    call = OpenCallFactory()
    organisation = OrganisationFactory()
    first = application_start(call=call, user=organisation.user)
    application_withdraw(application=first, by=organisation.user)
    second = application_start(call=call, user=organisation.user)
    assert second.pk != first.pk
    assert second.status == Application.Status.DRAFT
    assert dict(Application.objects.values_list("pk", "status")) == {
        first.pk: "withdrawn", second.pk: "draft"}


# --- application_save_draft ---------------------------------------------------------------------


def test_save_draft_saves_the_given_fields():
    application = ApplicationFactory()
    voucher = VoucherTypeFactory(call=application.call, name="Second voucher")
    application_save_draft(application=application, by=application.created_by, fields={
        "voucher_type": voucher, "title": "Smart welding", "acronym": "SW",
        "summary": "Welding with a camera.", "sections": {"approach": "Camera.", "impact": "Less"},
        "requested_amount": Decimal("12500.50"), "planned_start": date(2027, 1, 4),
        "duration_months": 6,
    })
    saved = reload(application)
    assert saved.voucher_type == voucher
    assert (saved.title, saved.acronym, saved.summary) == (
        "Smart welding", "SW", "Welding with a camera.")
    assert saved.sections == {"approach": "Camera.", "impact": "Less"}
    assert saved.requested_amount == Decimal("12500.50")
    assert saved.planned_start == date(2027, 1, 4)
    assert saved.duration_months == 6


def test_save_draft_replaces_budget_lines_and_members():
    application = ApplicationFactory()
    by = application.created_by
    application_save_draft(application=application, by=by, fields={}, budget_lines=[
        {"category": "personnel", "description": "Engineer", "amount": Decimal("8000")},
        {"category": "equipment", "description": "Camera", "amount": Decimal("4000")},
    ], members=[member(), member(legal_name="Gamma SARL", registration_number="FR40303265045",
                                 country="FR")])
    application_save_draft(application=application, by=by, fields={}, budget_lines=[
        {"category": "travel", "description": "Site visit", "amount": Decimal("900")},
    ], members=[member(legal_name="Delta BV", registration_number="NL 0044.95.445.B01",
                       country="NL")])
    assert list(BudgetLine.objects.filter(application=application).values_list(
        "position", "category", "description", "amount")) == [
        (0, "travel", "Site visit", Decimal("900"))]
    assert list(ConsortiumMember.objects.filter(application=application).values_list(
        "position", "legal_name", "registration_number", "country")) == [
        (0, "Delta BV", "NL004495445B01", "NL")]


def test_save_draft_stores_partner_numbers_in_compact_form_in_the_given_order():
    application = ApplicationFactory()
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member(), member(legal_name="Gamma SARL",
                                                     registration_number="732 829 320",
                                                     country="FR")])
    assert list(application.members.values_list("position", "legal_name",
                                                "registration_number")) == [
        (0, "Beta Automation GmbH", "DE136695976"), (1, "Gamma SARL", "732829320")]


def test_save_draft_without_budget_or_members_keeps_them():
    application = complete_application()
    ConsortiumMember.objects.create(application=application, **{
        **member(), "registration_number": "DE136695976"})
    application_save_draft(application=application, by=application.created_by,
                           fields={"title": "Renamed"})
    assert application.budget_lines.count() == 1
    assert application.members.count() == 1
    assert reload(application).title == "Renamed"


def test_save_draft_refuses_a_voucher_type_of_another_call():
    application = ApplicationFactory(title="Before")
    foreign = VoucherTypeFactory()
    with pytest.raises(DomainError) as refused:
        application_save_draft(application=application, by=application.created_by,
                               fields={"voucher_type": foreign, "title": "After"})
    assert refused.value.message == "This voucher type belongs to another call."
    saved = reload(application)
    assert saved.voucher_type == application.voucher_type
    assert saved.title == "Before"


def test_save_draft_after_the_deadline_is_refused_with_the_deadline():
    call = OpenCallFactory(opens_at=PAST_DEADLINE - timedelta(days=30), closes_at=PAST_DEADLINE)
    application = ApplicationFactory(call=call, title="Before")
    with pytest.raises(DeadlinePassed) as refused:
        application_save_draft(application=application, by=application.created_by,
                               fields={"title": "After"})
    assert refused.value.message == deadline_message(PAST_DEADLINE_SHOWN)
    assert PAST_DEADLINE_SHOWN in str(refused.value)
    assert reload(application).title == "Before"


def test_save_draft_refuses_a_partner_with_an_invalid_vat_number_naming_the_partner():
    application = ApplicationFactory(title="Before")
    with pytest.raises(DomainError) as refused:
        application_save_draft(
            application=application, by=application.created_by, fields={"title": "After"},
            members=[member(), member(legal_name="Gamma SARL",
                                      registration_number="FR40303265046", country="FR")],
        )
    assert refused.value.message == (
        "Partner “Gamma SARL”: FR40303265046 is not a valid FR VAT number: check the digits.")
    # Nothing of the refused save is kept.
    assert reload(application).title == "Before"
    assert application.members.count() == 0


def test_save_draft_of_a_withdrawn_application_is_refused():
    application = ApplicationFactory(status=Application.Status.WITHDRAWN, title="Before")
    with pytest.raises(DomainError) as refused:
        application_save_draft(application=application, by=application.created_by,
                               fields={"title": "After"})
    assert refused.value.message == "This application can no longer be changed (Withdrawn)."
    assert reload(application).title == "Before"


def test_save_draft_refuses_fields_that_are_not_draft_fields():
    application = ApplicationFactory()
    with pytest.raises(ValueError, match=r"not draft fields: \['status'\]"):
        application_save_draft(application=application, by=application.created_by,
                               fields={"status": "selected"})
    assert reload(application).status == Application.Status.DRAFT


# --- attachment_upload --------------------------------------------------------------------------


def test_upload_stores_a_valid_pdf_with_its_sha256_and_a_safe_name():
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf("Déclaration SME (signée).pdf"),
                                   required_document=document)
    attachment.refresh_from_db()
    assert attachment.original_name == "Declaration_SME_signee.pdf"
    assert attachment.size == len(MINIMAL_PDF)
    assert attachment.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert attachment.required_document == document
    assert attachment.uploaded_by == application.created_by
    assert attachment.removed_at is None
    # Stored under a random name in the application's folder, never the person's name.
    assert attachment.file.name.startswith(f"applications/{application.pk}/")
    assert attachment.file.name.endswith(".pdf")
    assert "Declaration" not in attachment.file.name
    with attachment.file.open("rb") as stored:
        assert stored.read() == MINIMAL_PDF


def test_upload_of_a_renamed_non_pdf_is_refused():
    application = ApplicationFactory()
    png = SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 200,
                             content_type="application/pdf")
    with pytest.raises(DomainError) as refused:
        attachment_upload(application=application, by=application.created_by, uploaded=png)
    assert refused.value.message == (
        "“photo.pdf” is not a PDF document (its content is not PDF, whatever its name says). "
        "Please export or print it to PDF and upload that.")
    assert refused.value.details == [refused.value.message]
    assert Attachment.objects.count() == 0


def test_upload_one_byte_over_the_call_limit_is_refused_with_both_sizes():
    application = ApplicationFactory(call=OpenCallFactory(max_upload_mb=1))
    with pytest.raises(DomainError) as refused:
        attachment_upload(application=application, by=application.created_by,
                          uploaded=pdf_of_size(1024 * 1024 + 1))
    assert refused.value.message == (
        "The file is 1048577 bytes; the limit is 1048576 bytes. Please upload a smaller PDF.")
    assert Attachment.objects.count() == 0


def test_upload_exactly_at_the_call_limit_is_accepted():
    application = ApplicationFactory(call=OpenCallFactory(max_upload_mb=1))
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf_of_size(1024 * 1024))
    assert attachment.size == 1024 * 1024


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/var/www/../plan.pdf", "plan.pdf"),
    ],
)
def test_upload_keeps_only_the_last_part_of_a_path(name, stored):
    application = ApplicationFactory()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf(name))
    assert attachment.original_name == stored
    assert ".." not in attachment.file.name


def test_upload_again_for_the_same_document_replaces_the_earlier_file():
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    other_document = RequiredDocumentFactory(call=application.call, name="Budget table")
    by = application.created_by
    first = attachment_upload(application=application, by=by, uploaded=pdf("v1.pdf"),
                              required_document=document)
    other = attachment_upload(application=application, by=by, uploaded=pdf("table.pdf"),
                              required_document=other_document)
    second = attachment_upload(application=application, by=by, uploaded=pdf("v2.pdf"),
                               required_document=document)
    first.refresh_from_db()
    other.refresh_from_db()
    second.refresh_from_db()
    assert first.removed_at is not None
    assert other.removed_at is None
    assert second.removed_at is None
    assert list(application.attachments.filter(removed_at__isnull=True)
                .values_list("original_name", flat=True)) == ["table.pdf", "v2.pdf"]
    # The replaced file stays: a submitted version may still point at it.
    assert first.file.storage.exists(first.file.name)


def test_upload_for_a_document_of_another_call_is_refused():
    application = ApplicationFactory()
    foreign = RequiredDocumentFactory()
    with pytest.raises(DomainError) as refused:
        attachment_upload(application=application, by=application.created_by, uploaded=pdf(),
                          required_document=foreign)
    assert refused.value.message == "This document is not asked for by this call."
    assert Attachment.objects.count() == 0


def test_upload_after_the_deadline_is_refused():
    call = OpenCallFactory(opens_at=PAST_DEADLINE - timedelta(days=30), closes_at=PAST_DEADLINE)
    application = ApplicationFactory(call=call)
    with pytest.raises(DeadlinePassed) as refused:
        attachment_upload(application=application, by=application.created_by, uploaded=pdf())
    assert refused.value.message == deadline_message(PAST_DEADLINE_SHOWN)
    assert Attachment.objects.count() == 0


def test_remove_takes_the_file_out_of_the_working_copy_only():
    application = ApplicationFactory()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf())
    attachment_remove(attachment=attachment, by=application.created_by)
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert attachment.file.storage.exists(attachment.file.name)


# --- missing_items ------------------------------------------------------------------------------


def declaration_lines(ticked=()) -> list[str]:
    return [f"Tick the declaration: {label}" for value, label in Declaration.choices
            if value not in ticked]


def test_missing_items_of_an_empty_application_lists_everything():
    application = reload(ApplicationFactory(voucher_type=None))
    assert missing_items(application) == [
        "Choose a voucher type.",
        "Fill in the project title.",
        "Fill in the acronym.",
        "Fill in the summary.",
        "Fill in the section “Approach”.",
        "Fill in the section “Impact”.",
        "Enter the requested amount.",
        "Add at least one budget line.",
        "Enter the planned start date.",
        "Enter the duration in months.",
        *declaration_lines(),
    ]


def test_missing_items_of_a_complete_application_with_all_declarations_is_empty():
    assert missing_items(reload(complete_application()), ALL_DECLARATIONS) == []


def test_missing_items_lists_an_empty_and_a_too_long_section():
    application = complete_application()
    application.sections = {"approach": "   ", "impact": "x" * 2001}
    application.save()
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Fill in the section “Approach”.",
        "Shorten the section “Impact” to 2000 characters (it has 2001).",
    ]


def test_missing_items_accepts_a_section_of_exactly_the_maximum_length():
    application = complete_application()
    application.sections = {"approach": "x" * 2000, "impact": "Less scrap."}
    application.save()
    assert missing_items(reload(application), ALL_DECLARATIONS) == []


@pytest.mark.parametrize(
    ("amount", "missing"),
    [
        ("9999.99", ["The requested amount must be between EUR 10,000.00 and EUR 30,000.00 for "
                     "Innovation voucher."]),
        ("10000.00", []),
        ("30000.00", []),
        ("30000.01", ["The requested amount must be between EUR 10,000.00 and EUR 30,000.00 for "
                      "Innovation voucher."]),
    ],
)
def test_missing_items_checks_the_amount_against_the_voucher_range(amount, missing):
    application = complete_application()
    application.requested_amount = Decimal(amount)
    application.save()
    application.budget_lines.update(amount=Decimal(amount))
    assert missing_items(reload(application), ALL_DECLARATIONS) == missing


def test_missing_items_lists_budget_lines_that_do_not_add_up():
    application = complete_application()  # EUR 20,000 requested, one line of 20,000
    application.budget_lines.update(amount=Decimal("15000"))
    BudgetLineFactory(application=application, amount=Decimal("4000"))
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "The budget lines add up to EUR 19000.00 but the requested amount is EUR 20000.00."]


def test_missing_items_lists_a_consortium_too_small_and_from_too_few_countries():
    voucher = VoucherTypeFactory(name="Collaboration voucher", min_consortium_size=2,
                                 max_consortium_size=3, min_countries=2)
    application = complete_application(call=voucher.call, voucher_type=voucher)
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Collaboration voucher needs 2 to 3 SMEs including yours (now 1).",
        "Collaboration voucher needs SMEs from at least 2 countries (now 1).",
    ]
    # A partner from the same country (BE) makes the size but not the countries.
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member(registration_number="BE0403170701", country="BE")])
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Collaboration voucher needs SMEs from at least 2 countries (now 1).",
    ]
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member()])
    assert missing_items(reload(application), ALL_DECLARATIONS) == []


def test_missing_items_lists_a_consortium_too_large():
    voucher = VoucherTypeFactory(name="Collaboration voucher", min_consortium_size=2,
                                 max_consortium_size=2)
    application = complete_application(call=voucher.call, voucher_type=voucher)
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member(), member(legal_name="Gamma SARL", country="FR",
                                                     registration_number="FR40303265045")])
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Collaboration voucher needs 2 to 2 SMEs including yours (now 3)."]


def test_missing_items_asks_to_remove_partners_from_a_single_sme_voucher():
    application = complete_application()
    application_save_draft(application=application, by=application.created_by, fields={},
                           members=[member()])
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Innovation voucher is for a single SME: remove the partners."]


def test_missing_items_lists_a_mandatory_document_until_it_is_uploaded():
    application = complete_application()
    document = RequiredDocumentFactory(call=application.call, name="Signed SME declaration")
    RequiredDocumentFactory(call=application.call, name="Letter of support", is_mandatory=False)
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Upload “Signed SME declaration” (PDF)."]
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf(), required_document=document)
    assert missing_items(reload(application), ALL_DECLARATIONS) == []
    attachment_remove(attachment=attachment, by=application.created_by)
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "Upload “Signed SME declaration” (PDF)."]


def test_missing_items_lists_each_declaration_not_ticked():
    application = reload(complete_application())
    ticked = [Declaration.TRUTHFUL, Declaration.SME, Declaration.DATA]
    assert missing_items(application, ticked) == [
        f"Tick the declaration: {Declaration.NOT_EXCLUDED.label}",
        f"Tick the declaration: {Declaration.NO_DOUBLE_FUNDING.label}",
        f"Tick the declaration: {Declaration.DE_MINIMIS.label}",
    ]


# --- application_submit -------------------------------------------------------------------------


def submit(application, declarations=ALL_DECLARATIONS, by=None) -> ApplicationVersion:
    return application_submit(application=application, by=by or application.created_by,
                              declarations=declarations)


def test_submit_creates_version_1_with_the_hash_of_its_content(
        mailoutbox, django_capture_on_commit_callbacks):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        version = submit(application)
    version = ApplicationVersion.objects.get(pk=version.pk)
    application.refresh_from_db()
    assert version.number == 1
    assert version.sha256 == canonical_sha256(version.content)
    assert version.receipt_code == f"{application.call.reference}-{application.pk:06d}-v1"
    assert version.submitted_by == application.created_by
    assert version.content["title"] == "Smart welding cell"
    assert version.content["requested_amount"] == "20000.00"
    assert version.content["declarations"] == sorted(ALL_DECLARATIONS)
    # The check queued after commit has run (eagerly here) and found the application eligible.
    assert application.status == Application.Status.ELIGIBLE
    assert application.submitted_at == version.submitted_at
    assert list(EligibilityResult.objects.values_list("version", "outcome")) == [
        (version.pk, "eligible")]
    assert len(mailoutbox) == 1
    receipt = mailoutbox[0]
    assert receipt.to == [application.created_by.email]
    assert receipt.subject == f"Receipt {version.receipt_code}: your application was submitted"
    assert f"Receipt: {version.receipt_code}" in receipt.body
    assert f"SHA-256: {version.sha256}" in receipt.body
    assert [(e.action, e.from_state, e.to_state) for e in audit_trail(application)
            .filter(action__in=["transition", "submitted"]).order_by("pk")] == [
        ("transition", "draft", "submitted"), ("submitted", "", ""),
        ("transition", "submitted", "eligible")]


def _application_with(rows: int) -> Application:
    """A complete application with ``rows`` budget lines, required documents (each uploaded) and
    related enterprises of its SME."""
    application = complete_application(requested_amount=Decimal(20000))
    application.budget_lines.all().delete()
    for n in range(rows):
        BudgetLineFactory(application=application, amount=Decimal(20000) / rows, position=n)
        document = RequiredDocumentFactory(call=application.call, name=f"Document {n}")
        attachment_upload(application=application, by=application.created_by,
                          uploaded=pdf(f"document-{n}.pdf"), required_document=document)
        application.organisation.related_enterprises.create(
            name=f"Partner {n}", country="BE", share_percent=Decimal(10),
            staff_headcount=Decimal(1), annual_turnover=Decimal(1000),
            balance_sheet_total=Decimal(1000))
    return application


@pytest.mark.parametrize("rows", [1, 4])
def test_submit_reads_each_related_table_once_whatever_the_number_of_rows(rows):
    # The deadline rush (make loadtest): the checks and the snapshot share one load of the
    # budget lines, attachments, required documents and related enterprises.
    application = _application_with(rows)
    fresh, by = Application.objects.get(pk=application.pk), application.created_by
    ContentType.objects.get_for_model(Application)  # cached for the process: not counted
    with CaptureQueriesContext(connection) as queries:
        version = submit(fresh, by=by)
    assert len(version.content["attachments"]) == rows
    assert len(version.content["budget_lines"]) == rows
    assert len(queries) == SUBMIT_QUERIES, "\n".join(q["sql"][:120] for q in queries)


def test_submit_keeps_only_known_declarations_once_each():
    application = complete_application()
    version = submit(application, declarations=[*ALL_DECLARATIONS, "truthful", "made_up"])
    assert version.content["declarations"] == sorted(ALL_DECLARATIONS)


def test_submit_the_same_content_again_returns_the_same_version(
        mailoutbox, django_capture_on_commit_callbacks):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(application)
    with django_capture_on_commit_callbacks(execute=True):
        again = submit(application)
    assert again.pk == first.pk
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert EligibilityResult.objects.count() == 1
    assert len(mailoutbox) == 1


def test_submit_changed_content_makes_version_2(mailoutbox, django_capture_on_commit_callbacks):
    application = complete_application()
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(application)
    application_save_draft(application=application, by=application.created_by,
                           fields={"title": "Smarter welding cell"})
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(application)
    application.refresh_from_db()
    assert second.number == 2
    assert second.receipt_code == f"{application.call.reference}-{application.pk:06d}-v2"
    assert second.receipt_code.endswith("-v2")
    assert second.sha256 != first.sha256
    assert second.content["title"] == "Smarter welding cell"
    assert ApplicationVersion.objects.get(pk=first.pk).content["title"] == "Smart welding cell"
    assert application.status == Application.Status.ELIGIBLE
    assert application.submitted_at == second.submitted_at
    assert EligibilityResult.objects.filter(version=second, outcome="eligible").count() == 1
    assert list(audit_trail(application).filter(action="transition").order_by("pk")
                .values_list("from_state", "to_state")) == [
        ("draft", "submitted"), ("submitted", "eligible"), ("eligible", "submitted"),
        ("submitted", "eligible")]
    assert [m.subject for m in mailoutbox] == [
        f"Receipt {first.receipt_code}: your application was submitted",
        f"Receipt {second.receipt_code}: your application was submitted",
    ]


def test_submit_a_changed_eligible_application_sends_it_back_to_submitted():
    application = complete_application()
    submit(application)
    application_transition(application=application, to=Application.Status.ELIGIBLE, by=None)
    application_save_draft(application=application, by=application.created_by,
                           fields={"summary": "A camera-guided welding cell."})
    version = submit(application)
    application.refresh_from_db()
    assert version.number == 2
    assert application.status == Application.Status.SUBMITTED


def test_submit_at_exactly_the_deadline_is_refused(clock):
    call = OpenCallFactory(opens_at=DEADLINE - timedelta(days=30), closes_at=DEADLINE)
    application = complete_application(call=call)
    clock(DEADLINE)
    with pytest.raises(DeadlinePassed) as refused:
        submit(application)
    assert refused.value.message == deadline_message("30 June 2030, 17:00:00")
    assert ApplicationVersion.objects.count() == 0
    assert reload(application).status == Application.Status.DRAFT


def test_submit_one_second_before_the_deadline_is_accepted(clock):
    call = OpenCallFactory(opens_at=DEADLINE - timedelta(days=30), closes_at=DEADLINE)
    application = complete_application(call=call)
    clock(DEADLINE - timedelta(seconds=1))
    version = submit(application)
    assert version.submitted_at == DEADLINE - timedelta(seconds=1)
    assert reload(application).status == Application.Status.SUBMITTED


def test_submit_an_incomplete_application_lists_every_missing_item():
    application = complete_application(call=OpenCallFactory())
    application.title = ""
    application.duration_months = None
    application.save()
    RequiredDocumentFactory(call=application.call, name="Signed SME declaration")
    with pytest.raises(SubmissionIncomplete) as refused:
        submit(application, declarations=[d for d in ALL_DECLARATIONS if d != "data"])
    assert refused.value.message == "The application cannot be submitted yet: 4 item(s) missing."
    assert refused.value.details == [
        "Fill in the project title.",
        "Enter the duration in months.",
        "Upload “Signed SME declaration” (PDF).",
        f"Tick the declaration: {Declaration.DATA.label}",
    ]
    assert ApplicationVersion.objects.count() == 0
    assert reload(application).status == Application.Status.DRAFT


def test_submit_a_withdrawn_application_is_refused():
    application = complete_application()
    application_withdraw(application=application, by=application.created_by)
    with pytest.raises(DomainError) as refused:
        submit(application)
    assert refused.value.message == "This application can no longer be submitted (Withdrawn)."
    assert ApplicationVersion.objects.count() == 0


# --- the submitted version is immutable ---------------------------------------------------------


def test_a_submitted_version_cannot_be_saved_again():
    version = submit(complete_application())
    version.content = {"title": "forged"}
    with pytest.raises(ValueError, match="A submitted version is immutable."):
        version.save()
    assert ApplicationVersion.objects.get(pk=version.pk).content["title"] == "Smart welding cell"


def test_a_submitted_version_cannot_be_deleted():
    version = submit(complete_application())
    with pytest.raises(ValueError, match="A submitted version is immutable."):
        version.delete()
    assert ApplicationVersion.objects.filter(pk=version.pk).count() == 1


# --- withdrawal and the state machine -----------------------------------------------------------


def test_withdraw_a_draft():
    application = ApplicationFactory()
    withdrawn = application_withdraw(application=application, by=application.created_by)
    assert withdrawn.status == Application.Status.WITHDRAWN
    assert reload(application).status == Application.Status.WITHDRAWN
    entry = audit_trail(application).get(action="transition")
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor) == (
        "draft", "withdrawn", "withdrawn by the applicant", application.created_by)


def test_withdraw_a_submitted_application_with_a_reason():
    application = complete_application()
    submit(application)
    application_withdraw(application=application, by=application.created_by,
                         reason="We found other funding.")
    assert reload(application).status == Application.Status.WITHDRAWN
    entry = audit_trail(application).get(action="transition", to_state="withdrawn")
    assert (entry.from_state, entry.reason) == ("submitted", "We found other funding.")


def test_withdraw_a_contracted_application_is_refused():
    application = ApplicationFactory(status=Application.Status.CONTRACTED)
    with pytest.raises(InvalidTransition) as refused:
        application_withdraw(application=application, by=application.created_by)
    assert refused.value.message == "This cannot go from “Contracted” to “Withdrawn”."
    assert reload(application).status == Application.Status.CONTRACTED
    assert audit_trail(application).count() == 0


def test_repeating_a_transition_changes_nothing_and_writes_one_audit_line():
    application = ApplicationFactory()
    by = application.created_by
    first = application_transition(application=application, to="withdrawn", by=by)
    again = application_transition(application=application, to="withdrawn", by=by)
    assert first.status == again.status == Application.Status.WITHDRAWN
    assert list(audit_trail(application).values_list("action", "from_state", "to_state")) == [
        ("transition", "draft", "withdrawn")]


# --- the eligibility task -----------------------------------------------------------------------


def test_eligibility_task_run_twice_gives_one_result():
    version = submit(complete_application())
    EligibilityResult.objects.filter(version=version).delete()
    task_check_eligibility.delay(version_id=version.pk)
    task_check_eligibility.delay(version_id=version.pk)
    assert list(EligibilityResult.objects.values_list("version", "outcome")) == [
        (version.pk, "eligible")]


def test_eligibility_task_for_a_version_that_is_gone_does_nothing():
    task_check_eligibility.delay(version_id=987654)
    assert EligibilityResult.objects.count() == 0


# --- virus scanning -----------------------------------------------------------------------------


def test_an_infected_upload_is_refused_and_audited_on_the_application(fake_clamd, _private_files):
    application = ApplicationFactory()
    with pytest.raises(UploadInfected) as refused:
        attachment_upload(application=application, by=application.created_by,
                          uploaded=pdf("offer.pdf", INFECTED_PDF))
    assert refused.value.message == refusal("offer.pdf")
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in _private_files.rglob("*"))
    assert [(e.action, e.reason) for e in audit_trail(application)] == [
        ("upload_infected", THREAT)]


@pytest.mark.parametrize(("scanner", "status"), [
    ("clean", ScanStatus.CLEAN), ("down", ScanStatus.PENDING), ("off", ScanStatus.SKIPPED)])
def test_an_upload_is_stored_with_what_the_scanner_said(fake_clamd, settings, scanner, status):
    fake_clamd.down = scanner == "down"
    if scanner == "off":
        settings.CLAMAV_URL = ""
    application = ApplicationFactory()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf())
    attachment.refresh_from_db()
    assert attachment.scan_status == status
    assert (attachment.scanned_at is not None) == (status == ScanStatus.CLEAN)


def test_a_required_document_waiting_for_its_scan_is_not_attached_for_submission(fake_clamd):
    application = complete_application()
    mandatory = RequiredDocumentFactory(call=application.call, name="SME declaration")
    optional = RequiredDocumentFactory(call=application.call, name="Letter of support",
                                       is_mandatory=False)
    fake_clamd.down = True
    for document in (mandatory, optional):
        attachment_upload(application=application, by=application.created_by,
                          uploaded=pdf(f"{document.name}.pdf"), required_document=document)
    assert missing_items(reload(application), ALL_DECLARATIONS) == [
        "“SME declaration” is waiting for its virus scan: it counts as attached once scanned "
        "(usually within minutes)."]
    with pytest.raises(SubmissionIncomplete):
        application_submit(application=application, by=application.created_by,
                           declarations=ALL_DECLARATIONS)

    fake_clamd.down = False
    registered_task("portal.scan_pending").apply()
    assert missing_items(reload(application), ALL_DECLARATIONS) == []
    version = application_submit(application=application, by=application.created_by,
                                 declarations=ALL_DECLARATIONS)
    assert [a["name"] for a in version.content["attachments"]] == [
        "SME_declaration.pdf", "Letter_of_support.pdf"]


def test_an_optional_file_waiting_for_its_scan_is_left_out_of_the_submitted_version(fake_clamd):
    application = complete_application()
    attachment_upload(application=application, by=application.created_by, uploaded=pdf("a.pdf"))
    fake_clamd.down = True
    attachment_upload(application=application, by=application.created_by, uploaded=pdf("b.pdf"))
    version = application_submit(application=application, by=application.created_by,
                                 declarations=ALL_DECLARATIONS)
    assert [a["name"] for a in version.content["attachments"]] == ["a.pdf"]
