"""Progress reports: the beneficiary writes, attaches and submits; the manager approves or asks
for changes; approvals make tranches due, and the final one closes the agreement."""

import hashlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application
from euroclusters.models import Membership
from payments.models import GrantAgreement, ProgressReport, Tranche
from payments.services.beneficiary import (
    ReportNotSubmitted,
    ReportRefused,
    report_attach,
    report_attachment_remove,
    report_document_add,
    report_review,
    report_save,
    report_submit,
    tranches_create,
    tranches_on_event,
)
from portal.audit import audit_trail
from tests.factories import MINIMAL_PDF, MembershipFactory
from tests.payments.factories import agreement_row, results_call, selected_application

pytestmark = pytest.mark.django_db
R = ProgressReport.Status
TEXT = "We integrated the camera and trained the model on our welding seams. " * 4  # 276 chars
DELIVERABLES = "Prototype cell\nTest report"
SCHEDULE_3 = ((40, "agreement_countersigned"), (45, "interim_report_approved"),
              (15, "final_report_approved"))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def contracted(tranches=SCHEDULE_3, status="countersigned"):
    """A countersigned agreement with its tranches, the first due; the application contracted."""
    call = results_call(tranches=tranches)
    application = selected_application(call)
    agreement = agreement_row(application, status=status)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CONTRACTED)
    tranches_create(agreement=agreement, by=None)
    tranches_on_event(agreement=agreement, event="agreement_countersigned", by=None)
    return GrantAgreement.objects.select_related("application__organisation__user",
                                                 "application__call").get(pk=agreement.pk)


@pytest.fixture
def agreement():
    return contracted()


@pytest.fixture
def beneficiary(agreement):
    return agreement.application.organisation.user


@pytest.fixture
def manager(agreement):
    return MembershipFactory(role=Membership.Role.MANAGER,
                             eurocluster=agreement.application.call.eurocluster).user


def _submitted(agreement, kind, by):
    report = report_save(agreement=agreement, kind=kind, by=by, text=TEXT,
                         deliverables=DELIVERABLES)
    return report_submit(report=report, by=by)


def _statuses(agreement):
    return [t.status for t in Tranche.objects.filter(agreement=agreement).order_by("position")]


# --- writing ------------------------------------------------------------------------------------


def test_save_creates_then_updates_the_draft(agreement, beneficiary):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text=" first ",
                         deliverables="")
    again = report_save(agreement=agreement, kind="interim", by=beneficiary, text="second",
                        deliverables="A")
    assert report.pk == again.pk
    assert (again.status, again.text, again.deliverables) == (R.DRAFT, "second", "A")
    assert [e.action for e in audit_trail(report)] == ["report_started"]


@pytest.mark.parametrize(("status", "message"), [
    ("generated", "Reports open once the agreement is signed by both parties."),
    ("signed_by_beneficiary", "Reports open once the agreement is signed by both parties."),
    ("closed", "This agreement is closed: its reports are final."),
])
def test_reports_need_a_countersigned_agreement(status, message):
    agreement = contracted(status=status)
    with pytest.raises(ReportRefused, match=message):
        report_save(agreement=agreement, kind="interim", by=None, text=TEXT,
                    deliverables=DELIVERABLES)


def test_the_final_report_waits_for_the_approved_interim_one(agreement, beneficiary, manager):
    with pytest.raises(ReportRefused, match="once the interim report is approved"):
        report_save(agreement=agreement, kind="final", by=beneficiary, text=TEXT,
                    deliverables=DELIVERABLES)
    interim = _submitted(agreement, "interim", beneficiary)
    with pytest.raises(ReportRefused, match="once the interim report is approved"):
        report_save(agreement=agreement, kind="final", by=beneficiary, text=TEXT,
                    deliverables=DELIVERABLES)
    report_review(report=interim, by=manager, approve=True)
    assert report_save(agreement=agreement, kind="final", by=beneficiary, text=TEXT,
                       deliverables=DELIVERABLES).status == R.DRAFT


def test_without_an_interim_tranche_there_is_no_interim_report_and_the_final_is_open():
    agreement = contracted(tranches=((50, "agreement_countersigned"),
                                     (50, "final_report_approved")))
    with pytest.raises(ReportRefused, match="has no interim report"):
        report_save(agreement=agreement, kind="interim", by=None, text=TEXT, deliverables="A")
    assert report_save(agreement=agreement, kind="final", by=None, text=TEXT,
                       deliverables="A").status == R.DRAFT


def test_a_submitted_report_cannot_be_changed(agreement, beneficiary):
    _submitted(agreement, "interim", beneficiary)
    with pytest.raises(ReportRefused, match="This report is submitted: it can no longer be"):
        report_save(agreement=agreement, kind="interim", by=beneficiary, text="x",
                    deliverables="y")


