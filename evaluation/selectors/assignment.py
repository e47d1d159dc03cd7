"""Reads of the assignment: an evaluator's load bounds in a call, the live loads of the call's
evaluators and the live assignments of its proposals, and the solver's problem as the database
stands (``assignment_plan``, for the runs of ``evaluation.services.assignment_runs``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from applications.models import Application
from calls.models import OpenCall
from evaluation import assignment as solver
from evaluation.conflicts import (
    _applications_with_members,
    call_exclusions,
    normalise_topics,
    pool_members,
)
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile

# Proposals a run assigns evaluators to, and whose evaluators a manager may change.
OPEN_FOR_ASSIGNMENT = (Application.Status.ELIGIBLE, Application.Status.UNDER_EVALUATION)
# Assignments a run may move: the evaluator has not declared yet.
MOVABLE = (Assignment.Status.ASSIGNED,)
# Assignments a run never moves: the evaluator declared no conflict, or submitted the review.
FIXED = (Assignment.Status.ACTIVE, Assignment.Status.SUBMITTED)


def evaluator_profile(call_evaluator: CallEvaluator) -> EvaluatorProfile | None:
    """The pool member's profile, or None when they have none (yet)."""
    try:
        return call_evaluator.user.evaluator_profile
    except EvaluatorProfile.DoesNotExist:
        return None


def evaluator_name(call_evaluator: CallEvaluator) -> str:
    return call_evaluator.user.get_full_name()


def load_bounds(call: OpenCall, call_evaluator: CallEvaluator) -> tuple[int, int]:
    """(minimum, maximum) proposals of this evaluator in this call: the pool entry's own bounds,
    else the call's minimum and the lower of the call's maximum and the evaluator's own maximum
    per call."""
    minimum = (call_evaluator.min_load if call_evaluator.min_load is not None
               else call.evaluator_min_load)
    if call_evaluator.max_load is not None:
        maximum = call_evaluator.max_load
    else:
        profile = evaluator_profile(call_evaluator)
        maximum = call.evaluator_max_load
        if profile is not None:
            maximum = min(maximum, profile.max_proposals_per_call)
    return minimum, maximum


def live_loads(call: OpenCall) -> Counter:
    """Live assignments per call evaluator of the call (one query)."""
    return Counter(Assignment.objects.filter(
        evaluator__call=call, status__in=Assignment.LIVE,
    ).values_list("evaluator_id", flat=True))


def assignment_counts(call: OpenCall) -> Counter:
    """Live assignments per application of the call (one query); 0 for one without any."""
    return Counter(Assignment.objects.filter(
        application__call=call, status__in=Assignment.LIVE,
    ).values_list("application_id", flat=True))


def lacks_evaluators(*, status: str, live: int, k: int) -> bool:
    """Whether a proposal in ``status`` with ``live`` live evaluators still needs some: it is
    open for assignment and has fewer than the call's k."""
    return status in OPEN_FOR_ASSIGNMENT and live < k


# --- the solver's problem ------------------------------------------------------------------


class _Id(int):
    """A primary key that the solver's messages name the way a person knows it."""

    label: str

    def __new__(cls, value: int, label: str):
        obj = super().__new__(cls, value)
        obj.label = label
        return obj

    def __format__(self, spec: str) -> str:
        return self.label if not spec else super().__format__(spec)

    def __str__(self) -> str:
        return self.label


def _application_id(application: Application) -> _Id:
    name = application.acronym or application.title or application.organisation.legal_name
    return _Id(application.pk, f"“{name}” (no. {application.pk})")


def _evaluator_id(call_evaluator: CallEvaluator) -> _Id:
    return _Id(call_evaluator.pk, evaluator_name(call_evaluator))


@dataclass
class AssignmentPlan:
    problem: solver.Problem
    applications: dict[int, Application]
    evaluators: dict[int, CallEvaluator]
    movable: dict[tuple[int, int], Assignment]  # live, not declared yet: the solver may move
    fixed_by_application: Counter
    affinity: dict[tuple[int, int], int]


