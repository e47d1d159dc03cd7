"""The one mechanism behind every state machine of the portal.

Each stateful model declares its ``Status`` choices and a literal ``TRANSITIONS`` table; its app
exposes one ``<entity>_transition`` service that calls :func:`transition` inside a transaction.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.errors import InvalidTransition

M = TypeVar("M", bound=models.Model)


def transition(
    *,
    model: type[M],
    pk: int,
    to: str,
    table: Mapping[str, set[str]],
    by: Any,
    reason: str = "",
    field: str = "status",
    extra: Mapping[str, Any] | None = None,
    savepoint: bool = True,
) -> tuple[M, bool]:
    """Move row ``pk`` of ``model`` to state ``to``; return ``(row, changed)``.

    Locks the row, checks the table, saves the new state (and ``extra`` fields) and writes the
    audit record. Repeating a transition that already happened changes nothing and returns
    ``changed=False``. Raises InvalidTransition when the table does not allow the move.

    Inside a caller's transaction the transition runs in a savepoint, so that a caller can catch
    InvalidTransition and go on; ``savepoint=False`` spares the SAVEPOINT and RELEASE queries to
    a caller that lets every error fail its whole transaction.
    """
    with transaction.atomic(savepoint=savepoint):
        obj = model.objects.select_for_update().get(pk=pk)
        current = getattr(obj, field)
        if current == to:
            return obj, False
        if to not in table.get(current, set()):
            label = getattr(type(obj), "Status", None)
            names = dict(label.choices) if label is not None else {}
            raise InvalidTransition(
                _("This cannot go from “%(from)s” to “%(to)s”.")
                % {"from": names.get(current, current), "to": names.get(to, to)}
            )
        setattr(obj, field, to)
        update_fields = [field]
        for name, value in (extra or {}).items():
            setattr(obj, name, value)
            update_fields.append(name)
        if any(f.name == "updated_at" for f in obj._meta.get_fields()):
            update_fields.append("updated_at")
        obj.save(update_fields=update_fields)
        audit_record(subject=obj, action="transition", actor=by, from_state=current, to_state=to,
                     reason=reason)
        return obj, True


def transition_row(obj: M, *, to: str, by: Any, reason: str = "",
                   extra: Mapping[str, Any] | None = None) -> M:
    """:func:`transition` for a row whose model declares its ``TRANSITIONS`` table; returns the
    row as saved (a repeat returns it unchanged)."""
    model = type(obj)
    updated, _changed = transition(model=model, pk=obj.pk, to=to, table=model.TRANSITIONS, by=by,
                                   reason=reason, extra=extra)
    return updated
