"""The one transition service of the application state machine (see ``portal.transitions``).

It locks the row, checks ``Application.TRANSITIONS``, saves and audits; a repeated transition is
a no-op. Raises InvalidTransition.
"""

from collections.abc import Mapping
from typing import Any

from applications.models import Application
from portal.transitions import transition


def application_transition(*, application: Application, to: str, by: Any, reason: str = "",
                           extra: Mapping[str, Any] | None = None,
                           savepoint: bool = True) -> Application:
    """The one way an application changes status: locks, checks the table, audits.

    Repeating a transition that already happened is a no-op. Raises InvalidTransition.
    ``savepoint=False`` for a caller whose transaction fails as a whole on any error (see
    ``portal.transitions.transition``).
    """
    updated, _changed = transition(model=Application, pk=application.pk, to=to,
                                   table=Application.TRANSITIONS, by=by, reason=reason,
                                   extra=extra, savepoint=savepoint)
    return updated
