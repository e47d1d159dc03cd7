"""Every write of the applicant journey. Views call these; nothing else saves these models."""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.eligibility_services import eligibility_recheck_related
from applications.identifiers import InvalidIdentifier, normalise_identifier
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    ConsortiumMember,
    Declaration,
    DeMinimisAid,
    EligibilityResult,
    Organisation,
    RelatedEnterprise,
)
from applications.rules import can_apply
from applications.selectors import (
    ATTACHMENTS,
    BUDGET_LINES,
    DE_MINIMIS_AID,
    MEMBERS,
    RELATED_ENTERPRISES,
    current_version,
    organisation_of,
)
from applications.submission import content_hash, missing_items, snapshot
from applications.transitions import application_transition
from calls.models import OpenCall, RequiredDocument
from calls.selectors import REQUIRED_DOCUMENTS
from portal.audit import audit_record
from portal.errors import DomainError
from portal.formats import brussels
from portal.models import ScanStatus
from portal.notifications import notify
from portal.prepared import PreparedRead
from portal.queue import enqueue_on_commit
from portal.scanning import upload_scan
from portal.site import site_url
from portal.uploads import pdf_upload_errors, safe_filename, sha256_of, store_upload

logger = logging.getLogger(__name__)

DRAFT_FIELDS = ("voucher_type", "title", "acronym", "summary", "sections", "topics",
                "requested_amount", "planned_start", "duration_months")


class DeadlinePassed(DomainError):
    pass


class SubmissionIncomplete(DomainError):
    pass


# --- the enterprise ---------------------------------------------------------------------------


@transaction.atomic
def organisation_save(*, user: Any, data: Mapping[str, Any],
                      related: Iterable[Mapping[str, Any]],
                      aid: Iterable[Mapping[str, Any]]) -> Organisation:
    """Create or update the user's enterprise and replace its related enterprises and aid.

    Raises DomainError when the VAT or registration number is invalid for the country.
    """
    try:
        number = normalise_identifier(data["registration_number"], str(data["country"]))
    except InvalidIdentifier as error:
        raise DomainError(str(error)) from None
    organisation = Organisation.objects.select_for_update().filter(user=user).first()
    created = organisation is None
    organisation = organisation or Organisation(user=user)
    for name, value in data.items():
        setattr(organisation, name, value)
    organisation.registration_number = number
    organisation.save()
    organisation.related_enterprises.all().delete()
    RelatedEnterprise.objects.bulk_create(
        RelatedEnterprise(organisation=organisation, **row) for row in related
    )
    organisation.de_minimis_aid.all().delete()
    DeMinimisAid.objects.bulk_create(DeMinimisAid(organisation=organisation, **row) for row in aid)
    audit_record(subject=organisation, action="created" if created else "updated", actor=user)
    return organisation


# --- drafts -----------------------------------------------------------------------------------


def _require_open(call: OpenCall, now: datetime) -> None:
    if call.accepts_submissions(now):
        return
    if now >= call.closes_at:
        raise DeadlinePassed(
            _("The deadline of this call passed on %(deadline)s (Brussels time). Changes can no "
              "longer be saved or submitted; your text is still shown below so that you can "
              "copy it.") % {"deadline": brussels(call.closes_at, seconds=True)}
        )
    if now < call.opens_at:
        raise DeadlinePassed(
            _("This call opens on %(opens)s (Brussels time).")
            % {"opens": brussels(call.opens_at, seconds=True)}
        )
    # Within its dates but not (or no longer) open: unpublished, or closed early by a manager.
    raise DeadlinePassed(_("This call is not open for applications."))


