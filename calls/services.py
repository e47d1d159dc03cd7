from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from calls.models import OpenCall
from calls.transitions import call_transition
from portal.errors import DomainError
from portal.models import ScanStatus
from portal.scanning import upload_scan
from portal.uploads import pdf_upload_errors

# A call's public documents (guides, templates) may be larger than an applicant's attachments.
CALL_DOCUMENT_MAX_BYTES = 50 * 1024 * 1024


@transaction.atomic
def calls_sync_statuses(*, now=None) -> int:
    """Open published calls whose opening has come and close open calls whose deadline passed.

    The server never relies on this for deadlines (``accepts_submissions`` reads the dates); it
    keeps the shown status right. Returns how many calls moved. Safe to run any number of times.
    """
    now = now or timezone.now()
    moved = 0
    for call in OpenCall.objects.filter(status=OpenCall.Status.PUBLISHED, opens_at__lte=now):
        call_transition(call=call, to=OpenCall.Status.OPEN, by=None, reason="opening date")
        moved += 1
    for call in OpenCall.objects.filter(status=OpenCall.Status.OPEN, closes_at__lte=now):
        call_transition(call=call, to=OpenCall.Status.CLOSED, by=None, reason="deadline")
        moved += 1
    return moved


# --- public documents ---------------------------------------------------------------------------


def call_document_scan(*, call: OpenCall | None, uploaded: UploadedFile, by: Any) -> dict:
    """Check a new file for one of a call's public documents, before the admin stores it.

    Refuses a file that is not a plain PDF (DomainError, each problem in ``details``) or that
    carries a virus (UploadInfected, audited on ``call``; a call being created has no row yet to
    record it on, so it is only shown). Returns the document's scan fields: a file the scanner
    could not take is kept "scan pending" and not published until ``portal.scan_pending`` scans
    it.
    """
    problems = pdf_upload_errors(uploaded, max_bytes=CALL_DOCUMENT_MAX_BYTES)
    if problems:
        raise DomainError(problems[0], details=problems)
    status = upload_scan(uploaded, subject=call, by=by)
    return {"scan_status": status,
            "scanned_at": timezone.now() if status == ScanStatus.CLEAN else None}
