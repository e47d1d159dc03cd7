"""Fault drill: the disk of the uploaded files full, then read-only.

The private storage is a real tmpfs of 64 kB mounted for the test (``mount -t tmpfs``: root, or
the CAP_SYS_ADMIN capability, is needed; chmod would not stop root). An upload through the
portal's own view then meets a real ENOSPC, and after ``mount -o remount,ro`` a real EROFS. The
applicant gets a clear message, the draft is unchanged (the earlier file of the same document
stays, no row is written, no part of the file is left on the disk), the error is logged, and the
upload works again once the disk has room.
"""

import errno
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, Attachment
from tests.factories import MINIMAL_PDF, RequiredDocumentFactory, complete_application
from tests.integration.conftest import _cannot_run

pytestmark = pytest.mark.django_db

MESSAGE = ("The file could not be stored (the server’s disk is full or read-only); your draft "
           "is unchanged, please try again later.")
# A PDF bigger than what is left on the full disk, smaller than the call's limit.
BIG_PDF = MINIMAL_PDF.replace(b"%%EOF", b"%" + b"x" * 40_000 + b"\n%%EOF")


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def small_disk(tmp_path, settings):
    """The private files on a tmpfs of 64 kB of their own; unmounted at teardown."""
    if not shutil.which("mount"):
        _cannot_run("`mount` is not installed")
    point = tmp_path / "disk"
    point.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(point))
    except (subprocess.CalledProcessError, PermissionError) as error:
        _cannot_run(f"a tmpfs cannot be mounted here (root needed): {error}")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": point, "base_url": "/files-not-served/"},
    }}
    storages._storages.pop("default", None)
    yield point
    storages._storages.pop("default", None)
    subprocess.run(["umount", "-l", str(point)], check=False, timeout=10)


def _fill(point: Path) -> Path:
    """Write a filler file until the disk has no byte left."""
    filler = point / "filler"
    with filler.open("wb", buffering=0) as output:
        try:
            while True:
                output.write(b"\0" * 1024)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def _stored_files(point: Path) -> set[str]:
    return {str(path.relative_to(point)) for path in point.rglob("*.pdf")}


def _upload(client, application, document, content, name="plan.pdf"):
    return client.post(reverse("applications:upload", kwargs={"pk": application.pk}),
                       {"required_document": document.pk,
                        "file": SimpleUploadedFile(name, content, "application/pdf")},
                       follow=True)


def _draft(application) -> dict:
    application = Application.objects.get(pk=application.pk)
    return {"title": application.title, "summary": application.summary,
            "sections": application.sections, "requested_amount": application.requested_amount,
            "status": application.status, "updated_at": application.updated_at}


def test_full_then_read_only_disk_refuses_the_upload_and_keeps_the_draft(client, small_disk,
                                                                          caplog):
    application = complete_application()
    document = RequiredDocumentFactory(call=application.call)
    client.force_login(application.created_by)
    assert _upload(client, application, document, MINIMAL_PDF, "first.pdf").status_code == 200
    first = Attachment.objects.get(application=application)
    draft = _draft(application)
    files = _stored_files(small_disk)
    assert files == {first.file.name}

    # Full: ENOSPC while the file is written.
    filler = _fill(small_disk)
    caplog.set_level(logging.ERROR, logger="portal.uploads")
    response = _upload(client, application, document, BIG_PDF, "second.pdf")

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [MESSAGE]
    assert "disk is full or read-only); your draft is unchanged" in response.content.decode()
    assert list(Attachment.objects.filter(application=application)
                .values_list("pk", "removed_at")) == [(first.pk, None)]
    assert _draft(application) == draft
    assert _stored_files(small_disk) == files  # the part written was removed
    assert [(r.levelname, "No space left on device" in r.getMessage())
            for r in caplog.records] == [("ERROR", True)]

    # Read-only (room again, but the disk refuses every write): EROFS.
    filler.unlink()
    _mount("-o", "remount,ro", str(small_disk))
    caplog.clear()
    response = _upload(client, application, document, MINIMAL_PDF, "third.pdf")

    assert [str(m) for m in response.context["messages"]] == [MESSAGE]
    assert list(Attachment.objects.filter(application=application)
                .values_list("pk", "removed_at")) == [(first.pk, None)]
    assert _draft(application) == draft
    assert [(r.levelname, "Read-only file system" in r.getMessage())
            for r in caplog.records] == [("ERROR", True)]

    # Writable again: the same upload goes through and replaces the first file.
    _mount("-o", "remount,rw", str(small_disk))
    response = _upload(client, application, document, BIG_PDF, "second.pdf")

    assert [str(m) for m in response.context["messages"]] == ["“second.pdf” is uploaded."]
    live = Attachment.objects.get(application=application, removed_at__isnull=True)
    assert (live.original_name, live.size) == ("second.pdf", len(BIG_PDF))
    assert _stored_files(small_disk) == files | {live.file.name}
