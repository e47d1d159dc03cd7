import os
import time
from datetime import timedelta

import pytest
import redis
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone, translation

from euroclusters.models import Membership
from portal.celery import app as celery_app
from tests.factories import EuroclusterFactory, MembershipFactory
from tests.scanning import fake_clamd  # noqa: F401 -- a fixture for every area's tests


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tests run tasks in-process unless a test starts a real worker itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _english_first():
    """Every test starts in English: a request in another language leaves it active in the
    thread (as in any server thread, until its next request), and the next test must not
    inherit it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded files of a test go to its own folder, never into var/."""
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location, "base_url": "/files-not-served/"},
    }}
    storages._storages.pop("default", None)
    yield location
    storages._storages.pop("default", None)


@pytest.fixture(autouse=True)
def _no_virus_scanner(settings):
    """No clamd unless a test asks for one (``fake_clamd``, or the real one in tests/clamav/):
    a CLAMAV_URL in the developer's environment must not change what the tests see."""
    settings.CLAMAV_URL = ""


@pytest.fixture(autouse=True)
def _clear_cache():
    """The rate limits (allauth's and portal.ratelimits') count in the cache; one test must not
    throttle the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def local_redis_url() -> str:
    """The machine's Redis (database 0), for the tests that read it; without one they skip,
    unless REQUIRE_INTEGRATION_TESTS=1 (CI) makes that a failure."""
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_INTEGRATION_TESTS") == "1":
            pytest.fail("REQUIRE_INTEGRATION_TESTS=1 but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


@pytest.fixture
def clock(monkeypatch):
    """Moves the wall clock (``time.time``, which both rate limiters and the local-memory cache
    read, and ``django.utils.timezone.now``, which deadlines and beat tasks read) forward:
    ``clock(61)`` is a minute and a second later. The limits' windows then end as they would,
    with the counters still in the cache (Redis's own expiry does not move, and need not: a new
    window is a new counter, and allauth drops attempts older than its window)."""
    real_time, real_now = time.time, timezone.now
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=offset[0]))

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


@pytest.fixture
def time_stands_still(monkeypatch):
    """The wall clock (``time.time``) stops for the test, unless it moves it with ``clock``
    (request this one first: ``clock`` then moves the stopped time). A rate limit's window is
    fixed on the wall clock (django-ratelimit ends each key's minute on a second of its own), so
    a test's requests could otherwise straddle an edge, start a new count and miss the 429 they
    expect, now and then, on a slow machine."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)


@pytest.fixture(autouse=True)
def _site_url(settings):
    """Links in e-mails point at the portal under test, as PORTAL_SITE_URL does in production."""
    settings.PORTAL_SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Factories set a password per user; the production hasher would make that the slow part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_is_a_fresh_login(monkeypatch):
    """``client.force_login`` stands for a person who has just logged in and confirmed her
    password, as the re-authentication before signing, approving bank details, exporting SEPA files
    and changing roles asks (allauth's record of it in the session). The tests of that requirement
    make the record stale (tests/accounts/test_reauthentication.py); the login form and the
    browser tests go through the real thing."""
    force_login = Client.force_login

    def fresh_login(self, user, backend=None):
        force_login(self, user, backend)
        request = HttpRequest()
        request.session = self.session
        record_authentication(request, user, method="password", reauthenticated=True)
        request.session.save()

    monkeypatch.setattr(Client, "force_login", fresh_login)


# --- shared people and places ------------------------------------------------------------------

@pytest.fixture
def manager_a():
    return MembershipFactory(role=Membership.Role.MANAGER)


@pytest.fixture
def eurocluster_a(manager_a):
    return manager_a.eurocluster


@pytest.fixture
def eurocluster_b():
    return EuroclusterFactory()


@pytest.fixture
def manager_client(client, manager_a):
    client.force_login(manager_a.user)
    return client
