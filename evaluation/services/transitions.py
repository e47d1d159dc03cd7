"""The one transition service of each evaluation state machine (see ``portal.transitions``).

Each locks the row, checks the model's ``TRANSITIONS`` table, saves and audits; a repeated
transition is a no-op. Raises InvalidTransition.
"""

from collections.abc import Iterable, Mapping
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
from portal.transitions import transition_row, transition_rows_bulk


def call_evaluator_transition(*, call_evaluator: CallEvaluator, to: str, by: Any,
                              reason: str = "", extra: Mapping[str, Any] | None = None
                              ) -> CallEvaluator:
    return transition_row(call_evaluator, to=to, by=by, reason=reason, extra=extra)


def assignment_run_transition(*, run: AssignmentRun, to: str, by: Any = None, reason: str = "",
                              extra: Mapping[str, Any] | None = None) -> AssignmentRun:
    return transition_row(run, to=to, by=by, reason=reason, extra=extra)


def assignment_transition(*, assignment: Assignment, to: str, by: Any, reason: str = "",
                          extra: Mapping[str, Any] | None = None) -> Assignment:
    return transition_row(assignment, to=to, by=by, reason=reason, extra=extra)


def assignment_transition_bulk(*, assignment_ids: Iterable[int], to: str, by: Any,
                               reason: str = "", extra: Mapping[str, Any] | None = None
                               ) -> list[int]:
    """``assignment_transition`` for many assignments at once (an assignment run taking pairs
    off): the same table and locks, one audit record each. Raises InvalidTransition and moves
    none if any cannot go to ``to``; returns the ids of the assignments that moved."""
    return transition_rows_bulk(Assignment, assignment_ids, to=to, by=by, reason=reason,
                                extra=extra, scope="application__call__eurocluster_id")


def review_transition(*, review: Review, to: str, by: Any, reason: str = "",
                      extra: Mapping[str, Any] | None = None) -> Review:
    return transition_row(review, to=to, by=by, reason=reason, extra=extra)


def consensus_transition(*, consensus: Consensus, to: str, by: Any, reason: str = "",
                         extra: Mapping[str, Any] | None = None) -> Consensus:
    return transition_row(consensus, to=to, by=by, reason=reason, extra=extra)


def ranking_transition(*, ranking: Ranking, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> Ranking:
    return transition_row(ranking, to=to, by=by, reason=reason, extra=extra)


def redress_transition(*, redress: RedressRequest, to: str, by: Any, reason: str = "",
                       extra: Mapping[str, Any] | None = None) -> RedressRequest:
    return transition_row(redress, to=to, by=by, reason=reason, extra=extra)
