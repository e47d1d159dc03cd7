"""PDF checks and file names of uploads."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from portal.uploads import pdf_active_content, pdf_upload_errors, safe_filename, sha256_of
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


# --- active content in PDFs -------------------------------------------------------------------

JAVASCRIPT_REFUSED = ("“{name}” contains JavaScript, which the portal does not accept in a PDF. "
                      "Please print it to a new PDF (without scripts or form actions) and upload "
                      "that.")
LAUNCH_REFUSED = ("“{name}” contains an action that opens another program or file, which the "
                  "portal does not accept in a PDF. Please print it to a new PDF and upload that.")
EMBEDDED_REFUSED = ("“{name}” has files embedded in it (attachments inside the PDF), which the "
                    "portal does not accept. Please upload each document as a PDF of its own.")


def built_pdf(change=None) -> bytes:
    """A one-page PDF written by pypdf, after ``change(writer, page)`` added what it adds."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    if change:
        change(writer, page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def js_action(script: str = "app.alert('hi')") -> DictionaryObject:
    return DictionaryObject({NameObject("/Type"): NameObject("/Action"),
                             NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(script)})


def launch_action() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                             NameObject("/F"): TextStringObject("calc.exe")})


def link(writer: PdfWriter, page, action: DictionaryObject) -> None:
    annotation = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                   NameObject("/Subtype"): NameObject("/Link"),
                                   NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                                   NameObject("/A"): writer._add_object(action)})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def document_script(writer, page):
    names = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("init"), writer._add_object(js_action())])})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)})


def open_action_script(writer, page):
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(js_action())


def chained_script(writer, page):
    # A harmless first action whose /Next runs the script.
    first = DictionaryObject({NameObject("/S"): NameObject("/URI"),
                              NameObject("/URI"): TextStringObject("https://example.org/"),
                              NameObject("/Next"): js_action()})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(first)


def page_open_script(writer, page):
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(js_action())})


def link_script(writer, page):
    link(writer, page, js_action())


def link_launch(writer, page):
    link(writer, page, launch_action())


def embedded_file(writer, page):
    writer.add_attachment("payload.exe", b"MZ not really a program")


def file_attachment_annotation(writer, page):
    stream = DecodedStreamObject()
    stream.set_data(b"hidden")
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                             NameObject("/F"): TextStringObject("x.txt"),
                             NameObject("/EF"): DictionaryObject(
                                 {NameObject("/F"): writer._add_object(stream)})})
    annotation = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                   NameObject("/Subtype"): NameObject("/FileAttachment"),
                                   NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                                   NameObject("/FS"): writer._add_object(spec)})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


XFA_TEMPLATE = (b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">'
                b'<subform name="form1"><field name="amount">%s</field></subform></template>')
XFA_SCRIPT = (b'<event activity="initialize"><script contentType="application/x-javascript">'
              b'app.launchURL("https://example.org/")</script></event>')


def xfa_form(template: bytes, *, single_stream: bool = False):
    """An AcroForm whose /XFA holds ``template``, compressed, as one stream or as the packet
    array (names and streams) that form designers write."""
    def change(writer, page):
        stream = DecodedStreamObject()
        stream.set_data(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">' + template
                        + b"</xdp:xdp>")
        packets = writer._add_object(stream.flate_encode())
        xfa = packets if single_stream else ArrayObject(
            [TextStringObject("template"), packets])
        writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): xfa}))
    return change


def web_link(writer, page):
    link(writer, page, DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                         NameObject("/URI"): TextStringObject("https://e.org")}))


@pytest.mark.parametrize(("change", "refusals"), [
    (document_script, [JAVASCRIPT_REFUSED]),
    (open_action_script, [JAVASCRIPT_REFUSED]),
    (chained_script, [JAVASCRIPT_REFUSED]),
    (page_open_script, [JAVASCRIPT_REFUSED]),
    (link_script, [JAVASCRIPT_REFUSED]),
    (link_launch, [LAUNCH_REFUSED]),
    (embedded_file, [EMBEDDED_REFUSED]),
    (file_attachment_annotation, [EMBEDDED_REFUSED]),
])
def test_a_pdf_with_active_content_is_refused_with_what_it_carries(change, refusals):
    content = built_pdf(change)
    assert pdf_upload_errors(upload(content, "plan v2.pdf"), max_bytes=MB) == [
        refusal.format(name="plan_v2.pdf") for refusal in refusals]


@pytest.mark.parametrize("single_stream", [False, True])
def test_an_xfa_form_with_a_script_is_refused_as_javascript(single_stream):
    content = built_pdf(xfa_form(XFA_TEMPLATE % XFA_SCRIPT, single_stream=single_stream))
    assert b"<script" not in content  # compressed: only the decoded packet shows it
    assert pdf_upload_errors(upload(content), max_bytes=MB) == [
        JAVASCRIPT_REFUSED.format(name="file.pdf")]


def test_an_xfa_form_without_scripts_is_accepted():
    content = built_pdf(xfa_form(XFA_TEMPLATE % b"<value><float>1500</float></value>"))
    assert pdf_upload_errors(upload(content), max_bytes=MB) == []


def test_a_pdf_with_a_script_and_an_embedded_file_gets_both_refusals():
    def both(writer, page):
        open_action_script(writer, page)
        embedded_file(writer, page)

    assert pdf_upload_errors(upload(built_pdf(both)), max_bytes=MB) == [
        JAVASCRIPT_REFUSED.format(name="file.pdf"), EMBEDDED_REFUSED.format(name="file.pdf")]


@pytest.mark.parametrize("change", [None, web_link])
def test_a_pdf_with_pages_and_web_links_only_is_accepted(change):
    assert pdf_upload_errors(upload(built_pdf(change)), max_bytes=MB) == []


def test_a_script_whose_name_is_written_in_hex_is_found():
    # "/J#61vaScript" is "/JavaScript" to a PDF reader: the bytes do not show it, the parse does.
    content = built_pdf(open_action_script).replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in content
    assert pdf_upload_errors(upload(content), max_bytes=MB) == [
        JAVASCRIPT_REFUSED.format(name="file.pdf")]


def test_a_pdf_that_cannot_be_parsed_is_searched_for_the_tokens():
    broken = b"%PDF-1.4\n<</S/JavaScript/JS(app.alert(1))>>\n%%EOF\n"
    assert pdf_upload_errors(upload(broken), max_bytes=MB) == [
        JAVASCRIPT_REFUSED.format(name="file.pdf")]
    assert pdf_upload_errors(upload(pdf_of_size(5000)), max_bytes=MB) == []


def test_the_active_content_check_leaves_the_file_at_its_start():
    uploaded = upload(built_pdf(embedded_file))
    uploaded.read(10)
    assert pdf_active_content(uploaded) == {"embedded"}
    assert uploaded.tell() == 0
