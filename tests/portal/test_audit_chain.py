"""The audit trail's hash chain: the writer only inserts (with the subject's Eurocluster), the
sealer chains committed entries in order, ``audit_verify`` finds an edited, removed or cut-off
entry, and on PostgreSQL the trigger refuses every UPDATE and DELETE but the sealing itself.

Tampering is done in raw SQL, as someone with database access would; on PostgreSQL inside
``pgtrigger.ignore`` (the trigger disabled, as the table's owner could), so the same tests check
the detection on both databases.
"""

import hashlib
import json
import threading
from contextlib import contextmanager
from datetime import UTC
from io import StringIO

import pgtrigger
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, connection, connections, transaction
from django.db.models import ProtectedError

from accounts.models import User
from portal.audit import audit_record
from portal.audit_chain import GENESIS, audit_seal, audit_verify
from portal.models import AuditEntry
from portal.queue import registered_task
from tests.factories import (
    ApplicationFactory,
    EuroclusterFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
pg_only = pytest.mark.skipif(not POSTGRESQL, reason="the trigger exists on PostgreSQL only")
TRIGGERS = ("portal.AuditEntry:audit_entry_no_delete",
            "portal.AuditEntry:audit_entry_sealed_once")


@contextmanager
def tampering():
    """Raw SQL on the table, the trigger out of the way (pgtrigger.ignore does nothing on
    SQLite, which has no trigger)."""
    with pgtrigger.ignore(*TRIGGERS), connection.cursor() as cursor:
        yield cursor


def _entries(count: int, **kwargs) -> list[AuditEntry]:
    subject = kwargs.pop("subject", None) or EuroclusterFactory()
    return [audit_record(subject=subject, action=f"action.{n}", reason=f"reason {n}", **kwargs)
            for n in range(1, count + 1)]


def _verify(*args) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def _broken(*args) -> str:
    with pytest.raises(CommandError) as refused:
        _verify(*args)
    return str(refused.value)


def test_the_writer_stores_the_subjects_eurocluster_and_only_inserts(django_assert_num_queries):
    application = ApplicationFactory()
    organisation = OrganisationFactory()
    eurocluster_id = application.call.eurocluster_id
    ContentType.objects.get_for_model(application)  # the cache every process has warm
    with django_assert_num_queries(1):  # the INSERT: no lock, no look-up of the chain
        entry = audit_record(subject=application, action="transition", to_state="submitted")
    other = audit_record(subject=organisation, action="updated")
    assert (entry.eurocluster_id, entry.seq, entry.hash, entry.previous_hash) == (
        eurocluster_id, None, "", "")
    assert other.eurocluster_id is None
    assert audit_record(subject=organisation, action="x", eurocluster_id=7).eurocluster_id == 7


def test_sealing_chains_entries_in_order_with_the_documented_hash():
    actor = UserFactory()
    first, second = _entries(2, actor=actor, data={"b": 2, "a": [1, "é"]})
    assert audit_seal() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seq, first.previous_hash, second.seq, second.previous_hash) == (
        1, GENESIS, 2, first.hash)
    expected = json.dumps({
        "id": second.pk, "content_type_id": second.content_type_id, "object_id": second.object_id,
        "action": "action.2", "from_state": "", "to_state": "", "actor_id": actor.pk,
        "reason": "reason 2", "data": {"a": [1, "é"], "b": 2},
        "created_at": second.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "eurocluster_id": second.eurocluster_id, "seq": 2, "previous_hash": first.hash,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert second.hash == hashlib.sha256(expected.encode()).hexdigest()
    assert audit_seal() == 0  # nothing left: the chain does not move


def test_sealing_in_batches_continues_the_chain():
    _entries(5)
    assert audit_seal(batch=2) == 5
    assert list(AuditEntry.objects.order_by("pk").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert audit_verify().ok


def test_the_beat_task_seals_once_and_a_second_run_changes_nothing():
    _entries(3)
    task = registered_task("portal.audit_seal")
    assert task.apply().get() == 3
    hashes = list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True))
    assert task.apply().get() == 0
    assert list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True)) == hashes


def test_verify_reports_an_intact_chain_and_the_entries_waiting():
    _entries(3)
    audit_seal()
    _entries(1)
    head = AuditEntry.objects.get(seq=3)
    assert _verify().splitlines() == [
        f"audit chain OK: 3 entries, head 3:{head.hash}", "1 entries wait to be sealed"]
    assert _verify("--seal").splitlines()[0] == "sealed 1 entries"
    assert audit_verify().pending == 0


