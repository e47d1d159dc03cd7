"""The one transition service of the call state machine (see ``portal.transitions``).

It locks the row, checks ``OpenCall.TRANSITIONS``, saves and audits; a repeated transition is a
no-op. Raises InvalidTransition. Publishing queues the call alerts.
"""

from typing import Any

from django.utils import timezone

from calls.models import OpenCall
from portal.queue import enqueue_on_commit
from portal.transitions import transition_row


def call_transition(*, call: OpenCall, to: str, by: Any, reason: str = "") -> OpenCall:
    """The one way a call changes status. Locks, checks the table, audits; repeat = no-op.

    Publishing stamps ``published_at`` and queues the call alerts to its subscribers (after
    commit; each is sent once, however often the call is published)."""
    publishing = to == OpenCall.Status.PUBLISHED
    call = transition_row(call, to=to, by=by, reason=reason,
                          extra={"published_at": timezone.now()} if publishing else None)
    if publishing:
        enqueue_on_commit("calls.queue_call_alerts", call_id=call.pk)
    return call
