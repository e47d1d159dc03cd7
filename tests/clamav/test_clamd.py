"""Virus scanning against a real clamd (tests/clamav/conftest.py) with the shipped test signature:
the adapter over TCP and a Unix socket, an infected upload refused and audited, and a file kept
pending while clamd is away scanned by the beat task once it is back."""

import io
from pathlib import Path

import pytest

from applications.models import Attachment
from applications.services import attachment_upload
from portal.models import AuditEntry, ScanStatus
from portal.queue import registered_task
from portal.scanning import Clean, Infected, Unavailable, UploadInfected, scan
from tests.factories import MINIMAL_PDF, ApplicationFactory, RequiredDocumentFactory
from tests.scanning import INFECTED_PDF, MARKER, THREAT, pdf_upload, refusal

pytestmark = pytest.mark.django_db

SHIPPED_SIGNATURE = Path(__file__).resolve().parent / "db" / "portal-test.ndb"


def test_the_shipped_signature_is_the_marker_and_nothing_else():
    assert SHIPPED_SIGNATURE.read_text() == f"Portal.Test.Signature-1:0:*:{MARKER.hex()}\n"
    assert [p.name for p in SHIPPED_SIGNATURE.parent.iterdir()] == ["portal-test.ndb"]


@pytest.mark.parametrize("transport", ["tcp_url", "unix_url"])
def test_clamd_finds_the_marker_and_passes_a_clean_pdf(clamd, settings, transport):
    settings.CLAMAV_URL = getattr(clamd, transport)
    assert scan(io.BytesIO(INFECTED_PDF)) == Infected(THREAT)
    assert scan(io.BytesIO(MINIMAL_PDF)) == Clean()
    # Anywhere in a larger file, past clamav-client's first 1 KB chunk.
    assert scan(io.BytesIO(b"%PDF-1.4\n" + b"0" * 300_000 + MARKER + b"\n%%EOF\n")) == Infected(
        THREAT)


def test_a_clamd_that_is_not_listening_is_unavailable(clamd, settings):
    settings.CLAMAV_URL = clamd.unix_url + ".missing"
    result = scan(io.BytesIO(MINIMAL_PDF))
    assert isinstance(result, Unavailable)
    assert "clamd.sock.missing" in result.reason


def test_an_infected_attachment_is_refused_audited_and_not_stored(real_clamd, _private_files):
    application = ApplicationFactory()
    document = RequiredDocumentFactory(call=application.call)
    with pytest.raises(UploadInfected) as refused:
        attachment_upload(application=application, by=application.created_by,
                          uploaded=pdf_upload(INFECTED_PDF, "Déclaration.pdf"),
                          required_document=document)
    assert refused.value.message == refusal("Declaration.pdf")
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in _private_files.rglob("*"))
    entry = AuditEntry.objects.get(action="upload_infected")
    assert (entry.subject, entry.actor, entry.reason) == (application, application.created_by,
                                                          THREAT)
    assert entry.data["name"] == "Declaration.pdf"
    assert entry.data["signature"] == THREAT
    assert entry.data["size"] == len(INFECTED_PDF)


def test_a_clean_attachment_is_stored_as_scanned_clean(real_clamd):
    application = ApplicationFactory()
    attachment = attachment_upload(application=application, by=application.created_by,
                                   uploaded=pdf_upload())
    attachment.refresh_from_db()
    assert attachment.scan_status == ScanStatus.CLEAN
    assert attachment.scanned_at is not None
    assert attachment.is_servable


def test_files_kept_while_clamd_was_away_are_scanned_by_the_beat_task_once_it_is_back(
        clamd, settings, django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    settings.CLAMAV_URL = clamd.unix_url + ".missing"  # clamd away
    clean = attachment_upload(application=application, by=application.created_by,
                              uploaded=pdf_upload(name="clean.pdf"))
    infected = attachment_upload(application=application, by=application.created_by,
                                 uploaded=pdf_upload(INFECTED_PDF, "bad.pdf"))
    assert {a.scan_status for a in Attachment.objects.all()} == {ScanStatus.PENDING}
    task = registered_task("portal.scan_pending")
    # Still away: nothing changes, both stay pending.
    assert task.apply().get() == {"clean": 0, "infected": 0, "pending": 2}

    settings.CLAMAV_URL = clamd.tcp_url  # back
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply().get() == {"clean": 1, "infected": 1, "pending": 0}
    assert task.apply().get() == {"clean": 0, "infected": 0, "pending": 0}
    clean.refresh_from_db()
    infected.refresh_from_db()
    assert (clean.scan_status, infected.scan_status) == (ScanStatus.CLEAN, ScanStatus.INFECTED)
    assert infected.scan_signature == THREAT
    assert not infected.file.storage.exists(infected.file.name)
    assert clean.file.storage.exists(clean.file.name)
