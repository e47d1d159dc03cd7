"""The audit page's export (``/manage/exports/audit.csv`` and ``.xlsx``): the same entries,
scoped and filtered like the page, every column of an entry, its place in the hash chain too.

Registered when the reporting app is ready (``ReportingConfig.ready``), like the definitions in
``reporting.exports.definitions``.
"""

import json

from django.utils.translation import gettext_lazy as _

from reporting.audit.forms import AuditFilterForm
from reporting.audit.selectors import audit_entries
from reporting.exports.registry import BadFilter, Scope, manager_export
from reporting.exports.writers import NUMBER, Column, local


def _field(name: str):
    """A parser of one filter, by the page's form field (BadFilter with its message)."""
    def parse(raw: str):
        form = AuditFilterForm({name: raw})
        form.is_valid()
        if name in form.errors:
            raise BadFilter(" ".join(form.errors[name]))
        return form.cleaned_data[name]
    return parse


def audit_rows(scope: Scope):
    return audit_entries(eurocluster_ids=scope.eurocluster_ids, filters=scope.filters)


def _person(entry) -> str:
    return (entry.actor.full_name or entry.actor.email) if entry.actor_id else ""


manager_export("audit", _("Audit trail"), rows=audit_rows, per_call=False, columns=[
    # To the second: the order of events matters more here than in the other lists.
    Column(_("At (Brussels)"), lambda e: local(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
           width=20),
    Column(_("Eurocluster"), lambda e: e.eurocluster_acronym or ""),
    Column(_("Person"), _person, width=30),
    Column(_("Person id"), lambda e: e.actor_id, NUMBER, width=10),
    Column(_("Object type"), lambda e: str(e.content_type.model_class()._meta.verbose_name)
           if e.content_type.model_class() else e.content_type.model, width=22),
    Column(_("Object id"), lambda e: e.object_id, NUMBER, width=10),
    Column(_("Action"), lambda e: e.action, width=28),
    Column(_("From"), lambda e: e.from_state),
    Column(_("To"), lambda e: e.to_state),
    Column(_("Reason"), lambda e: e.reason, width=40),
    Column(_("Data"), lambda e: json.dumps(e.data, ensure_ascii=False, sort_keys=True,
                                           default=str) if e.data else "", width=40),
    Column(_("Chain position"), lambda e: e.seq, NUMBER, width=10),
    Column(_("Hash"), lambda e: e.hash, width=64),
], filters={name: _field(name) for name in AuditFilterForm.base_fields})