@transaction.atomic
def application_start(*, call: OpenCall, user: Any) -> Application:
    """Open a draft for the user's enterprise, or return the live one it already has.

    Raises DomainError without a verified e-mail or an enterprise, DeadlinePassed when closed.
    """
    if not can_apply(user):
        raise DomainError(_("Please confirm your e-mail address before applying."))
    organisation = organisation_of(user)
    if organisation is None:
        raise DomainError(_("Please describe your enterprise before applying."))
    _require_open(call, timezone.now())
    existing = (Application.objects.filter(call=call, organisation=organisation)
                .exclude(status=Application.Status.WITHDRAWN).first())
    if existing:
        return existing
    voucher_types = list(call.voucher_types.all()[:2])
    try:
        with transaction.atomic():
            application = Application.objects.create(
                call=call, organisation=organisation, created_by=user,
                voucher_type=voucher_types[0] if len(voucher_types) == 1 else None,
            )
    except IntegrityError:
        # Two tabs pressed "Apply" together: the other one made it.
        return Application.objects.get(call=call, organisation=organisation,
                                       status__in=Application.EDITABLE)
    audit_record(subject=application, action="created", actor=user)
    return application


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    by: Any,
    fields: Mapping[str, Any],
    budget_lines: Iterable[Mapping[str, Any]] | None = None,
    members: Iterable[Mapping[str, Any]] | None = None,
) -> Application:
    """Save the working copy: the given ``fields`` and, when given, the budget and the partners.

    Draft saving accepts incomplete content (completeness is checked on submission) but never
    after the deadline. Raises DeadlinePassed or DomainError.
    """
    application = Application.objects.select_for_update(of=("self",)).select_related("call").get(
        pk=application.pk)
    _require_open(application.call, timezone.now())
    if not application.is_editable:
        raise DomainError(_("This application can no longer be changed (%(status)s).")
                          % {"status": application.get_status_display()})
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"not draft fields: {sorted(unknown)}")
    voucher_type = fields.get("voucher_type")
    if voucher_type is not None and voucher_type.call_id != application.call_id:
        raise DomainError(_("This voucher type belongs to another call."))
    for name, value in fields.items():
        setattr(application, name, value)
    application.save()
    if budget_lines is not None:
        application.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(application=application, position=index, **row)
            for index, row in enumerate(budget_lines)
        )
    if members is not None:
        rows = []
        for index, row in enumerate(members):
            row = dict(row)
            try:
                row["registration_number"] = normalise_identifier(row["registration_number"],
                                                                  str(row["country"]))
            except InvalidIdentifier as error:
                raise DomainError(_("Partner “%(name)s”: %(error)s")
                                  % {"name": row.get("legal_name", ""), "error": error}) from None
            rows.append(ConsortiumMember(application=application, position=index, **row))
        application.members.all().delete()
        ConsortiumMember.objects.bulk_create(rows)
    return application


# --- documents --------------------------------------------------------------------------------


def attachment_upload(*, application: Application, by: Any, uploaded: UploadedFile,
                      required_document: RequiredDocument | None = None) -> Attachment:
    """Store a PDF for the application, replacing the one given earlier for the same document.

    Checks the content type (not the name), active content (scripts, embedded files) and the
    call's size limit, and scans it for viruses first: an infected file is refused (UploadInfected,
    audited on the application) and never stored; one the scanner could not take is stored
    "scan pending", not counted for submission until ``portal.scan_pending`` scans it. Raises
    DomainError; StorageUnavailable (a DomainError) when the disk is full or read-only,
    nothing changed.
    """
    scan_status = upload_scan(uploaded, subject=application, by=by)
    return _attachment_store(application=application, by=by, uploaded=uploaded,
                             required_document=required_document, scan_status=scan_status)


@transaction.atomic
def _attachment_store(*, application: Application, by: Any, uploaded: UploadedFile,
                      required_document: RequiredDocument | None, scan_status: str) -> Attachment:
    application = Application.objects.select_for_update(of=("self",)).select_related("call").get(
        pk=application.pk)
    _require_open(application.call, timezone.now())
    if not application.is_editable:
        raise DomainError(_("This application can no longer be changed."))
    if required_document is not None and required_document.call_id != application.call_id:
        raise DomainError(_("This document is not asked for by this call."))
    problems = pdf_upload_errors(uploaded, max_bytes=application.call.max_upload_mb * 1024 * 1024)
    if problems:
        raise DomainError(problems[0], details=problems)
    if required_document is not None:
        application.attachments.filter(required_document=required_document,
                                       removed_at__isnull=True).update(removed_at=timezone.now())
    attachment = Attachment(
        application=application, required_document=required_document,
        original_name=safe_filename(uploaded.name or ""), size=uploaded.size,
        sha256=sha256_of(uploaded), uploaded_by=by, scan_status=scan_status,
        scanned_at=timezone.now() if scan_status == ScanStatus.CLEAN else None,
    )
    # StorageUnavailable (a full or read-only disk) rolls back the removal above too.
    store_upload(attachment.file, name=attachment.original_name, content=uploaded)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: Any) -> None:
    """Take a file out of the working copy; the file stays for versions that include it."""
    application = Application.objects.select_for_update(of=("self",)).select_related("call").get(
        pk=attachment.application_id)
    _require_open(application.call, timezone.now())
    if not application.is_editable:
        raise DomainError(_("This application can no longer be changed."))
    Attachment.objects.filter(pk=attachment.pk, removed_at__isnull=True).update(
        removed_at=timezone.now())


