"""A real worker killed (SIGKILL) in the middle of filling a payment batch, then a new worker
finishing it: every tranche ends with exactly one payment.

The fill is slowed down by ``PAYMENTS_FILL_DELAY_SECONDS`` (a test-only setting read by
``payments.services.finance.batch_fill``, 0 by default), given to the worker through a settings
module of this test's own, so that the kill lands mid-batch with a transaction open.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count

from payments.models import Payment, PaymentBatch, Tranche
from payments.services.finance import batch_create, batch_refill
from tests.integration.conftest import Worker, wait_until, worker_database_url
from tests.payments.factories import results_call
from tests.payments.test_finance_services import finance_officer, funded

pytestmark = pytest.mark.django_db(transaction=True)

TRANCHES = 300
DELAY_SECONDS = 0.03  # 300 tranches: about 9 s for a whole fill
KILL_AFTER = 25  # payments committed before the SIGKILL
FINISH_SECONDS = 120


class SlowWorker(Worker):
    """A worker as in conftest, whose Django settings add the fill delay."""

    def __init__(self, *, broker_url: str, queue: str, log: Path, settings_dir: Path) -> None:
        self.queue, self.log = queue, log
        self.hostname = f"integration-kill-{os.getpid()}-{log.stem}@localhost"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CELERY_BROKER")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "payment_kill_settings",
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(settings.BASE_DIR)]),
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        })
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker",
                   "--pool=solo", "--concurrency=1", "-Q", queue, "-n", self.hostname,
                   "--without-heartbeat", "--without-gossip", "--without-mingle",
                   "--loglevel=INFO"]
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def start_slow_worker(celery_queue, redis_url, transactional_db,
                      tmp_path) -> Iterator[Callable[[], SlowWorker]]:
    (tmp_path / "payment_kill_settings.py").write_text(
        "from portal.settings import *  # noqa: F403\n"
        f"PAYMENTS_FILL_DELAY_SECONDS = {DELAY_SECONDS}\n")
    workers: list[SlowWorker] = []

    def start() -> SlowWorker:
        worker = SlowWorker(broker_url=redis_url, queue=celery_queue,
                            log=tmp_path / f"worker-{len(workers) + 1}.log",
                            settings_dir=tmp_path)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def live_payments_per_tranche(tranche_ids) -> dict[int, int]:
    return dict(Payment.objects.filter(tranche_id__in=tranche_ids, status__in=Payment.LIVE)
                .values_list("tranche_id").annotate(n=Count("pk")).values_list("tranche_id", "n"))


def test_killed_worker_mid_batch_never_pays_a_tranche_twice(start_slow_worker):
    call = results_call(tranches=((100, "agreement_countersigned"),))
    officer = finance_officer(call.eurocluster)
    tranche_ids = [funded(call, acronym=f"P{n}")[1][0].pk for n in range(TRANCHES)]
    worker = start_slow_worker()

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

    second = start_slow_worker()
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
