"""What applications holds about a person (accounts.personal_data): the enterprise they
described, their applications with budgets, consortium partners, files and submitted versions.

The files exported are those of the applications of the person's own enterprise (the lead
applicant's account): consortium partners are described by the lead applicant (name, number,
contact e-mail), they have no account of their own on an application, so a partner never receives
the lead's proposal or files through an export.

Retention: an application submitted at least once is an FSTP record (kept until the retention
after the Eurocluster's last payment); a draft never submitted is deleted on erasure, and by the
beat task ``applications.remove_expired_drafts`` PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE months
after its call closed.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import ExportFile, Hold, Section, add_months
from applications.models import (
    Application,
    ApplicationVersion,
    Attachment,
    ClarificationAttachment,
    ClarificationRequest,
    EligibilityResult,
    Organisation,
)
from portal.audit import audit_record

NEVER_SUBMITTED = (Application.Status.DRAFT, Application.Status.WITHDRAWN)


def applications_of(user) -> QuerySet[Application]:
    return Application.objects.filter(Q(organisation__user=user) | Q(created_by=user)).distinct()


def _never_submitted(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.filter(status__in=NEVER_SUBMITTED, versions__isnull=True)


def _delete_applications(applications: QuerySet[Application]) -> int:
    """Delete ``applications`` with their files (versions and eligibility results first: they
    protect the application, and a version refuses ``delete()`` one by one)."""
    ids = list(applications.values_list("pk", flat=True))
    for attachment in Attachment.objects.filter(application_id__in=ids):
        attachment.file.delete(save=False)
    # Clarification requests point at the versions (protected): they and their files go first.
    for attachment in ClarificationAttachment.objects.filter(request__application_id__in=ids):
        attachment.file.delete(save=False)
    ClarificationRequest.objects.filter(application_id__in=ids).delete()
    EligibilityResult.objects.filter(version__application_id__in=ids).delete()
    ApplicationVersion.objects.filter(application_id__in=ids).delete()
    Application.objects.filter(pk__in=ids).delete()
    return len(ids)


def export(user) -> Section:
    organisation = Organisation.objects.filter(user=user).first()
    applications = applications_of(user).order_by("pk")
    own_ids = list(applications.filter(organisation__user=user).values_list("pk", flat=True))
    data = {
        "enterprise": None if organisation is None else {
            **Organisation.objects.filter(pk=organisation.pk).values(
                "legal_name", "registration_number", "country", "is_natural_person", "street",
                "postcode", "city", "nace_code", "year_founded", "staff_headcount",
                "annual_turnover", "balance_sheet_total", "created_at", "updated_at").get(),
            "partner_and_linked_enterprises": list(organisation.related_enterprises.values(
                "name", "country", "share_percent", "staff_headcount", "annual_turnover",
                "balance_sheet_total")),
            "de_minimis_aid": list(organisation.de_minimis_aid.values(
                "granted_on", "granting_body", "amount")),
        },
        "applications": [],
    }
    files = []
    for application in applications.select_related("call"):
        data["applications"].append({
            "id": application.pk, "call": application.call.reference,
            "status": application.applicant_status, "title": application.title,
            "acronym": application.acronym, "summary": application.summary,
            "description": application.sections, "topics": application.topics,
            "requested_amount": application.requested_amount,
            "planned_start": application.planned_start,
            "duration_months": application.duration_months,
            "created_at": application.created_at, "submitted_at": application.submitted_at,
            "budget_lines": list(application.budget_lines.values("category", "description",
                                                                 "amount")),
            "consortium_members": list(application.members.values(
                "legal_name", "registration_number", "country", "contact_email", "role")),
            "attachments": list(application.attachments.values(
                "original_name", "size", "sha256", "uploaded_at", "removed_at")),
            "submitted_versions": list(application.versions.order_by("number").values(
                "number", "submitted_at", "receipt_code", "sha256", "content")),
            "clarifications": [
                {"question": c.question, "asked_at": c.asked_at, "due_at": c.due_at,
                 "answer": c.answer, "answered_at": c.answered_at,
                 "files": [{"original_name": f.original_name, "size": f.size,
                            "sha256": f.sha256} for f in c.attachments.all()]}
                for c in application.clarifications.order_by("asked_at", "pk")
                .prefetch_related("attachments")],
        })
        if application.pk in own_ids:
            files.extend(
                ExportFile(path=f"applications/{application.pk}/{a.pk}-{a.original_name}",
                           file=a.file)
                for a in application.attachments.all())
            files.extend(
                ExportFile(path=f"applications/{application.pk}/clarifications/"
                                f"{f.pk}-{f.original_name}", file=f.file)
                for f in ClarificationAttachment.objects.filter(
                    request__application=application).order_by("pk"))
    return Section(data=data, files=files)


def holds(user) -> list[Hold]:
    reason = _("Applications submitted to calls: records of the cascade funding, which the EU "
               "Financial Regulation requires to be kept")
    return [Hold(reason=reason, eurocluster_id=a.call.eurocluster_id,
                 since=max(a.call.closes_at, a.submitted_at or a.call.closes_at))
            for a in applications_of(user).exclude(pk__in=_never_submitted(
                applications_of(user))).select_related("call")]


def erase(user) -> None:
    """Drafts never submitted go; the enterprise too when nothing kept points at it."""
    _delete_applications(_never_submitted(applications_of(user)))
    try:
        with transaction.atomic():
            Organisation.objects.filter(user=user).delete()
    except ProtectedError:
        pass  # its submitted applications (or bank accounts) keep it, and they are held


def purge(user) -> None:
    """The held applications, then the enterprise (the apps above purged theirs first)."""
    _delete_applications(applications_of(user))
    Organisation.objects.filter(user=user).delete()


@transaction.atomic
def drafts_remove_expired(*, now: datetime | None = None) -> int:
    """Delete the applications never submitted (drafts, and drafts withdrawn) of calls that
    closed PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE months ago or more, with their files; an
    audit line each. Returns how many. Safe to run twice."""
    now = now or timezone.now()
    cutoff = add_months(now, -settings.PORTAL_RETENTION_DRAFT_MONTHS_AFTER_CLOSE)
    expired = _never_submitted(Application.objects.filter(call__closes_at__lte=cutoff))
    for application in expired:
        audit_record(subject=application, action="draft_deleted", from_state=application.status,
                     reason="retention")
    return _delete_applications(expired)