# --- attachments --------------------------------------------------------------------------------


def test_a_pdf_is_attached_with_its_hash(agreement, beneficiary):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="",
                         deliverables="")
    attachment = report_attach(report=report, by=beneficiary, uploaded=SimpleUploadedFile(
        "../Résultats intermédiaires.pdf", MINIMAL_PDF, content_type="application/pdf"))
    assert attachment.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert (attachment.original_name, attachment.size) == (
        "Resultats_intermediaires.pdf", len(MINIMAL_PDF))
    assert attachment.file.name.startswith(f"reports/{report.pk}/")
    assert attachment.file.read() == MINIMAL_PDF


def test_a_file_that_is_not_a_pdf_is_refused(agreement, beneficiary):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="",
                         deliverables="")
    with pytest.raises(ReportRefused) as caught:
        report_attach(report=report, by=beneficiary, uploaded=SimpleUploadedFile(
            "report.pdf", b"MZ not a pdf at all", content_type="application/pdf"))
    assert caught.value.details == [
        "“report.pdf” is not a PDF document (its content is not PDF, whatever its name says). "
        "Please export or print it to PDF and upload that."]
    assert not report.attachments.exists()


def test_a_pdf_over_the_calls_limit_is_refused(agreement, beneficiary):
    call = agreement.application.call
    call.max_upload_mb = 1
    call.save(update_fields=["max_upload_mb"])
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="",
                         deliverables="")
    big = MINIMAL_PDF[:-6] + b" " * (1024 * 1024) + b"%%EOF\n"
    with pytest.raises(ReportRefused) as caught:
        report_attach(report=report, by=beneficiary,
                      uploaded=SimpleUploadedFile("big.pdf", big))
    assert caught.value.details == [
        f"The file is {len(big)} bytes; the limit is 1048576 bytes. Please upload a smaller PDF."]


def test_attachments_are_frozen_once_submitted(agreement, beneficiary, committed):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text=TEXT,
                         deliverables=DELIVERABLES)
    attachment = report_attach(report=report, by=beneficiary,
                               uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    report_submit(report=report, by=beneficiary)
    with pytest.raises(ReportRefused, match="no longer be changed"):
        report_attach(report=report, by=beneficiary,
                      uploaded=SimpleUploadedFile("b.pdf", MINIMAL_PDF))
    with pytest.raises(ReportRefused, match="no longer be changed"):
        report_attachment_remove(attachment=attachment, by=beneficiary)


def test_an_attachment_of_a_draft_can_be_removed(agreement, beneficiary, committed):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="",
                         deliverables="")
    attachment = report_attach(report=report, by=beneficiary,
                               uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    storage, name = attachment.file.storage, attachment.file.name
    with committed():
        report_attachment_remove(attachment=attachment, by=beneficiary)
    assert not report.attachments.exists()
    assert not storage.exists(name)


# --- submitting ---------------------------------------------------------------------------------


def test_submit_needs_200_characters_and_deliverables(agreement, beneficiary):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="x" * 199,
                         deliverables="  ")
    with pytest.raises(ReportRefused) as caught:
        report_submit(report=report, by=beneficiary)
    assert caught.value.message == "The report is not complete yet."
    assert caught.value.details == [
        "Describe the progress and results in at least 200 characters (now 199).",
        "List the deliverables produced so far."]
    report.refresh_from_db()
    assert report.status == R.DRAFT


def test_save_and_submit_in_one_call(agreement, beneficiary, committed):
    with committed():
        report = report_save(agreement=agreement, kind="interim", by=beneficiary, text=TEXT,
                             deliverables=DELIVERABLES, submit=True)
    assert report.status == ProgressReport.Status.SUBMITTED
    assert [e.action for e in audit_trail(report).order_by("pk")] == [
        "report_started", "transition"]


def test_save_and_submit_keeps_the_draft_when_the_submission_is_refused(agreement, beneficiary):
    with pytest.raises(ReportNotSubmitted) as caught:
        report_save(agreement=agreement, kind="interim", by=beneficiary, text="x" * 199,
                    deliverables="Prototype", submit=True)
    assert caught.value.message == "The report is not complete yet."
    assert caught.value.details == [
        "Describe the progress and results in at least 200 characters (now 199)."]
    report = ProgressReport.objects.get(agreement=agreement, kind="interim")
    assert (report.status, report.text, report.deliverables) == (
        ProgressReport.Status.DRAFT, "x" * 199, "Prototype")