def test_an_edited_entry_is_found():
    entries = _entries(3)
    audit_seal()
    with tampering() as cursor:
        cursor.execute("UPDATE portal_auditentry SET reason = 'nothing happened' WHERE id = %s",
                       [entries[1].pk])
    assert _broken() == (f"audit chain BROKEN at entry 2 (id {entries[1].pk}): its content does "
                         "not match its hash (edited); entries 1 to 1 are intact")


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link():
    entries = _entries(3)
    audit_seal()
    forged = AuditEntry.objects.filter(pk=entries[0].pk).values(
        "id", "content_type_id", "object_id", "action", "from_state", "to_state", "actor_id",
        "data", "created_at", "eurocluster_id", "seq", "previous_hash").get()
    forged["reason"] = "nothing happened"
    digest = hashlib.sha256(json.dumps(
        {**forged, "created_at": forged["created_at"].astimezone(UTC).isoformat(
            timespec="microseconds")},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    with tampering() as cursor:
        cursor.execute("UPDATE portal_auditentry SET reason = %s, hash = %s WHERE id = %s",
                       ["nothing happened", digest, entries[0].pk])
    assert _broken() == (f"audit chain BROKEN at entry 2 (id {entries[1].pk}): does not link to "
                         "the entry before it (that one was edited, replaced or removed); "
                         "entries 1 to 1 are intact")


def test_a_removed_entry_is_found():
    entries = _entries(4)
    audit_seal()
    with tampering() as cursor:
        cursor.execute("DELETE FROM portal_auditentry WHERE id = %s", [entries[1].pk])
    assert _broken() == (f"audit chain BROKEN at entry 2: entries 2 to 2 are missing (removed?); "
                         f"the next one is id {entries[2].pk}; entries 1 to 1 are intact")


def test_entries_cut_from_the_end_are_found_against_a_noted_head():
    entries = _entries(3)
    audit_seal()
    head = f"3:{AuditEntry.objects.get(seq=3).hash}"
    assert "audit chain OK: 3 entries" in _verify("--expect", head)
    with tampering() as cursor:
        cursor.execute("DELETE FROM portal_auditentry WHERE id = %s", [entries[2].pk])
    assert "audit chain OK: 2 entries" in _verify()  # the chain alone cannot tell
    assert _broken("--expect", head) == (
        "audit chain BROKEN at entry 3: is missing or differs from the hash noted earlier "
        "(entries removed from the end, or the chain rewritten); entries 1 to 2 are intact")
    assert "SEQ:HASH" in _broken("--expect", "3:abc")


def test_two_entries_can_never_take_the_same_place_in_the_chain():
    first, second = _entries(2)
    audit_seal()
    with tampering() as cursor, pytest.raises(IntegrityError), transaction.atomic():
        cursor.execute("UPDATE portal_auditentry SET seq = 1 WHERE id = %s", [second.pk])


def test_an_actor_is_never_removed_from_the_trail():
    """PROTECT: a person who acted is pseudonymised, not deleted (setting the column to NULL
    would rewrite the entry); a person who never acted can still be deleted."""
    actor, bystander = UserFactory(), UserFactory()
    _entries(1, actor=actor)
    with pytest.raises(ProtectedError):
        actor.delete()
    bystander.delete()
    assert not User.objects.filter(pk=bystander.pk).exists()


# --- PostgreSQL: the trigger ----------------------------------------------------------------

@pg_only
def test_postgresql_refuses_to_update_or_delete_an_entry():
    entry, = _entries(1)
    for refused in (lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="changed"),
                    lambda: AuditEntry.objects.filter(pk=entry.pk).update(eurocluster_id=None),
                    lambda: AuditEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic():
            refused()
    audit_seal()  # the one change allowed: sealing an entry not yet sealed
    entry.refresh_from_db()
    assert (entry.seq, entry.reason) == (1, "reason 1")
    for refused in (lambda: AuditEntry.objects.filter(pk=entry.pk).update(seq=None),
                    lambda: AuditEntry.objects.filter(pk=entry.pk).update(hash="0" * 64)):
        with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic():
            refused()
    assert audit_verify().ok


@pg_only
def test_postgresql_lets_an_unscoped_entry_get_its_eurocluster_once():
    entry, = _entries(1, subject=OrganisationFactory())
    AuditEntry.objects.filter(pk=entry.pk).update(eurocluster_id=5)
    with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(eurocluster_id=6)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_make_one_unbroken_chain():
    """Eight threads each commit 25 entries (five per transaction) while sealing: every entry
    ends in one chain, 1 to 200, with no fork and no gap."""
    eurocluster = EuroclusterFactory()
    errors = []
    start = threading.Barrier(8)

    def work():
        try:
            start.wait()
            for _round in range(5):
                with transaction.atomic():
                    for n in range(5):
                        audit_record(subject=eurocluster, action="concurrent", data={"n": n})
                audit_seal(batch=7)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    audit_seal()
    status = audit_verify()
    assert (status.ok, status.verified, status.pending) == (True, 200, 0)
    assert AuditEntry.objects.filter(seq__isnull=False).count() == 200
