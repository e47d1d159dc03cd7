"""A real worker killed (SIGKILL) in the middle of filling a payment batch, then a new worker
finishing it: every tranche ends with exactly one payment.

The fill is slowed down by ``PAYMENTS_FILL_DELAY_SECONDS`` (a test-only setting read by
``payments.services.finance.batch_fill``, 0 by default), given to the worker as a setting of its
own, so that the kill lands mid-batch with a transaction open.
"""

import pytest
from django.db.models import Count

from payments.models import Payment, PaymentBatch, Tranche
from payments.services.finance import batch_create, batch_refill
from tests.integration.conftest import wait_until
from tests.payments.factories import results_call
from tests.payments.test_finance_services import finance_officer, funded

pytestmark = pytest.mark.django_db(transaction=True)

TRANCHES = 300
DELAY_SECONDS = 0.03  # 300 tranches: about 9 s for a whole fill
KILL_AFTER = 25  # payments committed before the SIGKILL
FINISH_SECONDS = 120
SLOW_FILL = {"PAYMENTS_FILL_DELAY_SECONDS": DELAY_SECONDS}


def live_payments_per_tranche(tranche_ids) -> dict[int, int]:
    return dict(Payment.objects.filter(tranche_id__in=tranche_ids, status__in=Payment.LIVE)
                .values_list("tranche_id").annotate(n=Count("pk")).values_list("tranche_id", "n"))


def test_killed_worker_mid_batch_never_pays_a_tranche_twice(start_worker, redis_url):
    call = results_call(tranches=((100, "agreement_countersigned"),))
    officer = finance_officer(call.eurocluster)
    tranche_ids = [funded(call, acronym=f"P{n}")[1][0].pk for n in range(TRANCHES)]
    worker = start_worker(broker_url=redis_url, settings=SLOW_FILL)

    batch = batch_create(eurocluster=call.eurocluster, by=officer)  # queued on commit

    wait_until(lambda: Payment.objects.filter(batch=batch).count() >= KILL_AFTER,
               seconds=60, what=f"{KILL_AFTER} payments", worker=worker)
    worker.kill()

    # Partial state: some tranches are in the batch with one payment each, the others are
    # still approved with none; the tranche of the killed transaction is rolled back with it.
    counts = live_payments_per_tranche(tranche_ids)
    in_batch = set(Tranche.objects.filter(pk__in=tranche_ids, status=Tranche.Status.IN_BATCH)
                   .values_list("pk", flat=True))
    assert KILL_AFTER <= len(counts) < TRANCHES, worker.report()
    assert set(counts) == in_batch
    assert set(counts.values()) == {1}
    assert Tranche.objects.filter(pk__in=tranche_ids,
                                  status=Tranche.Status.APPROVED).count() == \
        TRANCHES - len(in_batch)
    assert PaymentBatch.objects.get(pk=batch.pk).filled_at is None  # cannot be exported

    second = start_worker(broker_url=redis_url, settings=SLOW_FILL)
    batch_refill(batch=batch, by=officer)  # "Fill again": queued on commit

    wait_until(lambda: PaymentBatch.objects.get(pk=batch.pk).filled_at,
               seconds=FINISH_SECONDS, what="the batch to be filled", worker=second)
    counts = live_payments_per_tranche(tranche_ids)
    assert len(counts) == TRANCHES, second.report()
    assert set(counts.values()) == {1}
    assert Payment.objects.filter(batch=batch).count() == TRANCHES
    assert not Tranche.objects.filter(pk__in=tranche_ids).exclude(
        status=Tranche.Status.IN_BATCH).exists()
    # Every payment is the tranche's first attempt: nothing was paid and rolled back twice.
    assert set(Payment.objects.values_list("end_to_end_id", flat=True)) == {
        f"T{pk}-1" for pk in tranche_ids}
