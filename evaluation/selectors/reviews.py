"""Reads of the evaluator's work and the consensus, with their relations loaded: the queue, the
proposal as submitted, the manager's overview, the submitted reviews of an application, their
disagreements, the consensus prefill and what the consensus waits for, and how a page names the
evaluators. The arithmetic is in ``evaluation.scoring``."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Attachment, BudgetLine
from applications.selectors import current_version
from calls.models import Criterion, OpenCall
from evaluation import scoring
from evaluation.models import Assignment, CallEvaluator, Review, Score
from evaluation.selectors.pool import managed_eurocluster_ids, scoped

# Applications that reach evaluation (or went through it): the others have nothing to review.
EVALUATED_STATUSES = (
    Application.Status.ELIGIBLE, Application.Status.UNDER_EVALUATION,
    Application.Status.EVALUATED, Application.Status.SELECTED, Application.Status.RESERVE,
    Application.Status.REJECTED, Application.Status.CONTRACTED, Application.Status.IN_PROGRESS,
    Application.Status.COMPLETED,
)


# --- the evaluator -------------------------------------------------------------------------------


def evaluation_deadline_passed(call: OpenCall, now=None) -> bool:
    """Whether the call's evaluation deadline (if it has one) is behind us: reviews can no longer
    be saved, submitted or reopened."""
    deadline = call.evaluation_deadline
    return deadline is not None and (now or timezone.now()) > deadline


@dataclass
class QueueCall:
    entry: CallEvaluator
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def call(self) -> OpenCall:
        return self.entry.call

    @property
    def live(self) -> list[Assignment]:
        return [a for a in self.assignments if a.status in Assignment.LIVE]

    @property
    def scored(self) -> int:
        return sum(1 for a in self.assignments if a.status == Assignment.Status.SUBMITTED)

    @property
    def total(self) -> int:
        return len(self.live)


def _evaluator_assignments(user) -> QuerySet[Assignment]:
    return (Assignment.objects
            .filter(evaluator__user=user, evaluator__status=CallEvaluator.Status.ACCEPTED)
            .select_related("evaluator", "application__call", "application__organisation",
                            "review", "application__consensus"))


def evaluator_queue(user) -> list[QueueCall]:
    """The user's calls as an accepted evaluator, newest first, each with its assignments
    (those of calls whose declaration is not accepted yet are left out). Two queries."""
    entries = list(CallEvaluator.objects.filter(user=user, status=CallEvaluator.Status.ACCEPTED)
                   .select_related("call").order_by("-call__closes_at", "pk"))
    calls = {entry.pk: QueueCall(entry) for entry in entries}
    declared = [entry.pk for entry in entries if entry.declaration_accepted_at is not None]
    if declared:
        for assignment in (_evaluator_assignments(user).filter(evaluator_id__in=declared)
                           .exclude(status=Assignment.Status.REMOVED)
                           .order_by("application__acronym", "application__pk")):
            calls[assignment.evaluator_id].assignments.append(assignment)
    return list(calls.values())


def evaluator_entry(user, call_pk: int) -> CallEvaluator | None:
    return (CallEvaluator.objects.filter(user=user, call_id=call_pk,
                                         status=CallEvaluator.Status.ACCEPTED)
            .select_related("call").first())


def evaluator_assignment(user, pk: int) -> Assignment | None:
    """The user's own assignment ``pk`` (any status) in a call where they are accepted."""
    return _evaluator_assignments(user).filter(pk=pk).first()


def next_assignment(user, after: Assignment) -> Assignment | None:
    """The next assignment of the queue still to score, after ``after`` (wrapping around)."""
    waiting = [a for q in evaluator_queue(user) for a in q.assignments
               if a.status in (Assignment.Status.ASSIGNED, Assignment.Status.ACTIVE)]
    if not waiting:
        return None
    ids = [a.pk for a in waiting]
    later = [a for a in waiting if a.pk != after.pk]
    if after.pk in ids:
        index = ids.index(after.pk)
        later = waiting[index + 1:] + waiting[:index]
    return later[0] if later else None


def review_with_scores(assignment: Assignment) -> Review | None:
    return (Review.objects.filter(assignment=assignment)
            .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related(
                "criterion"))).first())


def other_reviews(assignment: Assignment) -> list[Review]:
    """The submitted reviews of the same application by the other evaluators."""
    return list(Review.objects
                .filter(assignment__application_id=assignment.application_id,
                        assignment__status=Assignment.Status.SUBMITTED,
                        status=Review.Status.SUBMITTED)
                .exclude(assignment_id=assignment.pk)
                .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related(
                    "criterion")))
                .order_by("submitted_at", "pk"))


