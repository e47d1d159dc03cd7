"""The one transition service of each evaluation state machine (see ``portal.transitions``).

Each locks the row, checks the model's ``TRANSITIONS`` table, saves and audits; a repeated
transition is a no-op. Raises InvalidTransition.
"""

from collections.abc import Mapping
from typing import Any

from evaluation.models import (
    Assignment,
    AssignmentRun,
    CallEvaluator,
    Consensus,
    Ranking,
    RedressRequest,
    Review,
)
from portal.transitions import transition


def _move(model, obj, to: str, by: Any, reason: str, extra: Mapping[str, Any] | None):
    updated, _changed = transition(model=model, pk=obj.pk, to=to, table=model.TRANSITIONS, by=by,
                                   reason=reason, extra=extra)
    return updated


def call_evaluator_transition(*, call_evaluator: CallEvaluator, to: str, by: Any,
                              reason: str = "", extra: Mapping[str, Any] | None = None
                              ) -> CallEvaluator:
    return _move(CallEvaluator, call_evaluator, to, by, reason, extra)


def assignment_run_transition(*, run: AssignmentRun, to: str, by: Any = None, reason: str = "",
                              extra: Mapping[str, Any] | None = None) -> AssignmentRun:
    return _move(AssignmentRun, run, to, by, reason, extra)


def assignment_transition(*, assignment: Assignment, to: str, by: Any, reason: str = "",
                          extra: Mapping[str, Any] | None = None) -> Assignment:
    return _move(Assignment, assignment, to, by, reason, extra)


def review_transition(*, review: Review, to: str, by: Any, reason: str = "",
                      extra: Mapping[str, Any] | None = None) -> Review:
    return _move(Review, review, to, by, reason, extra)


def consensus_transition(*, consensus: Consensus, to: str, by: Any, reason: str = "",
                         extra: Mapping[str, Any] | None = None) -> Consensus:
    return _move(Consensus, consensus, to, by, reason, extra)


def ranking_transition(*, ranking: Ranking, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Ranking:
    return _move(Ranking, ranking, to, by, reason, extra)


def redress_transition(*, redress: RedressRequest, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> RedressRequest:
    return _move(RedressRequest, redress, to, by, reason, extra)
