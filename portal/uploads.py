"""Checks on uploaded files, shared by every app that takes them."""

import hashlib
import os
import unicodedata

from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

PDF_MAGIC = b"%PDF-"


def pdf_upload_errors(uploaded, *, max_bytes: int) -> list[str]:
    """Return what is wrong with ``uploaded`` as a PDF of at most ``max_bytes`` (empty if fine).

    The type is judged by the content, not by the name: a PDF starts with ``%PDF-`` within its
    first kilobyte (the format allows a little leading junk) and holds an ``%%EOF`` marker.
    """
    errors = []
    size = uploaded.size or 0
    if size == 0:
        return [_("The file is empty.")]
    if size > max_bytes:
        size_text, limit_text = filesizeformat(size), filesizeformat(max_bytes)
        if size_text == limit_text:
            # Just over the limit both round to "1.0 MB": only the bytes show the difference.
            size_text = _("%(n)d bytes") % {"n": size}
            limit_text = _("%(n)d bytes") % {"n": max_bytes}
        errors.append(
            _("The file is %(size)s; the limit is %(limit)s. Please upload a smaller PDF.")
            % {"size": size_text, "limit": limit_text}
        )
        return errors
    uploaded.seek(0)
    head = uploaded.read(1024)
    uploaded.seek(max(size - 2048, 0))
    tail = uploaded.read()
    uploaded.seek(0)
    if PDF_MAGIC not in head or b"%%EOF" not in tail:
        errors.append(
            _("“%(name)s” is not a PDF document (its content is not PDF, whatever its name "
              "says). Please export or print it to PDF and upload that.")
            % {"name": safe_filename(getattr(uploaded, "name", "") or "file")}
        )
    return errors


def safe_filename(name: str, *, default: str = "document.pdf") -> str:
    """The last path part of ``name``, reduced to safe characters; never a path."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # SuspiciousFileOperation for names such as "." or ".."
        return default
    if cleaned.startswith("."):
        # "計画書.pdf" keeps only ".pdf": a hidden file once downloaded.
        cleaned = os.path.splitext(default)[0] + cleaned
    stem, extension = os.path.splitext(cleaned)
    extension = extension[:10]
    # Shorten the stem, not the extension, so that a long name still ends in ".pdf".
    return stem[: 150 - len(extension)] + extension


def sha256_of(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def pdf_download(fieldfile, *, filename: str | None = None):
    """A download of a stored PDF, or 404 when the file is not (or no longer) in storage."""
    if not fieldfile or not fieldfile.storage.exists(fieldfile.name):
        raise Http404
    return FileResponse(fieldfile.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=filename or fieldfile.name.rsplit("/", 1)[-1])
