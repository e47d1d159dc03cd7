"""The exports of the manager's and finance officer's lists, each a few lines.

Rows are ``values()`` dictionaries or rows with their relations loaded, read by the columns'
accessors; a call's exports read ``?call=<pk>``; the filters are the page's own.
"""

from decimal import Decimal

from django.db.models import Count, F, Prefetch
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Participant
from applications.models import Application, ApplicationVersion, EligibilityResult, Organisation
from applications.selectors import current_version_pk
from calls.models import Criterion, EligibilityRule
from evaluation.models import Consensus, ConsensusScore, RankingEntry, Review, Score
from payments.models import GrantAgreement, Payment, Tranche
from payments.selectors.finance import call_ledgers
from reporting.exports.registry import (
    Scope,
    choice,
    finance_export,
    manager_export,
    reader_export,
    year,
)
from reporting.exports.writers import DATE, DATETIME, MONEY, NUMBER, Column

STATUS = dict(Application.Status.choices)
SME = {c.value: label for c, label in Organisation.SME_LABELS.items()}


def reference(call_reference: str, application_id: int) -> str:
    """The application's reference, as on its receipts."""
    return f"{call_reference}-{application_id:06d}"


def _decimal(value) -> Decimal | None:
    return None if value in (None, "", "None") else Decimal(value)