# --- the proposal as submitted ---------------------------------------------------------------


def proposal_content(application: Application) -> dict:
    """What the evaluator reads: the content of the latest submitted version (or, for an
    application without one, its current fields), budget categories in words."""
    version = current_version(application)
    categories = dict(BudgetLine.Category.choices)
    if version is not None:
        content = dict(version.content)
        content["version"] = version
    else:
        content = {
            "title": application.title, "acronym": application.acronym,
            "summary": application.summary, "sections": application.sections or {},
            "requested_amount": str(application.requested_amount or ""),
            "planned_start": (application.planned_start.isoformat()
                              if application.planned_start else None),
            "duration_months": application.duration_months,
            "voucher_type": str(application.voucher_type or ""),
            "budget_lines": [{"category": b.category, "description": b.description,
                              "amount": str(b.amount)} for b in application.budget_lines.all()],
            "members": [{"legal_name": m.legal_name, "country": str(m.country), "role": m.role,
                         "registration_number": m.registration_number}
                        for m in application.members.all()],
            "organisation": {"legal_name": application.organisation.legal_name,
                             "country": str(application.organisation.country)},
            "attachments": [{"id": a.pk, "name": a.original_name, "size": a.size,
                             "document": a.required_document.name if a.required_document
                             else None}
                            for a in application.attachments.filter(removed_at__isnull=True)
                            .select_related("required_document")],
            "version": None,
        }
    content["budget_lines"] = [{**line, "label": categories.get(line["category"],
                                                                line["category"])}
                               for line in content.get("budget_lines", [])]
    start = content.get("planned_start")
    content["planned_start_date"] = date.fromisoformat(start) if start else None
    content["section_rows"] = [
        {"title": s["title"], "text": (content.get("sections") or {}).get(s["key"], "")}
        for s in application.call.description_sections
    ]
    content.setdefault("topics", application.topics)
    return content


def proposal_attachment(application: Application, attachment_id: int) -> Attachment | None:
    """An attachment of the proposal as submitted (listed in its latest version), or None."""
    version = current_version(application)
    if version is not None:
        listed = {a.get("id") for a in version.content.get("attachments", [])}
        if attachment_id not in listed:
            return None
        return application.attachments.filter(pk=attachment_id).first()
    return application.attachments.filter(pk=attachment_id, removed_at__isnull=True).first()


def conflict_facts(application: Application) -> dict:
    """Only what an evaluator needs to judge a conflict: title, acronym, the applicant's and
    the partners' names."""
    content = proposal_content(application)
    return {
        "title": content.get("title") or application.title,
        "acronym": content.get("acronym") or application.acronym,
        "applicant": (content.get("organisation") or {}).get("legal_name")
        or application.organisation.legal_name,
        "members": [m["legal_name"] for m in content.get("members", [])],
    }


# --- the manager ---------------------------------------------------------------------------------


def calls_for_reviews(user) -> QuerySet[OpenCall]:
    """Calls of the Euroclusters ``user`` manages (all for a superuser)."""
    return scoped(OpenCall.objects.select_related("eurocluster"), user, "eurocluster_id")


def _with_reviews(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects
                 .select_related("evaluator__user", "review").order_by("pk")),
        Prefetch("assignments__review__scores", queryset=Score.objects.order_by(
            "criterion__position", "criterion_id")),
    )


def applications_for_consensus(user) -> QuerySet[Application]:
    """Applications whose consensus ``user`` may open: those of the Euroclusters they manage,
    and, for a rapporteur, those they reviewed themselves. Reviews and scores loaded."""
    queryset = Application.objects.select_related("call", "call__eurocluster", "organisation")
    if not user.is_authenticated:
        return queryset.none()
    managed = managed_eurocluster_ids(user)
    if managed is not None:
        rapporteur = Q(assignments__evaluator__user=user,
                       assignments__evaluator__is_rapporteur=True,
                       assignments__evaluator__status=CallEvaluator.Status.ACCEPTED,
                       assignments__evaluator__declaration_accepted_at__isnull=False,
                       assignments__status=Assignment.Status.SUBMITTED)
        ids = Application.objects.filter(Q(call__eurocluster_id__in=managed) | rapporteur)
        queryset = queryset.filter(pk__in=ids.values("pk"))
    return _with_reviews(queryset)


