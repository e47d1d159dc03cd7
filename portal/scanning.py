"""Virus scanning of uploads by ClamAV's daemon, clamd, over its INSTREAM command (TCP or a Unix
socket, ``CLAMAV_URL``), with the clamav-client library.

``scan`` says what clamd found: ``Clean``, ``Infected(signature)``, ``Unavailable(reason)`` (clamd
cannot be reached or answered an error) or ``Skipped`` (no ``CLAMAV_URL``: development only; a
system check warns at start-up). ``upload_scan`` turns that into the scan status an upload is
stored with, refusing (and auditing) an infected one; ``pending_uploads_rescan`` (the beat task
``portal.scan_pending``) scans what was stored while clamd was away.
"""

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.errors import DomainError
from portal.models import ScannedUpload, ScanStatus
from portal.notifications import notify
from portal.uploads import safe_filename, sha256_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clean:
    pass


@dataclass(frozen=True)
class Infected:
    signature: str


@dataclass(frozen=True)
class Unavailable:
    reason: str


@dataclass(frozen=True)
class Skipped:
    pass


ScanResult = Clean | Infected | Unavailable | Skipped


class UploadInfected(DomainError):
    pass


def clamd_client(url: str, *, timeout: float | None = None):
    """A clamav-client connection to ``url``: ``tcp://host:port`` or ``unix:///path``."""
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname:
        return ClamdNetworkSocket(host=parts.hostname, port=parts.port or 3310, timeout=timeout)
    if parts.scheme == "unix" and parts.path:
        return ClamdUnixSocket(path=unquote(parts.path), timeout=timeout)
    raise ImproperlyConfigured(
        f"CLAMAV_URL must be tcp://host:port or unix:///path/to/clamd.ctl, not {url!r}.")


def scan(fileobj) -> ScanResult:
    """Send ``fileobj`` (read from its start; rewound after) to clamd and say what it found."""
    if not settings.CLAMAV_URL:
        return Skipped()
    client = clamd_client(settings.CLAMAV_URL, timeout=settings.CLAMAV_TIMEOUT)
    fileobj.seek(0)
    try:
        results = client.instream(fileobj)
    except (ClamdError, OSError) as error:
        logger.warning("virus scanner unavailable at %s: %s", settings.CLAMAV_URL, error)
        return Unavailable(str(error) or type(error).__name__)
    finally:
        fileobj.seek(0)
    status, detail = next(iter(results.values()), ("", None))
    if status == "FOUND":
        return Infected(detail or "unknown")
    if status == "OK":
        return Clean()
    # "ERROR" (clamd's limits, a broken database): unknown, so not served until scanned again.
    logger.warning("virus scanner answered %s %s", status, detail)
    return Unavailable(detail or status or "no answer")


def infected_message(name: str, signature: str) -> str:
    return (_("“%(name)s” was refused: the virus scanner found “%(threat)s” in it, so the file "
              "was not kept. Please check your computer with an up-to-date antivirus and upload "
              "a clean copy.") % {"name": name, "threat": signature})


def upload_scan(uploaded, *, subject: Any | None, by: Any) -> str:
    """Scan ``uploaded`` before it is stored; return the ``ScanStatus`` to store it with: CLEAN,
    SKIPPED (no scanner configured) or PENDING (the scanner cannot be reached: the file is kept
    in quarantine, never served or counted, until ``pending_uploads_rescan`` scans it).

    Raises UploadInfected naming the threat, after recording ``upload_infected`` about
    ``subject`` in a transaction of its own. Call it before the service's own transaction opens
    (scanning takes time, and a refusal must stay audited when that transaction rolls back).
    """
    result = scan(uploaded)
    if isinstance(result, Infected):
        name = safe_filename(getattr(uploaded, "name", "") or "file", default="file")
        data = {"name": name, "size": uploaded.size, "sha256": sha256_of(uploaded),
                "signature": result.signature}
        if subject is None:
            logger.warning("infected upload refused (nothing to audit it on): %s", data)
        else:
            with transaction.atomic():
                audit_record(subject=subject, action="upload_infected", actor=by,
                             reason=result.signature, data=data)
        raise UploadInfected(infected_message(name, result.signature))
    if isinstance(result, Unavailable):
        return ScanStatus.PENDING
    if isinstance(result, Skipped):
        return ScanStatus.SKIPPED
    return ScanStatus.CLEAN