def _user(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


# --- applications of a call, with their latest version's fields ------------------------------

def application_rows(scope: Scope):
    versions = (ApplicationVersion.objects
                .filter(id=current_version_pk("application"))
                .exclude(application__status__in=(Application.Status.DRAFT,
                                                  Application.Status.WITHDRAWN)))
    versions = scope.scoped(versions, "application__call__eurocluster_id", "application__call_id")
    if "status" in scope.filters:
        versions = versions.filter(application__status=scope.filters["status"])
    return versions.values(
        "application_id", "submitted_at", "number", status=F("application__status"),
        call_reference=F("application__call__reference"),
        acronym=KT("content__acronym"), title=KT("content__title"),
        enterprise=KT("content__organisation__legal_name"),
        country=KT("content__organisation__country"),
        sme_class=KT("content__organisation__sme_class"),
        voucher_type=KT("content__voucher_type"),
        amount=KT("content__requested_amount"),
    ).order_by("application_id")


APPLICATION_COLUMNS = [
    Column(_("Reference"), lambda r: reference(r["call_reference"], r["application_id"]),
           width=22),
    Column(_("Acronym"), lambda r: r["acronym"]),
    Column(_("Project title"), lambda r: r["title"], width=40),
    Column(_("Enterprise"), lambda r: r["enterprise"], width=30),
    Column(_("Country"), lambda r: r["country"], width=8),
    Column(_("SME class"), lambda r: SME.get(r["sme_class"], r["sme_class"])),
    Column(_("Voucher type"), lambda r: r["voucher_type"], width=24),
    Column(_("Requested amount (EUR)"), lambda r: _decimal(r["amount"]), MONEY),
    Column(_("Status"), lambda r: STATUS.get(r["status"], r["status"])),
    Column(_("Version"), lambda r: r["number"], NUMBER, width=8),
    Column(_("Submitted at (Brussels)"), lambda r: r["submitted_at"], DATETIME),
]

# Without ``?call=``: every application of the user's Euroclusters (or of ``?eurocluster=``).
manager_export("applications", _("Applications"), rows=application_rows, per_call=False,
               columns=APPLICATION_COLUMNS, filters={"status": choice(Application.Status)})


# --- eligibility results, one column per rule -----------------------------------------------

def eligibility_rows(scope: Scope):
    results = (EligibilityResult.objects
               .filter(version_id=current_version_pk("version__application"))
               .exclude(version__application__status__in=(Application.Status.DRAFT,
                                                          Application.Status.WITHDRAWN))
               .select_related("version__application__call", "version__application__organisation",
                               "decided_by"))
    results = scope.scoped(results, "version__application__call__eurocluster_id",
                           "version__application__call_id")
    if "outcome" in scope.filters:
        results = results.filter(outcome=scope.filters["outcome"])
    if "rule" in scope.filters:
        # Like the page: the rule failed, or its check asks for a review.
        rule = scope.filters["rule"]
        results = [r for r in results if rule in r.failed_rules
                   or any(c["rule"] == rule and c["outcome"] != "pass" for c in r.checks)]
        return results
    return results.order_by("version__application_id")


def _check(rule: str):
    def accessor(result) -> str:
        return next((c["outcome"] for c in result.checks if c["rule"] == rule), "")
    return accessor


OUTCOME = dict(EligibilityResult.Outcome.choices)


def eligibility_columns(scope: Scope) -> list[Column]:
    rules = scope.call.eligibility_rules if scope.call is not None else None
    codes = [code for code in EligibilityRule.values if not rules or code in rules]
    return [
        Column(_("Reference"), lambda r: reference(r.version.application.call.reference,
                                                   r.version.application_id), width=22),
        Column(_("Acronym"), lambda r: r.version.application.acronym),
        Column(_("Enterprise"), lambda r: r.version.application.organisation.legal_name,
               width=30),
        Column(_("Outcome"), lambda r: OUTCOME.get(r.outcome, r.outcome), width=24),
        Column(_("Automatic outcome"), lambda r: OUTCOME.get(r.automatic_outcome,
                                                             r.automatic_outcome), width=24),
        *[Column(label, _check(code)) for code, label in EligibilityRule.choices
          if code in codes],
        Column(_("Decided by"), lambda r: _user(r.decided_by)),
        Column(_("Decided at (Brussels)"), lambda r: r.decided_at, DATETIME),
        Column(_("Justification"), lambda r: r.justification, width=40),
    ]


manager_export("eligibility", _("Eligibility"), rows=eligibility_rows,
               columns=eligibility_columns,
               filters={"outcome": choice(EligibilityResult.Outcome),
                        "rule": choice(EligibilityRule)})


# --- reviews and consensus, one column per criterion ------------------------------------------

def _criteria(scope: Scope) -> list[Criterion]:
    return list(Criterion.objects.filter(call=scope.call).order_by("position", "pk"))


def review_rows(scope: Scope):
    reviews = (Review.objects
               .select_related("assignment__application__organisation",
                               "assignment__application__call", "assignment__evaluator__user")
               .prefetch_related(Prefetch("scores", Score.objects.order_by("pk")))
               .order_by("assignment__application_id", "assignment_id"))
    return scope.scoped(reviews, "assignment__application__call__eurocluster_id",
                        "assignment__application__call_id")


def _score(criterion_id: int):
    def accessor(row):
        return next((s.score for s in row.scores.all() if s.criterion_id == criterion_id), None)
    return accessor


def review_columns(scope: Scope) -> list[Column]:
    return [
        Column(_("Reference"), lambda r: reference(r.assignment.application.call.reference,
                                                   r.assignment.application_id), width=22),
        Column(_("Acronym"), lambda r: r.assignment.application.acronym),
        Column(_("Enterprise"), lambda r: r.assignment.application.organisation.legal_name,
               width=30),
        Column(_("Evaluator"), lambda r: _user(r.assignment.evaluator.user), width=24),
        Column(_("Review status"), lambda r: r.get_status_display()),
        *[Column(c.name, _score(c.pk), NUMBER) for c in _criteria(scope)],
        Column(_("Weighted total"), lambda r: r.total, NUMBER),
        Column(_("Submitted at (Brussels)"), lambda r: r.submitted_at, DATETIME),
        Column(_("Overall comment"), lambda r: r.overall_comment, width=40),
    ]


manager_export("reviews", _("Reviews and scores"), rows=review_rows, columns=review_columns)


def consensus_rows(scope: Scope):
    rows = (Consensus.objects.select_related("application__organisation", "application__call",
                                             "recorded_by")
            .prefetch_related(Prefetch("scores", ConsensusScore.objects.order_by("pk")))
            .order_by("application_id"))
    return scope.scoped(rows, "application__call__eurocluster_id", "application__call_id")


def consensus_columns(scope: Scope) -> list[Column]:
    return [
        Column(_("Reference"), lambda r: reference(r.application.call.reference,
                                                   r.application_id), width=22),
        Column(_("Acronym"), lambda r: r.application.acronym),
        Column(_("Enterprise"), lambda r: r.application.organisation.legal_name, width=30),
        Column(_("Consensus status"), lambda r: r.get_status_display()),
        *[Column(c.name, _score(c.pk), NUMBER) for c in _criteria(scope)],
        Column(_("Weighted total"), lambda r: r.total, NUMBER),
        Column(_("Recorded by"), lambda r: _user(r.recorded_by)),
        Column(_("Recorded at (Brussels)"), lambda r: r.recorded_at, DATETIME),
        Column(_("Overall comment"), lambda r: r.overall_comment, width=40),
    ]


manager_export("consensus", _("Consensus"), rows=consensus_rows, columns=consensus_columns)


# --- ranking ----------------------------------------------------------------------------------

def ranking_rows(scope: Scope):
    rows = (RankingEntry.objects.select_related("application__organisation", "application__call",
                                                "application__voucher_type")
            .order_by(F("rank").asc(nulls_last=True), "reserve_position", "application_id"))
    return scope.scoped(rows, "ranking__call__eurocluster_id", "ranking__call_id")


manager_export("ranking", _("Ranking"), rows=ranking_rows, columns=[
    Column(_("Rank"), lambda r: r.rank, NUMBER, width=6),
    Column(_("Reference"), lambda r: reference(r.application.call.reference, r.application_id),
           width=22),
    Column(_("Acronym"), lambda r: r.application.acronym),
    Column(_("Enterprise"), lambda r: r.application.organisation.legal_name, width=30),
    Column(_("Country"), lambda r: str(r.application.organisation.country), width=8),
    Column(_("Voucher type"), lambda r: r.application.voucher_type.name
           if r.application.voucher_type else "", width=24),
    Column(_("Weighted total"), lambda r: r.total, NUMBER),
    Column(_("Amount (EUR)"), lambda r: r.amount, MONEY),
    Column(_("Outcome"), lambda r: r.get_outcome_display()),
    Column(_("Reserve position"), lambda r: r.reserve_position, NUMBER),
    Column(_("Note"), lambda r: r.note, width=40),
])


# --- agreements, tranches, payments, ledger ---------------------------------------------------

def agreement_rows(scope: Scope):
    rows = (GrantAgreement.objects.select_related("application__organisation",
                                                  "application__call",
                                                  "application__voucher_type")
            .order_by("application_id"))
    return scope.scoped(rows, "application__call__eurocluster_id", "application__call_id")


manager_export("agreements", _("Grant agreements"), rows=agreement_rows, columns=[
    Column(_("Reference"), lambda r: reference(r.application.call.reference, r.application_id),
           width=22),
    Column(_("Acronym"), lambda r: r.application.acronym),
    Column(_("Enterprise"), lambda r: r.application.organisation.legal_name, width=30),
    Column(_("Country"), lambda r: str(r.application.organisation.country), width=8),
    Column(_("Voucher type"), lambda r: r.application.voucher_type.name
           if r.application.voucher_type else "", width=24),
    Column(_("Grant (EUR)"), lambda r: r.amount, MONEY),
    Column(_("Status"), lambda r: r.get_status_display(), width=24),
    Column(_("Revision"), lambda r: r.revision, NUMBER, width=8),
    Column(_("Generated at (Brussels)"), lambda r: r.generated_at, DATETIME),
    Column(_("Sign by (Brussels)"), lambda r: r.signing_deadline, DATETIME),
])


def tranche_rows(scope: Scope):
    rows = (Tranche.objects.select_related("agreement__application__organisation",
                                           "agreement__application__call")
            .order_by("agreement__application_id", "position"))
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return scope.scoped(rows, "agreement__application__call__eurocluster_id",
                        "agreement__application__call_id")


finance_export("tranches", _("Tranches"), rows=tranche_rows, per_call=False, columns=[
    Column(_("Reference"), lambda r: reference(r.agreement.application.call.reference,
                                               r.agreement.application_id), width=22),
    Column(_("Enterprise"), lambda r: r.agreement.application.organisation.legal_name, width=30),
    Column(_("Tranche"), lambda r: r.position, NUMBER, width=8),
    Column(_("Share (%)"), lambda r: r.percentage, NUMBER, width=8),
    Column(_("Paid when"), lambda r: r.get_event_display(), width=24),
    Column(_("Amount (EUR)"), lambda r: r.amount, MONEY),
    Column(_("Status"), lambda r: r.get_status_display()),
    Column(_("Due since (Brussels)"), lambda r: r.due_at, DATETIME),
    Column(_("Approved at (Brussels)"), lambda r: r.approved_at, DATETIME),
], filters={"status": choice(Tranche.Status)})


def payment_rows(scope: Scope):
    rows = (Payment.objects.select_related("batch", "tranche__agreement__application__call",
                                           "tranche__agreement__application__organisation")
            .order_by("batch__created_at", "batch_id", "pk"))
    if "status" in scope.filters:
        rows = rows.filter(status=scope.filters["status"])
    return scope.scoped(rows, "batch__eurocluster_id", "tranche__agreement__application__call_id")


finance_export("payments", _("Payments"), rows=payment_rows, per_call=False, columns=[
    Column(_("Batch"), lambda r: r.batch.reference, width=24),
    Column(_("Execution date"), lambda r: r.batch.execution_date, DATE),
    Column(_("Reference"), lambda r: reference(r.tranche.agreement.application.call.reference,
                                               r.tranche.agreement.application_id), width=22),
    Column(_("Enterprise"), lambda r: r.tranche.agreement.application.organisation.legal_name,
           width=30),
    Column(_("Tranche"), lambda r: r.tranche.position, NUMBER, width=8),
    Column(_("Amount (EUR)"), lambda r: r.amount, MONEY),
    Column(_("Status"), lambda r: r.get_status_display()),
    Column(_("End-to-end id"), lambda r: r.end_to_end_id, width=30),
    Column(_("Bank reference"), lambda r: r.bank_reference, width=24),
    Column(_("Settled at (Brussels)"), lambda r: r.settled_at, DATETIME),
], filters={"status": choice(Payment.Status)})


def ledger_rows(scope: Scope):
    from calls.models import OpenCall  # noqa: PLC0415 -- keeps the imports above by app

    calls = scope.scoped(OpenCall.objects.select_related("eurocluster"), "eurocluster_id", "pk")
    return call_ledgers(list(calls.order_by("eurocluster__acronym", "reference")))


finance_export("ledger", _("Ledger"), rows=ledger_rows, per_call=False, columns=[
    Column(_("Eurocluster"), lambda r: r.call.eurocluster.acronym),
    Column(_("Call"), lambda r: r.call.reference, width=22),
    Column(_("Title"), lambda r: r.call.title, width=40),
    Column(_("Allocated (EUR)"), lambda r: r.allocated, MONEY),
    Column(_("Committed (EUR)"), lambda r: r.committed, MONEY),
    Column(_("Paid (EUR)"), lambda r: r.paid, MONEY),
    Column(_("Remaining (EUR)"), lambda r: r.remaining, MONEY),
    Column(_("To pay (EUR)"), lambda r: r.to_pay, MONEY),
])


# --- support activities and their participants -----------------------------------------------

def _activity_filters(rows, scope: Scope, prefix: str = ""):
    if "kind" in scope.filters:
        rows = rows.filter(**{f"{prefix}kind": scope.filters["kind"]})
    if "year" in scope.filters:
        rows = rows.filter(**{f"{prefix}starts_on__year": scope.filters["year"]})
    return rows


def activity_rows(scope: Scope):
    rows = (Activity.objects.select_related("eurocluster")
            .annotate(participant_count=Count("participants")).order_by("-starts_on", "-pk"))
    return _activity_filters(scope.scoped(rows, "eurocluster_id"), scope)


ACTIVITY_FILTERS = {"kind": choice(Activity.Kind), "year": year}

reader_export("activities", _("Support activities"), rows=activity_rows, per_call=False,
              filters=ACTIVITY_FILTERS, columns=[
    Column(_("Eurocluster"), lambda r: r.eurocluster.acronym),
    Column(_("Type"), lambda r: r.get_kind_display(), width=24),
    Column(_("Title"), lambda r: r.title, width=40),
    Column(_("First day"), lambda r: r.starts_on, DATE),
    Column(_("Last day"), lambda r: r.ends_on, DATE),
    Column(_("Place"), lambda r: _("online") if r.online else r.place, width=24),
    Column(_("Objective"), lambda r: r.get_objective_display(), width=24),
    Column(_("Participants"), lambda r: r.participant_count, NUMBER),
])


def participant_rows(scope: Scope):
    rows = (Participant.objects.select_related("activity__eurocluster")
            .order_by("-activity__starts_on", "activity_id", "name", "pk"))
    return _activity_filters(scope.scoped(rows, "activity__eurocluster_id"), scope, "activity__")


reader_export("participants", _("Activity participants"), rows=participant_rows,
               per_call=False, filters=ACTIVITY_FILTERS, columns=[
    Column(_("Eurocluster"), lambda r: r.activity.eurocluster.acronym),
    Column(_("Activity"), lambda r: r.activity.title, width=40),
    Column(_("Type"), lambda r: r.activity.get_kind_display(), width=24),
    Column(_("First day"), lambda r: r.activity.starts_on, DATE),
    Column(_("Participant"), lambda r: r.name, width=30),
    Column(_("Country"), lambda r: str(r.country), width=8),
    Column(_("Registration number"), lambda r: r.registration_number, width=22),
    Column(_("Known to the portal"), lambda r: _("yes") if r.organisation_id else _("no")),
])

