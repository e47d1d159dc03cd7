"""The one transition service of the Export state machine (``Export.TRANSITIONS``)."""

from collections.abc import Mapping
from typing import Any

from portal.transitions import transition_row
from reporting.models import Export


def export_transition(*, export: Export, to: str, by: Any = None, reason: str = "",
                      extra: Mapping[str, Any] | None = None) -> Export:
    """Move ``export`` to ``to`` under a row lock, with the audit record; a repeat is a no-op.
    Raises InvalidTransition when the table does not allow the move. ``by`` is None for the
    task and the beat sweep (the system)."""
    return transition_row(export, to=to, by=by, reason=reason, extra=extra)
