"""The virus scanner's interface and the beat task that scans what was kept pending, with clamd
replaced at its boundary (clamav-client's INSTREAM, ``fake_clamd``). The same paths against a
real clamd: tests/clamav/."""

import io
from datetime import date

import pytest
from clamav_client.clamd import ClamdNetworkSocket, ClamdUnixSocket
from django.apps import apps
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from applications.models import Attachment, ClarificationAttachment
from applications.services import attachment_upload
from calls.models import CallDocument
from calls.services import call_document_scan
from euroclusters.models import KpiTarget
from payments.models import ReportAttachment
from portal.models import AuditEntry, ScannedUpload, ScanStatus
from portal.queue import registered_task
from portal.scanning import (
    Clean,
    Infected,
    Skipped,
    Unavailable,
    UploadInfected,
    check_virus_scanning,
    clamd_client,
    scan,
    scanned_upload_models,
    upload_scan,
)
from reporting.kpis.services import kpi_value_record
from reporting.models import KpiValue
from tests.factories import MINIMAL_PDF, ApplicationFactory, MembershipFactory, OpenCallFactory
from tests.scanning import INFECTED_PDF, THREAT, pdf_upload, refusal

pytestmark = pytest.mark.django_db


# --- the adapter --------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind", "where"), [
    ("tcp://127.0.0.1:3310", ClamdNetworkSocket, ("127.0.0.1", 3310)),
    ("tcp://clamav:3311", ClamdNetworkSocket, ("clamav", 3311)),
    ("tcp://clamav", ClamdNetworkSocket, ("clamav", 3310)),
    ("unix:///run/clamav/clamd.ctl", ClamdUnixSocket, "/run/clamav/clamd.ctl"),
])
def test_clamav_url_names_a_tcp_or_unix_socket(url, kind, where):
    client = clamd_client(url, timeout=7)
    assert type(client) is kind
    assert client.timeout == 7
    assert ((client.host, client.port) if kind is ClamdNetworkSocket
            else client.unix_socket) == where


@pytest.mark.parametrize("url", ["http://clamav:3310", "clamav:3310", "tcp://", "unix://"])
def test_any_other_clamav_url_is_a_configuration_error(url):
    with pytest.raises(ImproperlyConfigured, match="CLAMAV_URL must be tcp://host:port"):
        clamd_client(url)


def test_without_clamav_url_nothing_is_scanned(settings):
    assert settings.CLAMAV_URL == ""
    assert scan(io.BytesIO(INFECTED_PDF)) == Skipped()


def test_scan_says_clean_or_infected_and_rewinds(fake_clamd):
    infected = io.BytesIO(INFECTED_PDF)
    infected.read(5)
    assert scan(infected) == Infected(THREAT)
    assert infected.tell() == 0
    assert scan(io.BytesIO(MINIMAL_PDF)) == Clean()
    assert fake_clamd.scanned == [INFECTED_PDF, MINIMAL_PDF]  # whole files, from their start


def test_scan_is_unavailable_when_clamd_cannot_be_reached(fake_clamd):
    fake_clamd.down = True
    assert scan(io.BytesIO(MINIMAL_PDF)) == Unavailable(
        "Error 111 connecting clamd.invalid:3310. Connection refused.")


def test_an_error_answer_of_clamd_is_unavailable_not_clean(settings, monkeypatch):
    settings.CLAMAV_URL = "tcp://clamd.invalid:3310"
    monkeypatch.setattr(ClamdNetworkSocket, "instream", lambda client, buff: {
        "stream": ("ERROR", "Can't allocate memory")})
    assert scan(io.BytesIO(MINIMAL_PDF)) == Unavailable("Can't allocate memory")


# --- the status an upload is stored with --------------------------------------------------------


def test_upload_scan_gives_the_status_to_store(fake_clamd, settings):
    application = ApplicationFactory()
    by = application.created_by
    assert upload_scan(pdf_upload(), subject=application, by=by) == ScanStatus.CLEAN
    fake_clamd.down = True
    assert upload_scan(pdf_upload(), subject=application, by=by) == ScanStatus.PENDING
    settings.CLAMAV_URL = ""
    assert upload_scan(pdf_upload(), subject=application, by=by) == ScanStatus.SKIPPED
    assert not AuditEntry.objects.filter(action="upload_infected").exists()


def test_an_infected_upload_is_refused_naming_the_threat_and_audited(fake_clamd):
    application = ApplicationFactory()
    with pytest.raises(UploadInfected) as refused:
        upload_scan(pdf_upload(INFECTED_PDF, "../x/offer.pdf"), subject=application,
                    by=application.created_by)
    assert refused.value.message == refusal("offer.pdf")
    entry = AuditEntry.objects.get()
    assert (entry.subject, entry.action, entry.actor, entry.reason) == (
        application, "upload_infected", application.created_by, THREAT)
    assert entry.data == {"name": "offer.pdf", "size": len(INFECTED_PDF),
                          "sha256": entry.data["sha256"], "signature": THREAT}
    assert len(entry.data["sha256"]) == 64


def test_an_infected_upload_without_a_subject_yet_is_refused_all_the_same(fake_clamd):
    with pytest.raises(UploadInfected):
        upload_scan(pdf_upload(INFECTED_PDF), subject=None, by=None)
    assert not AuditEntry.objects.exists()


# --- the start-up warning -----------------------------------------------------------------------


