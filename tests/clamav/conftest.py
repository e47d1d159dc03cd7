"""A real clamd for the virus-scanning tests, started once per session in the foreground with a
temporary configuration and the signature database shipped in tests/clamav/db (one harmless
signature, tests.scanning.MARKER: the official databases cannot be downloaded here, and none is
needed). Debian's ``clamav-daemon`` provides the binary; without it these tests skip, unless
REQUIRE_INTEGRATION_TESTS=1 (CI) makes them fail instead.
"""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from clamav_client.clamd import ClamdError, ClamdNetworkSocket

DATABASE = Path(__file__).resolve().parent / "db"
START_SECONDS = 60


def _unavailable(reason: str):
    """Skip, or fail when the environment requires the clamd tests to run."""
    if os.environ.get("REQUIRE_INTEGRATION_TESTS") == "1":
        pytest.fail(f"REQUIRE_INTEGRATION_TESTS=1 but the clamd tests cannot run: {reason}",
                    pytrace=False)
    pytest.skip(f"{reason} (set REQUIRE_INTEGRATION_TESTS=1 to make this a failure)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Clamd:
    tcp_url: str
    unix_url: str
    log: Path


@pytest.fixture(scope="session")
def clamd(tmp_path_factory) -> Clamd:
    binary = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        _unavailable("clamd is not installed (Debian: apt-get install clamav-daemon)")
    folder = tmp_path_factory.mktemp("clamd")
    port = _free_port()
    config = folder / "clamd.conf"
    # The system clamd (if any) and freshclam are not used: this daemon reads only the shipped
    # database, listens on a free port and a socket of its own, and stops with the session.
    config.write_text(
        "Foreground yes\n"
        f"DatabaseDirectory {DATABASE}\n"
        f"TCPSocket {port}\nTCPAddr 127.0.0.1\n"
        f"LocalSocket {folder / 'clamd.sock'}\n"
        f"TemporaryDirectory {folder}\n"
        # Larger than the largest upload the portal takes (50 MB call documents).
        "StreamMaxLength 60M\n"
        "SelfCheck 0\n")
    log = folder / "clamd.log"
    with log.open("wb") as output:
        process = subprocess.Popen([binary, "-c", str(config)], stdout=output,
                                   stderr=subprocess.STDOUT)
    client = ClamdNetworkSocket("127.0.0.1", port, timeout=5)
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"clamd exited ({process.returncode}):\n{log.read_text()}", pytrace=False)
        try:
            if client.ping() == "PONG":
                break
        except ClamdError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"clamd did not answer within {START_SECONDS}s:\n{log.read_text()}",
                        pytrace=False)
        time.sleep(0.2)
    yield Clamd(tcp_url=f"tcp://127.0.0.1:{port}", unix_url=f"unix://{folder / 'clamd.sock'}",
                log=log)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def real_clamd(clamd, settings) -> Clamd:
    settings.CLAMAV_URL = clamd.tcp_url
    return clamd
