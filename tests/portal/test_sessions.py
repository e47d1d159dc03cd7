"""The production session engine (portal.sessions): Redis in front, the database behind, and
each one's fault answered the portal's way; and the engine without Redis
(portal.sessions_database), whose database fault at the save is answered the same way."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import IntegrityError, OperationalError
from django.test import Client, override_settings

from accounts.mfa import SESSION_KEY as MFA_KEY
from portal.sessions import SessionStore
from tests.factories import UserFactory
from tests.portal.test_settings import production_variables, run_python

pytestmark = pytest.mark.django_db

MESSAGE = ("The portal cannot reach its database for a moment; your draft is safe, please try "
           "again in a minute.")


class UnreachableCache(BaseCache):
    """A Redis that does not answer: every call raises, as redis-py's ConnectionError does."""

    def __init__(self, location, params):
        super().__init__(params)

    def _refuse(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    get = set = add = delete = has_key = touch = incr = clear = _refuse


LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions-test"}
UNREACHABLE = {"BACKEND": "tests.portal.test_sessions.UnreachableCache"}


def _engine(cache: dict):
    return override_settings(SESSION_ENGINE="portal.sessions", SESSION_CACHE_ALIAS="sessions",
                             CACHES={"default": LOCAL, "sessions": cache})


@pytest.fixture
def stored():
    """A session saved in both, and its key."""
    with _engine(LOCAL):
        caches["sessions"].clear()
        store = SessionStore()
        store["colour"] = "blue"
        store.create()
        yield store.session_key


def test_a_session_is_read_from_the_cache_without_a_query(stored, django_assert_num_queries):
    with _engine(LOCAL), django_assert_num_queries(0):
        assert SessionStore(stored)["colour"] == "blue"


def test_a_session_missing_from_the_cache_is_read_from_the_database_and_copied_back(stored):
    with _engine(LOCAL):
        caches["sessions"].clear()
        assert SessionStore(stored)["colour"] == "blue"
        assert caches["sessions"].get(SessionStore(stored).cache_key) == {"colour": "blue"}


def test_with_redis_unreachable_the_database_answers(stored, caplog):
    with _engine(UNREACHABLE):
        assert SessionStore(stored)["colour"] == "blue"
        assert SessionStore().exists(stored)
        assert not SessionStore().exists("no-such-session-key-at-all-0123456")
        store = SessionStore(stored)
        store["colour"] = "green"
        store.save()
        fresh = SessionStore()
        fresh["colour"] = "red"
        fresh.create()
    assert Session.objects.get(pk=stored).get_decoded() == {"colour": "green"}
    assert Session.objects.get(pk=fresh.session_key).get_decoded() == {"colour": "red"}
    assert "session not copied to the cache" in caplog.text


def test_logging_out_with_redis_unreachable_fails_rather_than_leave_a_copy(stored):
    with _engine(UNREACHABLE), pytest.raises(ConnectionError):
        SessionStore(stored).delete()


@pytest.mark.parametrize("error", [
    # The database gone: its own error (the 503 page), not Django's UpdateError (a bare 400).
    OperationalError("server closed the connection unexpectedly"),
    # Anything else goes on as it was.
    IntegrityError("duplicate key"),
])
def test_an_error_of_the_database_at_save_goes_on_as_itself(stored, monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(Session, "save", refuse)
    with _engine(LOCAL):
        store = SessionStore(stored)
        store["colour"] = "green"
        with pytest.raises(type(error)):
            store.save()


def test_a_session_deleted_meanwhile_is_still_update_error(stored):
    with _engine(LOCAL):
        store = SessionStore(stored)
        store["colour"] = "green"
        Session.objects.filter(pk=stored).delete()
        with pytest.raises(UpdateError):
            store.save()


@pytest.mark.parametrize("engine", ["portal.sessions", "portal.sessions_database"])
def test_a_page_whose_session_save_meets_a_down_database_gets_the_503_page(monkeypatch, engine):
    """The restart drill's case: the session was read (from Redis, or from the database before
    it went away), the view ran, the database went away before the session (changed by the
    request) was saved. With Redis (production) and without (development, the drills)."""
    with _engine(LOCAL), override_settings(SESSION_ENGINE=engine):
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory())
        session = client.session
        session.pop(MFA_KEY, None)  # every page writes it back: the session changes
        session.save()

        def refuse(*args, **kwargs):
            raise OperationalError("the database system is shutting down")

        monkeypatch.setattr(Session, "save", refuse)
        response = client.get("/dashboard/")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert MESSAGE.replace("'", "&#x27;") in response.content.decode()


def test_production_with_redis_uses_it():
    code = ("import django; from django.conf import settings; django.setup(); "
            "print(settings.SESSION_ENGINE)")
    result = run_python("-c", code, **production_variables())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "portal.sessions"
    result = run_python("-c", code)
    assert result.stdout.strip() == "portal.sessions_database"
