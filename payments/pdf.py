"""Grant agreement PDFs: HTML rendered by WeasyPrint, and the signature page of the final document.

The templates (``templates/payments/agreement/``) carry their own CSS and use the fonts of the
system (DejaVu, Liberation): no file, image or font is ever fetched, so the fetcher below refuses
every URL but inline ``data:`` ones. Rendering takes plain data (strings, numbers, lists of
dicts), never model instances: a call's own template is written by a cluster manager and must
reach nothing but what the agreement shows.

The final document is the signed document with the signature page added as an *incremental
update* (PDF 1.7, 7.5.6): its first bytes are exactly the bytes that were signed, so anyone can
check the signed SHA-256 against the start of the final file.
"""

import hashlib
import io
import threading

from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader, PdfWriter

STANDARD_TEMPLATE = "payments/agreement/standard.html"
CUSTOM_WRAPPER = "payments/agreement/custom.html"
SIGNATURE_PAGE = "payments/agreement/signature_page.html"
COURTESY_COVER = "payments/agreement/_courtesy_cover.html"


_fetcher = None


def _self_contained():
    """Agreements are self-contained: inline ``data:`` URIs only (an emblem may be embedded that
    way); http, https, ftp and file URLs are refused, and WeasyPrint leaves the resource out."""
    global _fetcher
    if _fetcher is None:
        from weasyprint.urls import URLFetcher  # noqa: PLC0415 -- WeasyPrint loads Pango: only where a PDF is rendered

        _fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)
    return _fetcher


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# One PDF at a time in a process: the worker runs tasks in threads (settings.CELERY_WORKER_POOL),
# and WeasyPrint, through Pango and fontconfig, does not promise to be safe across threads.
_RENDERING = threading.Lock()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 -- WeasyPrint loads Pango: only where a PDF is rendered

    with _RENDERING:
        return HTML(string=html, url_fetcher=_self_contained(), base_url=None).write_pdf()


def agreement_html(*, context: dict, template_source: str = "") -> str:
    """The HTML of the agreement: the call's own template (a Django template of the body, wrapped
    in the portal's page layout and styles) or the portal's standard FSTP agreement."""
    if template_source.strip():
        body = engines["django"].from_string(template_source).render(context)
        return render_to_string(CUSTOM_WRAPPER, {**context, "body": body})
    return render_to_string(STANDARD_TEMPLATE, context)


def courtesy_cover(*, context: dict, language: str) -> str:
    """The agreement's cover translated into ``language`` (``context`` made in it), for the
    beneficiary; placed before the agreement, which says it alone is binding."""
    with translation.override(language):
        return render_to_string(COURTESY_COVER, {**context, "cover_language": language})


def agreement_pdf(*, context: dict, template_source: str = "") -> bytes:
    """The agreement to sign, as PDF bytes."""
    return html_to_pdf(agreement_html(context=context, template_source=template_source))


def signature_page_pdf(*, context: dict) -> bytes:
    """The signature page: both signatures' records, the hash of the document signed, the
    verification code and address."""
    return html_to_pdf(render_to_string(SIGNATURE_PAGE, context))


def append_pages(document: bytes, pages: bytes) -> bytes:
    """``document`` followed by the pages of ``pages``, written as an incremental update: the
    result starts with the exact bytes of ``document``."""
    writer = PdfWriter(io.BytesIO(document), incremental=True)
    for page in PdfReader(io.BytesIO(pages)).pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    """The text of every page (for checks and tests), pages joined by new lines."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
