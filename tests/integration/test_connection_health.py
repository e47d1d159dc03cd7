"""The health check of a kept PostgreSQL connection (portal/postgresql/base.py): no round trip
while the connection is quiet, and a connection the server ended is replaced before it is used."""

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from portal.postgresql.base import socket_quiet

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A second connection to the test database, kept between 'requests' with health checks on,
    as gunicorn's workers keep theirs in production."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    wrapper.settings_dict = {**wrapper.settings_dict, "CONN_HEALTH_CHECKS": True,
                             "CONN_MAX_AGE": 60}
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _next_request(wrapper):
    """What Django does at the start of a request, then the request's first query."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _counting_is_usable(wrapper, monkeypatch) -> list:
    calls = []
    original = wrapper.is_usable

    def is_usable():
        calls.append(1)
        return original()

    monkeypatch.setattr(wrapper, "is_usable", is_usable)
    return calls


def test_a_quiet_kept_connection_is_used_without_a_select_1(kept, monkeypatch):
    assert kept.vendor == "postgresql" and kept.health_check_enabled
    first = _next_request(kept)
    checks = _counting_is_usable(kept, monkeypatch)
    assert _next_request(kept) == first
    assert _next_request(kept) == first
    assert checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(kept,
                                                                              monkeypatch):
    first = _next_request(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    deadline = time.monotonic() + 5
    while socket_quiet(kept.connection) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not socket_quiet(kept.connection)
    checks = _counting_is_usable(kept, monkeypatch)
    second = _next_request(kept)
    assert second != first
    assert checks == [1]  # the termination notice made Django's own check run, and it failed


def test_a_closed_connection_is_not_quiet(kept):
    raw = kept.connection
    kept.close()
    assert not socket_quiet(raw)
