"""Races between two requests, on a real database with row locks (PostgreSQL in CI)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from applications.models import Application, ApplicationVersion, Declaration, EligibilityResult
from applications.services import application_start, application_submit
from tests.factories import OpenCallFactory, OrganisationFactory, complete_application

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (SELECT ... FOR UPDATE): run with DATABASE_URL pointing "
               "at PostgreSQL, as CI does.",
    ),
]


def run_together(action: Callable[[], object], *, threads: int = 2) -> tuple[list, list]:
    """Run ``action`` in ``threads`` threads released at the same instant; (results, errors)."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as error:  # reported by the test, not swallowed
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in workers), "a thread is stuck"
    return results, errors


def test_two_simultaneous_submissions_give_exactly_one_version(mailoutbox):
    application = complete_application()
    by = application.created_by

    results, errors = run_together(lambda: application_submit(
        application=application, by=by, declarations=Declaration.values))

    assert errors == []
    assert len(results) == 2
    assert results[0].pk == results[1].pk
    assert list(ApplicationVersion.objects.filter(application=application)
                .values_list("number", flat=True)) == [1]
    assert EligibilityResult.objects.filter(version__application=application).count() == 1
    # The one queued check has run (eagerly) after the commit: one result, checked once.
    assert Application.objects.get(pk=application.pk).status == Application.Status.ELIGIBLE
    assert len(mailoutbox) == 1


def test_two_simultaneous_starts_give_exactly_one_application():
    call = OpenCallFactory()
    organisation = OrganisationFactory()

    results, errors = run_together(lambda: application_start(call=call, user=organisation.user))

    assert errors == []
    assert len(results) == 2
    assert results[0].pk == results[1].pk
    assert Application.objects.filter(call=call, organisation=organisation).count() == 1
