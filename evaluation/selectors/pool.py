"""Reads of the evaluator pool and the assignment, with their relations loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from applications.models import Application
from applications.selectors import calls_managed_by
from calls.models import OpenCall
from euroclusters.rules import managed_eurocluster_ids
from evaluation.conflicts import _applications_with_members, call_exclusions, pool_members
from evaluation.models import Assignment, AssignmentRun, CallEvaluator
from evaluation.selectors.assignment import live_loads, load_bounds

# Proposals shown on the assignment page: those that reached evaluation or went through it.
ASSIGNMENT_STATUSES = (
    Application.Status.ELIGIBLE, Application.Status.UNDER_EVALUATION,
    Application.Status.EVALUATED, Application.Status.SELECTED, Application.Status.RESERVE,
    Application.Status.REJECTED,
)


def scoped(queryset: QuerySet, user, path: str) -> QuerySet:
    """``queryset`` narrowed to the Euroclusters ``user`` manages (``path``: the lookup of the
    row's Eurocluster id); all of it for a superuser."""
    managed = managed_eurocluster_ids(user)
    return queryset if managed is None else queryset.filter(**{f"{path}__in": managed})


def managed_calls(user) -> QuerySet[OpenCall]:
    return calls_managed_by(user)


def managed_runs(user) -> QuerySet[AssignmentRun]:
    return scoped(AssignmentRun.objects.select_related("call__eurocluster", "started_by"),
                   user, "call__eurocluster_id")


def managed_applications(user) -> QuerySet[Application]:
    return scoped(Application.objects.select_related("call__eurocluster", "organisation"),
                   user, "call__eurocluster_id")


def managed_pool_entries(user) -> QuerySet[CallEvaluator]:
    return scoped(CallEvaluator.objects.select_related("call__eurocluster", "user"),
                   user, "call__eurocluster_id")


def managed_assignments(user) -> QuerySet[Assignment]:
    return scoped(Assignment.objects.select_related(
        "application__call__eurocluster", "application__organisation", "evaluator__user"),
        user, "application__call__eurocluster_id")


def invitation_by_token(token: str) -> CallEvaluator | None:
    return (CallEvaluator.objects.select_related("call__eurocluster", "user")
            .filter(token=token).first())


def pool_of_call(call: OpenCall) -> QuerySet[CallEvaluator]:
    """Every member of the call's pool (all statuses) with the profile and the live load."""
    return (CallEvaluator.objects.filter(call=call)
            .select_related("user__evaluator_profile", "invited_by")
            .annotate(load=Count("assignments", filter=Q(assignments__status__in=Assignment.LIVE)))
            .order_by("user__full_name", "user__email", "pk"))


def latest_runs(call: OpenCall, limit: int = 5) -> list[AssignmentRun]:
    return list(AssignmentRun.objects.filter(call=call).select_related("started_by")
                .order_by("-created_at", "-pk")[:limit])


def active_run(call: OpenCall) -> AssignmentRun | None:
    return AssignmentRun.objects.filter(call=call, status__in=AssignmentRun.ACTIVE).first()


def applications_with_evaluators(call: OpenCall) -> QuerySet[Application]:
    """The call's proposals in evaluation (or past it), each with its assignments (live and
    declared conflicts) and their evaluators, in a fixed number of queries."""
    shown = (Assignment.objects
             .filter(status__in=(*Assignment.LIVE, Assignment.Status.CONFLICT))
             .select_related("evaluator__user").order_by("pk"))
    return (Application.objects.filter(call=call, status__in=ASSIGNMENT_STATUSES)
            .select_related("organisation")
            .prefetch_related(Prefetch("assignments", queryset=shown, to_attr="shown_assignments"))
            .order_by("pk"))


@dataclass
class PoolLoad:
    entry: CallEvaluator
    load: int
    minimum: int
    maximum: int

    @property
    def over(self) -> bool:
        return self.load > self.maximum

    @property
    def under(self) -> bool:
        return self.load < self.minimum


def pool_loads(call: OpenCall, entries: list[CallEvaluator]) -> list[PoolLoad]:
    """Load and bounds of each accepted member (``entries`` from ``pool_of_call``)."""
    result = []
    for entry in entries:
        if entry.status != CallEvaluator.Status.ACCEPTED:
            continue
        minimum, maximum = load_bounds(call, entry)
        result.append(PoolLoad(entry=entry, load=entry.load, minimum=minimum, maximum=maximum))
    return result


@dataclass
class Candidate:
    """A pool member as a candidate for one proposal: allowed, or excluded with the reasons."""

    entry: CallEvaluator
    load: int
    maximum: int
    affinity: int
    reasons: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.load >= self.maximum

    @property
    def allowed(self) -> bool:
        return not self.reasons and not self.full


def candidates(application: Application) -> list[Candidate]:
    """The accepted pool members not assigned to this proposal, allowed ones first (by affinity),
    then the excluded ones with why."""
    call = application.call
    assigned = set(Assignment.objects.filter(application=application,
                                             status__in=Assignment.LIVE)
                   .values_list("evaluator_id", flat=True))
    entries = [e for e in pool_members(call) if e.pk not in assigned]
    loads = live_loads(call)
    loaded = list(_applications_with_members(Application.objects.filter(pk=application.pk)))
    exclusions = call_exclusions(call=call, applications=loaded, call_evaluators=entries)
    result = []
    for entry in entries:
        reasons = (exclusions.reasons(application.pk, entry.pk)
                   if (application.pk, entry.pk) in exclusions.excluded else [])
        _minimum, maximum = load_bounds(call, entry)
        result.append(Candidate(entry=entry, load=loads[entry.pk], maximum=maximum,
                                affinity=exclusions.affinity(loaded[0], entry.pk),
                                reasons=reasons))
    result.sort(key=lambda c: (not c.allowed, -c.affinity, c.load,
                               c.entry.user.full_name or c.entry.user.email))
    return result


def expertise_choices(user) -> list[str]:
    """The union of the taxonomies of the calls the user is in the pool of, then their own
    expertise outside them, in order and without repeats (case-insensitive)."""
    taxonomies = (OpenCall.objects.filter(evaluators__user=user)
                  .exclude(evaluators__status__in=(CallEvaluator.Status.DECLINED,))
                  .values_list("expertise_taxonomy", flat=True).distinct())
    return distinct_texts(topic for taxonomy in taxonomies for topic in taxonomy or ())


def distinct_texts(values) -> list[str]:
    """``values`` as texts with their spaces tidied, in order, without empty ones nor repeats
    (case-insensitive: the first spelling stays)."""
    seen, result = set(), []
    for value in values or ():
        text = " ".join(str(value).split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result
