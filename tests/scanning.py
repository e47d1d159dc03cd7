"""Uploads for the virus-scanning tests: a harmless marker that the test signature database
(tests/clamav/db/portal-test.ndb) and the fake clamd both report as a threat, like EICAR."""

import pytest
from clamav_client.clamd import ClamdNetworkSocket, CommunicationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import MINIMAL_PDF

MARKER = b"PORTAL-CLAMAV-TEST-SIGNATURE-7f3a"
# clamd names a signature of an unofficial database with this suffix.
THREAT = "Portal.Test.Signature-1.UNOFFICIAL"
# MINIMAL_PDF with the marker in a comment line: still a plain PDF to every other check.
INFECTED_PDF = MINIMAL_PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + MARKER + b"\n", 1)


def pdf_upload(content: bytes = MINIMAL_PDF, name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def refusal(name: str = "plan.pdf", threat: str = THREAT) -> str:
    return (f"“{name}” was refused: the virus scanner found “{threat}” in it, so the file was "
            "not kept. Please check your computer with an up-to-date antivirus and upload a clean "
            "copy.")


class FakeClamd:
    """clamd at the boundary: clamav-client's INSTREAM answered in-process. Finds MARKER as
    ``THREAT``; ``down = True`` makes it unreachable as a stopped daemon is."""

    def __init__(self) -> None:
        self.down = False
        self.scanned: list[bytes] = []

    def instream(self, client, buff) -> dict:
        data = b""
        while chunk := buff.read(1024):  # as clamav-client sends it
            data += chunk
        if self.down:
            raise CommunicationError(
                f"Error 111 connecting {client.host}:{client.port}. Connection refused.")
        self.scanned.append(data)
        if MARKER in data:
            return {"stream": ("FOUND", THREAT)}
        return {"stream": ("OK", None)}


@pytest.fixture
def fake_clamd(settings, monkeypatch) -> FakeClamd:
    fake = FakeClamd()
    settings.CLAMAV_URL = "tcp://clamd.invalid:3310"
    monkeypatch.setattr(ClamdNetworkSocket, "instream",
                        lambda client, buff: fake.instream(client, buff))
    return fake