def reviews_overview(call: OpenCall) -> tuple[list[Application], list[Criterion]]:
    """The applications of ``call`` in (or past) evaluation with their assignments, reviews,
    scores and consensus, and the call's criteria. Four queries whatever the size."""
    applications = list(_with_reviews(
        Application.objects.filter(call=call, status__in=EVALUATED_STATUSES)
        .select_related("organisation", "consensus", "call")
        .order_by("acronym", "pk")))
    return applications, criteria_of(call)


# --- disagreements and consensus -----------------------------------------------------------------


def criteria_of(call: OpenCall) -> list[Criterion]:
    """The call's criteria in their order."""
    return list(call.criteria.order_by("position", "pk"))


@dataclass(frozen=True)
class Disagreement:
    criterion: Criterion
    lowest: Decimal
    highest: Decimal

    @property
    def spread(self) -> Decimal:
        return self.highest - self.lowest


def submitted_reviews(application: Application) -> list[Review]:
    """The submitted reviews of the application's live assignments, with their scores; uses
    what a selector prefetched (``assignments`` with ``review`` and ``review__scores``)."""
    reviews = []
    for assignment in application.assignments.all():
        if assignment.status != Assignment.Status.SUBMITTED:
            continue
        review = getattr(assignment, "review", None)
        if review is not None and review.status == Review.Status.SUBMITTED:
            reviews.append(review)
    return reviews


def _scores_by_criterion(reviews: Iterable[Review]) -> dict[int, list[Decimal]]:
    return scoring.scores_by_criterion(
        [(score.criterion_id, score.score) for score in review.scores.all()]
        for review in reviews)


def disagreements(application: Application, *, criteria: list[Criterion] | None = None,
                  reviews: list[Review] | None = None) -> list[Disagreement]:
    """The criteria whose submitted scores differ by more than the call's disagreement
    threshold. Pass ``criteria`` and ``reviews`` already loaded to spare the queries."""
    call = application.call
    criteria = criteria_of(call) if criteria is None else criteria
    reviews = submitted_reviews(application) if reviews is None else reviews
    by_criterion = _scores_by_criterion(reviews)
    found = []
    for criterion in criteria:
        values = by_criterion.get(criterion.pk, [])
        if scoring.spread_exceeds(values, call.disagreement_threshold):
            found.append(Disagreement(criterion, min(values), max(values)))
    return found


def consensus_prefill(application: Application, *, criteria: list[Criterion] | None = None,
                      reviews: list[Review] | None = None) -> dict[int, Decimal | None]:
    """Criterion id → the mean of the submitted scores rounded to the call's step (None when
    no review scored it)."""
    call = application.call
    criteria = criteria_of(call) if criteria is None else criteria
    reviews = submitted_reviews(application) if reviews is None else reviews
    by_criterion = _scores_by_criterion(reviews)
    return {criterion.pk: scoring.prefill(by_criterion.get(criterion.pk, []),
                                          step=call.score_step, max_score=criterion.max_score)
            for criterion in criteria}


def consensus_blockers(application: Application) -> list[str]:
    """Why the consensus of ``application`` cannot be recorded yet (empty: it can).

    It needs every live assignment submitted and at least two submitted reviews, and the
    application under evaluation. Uses prefetched ``assignments`` when there are.
    """
    reasons = []
    if application.status != Application.Status.UNDER_EVALUATION:
        reasons.append(_("The application is not under evaluation (it is “%(status)s”).")
                       % {"status": application.get_status_display()})
    live = [a for a in application.assignments.all() if a.status in Assignment.LIVE]
    done = [a for a in live if a.status == Assignment.Status.SUBMITTED]
    return reasons + scoring.consensus_count_blockers(live=len(live), submitted=len(done))


def reviewer_labels(reviews: Sequence[Review], *, viewer, application: Application) -> list[str]:
    """How a page names the evaluator of each review, in order: by name for someone who may see
    evaluators' names (``evaluation.see_evaluator_names``: the call's managers), "You" for the
    viewer's own review, else "Evaluator n" by its place in ``reviews``: evaluators are
    independent, and a name invites deference."""
    names_shown = viewer.has_perm("evaluation.see_evaluator_names", application)
    labels = []
    for n, review in enumerate(reviews, start=1):
        user = review.assignment.evaluator.user
        if names_shown:
            labels.append(user.get_full_name())
        elif user.pk == viewer.pk:
            labels.append(_("You"))
        else:
            labels.append(_("Evaluator %(n)d") % {"n": n})
    return labels
