"""Reads of the exports page: a person's large exports, each with what it is of."""

from calls.models import OpenCall
from reporting.exports import definitions  # noqa: F401 -- fills the registry
from reporting.exports.registry import REGISTRY
from reporting.models import Export

MAX_LISTED = 100


def call_id_of(export: Export) -> int | None:
    raw = str(export.params.get("call") or "")
    return int(raw) if raw.isdigit() else None


def exports_of(user) -> list[Export]:
    """The latest exports ``user`` asked for, each with ``title`` and ``call_reference`` (empty
    for an export of no call): two exports of different calls must not look alike. Two queries
    however many exports."""
    exports = list(Export.objects.filter(requested_by=user)[:MAX_LISTED])
    ids = {call_id_of(export) for export in exports} - {None}
    references = dict(OpenCall.objects.filter(pk__in=ids).values_list("pk", "reference"))
    for export in exports:
        definition = REGISTRY.get(export.name)
        reference = references.get(call_id_of(export))
        export.call_reference = reference or ""
        export.title = definition.title if definition else export.name
    return exports


def export_call_reference(export: Export) -> str | None:
    """The reference of the call ``export`` is of (None for an export of no call)."""
    pk = call_id_of(export)
    if pk is None:
        return None
    return OpenCall.objects.filter(pk=pk).values_list("reference", flat=True).first()
