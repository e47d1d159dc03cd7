"""PDF checks and file names of uploads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import pdf_upload_errors, safe_filename, sha256_of
from tests.factories import MINIMAL_PDF

MB = 1024 * 1024
NOT_A_PDF = ("“{name}” is not a PDF document (its content is not PDF, whatever its name says). "
             "Please export or print it to PDF and upload that.")


def upload(content: bytes, name: str = "file.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pdf_of_size(size: int) -> bytes:
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


def test_a_minimal_pdf_has_no_errors():
    assert pdf_upload_errors(upload(MINIMAL_PDF), max_bytes=MB) == []


def test_an_empty_file_is_refused():
    assert pdf_upload_errors(upload(b""), max_bytes=MB) == ["The file is empty."]


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    assert pdf_upload_errors(upload(pdf_of_size(3 * MB)), max_bytes=MB) == [
        "The file is 3.0\xa0MB; the limit is 1.0\xa0MB. Please upload a smaller PDF."]


def test_a_file_one_byte_over_the_limit_shows_the_sizes_in_bytes():
    # Rounded, both would read "1.0 MB".
    assert pdf_upload_errors(upload(pdf_of_size(MB + 1)), max_bytes=MB) == [
        "The file is 1048577 bytes; the limit is 1048576 bytes. Please upload a smaller PDF."]


def test_a_file_of_exactly_the_limit_is_accepted():
    assert pdf_upload_errors(upload(pdf_of_size(MB)), max_bytes=MB) == []


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"PK\x03\x04 this is a .docx file",
        b"Just some text that mentions %%EOF at the end\n%%EOF",
        b"%PDF" + b"-" * 10,
    ],
)
def test_content_that_is_not_a_pdf_is_refused_whatever_the_name(content):
    assert pdf_upload_errors(upload(content, "Business plan.pdf"), max_bytes=MB) == [
        NOT_A_PDF.format(name="Business_plan.pdf")]


def test_the_refusal_names_only_the_last_part_of_the_file_name():
    assert pdf_upload_errors(upload(b"not a pdf", "../../etc/passwd.pdf"), max_bytes=MB) == [
        NOT_A_PDF.format(name="passwd.pdf")]


def test_leading_junk_within_the_first_kilobyte_is_accepted():
    # 1019 bytes of junk: "%PDF-" ends exactly at byte 1024.
    content = b"J" * 1019 + MINIMAL_PDF
    assert pdf_upload_errors(upload(content), max_bytes=MB) == []


def test_leading_junk_pushing_the_header_past_the_first_kilobyte_is_refused():
    content = b"J" * 1020 + MINIMAL_PDF
    assert pdf_upload_errors(upload(content), max_bytes=MB) == [NOT_A_PDF.format(name="file.pdf")]


def test_a_pdf_without_the_eof_marker_is_refused():
    truncated = MINIMAL_PDF.replace(b"%%EOF", b"")
    assert pdf_upload_errors(upload(truncated), max_bytes=MB) == [
        NOT_A_PDF.format(name="file.pdf")]


def test_a_pdf_cut_off_before_its_end_is_refused():
    # A long PDF whose %%EOF marker was in the part that got lost.
    content = pdf_of_size(10_000)[:-7] + b"0" * 3000
    assert pdf_upload_errors(upload(content), max_bytes=MB) == [NOT_A_PDF.format(name="file.pdf")]


def test_trailing_bytes_after_the_eof_marker_are_accepted():
    assert pdf_upload_errors(upload(MINIMAL_PDF + b"\r\n" * 100), max_bytes=MB) == []


def test_the_check_leaves_the_file_at_its_start():
    uploaded = upload(MINIMAL_PDF)
    uploaded.read(10)
    pdf_upload_errors(uploaded, max_bytes=MB)
    assert uploaded.tell() == 0
    assert uploaded.read() == MINIMAL_PDF


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.pdf", "plan.pdf"),
        ("  report.pdf  ", "report.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("C:\\Users\\Ana\\Desktop\\..\\plan.pdf", "plan.pdf"),
        ("Déclaration SME (signée).pdf", "Declaration_SME_signee.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),  # the "/" starts a new part
        ("plan: v2 (final)?.pdf", "plan_v2_final.pdf"),
        ("a.b.pdf", "a.b.pdf"),
        # Nothing left, or only the extension: the default name.
        ("", "document.pdf"),
        (".", "document.pdf"),
        ("..", "document.pdf"),
        ("folder/", "document.pdf"),
        ("計画書.pdf", "document.pdf"),
        (".hidden.pdf", "document.hidden.pdf"),
        # Long names are cut in the stem so that they keep their extension.
        ("a" * 200 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_is_never_longer_than_150_characters():
    assert len(safe_filename("b" * 400 + "." + "x" * 40)) == 150


def test_safe_filename_takes_a_default():
    assert safe_filename("..", default="attachment.pdf") == "attachment.pdf"


def test_sha256_of_reads_every_chunk_and_rewinds():
    content = pdf_of_size(3 * MB)  # more than one chunk
    uploaded = upload(content)
    assert sha256_of(uploaded) == hashlib.sha256(content).hexdigest()
    assert uploaded.tell() == 0