# --- submission -------------------------------------------------------------------------------


# The application as a submission locks and reads it, its SQL compiled once per process
# (portal.prepared; the deadline rush submits 20 a second). It locks the application only:
# PostgreSQL refuses FOR UPDATE on the outer join of the optional voucher type, and locking the
# call would queue every applicant of the call behind one.
_SUBMITTING = PreparedRead(
    lambda pk: Application.objects.select_for_update(of=("self",))
    .select_related("call", "voucher_type", "organisation").filter(pk=pk), "pk")


def _load_for_submission(application: Application) -> None:
    """Everything missing_items() and snapshot() read, loaded once onto ``application`` (each
    read its own copy before, attachments three times: a third of the queries of a submit)."""
    BUDGET_LINES.load(application)
    MEMBERS.load(application)
    REQUIRED_DOCUMENTS.load(application.call)
    RELATED_ENTERPRISES.load(application.organisation)
    DE_MINIMIS_AID.load(application.organisation)
    ATTACHMENTS.load(application)


@transaction.atomic
def application_submit(*, application: Application, by: Any,
                       declarations: Iterable[str]) -> ApplicationVersion:
    """Freeze the working copy as a new version and submit it.

    Locks the application so that two tabs submitting together give one version: when the content
    equals the last version's, that version is returned and nothing is written. Raises
    DeadlinePassed (server time, to the second) or SubmissionIncomplete listing every missing item.
    Queues the receipt e-mail and the eligibility check after commit.
    """
    application = _SUBMITTING.first(pk=application.pk)
    if application is None:
        raise Application.DoesNotExist
    _load_for_submission(application)
    now = timezone.now()
    _require_open(application.call, now)
    if not application.is_editable:
        raise DomainError(_("This application can no longer be submitted (%(status)s).")
                          % {"status": application.get_status_display()})
    declarations = sorted(set(declarations) & set(Declaration.values))
    missing = missing_items(application, declarations)
    if missing:
        raise SubmissionIncomplete(
            _("The application cannot be submitted yet: %(n)d item(s) missing.")
            % {"n": len(missing)}, details=missing)
    content = snapshot(application, declarations)
    digest = content_hash(content)
    latest = current_version(application)
    if latest is not None and latest.sha256 == digest:
        # A double click or a second tab: this exact content is already the current version.
        return latest
    number = (latest.number if latest else 0) + 1
    version = ApplicationVersion.objects.create(
        application=application, number=number, submitted_at=now, submitted_by=by,
        content=content, sha256=digest, receipt_code=f"{application.receipt_prefix}-v{number}",
    )
    # The row is locked above, and any error fails the whole submission: no second read, no
    # savepoint.
    application = application_transition(
        application=application, to=Application.Status.SUBMITTED, by=by,
        reason=f"version {number}", extra={"submitted_at": now}, locked=True, savepoint=False,
    )
    if application.submitted_at != now:
        # A re-submission while "submitted" is no transition, so ``extra`` was not written.
        application.submitted_at = now
        application.save(update_fields=["submitted_at", "updated_at"])
    audit_record(subject=application, action="submitted", actor=by,
                 data={"version": number, "sha256": digest})
    EligibilityResult.objects.create(version=version)
    notify(recipient=by, kind="applications.submission_receipt",
           context={"application": application, "version": version, "site_url": site_url()},
           link=reverse("applications:receipt",
                        kwargs={"pk": application.pk, "number": version.number}))
    enqueue_on_commit("applications.check_eligibility", version_id=version.pk)
    return version


@transaction.atomic
def application_withdraw(*, application: Application, by: Any, reason: str = "") -> Application:
    """Withdraw at the applicant's request; possible in any state before contracting.

    Queues a re-check of the call's other proposals that share an enterprise with this one.
    """
    application = application_transition(application=application,
                                          to=Application.Status.WITHDRAWN, by=by,
                                          reason=reason or _("withdrawn by the applicant"))
    eligibility_recheck_related(application=application)
    return application