def _affinities(applications: list[Application], exclusions) -> dict[tuple[int, int], int]:
    """The non-zero affinities, through an index of who knows each topic: proposals times
    their topics times the evaluators of each topic, not proposals times evaluators."""
    knows: dict[str, list[int]] = defaultdict(list)
    for evaluator_id, evaluator in exclusions.evaluators.items():
        for topic in normalise_topics(evaluator.expertise):
            knows[topic].append(evaluator_id)
    affinity: dict[tuple[int, int], int] = {}
    for application in applications:
        counts: Counter = Counter()
        for topic in normalise_topics(application.topics):
            counts.update(knows.get(topic, ()))
        for evaluator_id, value in counts.items():
            affinity[(application.pk, evaluator_id)] = value
    return affinity


def assignment_plan(call: OpenCall, *, with_minimum: bool) -> AssignmentPlan:
    """The solver's problem for ``call`` as the database stands, in a fixed number of
    queries: with the evaluators' minimum loads for a run, without them for a fill (which
    neither balances, since balancing could move standing pairs)."""
    applications = list(_applications_with_members(
        Application.objects.filter(call=call, status__in=OPEN_FOR_ASSIGNMENT).order_by("pk")))
    by_application = {a.pk: a for a in applications}
    evaluators = list(pool_members(call))
    by_evaluator = {e.pk: e for e in evaluators}
    exclusions = call_exclusions(call=call, applications=applications,
                                 call_evaluators=evaluators)
    rows = list(Assignment.objects.filter(evaluator__call=call)
                .exclude(status=Assignment.Status.CONFLICT)
                .select_related("application"))
    movable = {}
    fixed_by_application: Counter = Counter()
    fixed_by_evaluator: Counter = Counter()
    outside_by_evaluator: Counter = Counter()
    conflicts = set(exclusions.excluded)
    for row in rows:
        pair = (row.application_id, row.evaluator_id)
        if row.status == Assignment.Status.REMOVED:
            conflicts.add(pair)  # a person taken off a proposal stays off it
        elif row.application_id not in by_application:
            # A proposal already evaluated (or withdrawn): its live rows still take load.
            if row.application.status != Application.Status.WITHDRAWN:
                outside_by_evaluator[row.evaluator_id] += 1
            elif row.status in MOVABLE:
                movable[pair] = row  # removed below: it no longer stands
        elif row.status in FIXED:
            fixed_by_application[row.application_id] += 1
            fixed_by_evaluator[row.evaluator_id] += 1
            conflicts.add(pair)
        else:
            movable[pair] = row
    k = call.evaluators_per_application
    problem_applications = [solver.Application(_application_id(a),
                                               k - fixed_by_application[a.pk])
                            for a in applications if fixed_by_application[a.pk] < k]
    problem_evaluators = []
    for evaluator in evaluators:
        minimum, maximum = load_bounds(call, evaluator)
        taken = fixed_by_evaluator[evaluator.pk] + outside_by_evaluator[evaluator.pk]
        minimum = max(0, minimum - taken) if with_minimum else 0
        maximum = max(0, maximum - taken)
        problem_evaluators.append(solver.Evaluator(_evaluator_id(evaluator), min(minimum, maximum),
                                                   maximum))
    affinity = _affinities(applications, exclusions)
    problem = solver.Problem(
        applications=problem_applications, evaluators=problem_evaluators, per_application=k,
        affinity=affinity, conflicts=conflicts, existing=list(movable),
        # A fill only completes what is missing: balancing could move standing pairs.
        balanced=call.balance_loads and with_minimum,
    )
    return AssignmentPlan(problem=problem, applications=by_application, evaluators=by_evaluator,
                 movable=movable, fixed_by_application=fixed_by_application, affinity=affinity)
