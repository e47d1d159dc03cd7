"""The exports of the pages after the selection:

- ``reports`` (managers, ``?call=<pk>``): the progress and final reports handed in at least once,
  as the call's reports page (those waiting for review first), with the new products or
  services a final report declares;
- ``bank_changes`` (finance officers, as their page): the changes of bank details made after an
  agreement was signed, pending and decided (``?status=`` for one status), one row per signed
  agreement of the enterprise in the officer's Euroclusters. The new account shows as its last
  four characters, like the finance pages: the full IBAN is never read from the database;
- ``beneficiaries`` (managers, as their page): the countersigned beneficiaries, published or not,
  with the reason of a withheld publication.
"""

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce, Right
from django.utils.translation import gettext_lazy as _

from euroclusters.models import Membership
from payments.models import BankAccount, ProgressReport
from payments.selectors.beneficiary import SIGNED
from payments.services.beneficiary.bank import mask_iban
from reporting.exports.definitions import _user, reference
from reporting.exports.registry import ExportDefinition, Scope, choice, manager_export, register
from reporting.exports.rules import FINANCE_OFFICER_EXPORT
from reporting.exports.writers import DATETIME, MONEY, NUMBER, Column
from reporting.selectors import beneficiaries_of

# --- progress and final reports -----------------------------------------------------------------

WAITING = ProgressReport.Status.SUBMITTED


def report_rows(scope: Scope):
    rows = (ProgressReport.objects
            .exclude(status=ProgressReport.Status.DRAFT, submitted_at__isnull=True)
            .select_related("agreement__application__call", "agreement__application__organisation",
                            "reviewed_by")
            .annotate(attachment_count=Count("attachments"),
                      waiting=Case(When(status=WAITING, then=Value(0)), default=Value(1)))
            # As the page: waiting for review first (oldest first), then the others (latest
            # first).
            .order_by("waiting",
                      Case(When(status=WAITING, then=F("submitted_at"))).asc(nulls_last=True),
                      Coalesce("reviewed_at", "submitted_at").desc(nulls_last=True), "pk"))
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return scope.scoped(rows, "agreement__application__call__eurocluster_id",
                        "agreement__application__call_id")


def _new_products(report: ProgressReport) -> int | None:
    return report.new_products if report.kind == ProgressReport.Kind.FINAL else None


manager_export("reports", _("Progress and final reports"), rows=report_rows,
               filters={"status": choice(ProgressReport.Status)}, columns=[
    Column(_("Reference"), lambda r: reference(r.agreement.application.call.reference,
                                               r.agreement.application_id), width=22),
    Column(_("Acronym"), lambda r: r.agreement.application.acronym),
    Column(_("Enterprise"), lambda r: r.agreement.application.organisation.legal_name, width=30),
    Column(_("Report"), lambda r: r.get_kind_display()),
    Column(_("Status"), lambda r: r.get_status_display(), width=20),
    Column(_("Submitted at (Brussels)"), lambda r: r.submitted_at, DATETIME),
    Column(_("Reviewed by"), lambda r: _user(r.reviewed_by), width=24),
    Column(_("Reviewed at (Brussels)"), lambda r: r.reviewed_at, DATETIME),
    Column(_("New products or services"), _new_products, NUMBER),
    Column(_("Documents"), lambda r: r.attachment_count, NUMBER, width=10),
])


# --- changes of bank details --------------------------------------------------------------------

def _decided_or_pending() -> Q:
    # A change waits for a finance officer or was decided by one; the first account of an
    # enterprise that had signed nothing yet needed no decision and is no change.
    return Q(status=BankAccount.Status.PENDING) | Q(decided_at__isnull=False)


