"""Reads of the beneficiary's money side: bank details, reports, the payments timeline, and the
manager's and finance officer's lists around them. Each returns rows with their relations
loaded, so that a page's query count does not grow with its rows."""

from datetime import date, datetime, time

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from applications.models import Application, Organisation
from applications.selectors import calls_managed_by
from calls.models import OpenCall, TrancheStep
from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    ProgressReport,
    ReportAttachment,
    Tranche,
)
from payments.selectors.finance import finance_eurocluster_ids
from portal.formats import BRUSSELS
from portal.models import SERVABLE_SCAN_STATUSES

# Agreements the beneficiary has signed: from then on a change of bank details needs approval.
SIGNED = (GrantAgreement.Status.SIGNED_BY_BENEFICIARY, GrantAgreement.Status.COUNTERSIGNED,
          GrantAgreement.Status.CLOSED)
# Reports the beneficiary may still change.
EDITABLE = (ProgressReport.Status.DRAFT, ProgressReport.Status.CHANGES_REQUESTED)


def bank_state(organisation: Organisation) -> dict:
    """The active account, the pending change and the latest refused one of ``organisation``."""
    accounts = list(BankAccount.objects.filter(organisation=organisation)
                    .select_related("decided_by").order_by("-created_at", "-pk"))
    by_status: dict[str, BankAccount] = {}
    for account in accounts:
        by_status.setdefault(account.status, account)
    pending = by_status.get(BankAccount.Status.PENDING)
    rejected = by_status.get(BankAccount.Status.REJECTED)
    # A refusal is news only until the beneficiary gives other details.
    latest = accounts[0] if accounts else None
    return {"active": by_status.get(BankAccount.Status.ACTIVE), "pending": pending,
            "rejected": rejected if latest is rejected else None}


def has_signed_agreement(organisation: Organisation) -> bool:
    return GrantAgreement.objects.filter(application__organisation=organisation,
                                         status__in=SIGNED).exists()


def beneficiary_application(user, pk: int) -> Application | None:
    """The user's own application ``pk`` with its call and agreement, or None (404)."""
    if not user.is_authenticated:
        return None
    return (Application.objects.filter(organisation__user=user, pk=pk)
            .select_related("call__eurocluster", "organisation", "agreement").first())


# Documents counted as attached: one waiting for its virus scan (or found infected) is not.
ATTACHED = Count("attachments", filter=Q(attachments__scan_status__in=SERVABLE_SCAN_STATUSES))


def agreement_of(application: Application) -> GrantAgreement | None:
    try:
        return application.agreement
    except GrantAgreement.DoesNotExist:
        return None


def reports_of(agreement: GrantAgreement) -> dict[str, ProgressReport]:
    return {r.kind: r for r in agreement.reports.annotate(attachment_count=ATTACHED)}


def report_with_attachments(agreement: GrantAgreement, kind: str) -> ProgressReport | None:
    return (ProgressReport.objects.filter(agreement=agreement, kind=kind)
            .select_related("reviewed_by")
            .prefetch_related(Prefetch("attachments",
                                       queryset=ReportAttachment.objects.order_by("pk")))
            .first())


def has_interim_tranche(agreement: GrantAgreement) -> bool:
    return agreement.tranches.filter(event=TrancheStep.Event.INTERIM_REPORT_APPROVED).exists()


def report_kinds(agreement: GrantAgreement) -> list[str]:
    """The reports an agreement asks for: the interim report only when a tranche waits for it,
    the final report always."""
    kinds = ProgressReport.Kind
    return [kinds.INTERIM, kinds.FINAL] if has_interim_tranche(agreement) else [kinds.FINAL]


# The report whose approval pays a tranche, by the tranche's event.
REPORT_OF_EVENT = {TrancheStep.Event.INTERIM_REPORT_APPROVED: ProgressReport.Kind.INTERIM,
                   TrancheStep.Event.FINAL_REPORT_APPROVED: ProgressReport.Kind.FINAL}


def report_deadline(due_on: date) -> datetime:
    """The end of a report's due day in Brussels (23:59:59, as the dashboard shows it)."""
    return datetime.combine(due_on, time(23, 59, 59), tzinfo=BRUSSELS)


def report_due_dates(agreement: GrantAgreement) -> dict[str, date]:
    """The day each report of ``agreement`` is due, by kind (set by the manager; one query)."""
    return {REPORT_OF_EVENT[event]: due_on for event, due_on in
            agreement.tranches.filter(event__in=REPORT_OF_EVENT, report_due_on__isnull=False)
            .order_by("position").values_list("event", "report_due_on")}


