"""/healthz and /readyz: status codes and each check's JSON, with the failures a probe must see."""

import json
import socket
import threading

import pytest
from django.core.files.storage import storages
from django.test import Client

from portal import health


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def no_broker(settings):
    settings.REDIS_URL = ""


def fake_clamd(answer: bytes):
    """A one-connection clamd on a free port answering ``answer`` to what it reads."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = []

    def serve():
        conn, _ = server.accept()
        with conn:
            received.append(conn.recv(64))
            conn.sendall(answer)
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"tcp://127.0.0.1:{server.getsockname()[1]}", received


def test_healthz_answers_without_touching_the_database(client):
    # No database for this test: pytest-django would fail any query with a RuntimeError.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_200_when_every_configured_check_passes(client, no_broker):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "broker": "skipped", "storage": "ok", "scanner": "skipped"}
    # The storage check leaves nothing behind.
    assert list(storages["default"].listdir("")[1]) == []


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed"
    assert body["checks"]["broker"]["status"] == "failed"
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_is_200_with_a_broker_that_answers(client, settings, local_redis_url):
    url = local_redis_url
    settings.REDIS_URL = url

    response = client.get("/readyz")

    assert (response.status_code, response.json()["checks"]["broker"]["status"]) == (200, "ok")


@pytest.mark.django_db
def test_readyz_is_503_when_the_files_folder_cannot_be_written(client, no_broker, settings,
                                                                 tmp_path):
    # Root writes through any mode bits: a folder that is a regular file fails for everyone.
    (tmp_path / "taken").write_text("not a folder")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "taken" / "files"}}}
    storages._storages.pop("default", None)

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["storage"]["status"], checks["storage"]["error"]) == (
        "failed", "NotADirectoryError")
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_pings_the_virus_scanner_when_configured(client, no_broker, settings):
    settings.CLAMAV_URL, received = fake_clamd(b"PONG\0")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["scanner"]["status"] == "ok"
    assert received == [b"zPING\0"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_scanner_answers_something_else(client, no_broker, settings):
    settings.CLAMAV_URL, _ = fake_clamd(b"UNKNOWN COMMAND\0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["scanner"] == {
        "status": "failed", "error": "ConnectionError",
        "ms": response.json()["checks"]["scanner"]["ms"]}


def test_clamd_ping_over_a_unix_socket(tmp_path):
    path = tmp_path / "clamd.ctl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        with conn:
            assert conn.recv(64) == b"zPING\0"
            conn.sendall(b"PONG\0")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    health.clamd_ping(f"unix://{path}")
    thread.join(timeout=5)
    server.close()


def test_a_new_check_is_one_line(monkeypatch, client, no_broker, db):
    def check_always_down():
        raise TimeoutError("down")

    monkeypatch.setitem(health.READINESS_CHECKS, "extra", check_always_down)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["extra"]["error"] == "TimeoutError"


@pytest.mark.django_db
def test_probes_are_not_redirected_to_https(settings, no_broker):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new client loads the middleware with these settings

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301
