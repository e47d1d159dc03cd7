"""The one write of the KPI pages: a manager records a value of a reported KPI."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from euroclusters.models import KpiTarget
from portal.audit import audit_record
from portal.errors import DomainError
from portal.models import ScanStatus
from portal.scanning import upload_scan
from portal.uploads import pdf_upload_errors, safe_filename, sha256_of, store_upload
from reporting.models import KpiValue

# The evidence is a PDF of at most this size (a report, minutes, a list of signatures).
EVIDENCE_MAX_MB = 10


class KpiValueRefused(DomainError):
    pass


def kpi_value_record(*, target: KpiTarget, by: Any, value: int, measured_on: date,
                     note: str = "", evidence=None) -> KpiValue:
    """Record ``value`` of the reported KPI ``target`` as of ``measured_on``, with a note and
    an optional PDF (checked by content, active content and size, scanned for viruses, stored
    privately with its SHA-256). Audited on the target. Raises KpiValueRefused when the KPI is
    computed, the value negative, the day in the future, or the file not a PDF within the limit
    (the problems as details); UploadInfected (audited on the target) when the evidence carries
    a virus. Evidence the scanner could not take is stored "scan pending", not served until
    ``portal.scan_pending`` scans it."""
    scan_status = (upload_scan(evidence, subject=target, by=by) if evidence is not None
                   else ScanStatus.SKIPPED)
    return _record(target=target, by=by, value=value, measured_on=measured_on, note=note,
                   evidence=evidence, scan_status=scan_status)


@transaction.atomic
def _record(*, target: KpiTarget, by: Any, value: int, measured_on: date, note: str, evidence,
            scan_status: str) -> KpiValue:
    target = KpiTarget.objects.select_for_update().get(pk=target.pk)
    if target.measure != KpiTarget.Measure.REPORTED:
        raise KpiValueRefused(_("This KPI is computed from the portal's data (%(how)s): it "
                                "takes no reported value.")
                              % {"how": target.get_measure_display()})
    if value < 0:
        raise KpiValueRefused(_("The value cannot be negative."))
    if measured_on > timezone.localdate():
        raise KpiValueRefused(_("The day of the value cannot be in the future."))
    entry = KpiValue(target=target, value=value, measured_on=measured_on, note=note.strip(),
                     recorded_by=by)
    if evidence is not None:
        errors = pdf_upload_errors(evidence, max_bytes=EVIDENCE_MAX_MB * 1024 * 1024)
        if errors:
            raise KpiValueRefused(_("The value was not recorded: the evidence was refused."),
                                  details=errors)
        name = safe_filename(getattr(evidence, "name", "") or "evidence.pdf",
                             default="evidence.pdf")
        entry.evidence_name, entry.evidence_size = name, evidence.size
        entry.evidence_sha256 = sha256_of(evidence)
        entry.scan_status = scan_status
        entry.scanned_at = timezone.now() if scan_status == ScanStatus.CLEAN else None
        store_upload(entry.evidence, name=name, content=evidence)
    entry.save()
    audit_record(subject=target, action="kpi_value_recorded", actor=by, data={
        "value_id": entry.pk, "value": value, "measured_on": measured_on.isoformat(),
        "note": entry.note, "evidence": entry.evidence_name,
        "sha256": entry.evidence_sha256})
    return entry

