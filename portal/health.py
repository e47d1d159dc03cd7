"""``/healthz`` (the process answers) and ``/readyz`` (what it needs answers too), as JSON.

Load balancers and orchestrators poll them. ``/healthz`` touches nothing: a failing database must
not get every web process restarted. ``/readyz`` runs each check of ``READINESS_CHECKS`` and
answers 200 when none failed, 503 when one did. A check returns ``None`` when fine, ``SKIPPED``
when not configured here, or raises. Adding one is one line::

    READINESS_CHECKS["scanner"] = check_scanner

The response names each check's status and, on failure, the error's type only: the details (host
names, paths) go to the log, not to whoever can reach the endpoint.

Written here rather than with django-health-check: ours is four small functions and a view with
exactly the JSON and the 503 the probes want, where the library brings its own plugin apps, HTML
pages and a storage check that saves a file through the storage on every probe.
"""

import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import redis
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

SKIPPED = "skipped"
TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> str | None:
    """Redis answers PING (the Celery broker), when REDIS_URL is configured."""
    if not settings.REDIS_URL:
        return SKIPPED
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS,
                                  socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return None


def check_storage() -> str | None:
    """The private files' folder takes a new file (and it is removed at once)."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        return SKIPPED
    # A fresh installation has no folder until the first upload, which would create it.
    os.makedirs(storage.location, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=storage.location, prefix=".readyz-"):
        pass
    return None


def clamd_ping(url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """``zPING\\0`` to clamd at ``tcp://host:port`` or ``unix:///path``; raises unless PONG."""
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname:
        sock = socket.create_connection((parts.hostname, parts.port or 3310), timeout=timeout)
    elif parts.scheme == "unix" and parts.path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(unquote(parts.path))
    else:
        raise ValueError("CLAMAV_URL must be tcp://host:port or unix:///path")
    with sock:
        sock.sendall(b"zPING\0")
        answer = b""
        while not answer.endswith(b"\0") and len(answer) < 64:
            chunk = sock.recv(64)
            if not chunk:
                break
            answer += chunk
    if answer.rstrip(b"\0\n") != b"PONG":
        raise ConnectionError(f"clamd answered {answer!r} to PING")


def check_scanner() -> str | None:
    """The virus scanner (clamd) answers PING, when CLAMAV_URL is configured."""
    url = getattr(settings, "CLAMAV_URL", "")
    if not url:
        return SKIPPED
    clamd_ping(url)
    return None


READINESS_CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "scanner": check_scanner,
}


def readiness() -> tuple[bool, dict[str, dict]]:
    """Run every check; return whether all passed and each one's result."""
    results = {}
    for name, check in READINESS_CHECKS.items():
        started = time.monotonic()
        try:
            status = check() or "ok"
            result = {"status": status}
        except Exception as error:  # any failure of any dependency means "not ready"
            # No traceback: a probe every few seconds would fill the log with the same one.
            logger.warning("readiness check %s failed: %r", name, error)
            result = {"status": "failed", "error": type(error).__name__}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    return all(r["status"] != "failed" for r in results.values()), results


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    ready, checks = readiness()
    return JsonResponse({"status": "ok" if ready else "failed", "checks": checks},
                        status=200 if ready else 503)
