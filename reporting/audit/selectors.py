"""The audit entries one person may read, with the page's filters; one query for the rows."""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import OuterRef, Q, QuerySet, Subquery

from euroclusters.models import Eurocluster
from portal.formats import BRUSSELS
from portal.models import AuditEntry

# The object types offered in the filter: the portal's own models (not Django's or allauth's).
PORTAL_APPS = ("accounts", "euroclusters", "calls", "applications", "activities", "evaluation",
               "payments", "reporting")


def object_types() -> list[tuple[str, str]]:
    """("app_label.model", its name) of every model an entry may be about, by name."""
    models = [model for label in PORTAL_APPS for model in apps.get_app_config(label).get_models()]
    return sorted(((model._meta.label_lower, str(model._meta.verbose_name).capitalize())
                   for model in models), key=lambda choice: choice[1])


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def audit_entries(*, eurocluster_ids: frozenset[int] | None,
                  filters: Mapping[str, Any]) -> QuerySet[AuditEntry]:
    """Entries of ``eurocluster_ids`` (None: every entry, a superuser's), newest first, with the
    person, the object type and the Eurocluster's acronym loaded. ``filters``: ``person`` (part
    of a name or e-mail), ``type`` ("app_label.model"), ``object`` (its id), ``action`` (its
    beginning), ``start`` and ``end`` (days in Brussels, both included)."""
    entries = AuditEntry.objects.select_related("actor", "content_type").annotate(
        eurocluster_acronym=Subquery(Eurocluster.objects.filter(
            pk=OuterRef("eurocluster_id")).values("acronym")[:1]),
    ).order_by("-created_at", "-pk")
    if eurocluster_ids is not None:
        entries = entries.filter(eurocluster_id__in=eurocluster_ids)
    if filters.get("person"):
        entries = entries.filter(Q(actor__email__icontains=filters["person"])
                                 | Q(actor__full_name__icontains=filters["person"]))
    if filters.get("type"):
        app_label, _dot, model = filters["type"].partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.get("object") is not None:
        entries = entries.filter(object_id=filters["object"])
    if filters.get("action"):
        entries = entries.filter(action__startswith=filters["action"])
    if filters.get("start"):
        entries = entries.filter(created_at__gte=_day_start(filters["start"]))
    if filters.get("end"):
        entries = entries.filter(created_at__lt=_day_start(filters["end"] + timedelta(days=1)))
    return entries
