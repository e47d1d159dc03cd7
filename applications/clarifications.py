"""Clarification requests (the EC's "request for clarification"): a cluster manager asks the
applicant a question about a submitted application during eligibility or evaluation; the
applicant answers in the portal, with text and PDFs, at the latest at the due moment.

Due moment: by default the end (23:59:59, Brussels time) of the 5th working day (Monday to
Friday; public holidays are not known and count) after the day the question is asked; the
manager may choose another day, never one in the past. An answer is taken up to that second
included, and refused from the next one (the server's clock decides).

The answer is stored beside the submitted version the question was about, which never changes
(its content and hash stay as submitted). Every question and every answer has its audit line
(``clarification_asked``, ``clarification_answered``; the status moves are audited by the
transition service too). The applicant is told of a question (``notify``), the manager of an
answer, and of a question still unanswered past its due moment (the beat task
``applications.remind_overdue_clarifications``, once per request).
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    ClarificationAttachment,
    ClarificationRequest,
    EligibilityResult,
)
from applications.selectors import current_version
from applications.transitions import clarification_transition
from applications.working_days import BRUSSELS, default_due_date, end_of_day
from calls.models import Criterion
from portal.audit import audit_record
from portal.errors import DomainError
from portal.formats import brussels
from portal.models import ScanStatus
from portal.notifications import notify
from portal.scanning import upload_scan
from portal.uploads import (
    StorageUnavailable,
    pdf_upload_errors,
    safe_filename,
    sha256_of,
    store_upload,
)

DUE_WORKING_DAYS = 5
MAX_FILES = 5
# A question is asked about an application in eligibility or in evaluation.
ASKABLE = (Application.Status.SUBMITTED, Application.Status.ELIGIBLE,
           Application.Status.INELIGIBLE, Application.Status.UNDER_EVALUATION)


class ClarificationRefused(DomainError):
    pass


def clarification_default_due(*, now: datetime | None = None) -> date:
    """The day an answer is due when the manager does not choose one: 5 working days on."""
    return default_due_date(now or timezone.now(), DUE_WORKING_DAYS)


def _thread_link(application: Application, request_pk: int) -> str:
    return (reverse("applications:detail", kwargs={"pk": application.pk})
            + f"#clarification-{request_pk}")


@transaction.atomic
def clarification_ask(*, application: Application, by: Any, question: str,
                      due_on: date | None = None, rule: str = "",
                      criterion: Criterion | None = None) -> ClarificationRequest:
    """Ask the applicant ``question`` about the current submitted version of ``application``.

    ``due_on`` is the day (Brussels time) the answer is due by, at 23:59:59; default: 5 working
    days on. ``rule`` (one of the call's eligibility checks) or ``criterion`` (one of its
    evaluation criteria) says what the question concerns. Writes the request and its
    ``clarification_asked`` audit line; notifies the applicant. Raises ClarificationRefused.
    """
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("call", "organisation__user").get(pk=application.pk))
    if application.status not in ASKABLE:
        raise ClarificationRefused(
            _("A clarification can be asked only while the application is in eligibility or "
              "evaluation (it is “%(status)s”).") % {"status": application.get_status_display()})
    question = (question or "").strip()
    if not question:
        raise ClarificationRefused(_("Write the question to the applicant."))
    if rule and criterion is not None:
        raise ClarificationRefused(_("A question concerns one eligibility rule or one "
                                     "criterion, not both."))
    if rule and rule not in application.call.eligibility_rules:
        raise ClarificationRefused(_("This call does not check this eligibility rule."))
    if criterion is not None and criterion.call_id != application.call_id:
        raise ClarificationRefused(_("This criterion belongs to another call."))
    version = current_version(application)
    if version is None:
        raise ClarificationRefused(_("This application has no submitted version."))
    now = timezone.now()
    today = timezone.localdate(now, BRUSSELS)
    due_on = due_on or clarification_default_due(now=now)
    if due_on < today:
        raise ClarificationRefused(_("The due date cannot be in the past."))
    request = ClarificationRequest.objects.create(
        application=application, version=version, question=question, rule=rule,
        criterion=criterion, due_at=end_of_day(due_on), asked_by=by, asked_at=now)
    audit_record(subject=request, action="clarification_asked", actor=by, data={
        "application": application.pk, "version": version.number,
        "due_at": request.due_at.isoformat(), "rule": rule,
        "criterion": criterion.pk if criterion else None})
    notify(recipient=application.organisation.user, kind="applications.clarification_requested",
           context={"application": application, "request": request,
                    "due": brussels(request.due_at, seconds=True)},
           link=_thread_link(application, request.pk))
    return request


def clarification_answer(*, request: ClarificationRequest, by: Any, text: str,
                         files: Sequence[UploadedFile] = ()) -> ClarificationRequest:
    """Answer ``request`` with ``text`` and up to 5 PDFs (the upload rules of the application's
    documents: content type, active content, the call's size limit, virus scan).

    Taken at the latest at the due moment (server time, to the second). The files are scanned
    first (an infected one is refused, audited, and nothing is stored); the answer, its files and
    the ``clarification_answered`` audit line are written together, and the manager who asked
    is notified. The submitted version is not touched. Raises ClarificationRefused, DomainError
    (the files), UploadInfected, StorageUnavailable.
    """
    if len(files) > MAX_FILES:
        raise ClarificationRefused(_("At most %(n)d files can be attached to an answer.")
                                   % {"n": MAX_FILES})
    scans = [upload_scan(uploaded, subject=request.application, by=by) for uploaded in files]
    return _answer_store(request=request, by=by, text=text, files=list(zip(files, scans,
                                                                           strict=True)))


@transaction.atomic
def _answer_store(*, request: ClarificationRequest, by: Any, text: str,
                  files: list[tuple[UploadedFile, str]]) -> ClarificationRequest:
    request = (ClarificationRequest.objects.select_for_update(of=("self",))
               .select_related("application__call", "application__organisation", "asked_by",
                               "version").get(pk=request.pk))
    application = request.application
    now = timezone.now()
    if application.organisation.user_id != getattr(by, "pk", None):
        raise ClarificationRefused(_("Only the applicant answers a clarification request."))
    if request.status == ClarificationRequest.Status.ANSWERED:
        raise ClarificationRefused(_("This question is answered already."))
    if request.status != ClarificationRequest.Status.OPEN:
        raise ClarificationRefused(_("The cluster manager closed this question; it can no "
                                     "longer be answered."))
    if now > request.due_at:
        raise ClarificationRefused(
            _("The answer was due by %(due)s (Brussels time); it can no longer be sent. Please "
              "contact the cluster manager.") % {"due": brussels(request.due_at, seconds=True)})
    text = (text or "").strip()
    if not text:
        raise ClarificationRefused(_("Write your answer."))
    max_bytes = application.call.max_upload_mb * 1024 * 1024
    for uploaded, _scan in files:
        problems = pdf_upload_errors(uploaded, max_bytes=max_bytes)
        if problems:
            raise DomainError(problems[0], details=problems)
    stored: list[ClarificationAttachment] = []
    try:
        for uploaded, scan_status in files:
            attachment = ClarificationAttachment(
                request=request, original_name=safe_filename(uploaded.name or ""),
                size=uploaded.size, sha256=sha256_of(uploaded), uploaded_by=by,
                scan_status=scan_status,
                scanned_at=now if scan_status == ScanStatus.CLEAN else None)
            store_upload(attachment.file, name=attachment.original_name, content=uploaded)
            stored.append(attachment)
    except StorageUnavailable:
        # Nothing is saved: the files written before the full disk refused one go too.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    for attachment in stored:
        attachment.save()
    request = clarification_transition(
        request=request, to=ClarificationRequest.Status.ANSWERED, by=by,
        extra={"answer": text, "answered_by": by, "answered_at": now})
    audit_record(subject=request, action="clarification_answered", actor=by, data={
        "application": application.pk, "version": request.version.number,
        "files": [{"id": a.pk, "sha256": a.sha256, "size": a.size} for a in stored]})
    link = _manager_link(request)
    notify(recipient=request.asked_by, kind="applications.clarification_answered",
           context={"application": application, "request": request, "link": link}, link=link)
    return request


def _manager_link(request: ClarificationRequest) -> str:
    """The manager's eligibility page of the version the question is about, at the thread."""
    result = EligibilityResult.objects.filter(version_id=request.version_id).first()
    if result is None:
        return ""
    return reverse("applications:manage_eligibility_result",
                   kwargs={"pk": result.pk}) + f"#clarification-{request.pk}"


@transaction.atomic
def clarification_share(*, request: ClarificationRequest, by: Any,
                        shared: bool) -> ClarificationRequest:
    """Show the question and its answer to the application's evaluators, or hide them again.
    Audited (``clarification_shared`` / ``clarification_unshared``); a repeat changes nothing."""
    request = ClarificationRequest.objects.select_for_update().get(pk=request.pk)
    if request.shared_with_evaluators == shared:
        return request
    request.shared_with_evaluators = shared
    request.save(update_fields=["shared_with_evaluators"])
    audit_record(subject=request, action="clarification_shared" if shared
                 else "clarification_unshared", actor=by)
    return request


@transaction.atomic
def clarification_close(*, request: ClarificationRequest, by: Any,
                        reason: str = "") -> ClarificationRequest:
    """Close the question: answered and done with, or no longer needed (then it can no longer
    be answered). A repeat changes nothing. Raises InvalidTransition."""
    return clarification_transition(request=request, to=ClarificationRequest.Status.CLOSED,
                                    by=by, reason=reason, extra={"closed_at": timezone.now()})


def clarifications_remind_overdue(*, now: datetime | None = None) -> int:
    """Tell the manager who asked each question still unanswered past its due moment, once per
    request (``overdue_notified_at``, set under the row's lock). Returns how many were told."""
    now = now or timezone.now()
    overdue = ClarificationRequest.objects.filter(
        status=ClarificationRequest.Status.OPEN, due_at__lt=now,
        overdue_notified_at__isnull=True)
    told = 0
    for pk in overdue.order_by("due_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Re-check under the lock: two beat runs (or a retry) may reach the same request.
            request = (overdue.select_for_update(of=("self",))
                       .select_related("application__call", "application__organisation",
                                       "asked_by").filter(pk=pk).first())
            if request is None:
                continue
            request.overdue_notified_at = now
            request.save(update_fields=["overdue_notified_at"])
            link = _manager_link(request)
            notify(recipient=request.asked_by, kind="applications.clarification_overdue",
                   context={"application": request.application, "request": request,
                            "due": brussels(request.due_at, seconds=True), "link": link},
                   link=link)
            told += 1
    return told
