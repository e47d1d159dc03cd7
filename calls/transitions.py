"""The one transition service of the call state machine (see ``portal.transitions``).

It locks the row, checks ``OpenCall.TRANSITIONS``, saves and audits; a repeated transition is a
no-op. Raises InvalidTransition.
"""

from typing import Any

from calls.models import OpenCall
from portal.transitions import transition_row


def call_transition(*, call: OpenCall, to: str, by: Any, reason: str = "") -> OpenCall:
    """The one way a call changes status. Locks, checks the table, audits; repeat = no-op."""
    return transition_row(call, to=to, by=by, reason=reason)