def bank_change_rows(scope: Scope):
    # One filter() for the signed agreement and its scope, so that both name the same agreement
    # (the enterprise may hold agreements in several Euroclusters).
    signed = {"organisation__applications__agreement__status__in": SIGNED}
    if scope.eurocluster_ids is not None:
        signed["organisation__applications__call__eurocluster_id__in"] = scope.eurocluster_ids
    if scope.call is not None:
        signed["organisation__applications__call_id"] = scope.call.pk
    rows = BankAccount.objects.filter(_decided_or_pending(), **signed)
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return rows.values(
        "pk", "status", "holder", "created_at", "decided_at", "decision_note",
        iban_end=Right("iban", 4),
        application_id=F("organisation__applications__id"),
        call_reference=F("organisation__applications__call__reference"),
        enterprise=F("organisation__legal_name"),
        requested_by=F("created_by__full_name"), requested_by_email=F("created_by__email"),
        decider=F("decided_by__full_name"), decider_email=F("decided_by__email"),
    ).order_by("created_at", "pk", "application_id")


BANK_STATUS = dict(BankAccount.Status.choices)


def _person(name: str | None, email: str | None) -> str:
    return name or email or ""


register(ExportDefinition(
    name="bank_changes", title=_("Changes of bank details"), permission=FINANCE_OFFICER_EXPORT,
    roles=(Membership.Role.FINANCE,), rows=bank_change_rows, per_call=False,
    filters={"status": choice(BankAccount.Status)}, columns=[
        Column(_("Reference"), lambda r: reference(r["call_reference"], r["application_id"]),
               width=22),
        Column(_("Enterprise"), lambda r: r["enterprise"], width=30),
        Column(_("Requested at (Brussels)"), lambda r: r["created_at"], DATETIME),
        Column(_("Requested by"), lambda r: _person(r["requested_by"], r["requested_by_email"]),
               width=24),
        Column(_("Account holder"), lambda r: r["holder"], width=30),
        Column(_("New IBAN"), lambda r: mask_iban(r["iban_end"]), width=12),
        Column(_("Status"), lambda r: BANK_STATUS.get(r["status"], r["status"]), width=24),
        Column(_("Approved or refused by"),
               lambda r: _person(r["decider"], r["decider_email"]), width=24),
        Column(_("Decided at (Brussels)"), lambda r: r["decided_at"], DATETIME),
        Column(_("Finance note"), lambda r: r["decision_note"], width=40),
    ]))


# --- the beneficiaries, for their managers ------------------------------------------------------

def beneficiary_rows(scope: Scope):
    rows = beneficiaries_of(scope.eurocluster_ids)
    if scope.call is not None:
        rows = rows.filter(application__call_id=scope.call.pk)
    return rows


def publication(agreement) -> str:
    """Published, withheld (the reason in its own column) or not published: a natural person."""
    if agreement.application.organisation.is_natural_person:
        return str(_("Not published: natural person"))
    if _withholding(agreement) is not None:
        return str(_("Withheld"))
    return str(_("Published"))


def _withholding(agreement):
    return getattr(agreement, "publication_withholding", None)


def _withheld(read):
    def accessor(agreement):
        withholding = _withholding(agreement)
        return None if withholding is None else read(withholding)
    return accessor


manager_export("beneficiaries", _("Beneficiaries"), rows=beneficiary_rows, per_call=False,
               columns=[
    Column(_("Eurocluster"), lambda a: a.application.call.eurocluster.acronym),
    Column(_("Call"), lambda a: a.application.call.reference, width=22),
    Column(_("Reference"), lambda a: reference(a.application.call.reference, a.application_id),
           width=22),
    Column(_("Enterprise"), lambda a: a.application.organisation.legal_name, width=30),
    Column(_("Country"), lambda a: str(a.application.organisation.country), width=8),
    Column(_("Voucher type"), lambda a: a.application.voucher_type.name
           if a.application.voucher_type else "", width=24),
    Column(_("Acronym"), lambda a: a.application.acronym),
    Column(_("Project title"), lambda a: a.application.title, width=40),
    Column(_("Amount (EUR)"), lambda a: a.amount, MONEY),
    Column(_("Countersigned at (Brussels)"), lambda a: a.countersigned_at, DATETIME),
    Column(_("Publication"), publication, width=24),
    Column(_("Reason withheld"), _withheld(lambda w: w.reason), width=40),
    Column(_("Withheld by"), _withheld(lambda w: _user(w.withheld_by)), width=24),
    Column(_("Withheld at (Brussels)"), _withheld(lambda w: w.withheld_at), DATETIME),
])
