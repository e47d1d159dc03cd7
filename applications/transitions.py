"""The transition services of the applications app's state machines (see
``portal.transitions``): the application's and the clarification request's.

Each locks the row, checks the model's ``TRANSITIONS``, saves and audits; a repeated transition
is a no-op. Raises InvalidTransition.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from applications.models import Application, ClarificationRequest
from portal.transitions import transition, transition_rows_bulk


def application_transition(*, application: Application, to: str, by: Any, reason: str = "",
                           extra: Mapping[str, Any] | None = None,
                           savepoint: bool = True, locked: bool = False) -> Application:
    """The one way an application changes status: locks, checks the table, audits.

    Repeating a transition that already happened is a no-op. Raises InvalidTransition.
    ``savepoint=False`` for a caller whose transaction fails as a whole on any error, and
    ``locked=True`` when the caller has locked ``application`` itself in this transaction (see
    ``portal.transitions.transition``). When ``application`` comes with its call loaded, the
    audit line takes its Eurocluster from it instead of reading the call again.
    """
    known = application.call.eurocluster_id if Application.call.is_cached(application) else None
    updated, _changed = transition(model=Application, pk=application.pk, to=to,
                                   table=Application.TRANSITIONS, by=by, reason=reason,
                                   extra=extra, savepoint=savepoint,
                                   locked=application if locked else None, eurocluster_id=known)
    return updated


def application_transition_bulk(*, application_ids: Iterable[int], to: str, by: Any,
                                reason: str = "", extra: Mapping[str, Any] | None = None
                                ) -> list[int]:
    """``application_transition`` for the many applications of a whole-call operation (an
    assignment run, the publication of the results): the same table, locks and one audit
    record per application, in a few queries whatever their number. Applications already in
    ``to`` are left alone; if any other cannot go to ``to``, raises InvalidTransition and moves
    none. Returns the ids of the applications that moved."""
    return transition_rows_bulk(Application, application_ids, to=to, by=by, reason=reason,
                                extra=extra, scope="call__eurocluster_id")


def clarification_transition(*, request: ClarificationRequest, to: str, by: Any,
                             reason: str = "",
                             extra: Mapping[str, Any] | None = None) -> ClarificationRequest:
    """The one way a clarification request changes status (open, answered, closed): locks,
    checks ``ClarificationRequest.TRANSITIONS``, audits. A repeat is a no-op. Raises
    InvalidTransition."""
    updated, _changed = transition(model=ClarificationRequest, pk=request.pk, to=to,
                                   table=ClarificationRequest.TRANSITIONS, by=by, reason=reason,
                                   extra=extra)
    return updated
