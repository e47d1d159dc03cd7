"""The migration that brings the entries written before the chain into it: each gets its
subject's Eurocluster (mirroring the models' ``scope_eurocluster_id``), then all are sealed in
order, and the chain verifies. Run by migrating back to before the chain and forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.audit_chain import audit_verify
from portal.models import AuditEntry
from tests.factories import ApplicationFactory, EuroclusterFactory, OrganisationFactory

BEFORE = [("portal", "0001_initial"), ("reporting", "0003_export")]
AFTER = [("portal", "0002_audit_chain"), ("reporting", "0004_audit_entries_scoped_and_sealed")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_entries_are_scoped_and_sealed():
    eurocluster = EuroclusterFactory()
    application = ApplicationFactory()
    organisation = OrganisationFactory()
    old = _migrate(BEFORE)
    try:
        Entry = old.get_model("portal", "AuditEntry")
        ContentType = old.get_model("contenttypes", "ContentType")

        def write(subject, action):
            content_type = ContentType.objects.get(app_label=subject._meta.app_label,
                                                   model=subject._meta.model_name)
            return Entry.objects.create(content_type=content_type, object_id=subject.pk,
                                        action=action).pk

        written = [write(application, "transition"), write(organisation, "updated"),
                   write(eurocluster, "updated")]
    finally:
        _migrate(AFTER)
        # Then forward to the latest migrations: going back to portal 0001 also unapplied the
        # later ones (notifications, reminders, ...), which the tests after this one need.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    entries = AuditEntry.objects.in_bulk(written)
    assert [(entries[pk].eurocluster_id, entries[pk].seq) for pk in written] == [
        (application.call.eurocluster_id, 1), (None, 2), (eurocluster.pk, 3)]
    status = audit_verify()
    assert (status.ok, status.verified, status.pending) == (True, 3, 0)
