"""Submission to eligibility result through a real broker and a real worker process."""

import logging
import re
import time
from datetime import timedelta

import pytest

from applications.eligibility_services import eligibility_sweep
from applications.models import Application, Declaration, EligibilityResult
from applications.services import application_submit
from portal.celery import app as celery_app
from tests.factories import complete_application
from tests.integration.conftest import use_broker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CHECK_SECONDS = 30
# Publishing to a broker that is down must fail within the transport options' few seconds.
OUTAGE_SUBMIT_SECONDS = 10


def submit(application):
    return application_submit(application=application, by=application.created_by,
                              declarations=Declaration.values)


def checked_result(version, worker):
    """Wait for the worker to record the result of ``version``'s check."""
    return wait_until(
        lambda: EligibilityResult.objects.filter(version=version, checked_at__isnull=False)
        .first(),
        seconds=CHECK_SECONDS, what=f"the eligibility check of version {version.pk}",
        worker=worker)


def succeeded(worker, task_name):
    pattern = re.compile(rf"Task {re.escape(task_name)}\[[0-9a-f-]+\] succeeded")
    return wait_until(lambda: pattern.findall(worker.output()), seconds=CHECK_SECONDS,
                      what=f"the worker to log {task_name} succeeded", worker=worker)


def queue_warnings(caplog) -> list[str]:
    """The tasks that ``enqueue_on_commit`` could not queue, in order."""
    return [record.args[0] for record in caplog.records if record.name == "portal.queue"]


def test_real_worker_checks_a_submission(start_worker, redis_url):
    worker = start_worker(broker_url=redis_url)
    application = complete_application()

    version = submit(application)

    result = checked_result(version, worker)
    assert (result.outcome, result.automatic_outcome) == ("eligible", "eligible"), worker.report()
    assert Application.objects.get(pk=application.pk).status == Application.Status.ELIGIBLE
    # Both tasks queued on commit went through Redis and ran in the worker, once each.
    assert len(succeeded(worker, "applications.check_eligibility")) == 1, worker.report()
    assert len(succeeded(worker, "portal.send_mail")) == 1, worker.report()


def test_broker_outage_loses_nothing(start_worker, redis_server, caplog):
    caplog.set_level(logging.WARNING, logger="portal.queue")
    use_broker(redis_server.url)
    # Like a web process that has been publishing: its pool holds a connection when Redis dies.
    with celery_app.pool.acquire(block=True) as connection:
        connection.ensure_connection(max_retries=1)
    redis_server.stop()
    application = complete_application()

    started = time.monotonic()
    version = submit(application)
    elapsed = time.monotonic() - started

    assert elapsed < OUTAGE_SUBMIT_SECONDS
    assert queue_warnings(caplog) == ["portal.send_mail", "applications.check_eligibility"]
    result = EligibilityResult.objects.get(version=version)
    assert (result.outcome, result.checked_at) == ("pending", None)
    assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED

    redis_server.start()
    worker = start_worker(broker_url=redis_server.url)
    caplog.clear()

    assert eligibility_sweep(older_than=timedelta(0)) == 1
    assert queue_warnings(caplog) == [], worker.report()
    result = checked_result(version, worker)
    assert (result.outcome, result.automatic_outcome) == ("eligible", "eligible"), worker.report()
    assert Application.objects.get(pk=application.pk).status == Application.Status.ELIGIBLE
    assert len(succeeded(worker, "applications.check_eligibility")) == 1, worker.report()
