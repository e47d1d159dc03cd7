"""Checks on uploaded files, shared by every app that takes them."""

import contextlib
import hashlib
import io
import logging
import os
import re
import unicodedata

from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from portal.errors import DomainError

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# What a PDF may carry that does something when opened, rather than being read.
JAVASCRIPT, LAUNCH, EMBEDDED = "javascript", "launch", "embedded"
# Action types that run code or start a program (a rendition action's script is its /JS).
_ACTION_KINDS = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH}
# Used only when pypdf cannot parse the file (PDF readers repair broken files, so these still
# matter): long tokens, since compressed streams make short ones appear by chance.
_RAW_TOKENS = ((re.compile(rb"/JavaScript\b|/JS[\s(<\[/]"), JAVASCRIPT),
               (re.compile(rb"/Launch\b"), LAUNCH),
               (re.compile(rb"/EmbeddedFiles?\b|/FileAttachment\b"), EMBEDDED))


# An XFA form (the AcroForm's /XFA: one XML stream, or an array of packet names and streams)
# runs the scripts of its template, JavaScript or FormCalc, in the readers that render it.
_XFA_SCRIPT = re.compile(rb"<(?:[\w.-]+:)?script\b", re.IGNORECASE)


class StorageUnavailable(DomainError):
    """The file could not be written: the storage's disk is full or read-only (or gone)."""


def store_upload(fieldfile, *, name: str, content) -> str:
    """Write ``content`` to private storage as ``fieldfile``'s file (the model is not saved).

    The stored name comes from the field's ``upload_to``. An OSError of the storage (no space
    left, a read-only or vanished disk) is logged as an error and raised as StorageUnavailable,
    with a message a person can read; the part of the file written before the error is removed,
    so that a full disk is not filled further by retries. Returns the stored name.
    """
    field, storage, instance = fieldfile.field, fieldfile.storage, fieldfile.instance
    target = storage.get_available_name(field.generate_filename(instance, name),
                                        max_length=field.max_length)
    try:
        stored = storage.save(target, content, max_length=field.max_length)
    except OSError as error:
        logger.error("could not store an upload for %s as %s: %s", type(instance).__name__,
                     target, error)
        with contextlib.suppress(OSError):  # the disk may refuse the removal too
            if storage.exists(target):
                storage.delete(target)
        raise StorageUnavailable(
            _("The file could not be stored (the server’s disk is full or read-only); your "
              "draft is unchanged, please try again later.")) from error
    # Pointing the field at the stored name, as FieldFile.save does.
    setattr(instance, field.attname, stored)
    return stored


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
    errors.extend(_active_content_errors(uploaded))
    return errors


def _active_content_errors(uploaded) -> list[str]:
    name = safe_filename(getattr(uploaded, "name", "") or "file")
    found = pdf_active_content(uploaded)
    messages = {
        JAVASCRIPT: _("“%(name)s” contains JavaScript, which the portal does not accept in a "
                      "PDF. Please print it to a new PDF (without scripts or form actions) and "
                      "upload that."),
        LAUNCH: _("“%(name)s” contains an action that opens another program or file, which the "
                  "portal does not accept in a PDF. Please print it to a new PDF and upload "
                  "that."),
        EMBEDDED: _("“%(name)s” has files embedded in it (attachments inside the PDF), which the "
                    "portal does not accept. Please upload each document as a PDF of its own."),
    }
    return [messages[kind] % {"name": name} for kind in (JAVASCRIPT, LAUNCH, EMBEDDED)
            if kind in found]


def pdf_active_content(uploaded) -> set[str]:
    """What ``uploaded`` (a PDF) carries that acts rather than shows: a subset of
    {JAVASCRIPT, LAUNCH, EMBEDDED}. Rewinds the file.

    Every object reachable from the document's trailer is visited (the catalog's /Names
    /JavaScript and /EmbeddedFiles trees, /OpenAction, the document's and pages' /AA, annotations
    and form fields with their /A actions, chained /Next actions, the scripts of an XFA form's
    template, counted as JavaScript), so an action hidden in an object stream or behind an
    indirect reference is found as well. A file pypdf cannot parse is searched for the tokens
    instead.
    """
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Nothing inside can be checked without the password; readers ask for it.
            return _raw_active_content(data)
        return _walk(reader.trailer)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError,
            OSError, NotImplementedError) as error:
        logger.debug("PDF not parsed (%s): searching its bytes for active content", error)
        return _raw_active_content(data)


def _raw_active_content(data: bytes) -> set[str]:
    return {kind for pattern, kind in _RAW_TOKENS if pattern.search(data)}


def _walk(root) -> set[str]:
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            kind = _ACTION_KINDS.get(_name(node, "/S"))
            if kind:
                found.add(kind)
            if "/JS" in node:
                found.add(JAVASCRIPT)
            if ("/EmbeddedFiles" in node or "/EF" in node
                    or _name(node, "/Type") == "/EmbeddedFile"
                    or _name(node, "/Subtype") == "/FileAttachment"):
                found.add(EMBEDDED)
            if "/JavaScript" in node:  # the catalog's /Names tree of document scripts
                found.add(JAVASCRIPT)
            if "/XFA" in node and _xfa_has_scripts(node["/XFA"]):
                found.add(JAVASCRIPT)
            # A page's /Parent leads back up the tree, already (or soon) visited.
            pending.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return found


def _xfa_has_scripts(value) -> bool:
    """Whether an XFA form's packets (decoded) hold a script element."""
    value = _resolved(value)
    for part in value if isinstance(value, ArrayObject) else [value]:
        part = _resolved(part)
        if isinstance(part, StreamObject) and _XFA_SCRIPT.search(part.get_data()):
            return True
    return False


def _resolved(value):
    """``value``, or the object it refers to when it is an indirect reference."""
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(node: DictionaryObject, key: str) -> str:
    value = _resolved(node.get(key))
    return str(value) if value is not None else ""


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
    """A download of a stored PDF, or 404 when the file is not (or no longer) in storage, or
    is an upload still waiting for its virus scan (or found infected): never served."""
    if not getattr(getattr(fieldfile, "instance", None), "is_servable", True):
        raise Http404
    if not fieldfile or not fieldfile.storage.exists(fieldfile.name):
        raise Http404
    return FileResponse(fieldfile.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=filename or fieldfile.name.rsplit("/", 1)[-1])
