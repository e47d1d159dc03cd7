"""Progress reports: the beneficiary writes, attaches PDFs and submits; a cluster manager
approves (which makes the tranches paid on that report due) or asks for changes."""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition
from calls.models import TrancheStep
from euroclusters.models import Membership
from payments.models import GrantAgreement, ProgressReport, ReportAttachment
from payments.selectors.beneficiary import EDITABLE, report_blocker
from payments.services.beneficiary.tranches import tranches_on_event
from payments.services.transitions import agreement_transition, report_transition
from portal.audit import audit_record
from portal.errors import DomainError
from portal.models import ScanStatus
from portal.notifications import notify, notify_each
from portal.scanning import upload_scan
from portal.site import site_url
from portal.uploads import pdf_upload_errors, safe_filename, sha256_of, store_upload

MIN_REPORT_CHARS = 200
MIN_COMMENT_CHARS = 20


class ReportRefused(DomainError):
    pass


class ReportNotSubmitted(ReportRefused):
    """The report was saved but not submitted; ``details`` say what it still needs."""



def _editable(report: ProgressReport) -> None:
    blocker = report_blocker(report.agreement, report.kind)
    if blocker:
        raise ReportRefused(blocker)
    if report.status not in EDITABLE:
        raise ReportRefused(_("This report is %(status)s: it can no longer be changed.")
                            % {"status": report.get_status_display().lower()})


