"""The one mechanism behind every state machine of the portal.

Each stateful model declares its ``Status`` choices and a literal ``TRANSITIONS`` table; its app
exposes one ``<entity>_transition`` service that calls :func:`transition` inside a transaction.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.errors import InvalidTransition
from portal.models import AuditEntry
from portal.prepared import PreparedRead

M = TypeVar("M", bound=models.Model)


def check_allowed(*, model: type[models.Model], current: str, to: str,
                  table: Mapping[str, set[str]], label: str = "") -> None:
    """The rule of every transition, single or in bulk: raise InvalidTransition unless the table
    allows ``current`` -> ``to`` (a repeat, ``current == to``, is the caller's no-op).
    ``label`` names the row in the message (a bulk transition says which row refused)."""
    if to in table.get(current, set()):
        return
    status = getattr(model, "Status", None)
    names = dict(status.choices) if status is not None else {}
    message = (_("This cannot go from “%(from)s” to “%(to)s”.")
               % {"from": names.get(current, current), "to": names.get(to, to)})
    raise InvalidTransition(f"{label}: {message}" if label else message)


def _has_updated_at(model: type[models.Model]) -> bool:
    return any(f.name == "updated_at" for f in model._meta.get_fields())


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
    locked: M | None = None,
    eurocluster_id: int | None = None,
) -> tuple[M, bool]:
    """Move row ``pk`` of ``model`` to state ``to``; return ``(row, changed)``.

    Locks the row, checks the table, saves the new state (and ``extra`` fields) and writes the
    audit record. Repeating a transition that already happened changes nothing and returns
    ``changed=False``. Raises InvalidTransition when the table does not allow the move.

    Inside a caller's transaction the transition runs in a savepoint, so that a caller can catch
    InvalidTransition and go on; ``savepoint=False`` spares the SAVEPOINT and RELEASE queries to
    a caller that lets every error fail its whole transaction. ``locked`` is the row when the
    caller has locked it already in this transaction (``select_for_update``, as a submission
    does): it is used as it is, not read again. ``eurocluster_id`` is the row's Eurocluster when
    the caller has it at hand: the audit line then does not load it (the re-read row has none of
    the caller's related rows loaded).
    """
    with transaction.atomic(savepoint=savepoint):
        if locked is not None:
            if locked.pk != pk:
                raise ValueError(f"locked is row {locked.pk}, not {pk}")
            obj = locked
        else:
            obj = _locked_row(model, pk)
        current = getattr(obj, field)
        if current == to:
            return obj, False
        check_allowed(model=model, current=current, to=to, table=table)
        setattr(obj, field, to)
        update_fields = [field]
        for name, value in (extra or {}).items():
            setattr(obj, name, value)
            update_fields.append(name)
        if _has_updated_at(model):
            update_fields.append("updated_at")
        obj.save(update_fields=update_fields)
        audit_record(subject=obj, action="transition", actor=by, from_state=current, to_state=to,
                     reason=reason, eurocluster_id=eurocluster_id)
        return obj, True


# Per model, the locked read of one row by its key, its SQL compiled once (portal.prepared):
# the worker moves every submission of the deadline rush once checked.
_LOCKED_ROWS: dict[type[models.Model], PreparedRead] = {}


def _locked_row(model: type[M], pk: Any) -> M:
    """Row ``pk`` of ``model``, locked (``select_for_update``); raises ``model.DoesNotExist``."""
    if type(pk) is not int:
        return model.objects.select_for_update().get(pk=pk)
    read = _LOCKED_ROWS.get(model)
    if read is None:
        read = _LOCKED_ROWS[model] = PreparedRead(
            lambda pk: model.objects.select_for_update().filter(pk=pk), "pk")
    row = read.first(pk=pk)
    if row is None:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return row


def transition_row(obj: M, *, to: str, by: Any, reason: str = "",
                   extra: Mapping[str, Any] | None = None) -> M:
    """:func:`transition` for a row whose model declares its ``TRANSITIONS`` table; returns the
    row as saved (a repeat returns it unchanged)."""
    model = type(obj)
    updated, _changed = transition(model=model, pk=obj.pk, to=to, table=model.TRANSITIONS, by=by,
                                   reason=reason, extra=extra)
    return updated


def transition_bulk(
    *,
    model: type[M],
    pks: Iterable[int],
    to: str,
    table: Mapping[str, set[str]],
    by: Any,
    reason: str = "",
    field: str = "status",
    extra: Mapping[str, Any] | None = None,
    scope: str = "",
    batch_size: int = 1000,
) -> list[int]:
    """:func:`transition` for many rows of ``model`` at once; return the ids of those that moved.

    The same rules as the single path, for a whole-call operation that moves thousands of rows:
    every row is locked (in primary-key order, the order every bulk caller takes, so two never
    deadlock), each is checked against the table with :func:`check_allowed`, and if any row
    refuses, InvalidTransition (naming the row) is raised before anything is written. Rows
    already in ``to`` are left alone (the no-op of a repeat). The others get the new state (and
    ``extra``, the same values for every row) in one UPDATE per batch, and exactly one audit
    record each (action ``transition``, from, to, actor, reason, the row's Eurocluster), written
    with ``bulk_create``.

    Only the ids, states and ``scope`` (the lookup of the row's Eurocluster id, the column its
    ``scope_eurocluster_id`` reads: ``"call__eurocluster_id"`` for an application) are read, not
    whole rows: a call's applications carry their texts. Raises ``model.DoesNotExist`` for an
    unknown id. Runs in the caller's transaction (or its own).
    """
    ids = sorted(set(pks))
    if not ids:
        return []
    columns = ["pk", field, *([scope] if scope else [])]
    with transaction.atomic():
        rows: list[tuple] = []
        query = model.objects.select_for_update(of=("self",)).order_by("pk")
        for start in range(0, len(ids), batch_size):
            rows.extend(query.filter(pk__in=ids[start:start + batch_size])
                        .values_list(*columns))
        if len(rows) != len(ids):
            missing = sorted(set(ids) - {row[0] for row in rows})
            raise model.DoesNotExist(f"{model.__name__} {missing[:10]} not found.")
        changed = []
        for row in rows:
            pk, current = row[0], row[1]
            if current == to:
                continue
            if to not in table.get(current, set()):  # the row's name only for the message
                check_allowed(model=model, current=current, to=to, table=table,
                              label=str(model.objects.get(pk=pk)))
            changed.append(row)
        if not changed:
            return []
        values = {field: to, **(extra or {})}
        if _has_updated_at(model):
            values["updated_at"] = timezone.now()
        changed_ids = [row[0] for row in changed]
        for start in range(0, len(changed_ids), batch_size):
            model.objects.filter(pk__in=changed_ids[start:start + batch_size]).update(**values)
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
        actor = by if getattr(by, "is_authenticated", False) else None
        AuditEntry.objects.bulk_create(
            [AuditEntry(content_type=content_type, object_id=row[0], action="transition",
                        actor=actor, from_state=row[1], to_state=to, reason=reason, data={},
                        eurocluster_id=row[2] if scope else None)
             for row in changed], batch_size=batch_size)
        return changed_ids


def transition_rows_bulk(model: type[M], pks: Iterable[int], *, to: str, by: Any,
                         reason: str = "", extra: Mapping[str, Any] | None = None,
                         scope: str = "") -> list[int]:
    """:func:`transition_bulk` for a model that declares its ``TRANSITIONS`` table; returns the
    ids of the rows that moved."""
    return transition_bulk(model=model, pks=pks, to=to, table=model.TRANSITIONS, by=by,
                           reason=reason, extra=extra, scope=scope)
