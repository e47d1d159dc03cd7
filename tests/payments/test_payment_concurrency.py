"""Filling payment batches at the same moment, on a real database with row locks (PostgreSQL)."""

import pytest
from django.db import connection

from payments.models import Payment, PaymentBatch, Tranche
from payments.services.finance import batch_fill
from tests.applications.test_concurrency import run_together
from tests.payments.factories import results_call
from tests.payments.test_finance_services import finance_officer, funded

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks (SELECT ... FOR UPDATE): run with DATABASE_URL pointing "
               "at PostgreSQL, as CI does.",
    ),
]


def approved_tranches(count: int):
    call = results_call()
    tranches = []
    for index in range(count):
        tranches += funded(call, acronym=f"P{index}")[1]
    return call, tranches


def assert_one_live_payment_each(tranches):
    for tranche in tranches:
        assert Payment.objects.filter(tranche=tranche, status__in=Payment.LIVE).count() == 1
        assert Tranche.objects.get(pk=tranche.pk).status == Tranche.Status.IN_BATCH


def test_two_fills_of_the_same_batch_at_once_pay_each_tranche_once():
    call, tranches = approved_tranches(10)
    batch = PaymentBatch.objects.create(eurocluster=call.eurocluster, reference="EC-T-1",
                                        created_by=finance_officer(call.eurocluster))

    results, errors = run_together(lambda: batch_fill(batch_id=batch.pk))

    assert errors == []
    assert sum(results) == 20
    assert Payment.objects.count() == 20
    assert_one_live_payment_each(tranches)


def test_two_batches_filled_at_once_never_share_a_tranche():
    call, tranches = approved_tranches(10)
    officer = finance_officer(call.eurocluster)
    batches = [PaymentBatch.objects.create(eurocluster=call.eurocluster, reference=f"EC-T-{n}",
                                           created_by=officer) for n in (1, 2)]
    queue = list(batches)

    results, errors = run_together(lambda: batch_fill(batch_id=queue.pop().pk))

    assert errors == []
    assert sum(results) == 20
    assert Payment.objects.count() == 20
    assert_one_live_payment_each(tranches)
    assert {p.end_to_end_id for p in Payment.objects.all()} == {f"T{t.pk}-1" for t in tranches}