def test_a_warning_at_start_up_says_scanning_is_off(settings):
    assert check_virus_scanning() == [CheckWarning(
        "Virus scanning is off: CLAMAV_URL is not set, so uploads are stored unscanned and "
        "marked 'skipped'.",
        hint="Run clamd and set CLAMAV_URL (e.g. tcp://127.0.0.1:3310); production requires it.",
        id="portal.W001")]
    settings.CLAMAV_URL = "tcp://clamav:3310"
    assert check_virus_scanning() == []


# --- the beat task ------------------------------------------------------------------------------


def test_every_model_with_uploads_is_scanned():
    assert set(scanned_upload_models()) == {Attachment, ClarificationAttachment, ReportAttachment,
                                            KpiValue, CallDocument}


def _pending_uploads(fake_clamd):
    """One pending upload of each kind but the report's (tests/payments has it): two clean, two
    carrying the marker."""
    fake_clamd.down = True
    application = ApplicationFactory()
    clean = attachment_upload(application=application, by=application.created_by,
                              uploaded=pdf_upload(name="plan.pdf"))
    infected = attachment_upload(application=application, by=application.created_by,
                                 uploaded=pdf_upload(INFECTED_PDF, "annex.pdf"))
    manager = MembershipFactory().user
    kpi = KpiTarget.objects.create(eurocluster=manager.memberships.get().eurocluster,
                                   name="Agreements", target=20, objective="international",
                                   measure=KpiTarget.Measure.REPORTED)
    evidence = kpi_value_record(target=kpi, by=manager, value=3, measured_on=date(2026, 6, 30),
                                evidence=pdf_upload(INFECTED_PDF, "minutes.pdf"))
    # As the admin's form does: the new file checked (and scanned) before it is stored.
    call, uploaded = OpenCallFactory(), pdf_upload(name="guide.pdf")
    scan = call_document_scan(call=call, uploaded=uploaded, by=manager)
    document = CallDocument.objects.create(call=call, title="Guide", file=uploaded, **scan)
    fake_clamd.down = False
    return clean, infected, evidence, document


def test_the_beat_task_scans_pending_uploads_of_every_kind_once_clamd_is_back(
        fake_clamd, django_capture_on_commit_callbacks, mailoutbox):
    clean, infected, evidence, document = _pending_uploads(fake_clamd)
    rows = (clean, infected, evidence, document)
    assert [type(r).objects.get(pk=r.pk).scan_status for r in rows] == [ScanStatus.PENDING] * 4
    task = registered_task("portal.scan_pending")

    fake_clamd.down = True
    assert task.apply().get() == {"clean": 0, "infected": 0, "pending": 4}
    fake_clamd.down = False
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply().get() == {"clean": 2, "infected": 2, "pending": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply().get() == {"clean": 0, "infected": 0, "pending": 0}  # twice: no-op

    for row in rows:
        row.refresh_from_db()
    assert [r.scan_status for r in rows] == [ScanStatus.CLEAN, ScanStatus.INFECTED,
                                             ScanStatus.INFECTED, ScanStatus.CLEAN]
    assert [r.scan_signature for r in rows] == ["", THREAT, THREAT, ""]
    assert all(r.scanned_at for r in rows)
    assert clean.file.storage.exists(clean.file.name)
    assert document.file.storage.exists(document.file.name)
    assert not infected.file.storage.exists(infected.file.name)
    assert not evidence.evidence.storage.exists(evidence.evidence.name)
    audit = {(e.action, e.subject, e.data.get("name")) for e in AuditEntry.objects.filter(
        action__in=["upload_infected", "upload_scan_clean"])}
    assert audit == {("upload_scan_clean", clean.application, "plan.pdf"),
                     ("upload_infected", infected.application, "annex.pdf"),
                     ("upload_infected", evidence.target, "minutes.pdf"),
                     ("upload_scan_clean", document.call, "Guide")}
    # The people who uploaded the infected files are told why (the call's guide had no owner).
    assert sorted((m.to, m.subject) for m in mailoutbox) == sorted([
        ([infected.uploaded_by.email], "A file you uploaded was refused: “annex.pdf”"),
        ([evidence.recorded_by.email], "A file you uploaded was refused: “minutes.pdf”")])
    assert refusal("annex.pdf") in next(m.body for m in mailoutbox if "annex" in m.subject)


def test_without_a_scanner_the_beat_task_does_nothing(settings):
    assert settings.CLAMAV_URL == ""
    assert registered_task("portal.scan_pending").apply().get() == {
        "clean": 0, "infected": 0, "pending": 0}


# Files the portal writes itself (agreements, SEPA files, exports): nobody uploads them.
GENERATED_FILES = {"payments.GrantAgreement.file", "payments.GrantAgreement.final_file",
                   "payments.PaymentBatch.sepa_file", "reporting.Export.file"}


def test_every_stored_file_is_a_scanned_upload_or_one_the_portal_generates():
    stored = {f"{model._meta.label}.{field.name}": model for model in apps.get_models()
              for field in model._meta.get_fields() if isinstance(field, models.FileField)}
    uploads = {name for name, model in stored.items() if issubclass(model, ScannedUpload)
               and name.endswith("." + model.SCANNED_FILE_FIELD)}
    assert uploads == {"applications.Attachment.file", "applications.ClarificationAttachment.file",
                       "payments.ReportAttachment.file",
                       "reporting.KpiValue.evidence", "calls.CallDocument.file"}
    # A new file field must be scanned, or be listed here as generated by the portal.
    assert set(stored) - uploads == GENERATED_FILES
