"""Reads of the evaluator's work and the consensus, with their relations loaded."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from applications.models import Application, Attachment, BudgetLine
from calls.models import Criterion, OpenCall
from evaluation.models import Assignment, CallEvaluator, Review, Score
from evaluation.selectors.pool import managed_eurocluster_ids

# Applications that reach evaluation (or went through it): the others have nothing to review.
EVALUATED_STATUSES = (
    Application.Status.ELIGIBLE, Application.Status.UNDER_EVALUATION,
    Application.Status.EVALUATED, Application.Status.SELECTED, Application.Status.RESERVE,
    Application.Status.REJECTED, Application.Status.CONTRACTED, Application.Status.IN_PROGRESS,
    Application.Status.COMPLETED,
)


# --- the evaluator -------------------------------------------------------------------------------


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
    version = application.versions.order_by("-number").first()
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
    version = application.versions.order_by("-number").first()
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
    queryset = OpenCall.objects.select_related("eurocluster")
    managed = managed_eurocluster_ids(user)
    return queryset if managed is None else queryset.filter(eurocluster_id__in=managed)


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
    criteria = list(call.criteria.order_by("position", "pk"))
    return applications, criteria
