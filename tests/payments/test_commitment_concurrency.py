"""Two managers (or workers) generating agreements at the same moment never commit more than the
call's budget or the per-third-party cap: row locks on the call and the enterprise, on a real
database (PostgreSQL; skipped on SQLite, which has no row locks)."""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from applications.models import Application
from payments.models import GrantAgreement
from payments.services.agreements import CommitmentExceeded, agreement_generate
from tests.factories import EuroclusterFactory, OrganisationFactory
from tests.payments.factories import results_call, selected_application, third_party_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (SELECT ... FOR UPDATE): run with DATABASE_URL pointing "
               "at PostgreSQL, as CI does.",
    ),
]


def run_together(*actions: Callable[[], object]) -> tuple[list, list]:
    """Run each action in its own thread, all released at the same instant; (results, errors)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [], []

    def worker(action) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as error:  # reported by the test, not swallowed
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


def selected(call, amount: str, **kwargs) -> Application:
    application = selected_application(call, **kwargs)
    Application.objects.filter(pk=application.pk).update(requested_amount=Decimal(amount))
    application.refresh_from_db()
    return application


def test_two_agreements_over_the_call_budget_at_once_only_one_is_made():
    call = results_call(budget=Decimal("30000"))
    first, second = selected(call, "20000"), selected(call, "15000")

    results, errors = run_together(lambda: agreement_generate(application=first),
                                   lambda: agreement_generate(application=second))

    assert len(results) == 1
    assert [type(e) for e in errors] == [CommitmentExceeded]
    assert "over its budget" in errors[0].message
    assert GrantAgreement.objects.count() == 1
    assert GrantAgreement.objects.get().amount == results[0].amount


def test_one_enterprise_over_the_cap_in_two_euroclusters_at_once_only_one_is_made():
    organisation = OrganisationFactory()
    call_a = results_call(eurocluster=EuroclusterFactory())
    call_b = results_call(eurocluster=EuroclusterFactory())
    first = selected(call_a, "30000", organisation=organisation)
    second = selected(call_b, "30000.01", organisation=organisation)
    # The enterprise's row exists already (as after an earlier grant): creating it would
    # serialise the two by its unique key, and hide a missing lock.
    third_party_of(first)

    results, errors = run_together(lambda: agreement_generate(application=first),
                                   lambda: agreement_generate(application=second))

    assert len(results) == 1
    assert [type(e) for e in errors] == [CommitmentExceeded]
    assert "over the maximum support per third party" in errors[0].message
    assert GrantAgreement.objects.count() == 1


def test_the_same_agreement_generated_twice_at_once_is_made_once():
    call = results_call(budget=Decimal("100000"))
    application = selected(call, "20000")

    results, errors = run_together(lambda: agreement_generate(application=application),
                                   lambda: agreement_generate(application=application))

    assert errors == []
    assert results[0].pk == results[1].pk
    assert GrantAgreement.objects.count() == 1
