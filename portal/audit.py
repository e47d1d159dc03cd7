from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.models import AuditEntry


def audit_record(
    *,
    subject: models.Model,
    action: str,
    actor: Any = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
    eurocluster_id: int | None = None,
) -> AuditEntry:
    """Write one audit line about ``subject``. Call it inside the transaction of the change.

    Only an INSERT: the line joins the hash chain when the sealer next runs (after the commit,
    see ``portal.audit_chain``). Its Eurocluster is ``eurocluster_id`` or the subject's
    ``scope_eurocluster_id``. People go in by id only (``actor``, ids in ``data``), never by
    name or e-mail: an audit line is never rewritten, so it must hold nothing to erase.
    """
    if eurocluster_id is None:
        eurocluster_id = getattr(subject, "scope_eurocluster_id", None)
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        object_id=subject.pk,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
        eurocluster_id=eurocluster_id,
    )


def audit_trail(subject: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        object_id=subject.pk,
    ).select_related("actor")