def scanned_upload_models() -> list[type[ScannedUpload]]:
    """Every model holding scanned uploads, found from the app registry: ``portal`` may not
    import the apps above it."""
    return [model for model in apps.get_models() if issubclass(model, ScannedUpload)]


def pending_uploads_rescan() -> dict[str, int]:
    """Scan every upload stored as "scan pending", oldest first. Clean: marked CLEAN (audited
    ``upload_scan_clean``). Infected: marked INFECTED with the threat, its file deleted after
    commit, ``upload_infected`` audited and the person who uploaded it told by e-mail. Stops at
    the first file the scanner cannot take (it is still away): those stay pending for the next
    run. Returns how many became clean, infected, and how many are still pending."""
    counts = {"clean": 0, "infected": 0, "pending": 0}
    if not settings.CLAMAV_URL:
        return counts
    for model in scanned_upload_models():
        pending = model.objects.filter(scan_status=ScanStatus.PENDING).order_by("pk")
        for pk in pending.values_list("pk", flat=True):
            outcome = _rescan(model, pk)
            if outcome == "unavailable":
                counts["pending"] = sum(
                    m.objects.filter(scan_status=ScanStatus.PENDING).count()
                    for m in scanned_upload_models())
                return counts
            if outcome in counts:
                counts[outcome] += 1
    return counts


def _rescan(model: type[ScannedUpload], pk: int) -> str:
    row = model.objects.get(pk=pk)
    fieldfile = getattr(row, model.SCANNED_FILE_FIELD)
    try:
        with fieldfile.open("rb") as handle:
            # Scanned outside the lock: clamd may take seconds over a large file.
            result = scan(handle)
    except (OSError, ValueError):
        logger.error("pending upload %s %s has no file to scan", model._meta.label, pk)
        return "missing"
    if isinstance(result, Unavailable | Skipped):
        return "unavailable"
    with transaction.atomic():
        # Re-check under the lock: two beat runs (or a retried task) may scan the same file.
        row = model.objects.select_for_update().filter(
            pk=pk, scan_status=ScanStatus.PENDING).first()
        if row is None:
            return "done"
        subject = getattr(row, model.SCAN_SUBJECT)
        name = getattr(row, model.SCAN_NAME_FIELD)
        data = {"model": model._meta.label, "id": row.pk, "name": name}
        if isinstance(result, Clean):
            model.objects.filter(pk=pk).update(scan_status=ScanStatus.CLEAN,
                                               scanned_at=timezone.now())
            audit_record(subject=subject, action="upload_scan_clean", data=data)
            return "clean"
        model.objects.filter(pk=pk).update(scan_status=ScanStatus.INFECTED,
                                           scanned_at=timezone.now(),
                                           scan_signature=result.signature[:200])
        audit_record(subject=subject, action="upload_infected", reason=result.signature,
                     data={**data, "signature": result.signature})
        storage, stored_name = fieldfile.storage, fieldfile.name
        transaction.on_commit(lambda: storage.delete(stored_name))
        owner = getattr(row, model.SCAN_OWNER, None) if model.SCAN_OWNER else None
        if owner is not None and owner.email:
            notify(recipient=owner, kind="portal.upload_infected",
                   context={"person": owner, "name": name, "threat": result.signature,
                            "message": infected_message(name, result.signature)})
        return "infected"


# Untagged: it concerns development only (production refuses to start without CLAMAV_URL), so
# `check --tag security --fail-level WARNING`, the web container's gate, does not include it.
@checks.register()
def check_virus_scanning(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn at start-up (runserver, migrate, check) that uploads are not scanned."""
    if settings.CLAMAV_URL:
        return []
    return [checks.Warning(
        "Virus scanning is off: CLAMAV_URL is not set, so uploads are stored unscanned and "
        "marked 'skipped'.",
        hint="Run clamd and set CLAMAV_URL (e.g. tcp://127.0.0.1:3310); production requires it.",
        id="portal.W001")]
