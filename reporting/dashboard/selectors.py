"""Reads of the manager's dashboard: the action queue, the budget, the calls, the pipeline funnel
and who applies, for one Eurocluster (or one of its calls).

Every section is a fixed number of aggregate queries (``values()`` + ``annotate()`` over all the
calls at once), so the page costs the same number of queries with one call and one application
as with twenty calls and fifty thousand applications. The money comes from the payments ledger
(``payments.selectors.finance.call_ledgers``) so that the figures reconcile to the cent.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from applications.models import (
    Application,
    ApplicationVersion,
    EligibilityResult,
    Organisation,
    RelatedEnterprise,
)
from applications.sme import Figures, SmeClass, classify_enterprise
from calls.models import OpenCall
from euroclusters.models import Eurocluster, Membership, Objective
from euroclusters.rules import eurocluster_ids_in_scope, eurocluster_ids_with_role
from evaluation.models import Assignment, CallEvaluator, Consensus, Ranking, RedressRequest
from evaluation.scoring import MIN_REVIEWS_FOR_CONSENSUS
from payments.models import BankAccount, GrantAgreement, Payment, ProgressReport, Tranche
from payments.selectors.finance import (
    ZERO,
    CallLedger,
    EuroclusterLedger,
    Ledger,
    call_ledgers,
)
from portal.formats import BRUSSELS

SOON = timedelta(days=3)
SIGNED = (GrantAgreement.Status.COUNTERSIGNED, GrantAgreement.Status.CLOSED)
# Reached the end of the evaluation: a final consensus, and a place in the ranking or beyond.
EVALUATED = (Application.Status.EVALUATED, Application.Status.SELECTED,
             Application.Status.RESERVE, Application.Status.REJECTED,
             Application.Status.CONTRACTED, Application.Status.IN_PROGRESS,
             Application.Status.COMPLETED)
LEFT = (Application.Status.DRAFT, Application.Status.WITHDRAWN)  # not (or no longer) in the call
WHO_DIMENSIONS = ("country", "sme", "voucher", "objective")


# --- scope ------------------------------------------------------------------------------------


def dashboard_eurocluster_ids(user) -> frozenset[int] | None:
    """The Euroclusters whose dashboard ``user`` reads (manager or finance); None: all."""
    return eurocluster_ids_in_scope(user, Membership.Role.MANAGER, Membership.Role.FINANCE)


def dashboard_euroclusters(user) -> list[Eurocluster]:
    ids = dashboard_eurocluster_ids(user)
    queryset = Eurocluster.objects.order_by("acronym")
    return list(queryset if ids is None else queryset.filter(pk__in=ids))


def pick_eurocluster(euroclusters: list[Eurocluster], wanted: str | None) -> Eurocluster | None:
    """The Eurocluster named by ``?eurocluster=`` (its id or acronym, any case), the first one
    without it, None for a name outside the list."""
    if not wanted:
        return euroclusters[0] if euroclusters else None
    for eurocluster in euroclusters:
        if wanted == str(eurocluster.pk) or wanted.casefold() == eurocluster.acronym.casefold():
            return eurocluster
    return None


def roles_in(user, eurocluster: Eurocluster) -> set[str]:
    """``manager`` and/or ``finance``: which lines of the queue the user gets."""
    if user.is_superuser:
        return {"manager", "finance"}
    roles = set()
    if eurocluster.pk in eurocluster_ids_with_role(user, Membership.Role.MANAGER):
        roles.add("manager")
    if eurocluster.pk in eurocluster_ids_with_role(user, Membership.Role.FINANCE):
        roles.add("finance")
    return roles


def dashboard_calls(eurocluster: Eurocluster) -> QuerySet[OpenCall]:
    return (OpenCall.objects.filter(eurocluster=eurocluster).select_related("eurocluster",
                                                                            "ranking")
            .order_by("-opens_at", "pk"))


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Stage:
    code: str
    label: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class Milestone:
    label: str
    at: datetime | None
    done: bool = False


@dataclass
class CallFigures:
    call: OpenCall
    ledger: CallLedger
    funnel: list[Stage]
    requested: Decimal  # by the submitted applications (all but drafts and withdrawn)
    timeline: list[Milestone]
    curve: list[tuple[date, int, int]] = field(default_factory=list)  # day, started, submitted
    to_decide: int = 0  # eligibility results needing a manager's review (the rest: pending)
    to_countersign: int = 0  # agreements signed by the beneficiary

    @property
    def is_open(self) -> bool:
        return self.call.status == OpenCall.Status.OPEN

    @property
    def oversubscription(self) -> Decimal | None:
        """Requested ÷ budget, to two decimals (None without a budget)."""
        if not self.call.budget:
            return None
        return (self.requested / self.call.budget).quantize(Decimal("0.01"))

    @property
    def curve_slug(self) -> str:
        return f"curve-{self.call.pk}"

    @property
    def funnel_slug(self) -> str:
        return f"funnel-{self.call.pk}"

    def stage(self, code: str) -> Stage:
        return next(s for s in self.funnel if s.code == code)


@dataclass
class QueueLine:
    code: str
    text: str
    count: int
    url: str
    call: OpenCall | None = None
    note: str = ""


@dataclass
class Breakdown:
    """Applications and selected SMEs by one dimension: rows of (label, applied, selected)."""

    code: str
    title: str
    rows: list[tuple[str, int, int]]


@dataclass
class Dashboard:
    eurocluster: Eurocluster
    ledger: EuroclusterLedger
    calls: list[CallFigures]
    queue: list[QueueLine]
    who: list[Breakdown]
    now: datetime
    # Some calls only (a call's page): no Eurocluster-wide figures, which would count those only.
    partial: bool = False

    @property
    def ledger_rows(self) -> list[tuple[str, Ledger]]:
        calls = [(f.call.reference, f.ledger) for f in self.calls]
        return calls if self.partial else [(self.eurocluster.acronym, self.ledger), *calls]

    @property
    def total_funnel(self) -> list[Stage]:
        stages = [Stage(s.code, s.label) for s in self.calls[0].funnel] if self.calls else []
        for figures in self.calls:
            for total, stage in zip(stages, figures.funnel, strict=True):
                total.count += stage.count
                total.amount += stage.amount
        return stages


def _funnel_labels() -> list[tuple[str, str]]:
    return [("draft", _("Drafts")), ("submitted", _("Submitted")),
            ("eligible", _("Eligible")), ("ineligible", _("Not eligible")),
            ("to_review", _("Eligibility to review")), ("evaluated", _("Evaluated")),
            ("selected", _("Selected")), ("reserve", _("Reserve list")),
            ("rejected", _("Rejected")), ("contracted", _("Contracted")), ("paid", _("Paid"))]


def _status_sums(call_ids: list[int]) -> dict[int, dict[str, tuple[int, Decimal]]]:
    rows = (Application.objects.filter(call_id__in=call_ids).values("call_id", "status")
            .annotate(n=Count("pk"), total=Sum("requested_amount")).order_by())
    result: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for row in rows:
        result[row["call_id"]][row["status"]] = (row["n"], row["total"] or ZERO)
    return result


def latest_results(call_ids: list[int]) -> QuerySet[EligibilityResult]:
    """The result of the last submitted version of every application of the calls, whatever
    stage the application has reached since (as ``applications.selectors.call_eligibility_
    results``, for many calls at once); drafts and withdrawn applications left out."""
    latest = (ApplicationVersion.objects.filter(application=OuterRef("version__application"))
              .order_by("-number").values("pk")[:1])
    return (EligibilityResult.objects
            .filter(version__application__call_id__in=call_ids, version_id=Subquery(latest))
            .exclude(version__application__status__in=LEFT))


def _eligibility_sums(call_ids: list[int]) -> dict[int, dict[str, tuple[int, Decimal]]]:
    rows = (latest_results(call_ids)
            .values(call_id=F("version__application__call_id"), result=F("outcome"))
            .annotate(n=Count("pk"), total=Sum("version__application__requested_amount"))
            .order_by())
    result: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for row in rows:
        result[row["call_id"]][row["result"]] = (row["n"], row["total"] or ZERO)
    return result


def _agreement_sums(call_ids: list[int]) -> dict[int, dict]:
    signed, to_countersign = Q(status__in=SIGNED), Q(
        status=GrantAgreement.Status.SIGNED_BY_BENEFICIARY)
    rows = (GrantAgreement.objects.filter(application__call_id__in=call_ids)
            .values(call_id=F("application__call_id"))
            .annotate(contracted=Count("pk", filter=signed),
                      contracted_amount=Sum("amount", filter=signed),
                      to_countersign=Count("pk", filter=to_countersign))
            .order_by())
    return {row["call_id"]: row for row in rows}


def _paid_counts(call_ids: list[int]) -> dict[int, int]:
    """Applications with at least one payment marked paid (the amounts are the ledger's)."""
    rows = (Payment.objects.filter(status=Payment.Status.PAID,
                                   tranche__agreement__application__call_id__in=call_ids)
            .values(call_id=F("tranche__agreement__application__call_id"))
            .annotate(n=Count("tranche__agreement__application_id", distinct=True)).order_by())
    return {row["call_id"]: row["n"] for row in rows}


def _pair(sums: dict[str, tuple[int, Decimal]], *codes: str) -> tuple[int, Decimal]:
    count, amount = 0, ZERO
    for code in codes:
        n, total = sums.get(code, (0, ZERO))
        count, amount = count + n, amount + total
    return count, amount


def _funnel(status: dict, eligibility: dict, agreements: dict, paid_count: int,
            ledger: CallLedger) -> list[Stage]:
    Outcome = EligibilityResult.Outcome
    values = {
        "draft": _pair(status, Application.Status.DRAFT),
        "submitted": _pair(status, *Application.IN_CALL),
        "eligible": _pair(eligibility, Outcome.ELIGIBLE),
        "ineligible": _pair(eligibility, Outcome.INELIGIBLE),
        "to_review": _pair(eligibility, Outcome.NEEDS_REVIEW, Outcome.PENDING),
        "evaluated": _pair(status, *EVALUATED),
        "selected": _pair(status, *Application.FUNDED),
        "reserve": _pair(status, Application.Status.RESERVE),
        "rejected": _pair(status, Application.Status.REJECTED),
        "contracted": (agreements.get("contracted", 0),
                       agreements.get("contracted_amount") or ZERO),
        "paid": (paid_count, ledger.paid),
    }
    return [Stage(code, label, *values[code]) for code, label in _funnel_labels()]


def _timeline(call: OpenCall, now: datetime) -> list[Milestone]:
    ranking = getattr(call, "ranking", None)
    results = ranking.published_at if ranking is not None else None
    signing = results + timedelta(days=call.signing_days) if results else None
    steps = [(_("Opening"), call.opens_at), (_("Deadline"), call.closes_at),
             (_("Evaluation deadline"), call.evaluation_deadline), (_("Results"), results),
             (_("Signing until"), signing)]
    return [Milestone(label, at, done=at is not None and at <= now) for label, at in steps]


def _curves(calls: list[OpenCall]) -> dict[int, list[tuple[date, int, int]]]:
    """Per open call, by Brussels day up to today or the deadline: applications started and
    applications submitted at least once, cumulated. Two queries for all the open calls."""
    ids = [c.pk for c in calls if c.status == OpenCall.Status.OPEN]
    started: dict[int, Counter] = defaultdict(Counter)
    submitted: dict[int, Counter] = defaultdict(Counter)
    if ids:
        for row in (Application.objects.filter(call_id__in=ids)
                    .exclude(status=Application.Status.WITHDRAWN)
                    .values("call_id", day=TruncDate("created_at", tzinfo=BRUSSELS))
                    .annotate(n=Count("pk")).order_by()):
            started[row["call_id"]][row["day"]] += row["n"]
        for row in (ApplicationVersion.objects.filter(application__call_id__in=ids, number=1)
                    .exclude(application__status=Application.Status.WITHDRAWN)
                    .values(call_id=F("application__call_id"),
                            day=TruncDate("submitted_at", tzinfo=BRUSSELS))
                    .annotate(n=Count("pk")).order_by()):
            submitted[row["call_id"]][row["day"]] += row["n"]
    curves = {}
    for call in calls:
        if call.pk not in ids:
            continue
        days = sorted(set(started[call.pk]) | set(submitted[call.pk]))
        total_started = total_submitted = 0
        points = []
        for day in days:
            total_started += started[call.pk][day]
            total_submitted += submitted[call.pk][day]
            points.append((day, total_started, total_submitted))
        curves[call.pk] = points
    return curves


def call_figures(calls: list[OpenCall], *, now: datetime) -> list[CallFigures]:
    """The figures of each call: ledger (3 queries), funnel (4), curves (2)."""
    ids = [c.pk for c in calls]
    ledgers = call_ledgers(calls)
    status, eligibility = _status_sums(ids), _eligibility_sums(ids)
    agreements, paid = _agreement_sums(ids), _paid_counts(ids)
    curves = _curves(calls)
    result = []
    for call, ledger in zip(calls, ledgers, strict=True):
        funnel = _funnel(status.get(call.pk, {}), eligibility.get(call.pk, {}),
                         agreements.get(call.pk, {}), paid.get(call.pk, 0), ledger)
        requested = _pair(status.get(call.pk, {}), *Application.IN_CALL)[1]
        to_decide = _pair(eligibility.get(call.pk, {}), EligibilityResult.Outcome.NEEDS_REVIEW)[0]
        result.append(CallFigures(call=call, ledger=ledger, funnel=funnel, requested=requested,
                                  timeline=_timeline(call, now), curve=curves.get(call.pk, []),
                                  to_decide=to_decide, to_countersign=agreements.get(
                                      call.pk, {}).get("to_countersign", 0)))
    return result


# --- the action queue -------------------------------------------------------------------------


def _by_call(queryset: QuerySet, path: str, **annotations) -> dict[int, dict]:
    rows = queryset.values(for_call=F(path)).annotate(**annotations).order_by()
    return {row["for_call"]: row for row in rows}


def _days_left(deadline: datetime, now: datetime) -> int:
    return (deadline.astimezone(BRUSSELS).date() - now.astimezone(BRUSSELS).date()).days


def manager_queue(calls: list[OpenCall], figures: list[CallFigures], *,
                  now: datetime) -> list[QueueLine]:
    """What the manager has to do in the calls: five queries (the eligibility and agreement
    counts come from the funnel's, the ranking from the calls')."""
    ids = [c.pk for c in calls]
    invited = _by_call(CallEvaluator.objects.filter(call_id__in=ids,
                                                    status=CallEvaluator.Status.INVITED),
                       "call_id", n=Count("pk"))
    waiting = (Assignment.Status.ASSIGNED, Assignment.Status.ACTIVE)
    reviews = _by_call(
        Assignment.objects.filter(application__call_id__in=ids, status__in=waiting,
                                  application__call__evaluation_deadline__lte=now + SOON),
        "application__call_id",
        overdue=Count("pk", filter=Q(application__call__evaluation_deadline__lt=now)),
        soon=Count("pk", filter=Q(application__call__evaluation_deadline__gte=now)))
    ready = Counter(
        Application.objects.filter(call_id__in=ids, status=Application.Status.UNDER_EVALUATION)
        .exclude(Exists(Consensus.objects.filter(application=OuterRef("pk"),
                                                 status=Consensus.Status.FINAL)))
        .annotate(live=Count("assignments", filter=Q(assignments__status__in=Assignment.LIVE)),
                  done=Count("assignments", filter=Q(
                      assignments__status=Assignment.Status.SUBMITTED)))
        .filter(done__gte=MIN_REVIEWS_FOR_CONSENSUS, live=F("done"))
        .values_list("call_id", flat=True))
    redress: dict[int, list[datetime]] = defaultdict(list)
    for call_id, filed_at, days in (RedressRequest.objects
                                    .filter(application__call_id__in=ids,
                                            status=RedressRequest.Status.FILED)
                                    .values_list("application__call_id", "filed_at",
                                                 "application__call__redress_days")):
        redress[call_id].append(filed_at + timedelta(days=days))
    reports = _by_call(ProgressReport.objects.filter(agreement__application__call_id__in=ids,
                                                     status=ProgressReport.Status.SUBMITTED),
                       "agreement__application__call_id", n=Count("pk"))
    lines: list[QueueLine] = []
    for call, item in zip(calls, figures, strict=True):
        pk = call.pk

        def add(code, count, text, url, note="", call=call):
            if count:
                lines.append(QueueLine(code=code, text=text, count=count, url=url, call=call,
                                       note=note))

        to_decide = item.to_decide
        add("eligibility", to_decide,
            ngettext("eligibility case to decide", "eligibility cases to decide", to_decide),
            reverse("applications:manage_call_eligibility", args=[pk]) + "?outcome=needs_review")
        n = invited.get(pk, {}).get("n", 0)
        add("invitations", n, ngettext("evaluator has not answered the invitation",
                                       "evaluators have not answered the invitation", n),
            reverse("evaluation:manage_pool", args=[pk]))
        row = reviews.get(pk, {})
        n = row.get("overdue", 0)
        add("reviews_overdue", n, ngettext("review overdue", "reviews overdue", n),
            reverse("evaluation:manage_reviews", args=[pk]))
        n = row.get("soon", 0)
        add("reviews_soon", n, ngettext("review due within 3 days",
                                        "reviews due within 3 days", n),
            reverse("evaluation:manage_reviews", args=[pk]),
            note=call.evaluation_deadline and _("due %(days)s day(s) from now") % {
                "days": _days_left(call.evaluation_deadline, now)} or "")
        n = ready[pk]
        add("consensus", n, ngettext("proposal ready for consensus",
                                     "proposals ready for consensus", n),
            reverse("evaluation:manage_reviews", args=[pk]))
        ranking = getattr(call, "ranking", None)
        n = int(ranking is not None and ranking.status == Ranking.Status.DRAFT
                and ranking.computed_at is not None)
        add("ranking", n, _("ranking to approve"), reverse("evaluation:manage_ranking",
                                                           args=[pk]))
        deadlines = redress[pk]
        n = len(deadlines)
        add("redress", n, ngettext("redress request to answer", "redress requests to answer", n),
            reverse("evaluation:manage_ranking", args=[pk]) + "#redress-requests",
            note=deadlines and _("%(days)d day(s) left for the oldest") % {
                "days": _days_left(min(deadlines), now)} or "")
        n = item.to_countersign
        add("countersign", n, ngettext("agreement to countersign", "agreements to countersign",
                                       n), reverse("payments:manage_agreements", args=[pk]))
        n = reports.get(pk, {}).get("n", 0)
        add("reports", n, ngettext("report to review", "reports to review", n),
            reverse("payments:manage_reports", args=[pk]))
    return lines


def finance_queue(eurocluster: Eurocluster) -> list[QueueLine]:
    """What the finance officer has to do in the Eurocluster: two queries."""
    signed = GrantAgreement.objects.filter(
        application__organisation=OuterRef("organisation"),
        status__in=(GrantAgreement.Status.SIGNED_BY_BENEFICIARY, *SIGNED),
        application__call__eurocluster=eurocluster)
    bank = (BankAccount.objects.filter(status=BankAccount.Status.PENDING)
            .filter(Exists(signed)).count())
    tranches = Tranche.objects.filter(
        agreement__application__call__eurocluster=eurocluster).aggregate(
        due=Count("pk", filter=Q(status=Tranche.Status.DUE)),
        due_amount=Sum("amount", filter=Q(status=Tranche.Status.DUE)),
        failed=Count("pk", filter=Q(status=Tranche.Status.FAILED)))
    lines = []
    if bank:
        lines.append(QueueLine("bank", ngettext("change of bank details to decide",
                                                "changes of bank details to decide", bank),
                               bank, reverse("payments:finance_bank_changes")))
    if tranches["due"]:
        lines.append(QueueLine("tranches", ngettext("tranche due for approval",
                                                    "tranches due for approval",
                                                    tranches["due"]),
                               tranches["due"], reverse("payments:finance")))
    if tranches["failed"]:
        lines.append(QueueLine("failed", ngettext("failed payment", "failed payments",
                                                  tranches["failed"]),
                               tranches["failed"], reverse("payments:batches")))
    return lines


# --- who applies ------------------------------------------------------------------------------


def who_applies(call_ids: list[int], *, applications: QuerySet[Application] | None = None,
                ) -> list[Breakdown]:
    """Submitted applications and selected SMEs by country, SME class, voucher type and the
    Eurocluster objective of the voucher type.

    The SME class is computed in Python (``applications.sme``) as everywhere else, once per
    distinct set of figures: the applications of enterprises without partner or linked
    enterprises come grouped by country, voucher type (with its objective), status and figures
    (one query, as many rows as distinct groups); those of the few with related enterprises come
    one by one with their enterprise and its related enterprises (two more queries when there
    are some)."""
    if applications is None:  # the reporting pack passes those submitted in its period
        applications = Application.objects.filter(call_id__in=call_ids,
                                                   status__in=Application.IN_CALL)
    related = RelatedEnterprise.objects.filter(organisation=OuterRef("organisation"))
    grouped = (applications.exclude(Exists(related))
               .values("organisation__country", "voucher_type__name",
                       "voucher_type__objective", "status",
                       "organisation__staff_headcount", "organisation__annual_turnover",
                       "organisation__balance_sheet_total")
               .annotate(n=Count("pk")).order_by())
    rows: list[tuple[str, str | None, str | None, str, SmeClass, int]] = []
    classes: dict[tuple, SmeClass] = {}
    for row in grouped:
        figures = (row["organisation__staff_headcount"], row["organisation__annual_turnover"],
                   row["organisation__balance_sheet_total"])
        if figures not in classes:
            classes[figures] = classify_enterprise(Figures(*figures))
        rows.append((row["organisation__country"], row["voucher_type__name"],
                     row["voucher_type__objective"], row["status"], classes[figures],
                     row["n"]))
    for application in (applications.filter(Exists(related))
                        .select_related("organisation", "voucher_type")
                        .prefetch_related("organisation__related_enterprises")):
        voucher_type = application.voucher_type
        rows.append((application.organisation.country.code,
                     voucher_type.name if voucher_type else None,
                     voucher_type.objective if voucher_type else None,
                     application.status, application.organisation.sme_class, 1))
    labels = Organisation.SME_LABELS
    names = dict(countries)
    objectives = dict(Objective.choices)
    counts = {code: defaultdict(lambda: [0, 0]) for code in WHO_DIMENSIONS}
    for country, voucher, objective, status, sme_class, n in rows:
        funded = n if status in Application.FUNDED else 0
        keys = {"country": str(names.get(country, country)), "sme": str(labels[sme_class]),
                "voucher": voucher or _("No voucher type"),
                "objective": str(objectives[objective]) if objective else _("No objective")}
        for dimension, key in keys.items():
            counts[dimension][key][0] += n
            counts[dimension][key][1] += funded
    titles = {"country": _("By country"), "sme": _("By SME class"),
              "voucher": _("By voucher type"), "objective": _("By Eurocluster objective")}
    return [Breakdown(code, titles[code], sorted(
        ((label, applied, selected) for label, (applied, selected) in counts[code].items()),
        key=lambda row: (-row[1], row[0]))) for code in WHO_DIMENSIONS]


# --- the page ---------------------------------------------------------------------------------


def dashboard(*, eurocluster: Eurocluster, user, calls: list[OpenCall] | None = None,
              now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for ``eurocluster`` (or for ``calls`` of it only: then
    without the Eurocluster's finance lines in the queue)."""
    now = now or timezone.now()
    whole = calls is None
    calls = list(dashboard_calls(eurocluster)) if calls is None else calls
    figures = call_figures(calls, now=now)
    roles = roles_in(user, eurocluster)
    queue = manager_queue(calls, figures, now=now) if "manager" in roles else []
    if "finance" in roles and whole:
        queue += finance_queue(eurocluster)
    ledger = EuroclusterLedger(
        eurocluster=eurocluster, calls=[f.ledger for f in figures],
        allocated=eurocluster.cascade_budget,
        committed=sum((f.ledger.committed for f in figures), ZERO),
        paid=sum((f.ledger.paid for f in figures), ZERO))
    return Dashboard(eurocluster=eurocluster, ledger=ledger, calls=figures, queue=queue,
                     who=who_applies([c.pk for c in calls]), now=now, partial=not whole)


def portal_summary(euroclusters: list[Eurocluster]) -> list[EuroclusterLedger]:
    """For a superuser: the ledger of each of ``euroclusters`` (four queries)."""
    calls = list(OpenCall.objects.filter(eurocluster__in=euroclusters)
                 .select_related("eurocluster").order_by("eurocluster_id", "reference"))
    by_eurocluster: dict[int, list[CallLedger]] = defaultdict(list)
    for ledger in call_ledgers(calls):
        by_eurocluster[ledger.call.eurocluster_id].append(ledger)
    return [EuroclusterLedger(eurocluster=e, calls=by_eurocluster[e.pk],
                              allocated=e.cascade_budget,
                              committed=sum((c.committed for c in by_eurocluster[e.pk]), ZERO),
                              paid=sum((c.paid for c in by_eurocluster[e.pk]), ZERO))
            for e in euroclusters]


def dashboard_calls_all() -> QuerySet[OpenCall]:
    return OpenCall.objects.select_related("eurocluster", "ranking")
