"""Large exports: requested by a person, built by a task into private storage, downloaded by
that person only, removed after ``EXPORT_KEEP_DAYS`` days."""

import datetime
import logging
import os
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal.queue import enqueue_on_commit
from reporting.exports import catalogue  # noqa: F401 -- fills the registry in a worker too
from reporting.exports.registry import REGISTRY, resolve_scope
from reporting.exports.transitions import export_transition
from reporting.exports.writers import csv_stream, write_xlsx
from reporting.models import Export

logger = logging.getLogger(__name__)
FORMATS = ("csv", "xlsx")


def sync_max_rows() -> int:
    return int(getattr(settings, "EXPORT_SYNC_MAX_ROWS", 5000))


@transaction.atomic
def export_request(*, user, name: str, file_format: str, params: dict) -> Export:
    """Record a request for a large export and queue its build (``reporting.build_export``)
    after commit. The scope is checked again when the file is built."""
    export = Export.objects.create(
        requested_by=user, name=name, file_format=file_format, params=params,
        expires_at=timezone.now() + datetime.timedelta(days=settings.EXPORT_KEEP_DAYS))
    enqueue_on_commit("reporting.build_export", export_id=export.pk)
    return export


def export_build(*, export_id: int) -> Export | None:
    """Build the file of a queued export: queued -> running -> ready (or failed), with its
    progress saved every thousand rows. A second run of a started or finished export changes
    nothing."""
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != Export.Status.QUEUED:
            return export
        export = export_transition(export=export, to=Export.Status.RUNNING, by=None)
    try:
        definition = REGISTRY[export.name]
        scope = resolve_scope(export.requested_by, definition, export.params)
        total = max(definition.count(scope), 1)

        def progress(done: int) -> None:
            Export.objects.filter(pk=export.pk).update(
                progress=min(99, done * 100 // total), rows=done)

        handle, path = tempfile.mkstemp(suffix=f".{export.file_format}")
        os.close(handle)
        try:
            if export.file_format == "xlsx":
                rows = write_xlsx(path, title=definition.title,
                                  columns=definition.columns_for(scope),
                                  rows=definition.iterate(scope), total=total, progress=progress)
            else:
                rows = 0
                with open(path, "w", encoding="utf-8", newline="") as out:
                    for rows, line in enumerate(csv_stream(definition.columns_for(scope),
                                                           definition.iterate(scope))):
                        out.write(line)
                        if rows and rows % 1000 == 0:
                            progress(rows)
            with open(path, "rb") as stored, transaction.atomic():
                export.file.save(f"{export.name}.{export.file_format}", File(stored), save=False)
                return export_transition(export=export, to=Export.Status.READY, by=None, extra={
                    "file": export.file.name, "rows": rows, "progress": 100,
                    "finished_at": timezone.now()})
        finally:
            os.unlink(path)
    except Exception as error:  # the person sees "failed" and may ask again; the log has why
        logger.exception("export %s failed", export.pk)
        return export_transition(export=export, to=Export.Status.FAILED, by=None, extra={
            "error": type(error).__name__, "finished_at": timezone.now()})


def exports_remove_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of exports past their ``expires_at`` and mark them expired; return how
    many. Safe to run twice."""
    now = now or timezone.now()
    count = 0
    for export in Export.objects.filter(expires_at__lte=now,
                                        status__in=(Export.Status.READY, Export.Status.FAILED)):
        if export.file:
            export.file.delete(save=False)
        export_transition(export=export, to=Export.Status.EXPIRED, by=None, extra={"file": ""})
        count += 1
    return count