def report_blocker(agreement: GrantAgreement, kind: str) -> str | None:
    """Why the beneficiary cannot write the ``kind`` report of ``agreement`` now, or None."""
    if agreement.status != GrantAgreement.Status.COUNTERSIGNED:
        if agreement.status == GrantAgreement.Status.CLOSED:
            return _("This agreement is closed: its reports are final.")
        return _("Reports open once the agreement is signed by both parties.")
    kinds = report_kinds(agreement)
    if kind not in kinds:
        return _("This agreement has no interim report: its schedule pays no tranche on one.")
    if kind == ProgressReport.Kind.FINAL and ProgressReport.Kind.INTERIM in kinds:
        interim = agreement.reports.filter(kind=ProgressReport.Kind.INTERIM).first()
        if interim is None or interim.status != ProgressReport.Status.APPROVED:
            return _("The final report opens once the interim report is approved.")
    return None


def timeline(agreement: GrantAgreement) -> list[Tranche]:
    """The tranches of ``agreement`` with their payments (newest first), each with its batch and
    the bank account it went to."""
    payments = (Payment.objects.select_related("batch", "bank_account")
                .order_by("-created_at", "-pk"))
    return list(agreement.tranches.order_by("position")
                .prefetch_related(Prefetch("payments", queryset=payments)))


# --- cluster managers ---------------------------------------------------------------------------


def calls_for_reports(user) -> QuerySet[OpenCall]:
    """The calls whose reports ``user`` reviews (those of the Euroclusters they manage)."""
    return calls_managed_by(user)


def call_reports(call: OpenCall) -> list[ProgressReport]:
    """The reports of ``call`` the beneficiaries have handed in at least once: waiting for review
    first (oldest first), then the others (newest first)."""
    reports = list(
        ProgressReport.objects
        .filter(agreement__application__call=call)
        .exclude(status=ProgressReport.Status.DRAFT, submitted_at__isnull=True)
        .select_related("agreement__application__organisation", "reviewed_by")
        .annotate(attachment_count=ATTACHED)
        .order_by("submitted_at", "pk"))
    waiting = [r for r in reports if r.status == ProgressReport.Status.SUBMITTED]
    others = [r for r in reports if r.status != ProgressReport.Status.SUBMITTED]
    others.sort(key=lambda r: (r.reviewed_at or r.submitted_at, r.pk), reverse=True)
    return waiting + others


def report_for_manager(user, pk: int) -> ProgressReport | None:
    """Report ``pk`` when it belongs to a call the user manages, else None (404)."""
    return (ProgressReport.objects
            .filter(pk=pk, agreement__application__call__in=calls_for_reports(user))
            .select_related("agreement__application__call__eurocluster",
                            "agreement__application__organisation", "reviewed_by")
            .prefetch_related(Prefetch("attachments",
                                       queryset=ReportAttachment.objects.order_by("pk")))
            .first())


# --- finance officers ---------------------------------------------------------------------------


def may_decide_bank_change(user, organisation: Organisation) -> bool:
    """A finance officer of a Eurocluster where the enterprise has a signed agreement."""
    ids = finance_eurocluster_ids(user)
    if ids is None:
        return True
    return GrantAgreement.objects.filter(
        application__organisation=organisation, status__in=SIGNED,
        application__call__eurocluster_id__in=ids).exists()


def pending_bank_changes_for(user) -> QuerySet[BankAccount]:
    """Pending changes of bank details of the enterprises with a signed agreement in a
    Eurocluster where ``user`` is a finance officer (all of them for a superuser), oldest
    first, each with its organisation, its creator and ``current`` (the active account, in a
    list of at most one)."""
    ids = finance_eurocluster_ids(user)
    signed = GrantAgreement.objects.filter(application__organisation=OuterRef("organisation"),
                                           status__in=SIGNED)
    if ids is not None:
        signed = signed.filter(application__call__eurocluster_id__in=ids)
    active = BankAccount.objects.filter(status=BankAccount.Status.ACTIVE)
    return (BankAccount.objects.filter(status=BankAccount.Status.PENDING)
            .filter(Exists(signed))
            .select_related("organisation", "created_by")
            .prefetch_related(Prefetch("organisation__bank_accounts", queryset=active,
                                       to_attr="current"))
            .order_by("created_at", "pk"))


def signed_calls_of(accounts: list[BankAccount]) -> dict[int, list[str]]:
    """For each organisation of ``accounts``: the references of the calls where it has a signed
    agreement (one query for the whole list)."""
    organisation_ids = {a.organisation_id for a in accounts}
    result: dict[int, list[str]] = {}
    rows = (GrantAgreement.objects
            .filter(application__organisation_id__in=organisation_ids, status__in=SIGNED)
            .values_list("application__organisation_id", "application__call__reference")
            .order_by("application__call__reference"))
    for organisation_id, reference in rows:
        result.setdefault(organisation_id, []).append(reference)
    return result

