"""Submission to eligibility result through a real broker and a real worker process."""

import logging
import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from applications.eligibility_services import eligibility_sweep
from applications.models import Application, ApplicationVersion, Declaration, EligibilityResult
from applications.services import application_submit
from portal.celery import app as celery_app
from tests.factories import OpenCallFactory, complete_application
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
    assert len(succeeded(worker, "portal.send_notification")) == 1, worker.report()


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
    assert queue_warnings(caplog) == ["portal.send_notification", "applications.check_eligibility"]
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


class QueueWarnings(logging.Handler):
    """The names of the tasks that ``enqueue_on_commit`` could not queue, in order."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(record.args[0])


def test_redis_stopped_during_submits_every_check_runs_once_after_it_returns(
        start_worker, redis_server, settings):
    """The drill: Redis (the broker, the cache and the sessions' front copy, as in production)
    stops while SMEs, logged in before, submit through the portal's page and starts again with an
    empty queue; the worker lives through it. Every submit gets its receipt (the session read from
    the database meanwhile); the checks queued during the outage are lost with Redis and run once
    the sweeper (``applications.sweep_eligibility``, sent as beat sends it) finds them; no check
    runs twice."""
    # On the queue's own logger, not the root's as caplog: the test client's first request
    # configures logging again (Celery's Django fix-up runs django.setup()), dropping the root's.
    warnings = QueueWarnings()
    logging.getLogger("portal.queue").addHandler(warnings)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_server.url[:-1] + "1"}}
    settings.SESSION_ENGINE = "portal.sessions"
    use_broker(redis_server.url)
    worker = start_worker(broker_url=redis_server.url,
                          settings={"ELIGIBILITY_SWEEP_AFTER_SECONDS": 0})
    call = OpenCallFactory()
    before, during, after = ([complete_application(call=call, acronym=f"{phase}{n}")
                              for n in range(count)]
                             for phase, count in (("B", 2), ("D", 3), ("A", 2)))

    clients = {}
    for application in before + during + after:
        clients[application.pk] = Client()
        clients[application.pk].force_login(application.created_by)

    def submit_page(application):
        client = clients[application.pk]
        started = time.monotonic()
        response = client.post(reverse("applications:submit", kwargs={"pk": application.pk}),
                               {"declarations": Declaration.values})
        assert time.monotonic() - started < OUTAGE_SUBMIT_SECONDS
        version = ApplicationVersion.objects.get(application=application)
        assert (response.status_code, response["Location"]) == (302, version.get_absolute_url())
        return version

    versions = [submit_page(application) for application in before]
    for version in versions:
        checked_result(version, worker)

    redis_server.stop()
    lost = [submit_page(application) for application in during]
    assert warnings.names == ["portal.send_notification", "applications.check_eligibility"] * 3
    assert not EligibilityResult.objects.filter(version__in=lost,
                                                checked_at__isnull=False).exists()

    redis_server.start()  # empty: what was queued before the outage is gone with it
    warnings.names.clear()
    versions += [submit_page(application) for application in after]
    for version in versions[-2:]:
        checked_result(version, worker)  # the worker reconnected by itself
    assert warnings.names == []
    logging.getLogger("portal.queue").removeHandler(warnings)

    celery_app.send_task("applications.sweep_eligibility")
    for version in lost:
        checked_result(version, worker)

    versions += lost
    results = EligibilityResult.objects.filter(version__in=versions)
    assert sorted(results.values_list("version_id", "outcome")) == sorted(
        (version.pk, "eligible") for version in versions)
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        Application.Status.ELIGIBLE}
    assert len(succeeded(worker, "applications.sweep_eligibility")) == 1, worker.report()
    # Seven versions, seven checks: the sweep queued only the three lost with the outage.
    checks = succeeded(worker, "applications.check_eligibility")
    assert len(checks) == 7, worker.report()
    assert "eligibility sweep queued 3 check(s)" in worker.output()