def test_a_document_starts_the_draft_report_which_stays_when_the_file_is_refused(
        agreement, beneficiary):
    with pytest.raises(ReportRefused) as caught:
        report_document_add(agreement=agreement, kind="interim", by=beneficiary,
                            uploaded=SimpleUploadedFile("notes.pdf", b"not a pdf"))
    assert caught.value.message == "The file was not attached."
    report = ProgressReport.objects.get(agreement=agreement, kind="interim")
    assert (report.status, report.attachments.count()) == (ProgressReport.Status.DRAFT, 0)

    attachment = report_document_add(agreement=agreement, kind="interim", by=beneficiary,
                                     uploaded=SimpleUploadedFile("a.pdf", MINIMAL_PDF))
    assert attachment.report == report
    assert ProgressReport.objects.count() == 1


def test_submit_tells_the_managers(agreement, beneficiary, manager, committed):
    MembershipFactory(role=Membership.Role.FINANCE,
                      eurocluster=agreement.application.call.eurocluster)
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text="x" * 200,
                         deliverables="Prototype")
    with committed():
        report = report_submit(report=report, by=beneficiary)
    assert report.status == R.SUBMITTED
    assert report.submitted_at is not None
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert mail.outbox[0].subject == (
        f"{agreement.application.receipt_prefix}: Interim report submitted for review")
    assert f"/manage/reports/{report.pk}/" in mail.outbox[0].body


# --- reviewing ----------------------------------------------------------------------------------


def test_asking_for_changes_needs_a_comment_of_20_characters(agreement, beneficiary, manager):
    report = _submitted(agreement, "interim", beneficiary)
    with pytest.raises(ReportRefused, match="at least 20 characters"):
        report_review(report=report, by=manager, approve=False, comment="Too short.")
    report.refresh_from_db()
    assert report.status == R.SUBMITTED


def test_changes_requested_then_resubmitted_then_approved(agreement, beneficiary, manager,
                                                          committed):
    report = _submitted(agreement, "interim", beneficiary)
    mail.outbox.clear()
    comment = "Please add the test results of the welding seams."
    with committed():
        report = report_review(report=report, by=manager, approve=False, comment=comment)
    assert (report.status, report.review_comment, report.reviewed_by) == (
        R.CHANGES_REQUESTED, comment, manager)
    assert [m.to for m in mail.outbox] == [[beneficiary.email]]
    assert comment in mail.outbox[0].body
    assert _statuses(agreement) == ["due", "planned", "planned"]
    report_save(agreement=agreement, kind="interim", by=beneficiary, text=TEXT + " More.",
                deliverables=DELIVERABLES)
    report_submit(report=report, by=beneficiary)
    report_review(report=report, by=manager, approve=True)
    report.refresh_from_db()
    assert report.status == R.APPROVED
    assert _statuses(agreement) == ["due", "due", "planned"]
    transitions = [(e.from_state, e.to_state) for e in audit_trail(report).order_by("pk")
                   if e.action == "transition"]
    assert transitions == [("draft", "submitted"), ("submitted", "changes_requested"),
                           ("changes_requested", "submitted"), ("submitted", "approved")]


def test_a_draft_cannot_be_reviewed(agreement, beneficiary, manager):
    report = report_save(agreement=agreement, kind="interim", by=beneficiary, text=TEXT,
                         deliverables=DELIVERABLES)
    with pytest.raises(ReportRefused, match="Only a submitted report can be reviewed"):
        report_review(report=report, by=manager, approve=True)


def test_approving_the_final_report_closes_the_agreement_and_completes_the_application(
        agreement, beneficiary, manager, committed):
    report_review(report=_submitted(agreement, "interim", beneficiary), by=manager, approve=True)
    final = _submitted(agreement, "final", beneficiary)
    mail.outbox.clear()
    with committed():
        report_review(report=final, by=manager, approve=True, comment="Well done.")
    agreement.refresh_from_db()
    application = Application.objects.get(pk=agreement.application_id)
    assert agreement.status == GrantAgreement.Status.CLOSED
    assert application.status == Application.Status.COMPLETED
    assert [(e.from_state, e.to_state) for e in audit_trail(application).order_by("pk")
            if e.action == "transition"] == [("contracted", "in_progress"),
                                             ("in_progress", "completed")]
    assert _statuses(agreement) == ["due", "due", "due"]
    assert mail.outbox[0].subject == (
        f"{application.receipt_prefix}: your Final report is approved")
    # A repeated click changes nothing more.
    report_review(report=final, by=manager, approve=True)
    assert _statuses(agreement) == ["due", "due", "due"]


def test_final_approval_of_an_application_already_in_progress_completes_it(beneficiary,
                                                                           manager):
    agreement = contracted(tranches=((100, "agreement_countersigned"),))
    Application.objects.filter(pk=agreement.application_id).update(
        status=Application.Status.IN_PROGRESS)
    final = _submitted(agreement, "final", agreement.application.organisation.user)
    report_review(report=final, by=None, approve=True)
    assert Application.objects.get(pk=agreement.application_id).status == "completed"
