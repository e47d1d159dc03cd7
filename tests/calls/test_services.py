"""Call status changes: the transition service and the periodic status sync."""

from datetime import UTC, datetime, timedelta

import pytest

from calls.models import OpenCall
from calls.services import call_document_scan, calls_sync_statuses
from calls.transitions import call_transition
from portal.audit import audit_trail
from portal.errors import DomainError, InvalidTransition
from portal.models import AuditEntry, ScanStatus
from portal.scanning import UploadInfected
from tests.factories import MINIMAL_PDF, OpenCallFactory, UserFactory
from tests.scanning import INFECTED_PDF, pdf_upload, refusal

pytestmark = pytest.mark.django_db

S = OpenCall.Status
NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def call_with(status, opens_at, closes_at) -> OpenCall:
    return OpenCallFactory(status=status, opens_at=opens_at, closes_at=closes_at)


def statuses(*calls) -> list[str]:
    return [OpenCall.objects.get(pk=call.pk).status for call in calls]


def test_sync_opens_a_published_call_whose_opening_has_come():
    call = call_with(S.PUBLISHED, NOW - DAY, NOW + DAY)
    assert calls_sync_statuses(now=NOW) == 1
    assert statuses(call) == [S.OPEN]
    entry = audit_trail(call).get()
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor) == (
        "published", "open", "opening date", None)


def test_sync_closes_an_open_call_past_its_deadline():
    call = call_with(S.OPEN, NOW - 10 * DAY, NOW - SECOND)
    assert calls_sync_statuses(now=NOW) == 1
    assert statuses(call) == [S.CLOSED]
    entry = audit_trail(call).get()
    assert (entry.from_state, entry.to_state, entry.reason) == ("open", "closed", "deadline")


@pytest.mark.parametrize(
    ("status", "opens_at", "closes_at", "expected"),
    [
        # Opening is inclusive: at opens_at the call opens.
        (S.PUBLISHED, NOW, NOW + DAY, S.OPEN),
        (S.PUBLISHED, NOW + SECOND, NOW + DAY, S.PUBLISHED),
        # The deadline is exclusive: at closes_at the call is closed.
        (S.OPEN, NOW - DAY, NOW, S.CLOSED),
        (S.OPEN, NOW - DAY, NOW + SECOND, S.OPEN),
        # A call nobody published never opens, whatever its dates.
        (S.DRAFT, NOW - DAY, NOW + DAY, S.DRAFT),
        (S.DRAFT, NOW - 2 * DAY, NOW - DAY, S.DRAFT),
        # Later stages are left alone.
        (S.CLOSED, NOW - 2 * DAY, NOW - DAY, S.CLOSED),
        (S.EVALUATION, NOW - 2 * DAY, NOW - DAY, S.EVALUATION),
    ],
)
def test_sync_at_the_edges_of_the_dates(status, opens_at, closes_at, expected):
    call = call_with(status, opens_at, closes_at)
    calls_sync_statuses(now=NOW)
    assert statuses(call) == [expected]


def test_sync_moves_a_published_call_past_its_deadline_through_open_to_closed():
    call = call_with(S.PUBLISHED, NOW - 10 * DAY, NOW - DAY)
    assert calls_sync_statuses(now=NOW) == 2
    assert statuses(call) == [S.CLOSED]
    assert list(audit_trail(call).order_by("pk").values_list("from_state", "to_state")) == [
        ("published", "open"), ("open", "closed")]


def test_sync_twice_moves_nothing_the_second_time():
    to_open = call_with(S.PUBLISHED, NOW - DAY, NOW + DAY)
    to_close = call_with(S.OPEN, NOW - 10 * DAY, NOW - DAY)
    untouched = call_with(S.OPEN, NOW - DAY, NOW + DAY)
    assert calls_sync_statuses(now=NOW) == 2
    entries = AuditEntry.objects.count()
    assert calls_sync_statuses(now=NOW) == 0
    assert AuditEntry.objects.count() == entries == 2
    assert statuses(to_open, to_close, untouched) == [S.OPEN, S.CLOSED, S.OPEN]


def test_sync_without_a_time_uses_the_server_clock():
    call = OpenCallFactory(status=S.PUBLISHED)  # opened ten days ago, closes in twenty
    assert calls_sync_statuses() == 1
    assert statuses(call) == [S.OPEN]


def test_call_transition_audits_the_person():
    call = OpenCallFactory(status=S.DRAFT)
    manager = UserFactory()
    updated = call_transition(call=call, to=S.PUBLISHED, by=manager, reason="ready")
    assert updated.status == S.PUBLISHED
    entry = audit_trail(call).get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (
        manager, "draft", "published", "ready")


def test_call_transition_repeated_is_a_no_op():
    call = OpenCallFactory(status=S.DRAFT)
    call_transition(call=call, to=S.PUBLISHED, by=None)
    call_transition(call=call, to=S.PUBLISHED, by=None)
    assert statuses(call) == [S.PUBLISHED]
    assert audit_trail(call).count() == 1


def test_call_transition_not_in_the_table_is_refused():
    call = OpenCallFactory(status=S.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        call_transition(call=call, to=S.OPEN, by=None)
    assert refused.value.message == "This cannot go from “Closed” to “Open”."
    assert statuses(call) == [S.CLOSED]


# --- a call's public documents ------------------------------------------------------------------


def test_a_call_documents_pdf_is_scanned_and_marked_clean(fake_clamd):
    scan = call_document_scan(call=OpenCallFactory(), uploaded=pdf_upload(name="guide.pdf"),
                              by=UserFactory())
    assert scan["scan_status"] == ScanStatus.CLEAN and scan["scanned_at"] is not None
    assert fake_clamd.scanned == [MINIMAL_PDF]


def test_a_call_document_the_scanner_cannot_take_is_kept_pending(fake_clamd):
    fake_clamd.down = True
    scan = call_document_scan(call=OpenCallFactory(), uploaded=pdf_upload(name="guide.pdf"),
                              by=UserFactory())
    assert scan == {"scan_status": ScanStatus.PENDING, "scanned_at": None}


def test_a_call_document_that_is_not_a_pdf_is_refused_before_any_scan(fake_clamd):
    with pytest.raises(DomainError) as refused:
        call_document_scan(call=OpenCallFactory(), uploaded=pdf_upload(b"MZ\x90\x00 a program",
                                                                       "guide.pdf"), by=None)
    assert "is not a PDF document" in refused.value.message
    assert refused.value.details and refused.value.details[0] == refused.value.message
    assert fake_clamd.scanned == []


def test_an_infected_document_of_a_call_being_created_is_refused_without_an_audit_row(
        fake_clamd):
    with pytest.raises(UploadInfected) as refused:
        call_document_scan(call=None, uploaded=pdf_upload(INFECTED_PDF, "guide.pdf"),
                           by=UserFactory())
    assert refused.value.message == refusal("guide.pdf")
    assert not AuditEntry.objects.filter(action="upload_infected").exists()
