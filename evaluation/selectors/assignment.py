"""Reads of the assignment: an evaluator's load bounds in a call, the live loads of the call's
evaluators and the live assignments of its proposals."""

from __future__ import annotations

from collections import Counter

from applications.models import Application
from calls.models import OpenCall
from evaluation.models import Assignment, CallEvaluator, EvaluatorProfile

# Proposals a run assigns evaluators to, and whose evaluators a manager may change.
OPEN_FOR_ASSIGNMENT = (Application.Status.ELIGIBLE, Application.Status.UNDER_EVALUATION)


def evaluator_profile(call_evaluator: CallEvaluator) -> EvaluatorProfile | None:
    """The pool member's profile, or None when they have none (yet)."""
    try:
        return call_evaluator.user.evaluator_profile
    except EvaluatorProfile.DoesNotExist:
        return None


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