def _locked_report(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update(of=("self",)).select_related(
        "agreement__application__call__eurocluster",
        "agreement__application__organisation__user").get(pk=report.pk)


def report_save(*, agreement: GrantAgreement, kind: str, by: Any, text: str,
                deliverables: str, submit: bool = False,
                new_products: int | None = None) -> ProgressReport:
    """Create or update the beneficiary's ``kind`` report of ``agreement`` (a draft, or one the
    manager sent back), then, with ``submit``, submit it (``report_submit``). Audited when
    created. Raises ReportRefused when the agreement is not countersigned, when it asks for no
    such report, when the final report is asked for before the interim one is approved, or when
    the report was submitted or approved; ReportNotSubmitted (with what is missing as details)
    when the text is saved but the submission is refused: the draft stays saved.
    ``new_products``: the new products or services a final report declares (None: unchanged)."""
    report = _save(agreement=agreement, kind=kind, by=by, text=text, deliverables=deliverables,
                   new_products=new_products)
    if submit:
        try:
            report = report_submit(report=report, by=by)
        except DomainError as error:
            raise ReportNotSubmitted(error.message, details=error.details) from error
    return report


@transaction.atomic
def _save(*, agreement: GrantAgreement, kind: str, by: Any, text: str,
          deliverables: str, new_products: int | None = None) -> ProgressReport:
    blocker = report_blocker(agreement, kind)
    if blocker:
        raise ReportRefused(blocker)
    GrantAgreement.objects.select_for_update().filter(pk=agreement.pk).first()
    report, created = ProgressReport.objects.get_or_create(agreement=agreement, kind=kind)
    report = _locked_report(report)
    _editable(report)
    report.text, report.deliverables = text.strip(), deliverables.strip()
    fields = ["text", "deliverables", "updated_at"]
    if new_products is not None and kind == ProgressReport.Kind.FINAL:
        if new_products < 0:
            raise ReportRefused(_("The number of new products or services cannot be "
                                  "negative."))
        report.new_products = new_products
        fields.append("new_products")
    report.save(update_fields=fields)
    if created:
        audit_record(subject=report, action="report_started", actor=by)
    return report


def report_attach(*, report: ProgressReport, by: Any, uploaded) -> ReportAttachment:
    """Attach a PDF to an editable report: checked by content, active content and size (the
    call's largest upload, 10 MB by default), scanned for viruses, stored privately with its
    SHA-256. Audited. Raises ReportRefused (with the file's problems as details), UploadInfected
    (audited on the report; nothing stored). A file the scanner could not take is stored "scan
    pending" and not served until ``portal.scan_pending`` scans it."""
    scan_status = upload_scan(uploaded, subject=report, by=by)
    return _attach(report=report, by=by, uploaded=uploaded, scan_status=scan_status)


@transaction.atomic
def _attach(*, report: ProgressReport, by: Any, uploaded, scan_status: str) -> ReportAttachment:
    report = _locked_report(report)
    _editable(report)
    call = report.agreement.application.call
    max_mb = call.max_upload_mb or 10
    errors = pdf_upload_errors(uploaded, max_bytes=max_mb * 1024 * 1024)
    if errors:
        raise ReportRefused(_("The file was not attached."), details=errors)
    name = safe_filename(getattr(uploaded, "name", "") or "report.pdf")
    attachment = ReportAttachment(
        report=report, original_name=name, size=uploaded.size, sha256=sha256_of(uploaded),
        uploaded_by=by, scan_status=scan_status,
        scanned_at=timezone.now() if scan_status == ScanStatus.CLEAN else None)
    store_upload(attachment.file, name=name, content=uploaded)
    attachment.save()
    audit_record(subject=report, action="report_attached", actor=by,
                 data={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256,
                       "scan": scan_status})
    return attachment


def report_document_add(*, agreement: GrantAgreement, kind: str, by: Any,
                        uploaded) -> ReportAttachment:
    """Attach a PDF to the beneficiary's ``kind`` report of ``agreement`` (``report_attach``),
    starting the draft report first when there is none yet: the draft stays even when the file
    is refused. Raises ReportRefused as ``report_save`` and ``report_attach`` do."""
    report = ProgressReport.objects.filter(agreement=agreement, kind=kind).first()
    if report is None:
        report = report_save(agreement=agreement, kind=kind, by=by, text="", deliverables="")
    return report_attach(report=report, by=by, uploaded=uploaded)


@transaction.atomic
def report_attachment_remove(*, attachment: ReportAttachment, by: Any) -> None:
    """Remove an attachment of an editable report (the file goes when the transaction commits).
    Audited. Raises ReportRefused."""
    report = _locked_report(attachment.report)
    _editable(report)
    attachment = ReportAttachment.objects.get(pk=attachment.pk)
    audit_record(subject=report, action="report_attachment_removed", actor=by,
                 data={"attachment": attachment.pk, "name": attachment.original_name,
                       "sha256": attachment.sha256})
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _managers(report: ProgressReport) -> list[Any]:
    """The managers of the report's Eurocluster, by e-mail address."""
    return [m.user for m in Membership.objects.filter(
        eurocluster_id=report.agreement.application.call.eurocluster_id,
        role=Membership.Role.MANAGER).select_related("user").order_by("user__email")]


def _report_context(report: ProgressReport) -> dict[str, Any]:
    application = report.agreement.application
    return {"report": report, "application": application, "call": application.call,
            "site_url": site_url()}


@transaction.atomic
def report_submit(*, report: ProgressReport, by: Any) -> ProgressReport:
    """Submit an editable report to the cluster managers (draft or changes requested →
    submitted), who are told by e-mail. Raises ReportRefused listing what is missing: a text of
    at least 200 characters and the deliverables."""
    report = _locked_report(report)
    _editable(report)
    missing = []
    if len(report.text.strip()) < MIN_REPORT_CHARS:
        missing.append(_("Describe the progress and results in at least %(n)d characters "
                         "(now %(len)d).") % {"n": MIN_REPORT_CHARS,
                                                "len": len(report.text.strip())})
    if not report.deliverables.strip():
        missing.append(_("List the deliverables produced so far."))
    if missing:
        raise ReportRefused(_("The report is not complete yet."), details=missing)
    report = report_transition(report=report, to=ProgressReport.Status.SUBMITTED, by=by,
                               extra={"submitted_at": timezone.now()})
    context = _report_context(report)
    context["url"] = reverse("payments:manage_report", args=[report.pk])
    notify_each(recipients=_managers(report), kind="payments.report_submitted",
                context=context, link=context["url"])
    return report


@transaction.atomic
def report_review(*, report: ProgressReport, by: Any, approve: bool,
                  comment: str = "") -> ProgressReport:
    """A cluster manager approves a submitted report or asks for changes (``comment`` of at
    least 20 characters required then).

    Approving the interim report makes the tranches of "interim report approved" due; approving
    the final report makes those of "final report approved" due, closes the agreement and
    completes the application (through "in progress" when no payment has moved it there yet).
    Audited; the beneficiary is told by e-mail. Raises ReportRefused, InvalidTransition.
    """
    comment = (comment or "").strip()
    report = _locked_report(report)
    target = ProgressReport.Status.APPROVED if approve else ProgressReport.Status.CHANGES_REQUESTED
    if report.status == target:
        return report  # a repeated click
    if report.status != ProgressReport.Status.SUBMITTED:
        raise ReportRefused(_("Only a submitted report can be reviewed; this one is "
                              "%(status)s.") % {"status": report.get_status_display().lower()})
    if not approve and len(comment) < MIN_COMMENT_CHARS:
        raise ReportRefused(_("Please tell the beneficiary what to change, in at least %(n)d "
                              "characters.") % {"n": MIN_COMMENT_CHARS})
    report = report_transition(report=report, to=target, by=by, reason=comment, extra={
        "reviewed_by": by, "reviewed_at": timezone.now(), "review_comment": comment})
    agreement = report.agreement
    if approve and report.kind == ProgressReport.Kind.INTERIM:
        tranches_on_event(agreement=agreement, event=TrancheStep.Event.INTERIM_REPORT_APPROVED,
                          by=by)
    elif approve and report.kind == ProgressReport.Kind.FINAL:
        tranches_on_event(agreement=agreement, event=TrancheStep.Event.FINAL_REPORT_APPROVED, by=by)
        agreement_transition(agreement=agreement, to=GrantAgreement.Status.CLOSED, by=by,
                             reason="final report approved")
        application = agreement.application
        if application.status == Application.Status.CONTRACTED:
            application = application_transition(application=application,
                                                 to=Application.Status.IN_PROGRESS, by=by,
                                                 reason="final report approved")
        application_transition(application=application, to=Application.Status.COMPLETED, by=by,
                               reason="final report approved")
    context = _report_context(report)
    context.update({"approved": approve, "comment": comment,
                    "url": reverse("payments:report", args=[agreement.application_id,
                                                              report.kind])})
    notify(recipient=agreement.application.organisation.user, kind="payments.report_reviewed",
           context=context, link=context["url"])
    return report
