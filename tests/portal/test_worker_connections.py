"""The Celery worker keeps its database connection from task to task under Django's own rules
(CONN_MAX_AGE, errors), instead of Celery's closing it around every task."""

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection, connections

from portal.celery import app, connections_between_tasks

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Django never closes SQLite's in-memory test database: only a server's connection shows it.
    pytest.mark.skipif(connection.vendor == "sqlite",
                       reason="run with DATABASE_URL pointing at PostgreSQL, as CI does"),
]


def a_task(*, eager: bool = False):
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager), name="tests.task")


@pytest.fixture
def kept(settings):
    """An open connection that Django would keep for another 60 s."""
    wrapper = connections["default"]
    wrapper.close()
    wrapper.ensure_connection()
    wrapper.close_at = time.monotonic() + 60
    yield wrapper
    wrapper.close()


def test_celerys_fixup_no_longer_closes_the_connection_after_each_task(kept):
    fixup = DjangoWorkerFixup(app)
    fixup._db_recycles = 0
    for _ in range(10):
        fixup.on_task_prerun(sender=a_task())
        fixup.on_task_postrun(sender=a_task())
    assert kept.connection is not None


def test_the_fixup_still_recycles_the_connection_now_and_then(kept, settings):
    fixup = DjangoWorkerFixup(app)
    fixup._db_recycles = 0
    for _ in range(app.conf.get("CELERY_DB_REUSE_MAX")):
        fixup.on_task_prerun(sender=a_task())
        fixup.on_task_postrun(sender=a_task())
        kept.ensure_connection()
    fixup.on_task_prerun(sender=a_task())
    assert kept.connection is None


def test_a_kept_connection_survives_a_task(kept):
    connections_between_tasks(sender=a_task())
    assert kept.connection is not None


def test_a_connection_past_its_age_is_closed_between_tasks(kept):
    kept.close_at = time.monotonic() - 1
    connections_between_tasks(sender=a_task())
    assert kept.connection is None


def test_a_connection_that_failed_is_closed_between_tasks(kept, monkeypatch):
    kept.errors_occurred = True
    monkeypatch.setattr(type(kept), "is_usable", lambda self: False)
    connections_between_tasks(sender=a_task())
    assert kept.connection is None


def test_an_eager_task_leaves_the_connection_alone(kept):
    kept.close_at = time.monotonic() - 1
    connections_between_tasks(sender=a_task(eager=True))
    assert kept.connection is not None


def test_a_task_after_the_server_ended_the_connection_gets_a_new_one(kept):
    """A PostgreSQL restart (or a terminated backend) between two tasks: the next task's first
    query runs on a new connection instead of failing on the dead one."""
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    time.sleep(0.2)
    connections_between_tasks(sender=a_task())
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
