"""/metrics: who may read it, and the figures it shows (requests by view, tasks, queues, and the
database's submissions and payments counted at scrape time)."""

import urllib.request
import uuid

import pytest
import redis
from django.db import transaction
from prometheus_client import REGISTRY

from applications.models import Declaration
from applications.services import application_submit
from payments.services.finance import batch_create
from portal import metrics
from portal.celery import app as celery_app
from tests.factories import ApplicationFactory, complete_application
from tests.payments.factories import results_call
from tests.payments.test_finance_services import finance_officer, funded
from tests.portal.test_health import free_port
from tests.portal.test_settings import run_python

TOKEN = "s3cret-token-for-the-scraper"


@celery_app.task(name="tests.metrics.boom")
def boom():
    raise ValueError("boom")


@celery_app.task(name="tests.metrics.fine")
def fine():
    return "done"


def lines(response) -> set[str]:
    return {line for line in response.content.decode().splitlines() if not line.startswith("#")}


@pytest.fixture
def production_access(settings):
    """As production configures it: no address allowed, a bearer token."""
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_BEARER_TOKEN = TOKEN


@pytest.mark.django_db
def test_metrics_are_refused_to_the_public_in_production(client, production_access):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


@pytest.mark.django_db
def test_metrics_answer_the_bearer_token(client, production_access):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


@pytest.mark.django_db
def test_allowed_network_is_answered_unless_it_came_through_the_proxy(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.METRICS_BEARER_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="11.1.2.3").status_code == 403
    # Behind the proxy, every request comes from the proxy's address: that is no permission.
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3",
                      HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    # An empty token never matches an empty "Bearer".
    assert client.get("/metrics", REMOTE_ADDR="11.1.2.3",
                      HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
def test_development_answers_the_machine_itself_only(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]

    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


@pytest.mark.django_db
def test_request_latency_is_counted_by_view(client):
    labels = {"method": "GET", "view": "healthz"}
    name = "django_http_requests_latency_seconds_by_view_method_count"
    before = REGISTRY.get_sample_value(name, labels) or 0

    client.get("/healthz")
    client.get("/healthz")

    assert REGISTRY.get_sample_value(name, labels) == before + 2
    assert f'{name}{{method="GET",view="healthz"}} {float(before + 2)}' in lines(
        client.get("/metrics"))


@pytest.mark.django_db
def test_submissions_and_applications_are_counted_at_scrape_time(client):
    ApplicationFactory()
    ApplicationFactory()
    application = complete_application()
    application_submit(application=application, by=application.created_by,
                       declarations=Declaration.values)

    shown = lines(client.get("/metrics"))

    assert "portal_submissions_total 1.0" in shown
    assert 'portal_applications{status="draft"} 2.0' in shown
    assert 'portal_applications{status="submitted"} 1.0' in shown
    assert 'portal_applications{status="withdrawn"} 0.0' in shown


@pytest.mark.django_db
def test_payments_are_shown_by_status_with_their_amount(client,
                                                         django_capture_on_commit_callbacks):
    call = results_call(tranches=((100, "agreement_countersigned"),))
    funded(call, acronym="P1", amount="20000")
    funded(call, acronym="P2", amount="12500")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        batch_create(eurocluster=call.eurocluster, by=finance_officer(call.eurocluster))

    shown = lines(client.get("/metrics"))

    assert 'portal_payments{status="pending"} 2.0' in shown
    assert 'portal_payments_amount_euros{status="pending"} 32500.0' in shown
    assert 'portal_payments{status="paid"} 0.0' in shown


@pytest.mark.django_db
def test_scraping_the_database_figures_takes_three_queries(client, django_assert_num_queries,
                                                           settings):
    settings.REDIS_URL = ""
    ApplicationFactory()
    with django_assert_num_queries(3):
        metrics.metrics_registry().collect()  # a generator: nothing yet
        list(metrics._Scraped().collect())


def test_task_durations_and_failures_are_counted_by_task():
    duration = "portal_celery_task_duration_seconds_count"
    failures = "portal_celery_task_failures_total"
    before_fine = REGISTRY.get_sample_value(duration, {"task": "tests.metrics.fine"}) or 0
    before_boom = REGISTRY.get_sample_value(failures, {"task": "tests.metrics.boom"}) or 0

    assert fine.delay().get() == "done"
    # As in a worker: the failure is recorded, not raised in the caller (eager runs raise
    # before Celery sends task_failure).
    failed = boom.apply(throw=False)

    assert failed.state == "FAILURE"
    assert REGISTRY.get_sample_value(duration, {"task": "tests.metrics.fine"}) == before_fine + 1
    assert REGISTRY.get_sample_value(failures, {"task": "tests.metrics.boom"}) == before_boom + 1
    assert (REGISTRY.get_sample_value(failures, {"task": "tests.metrics.fine"}) or 0) == 0


@pytest.mark.django_db
def test_queue_length_is_read_from_redis(client, settings, local_redis_url):
    url = local_redis_url
    settings.REDIS_URL = url
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    server = redis.Redis.from_url(url)
    server.rpush(queue, "a", "b", "c")
    try:
        shown = lines(client.get("/metrics"))
    finally:
        server.delete(queue)
        celery_app.conf.task_default_queue = previous

    assert f'portal_celery_queue_length{{queue="{queue}"}} 3.0' in shown


def test_without_a_broker_no_queue_length_is_shown(settings):
    settings.REDIS_URL = ""

    assert list(metrics.queue_lengths()) == []


def test_the_worker_serves_its_task_metrics_on_its_own_port(settings):
    settings.CELERY_METRICS_PORT = free_port()
    settings.CELERY_METRICS_ADDRESS = "127.0.0.1"
    fine.delay()

    server = metrics.serve_worker_metrics()
    try:
        with urllib.request.urlopen(  # noqa: S310 -- a local port this test opened
                f"http://127.0.0.1:{settings.CELERY_METRICS_PORT}/metrics", timeout=5) as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()

    assert 'portal_celery_task_duration_seconds_count{task="tests.metrics.fine"}' in body
    # The database's figures are the web's: the worker's port shows none.
    assert "portal_payments" not in body


def test_no_worker_port_unless_configured(settings):
    settings.CELERY_METRICS_PORT = 0

    assert metrics.serve_worker_metrics() is None


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """Two processes run a task each (as two prefork children would); a third scrapes both."""
    variables = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
                 "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    run_task = ("import django; django.setup(); from portal.tasks import task_send_mail; "
                "task_send_mail.apply(kwargs={'to': ['a@example.eu'], 'subject': 's', "
                "'body': 'b'})")
    for _ in range(2):
        done = run_python("-c", run_task, **variables)
        assert done.returncode == 0, done.stderr
    scrape = ("import django; django.setup(); import prometheus_client; "
              "from portal.metrics import metrics_registry; "
              "print(prometheus_client.generate_latest(metrics_registry(scraped=False)).decode())")

    done = run_python("-c", scrape, **variables)

    assert done.returncode == 0, done.stderr
    assert ('portal_celery_task_duration_seconds_count{task="portal.send_mail"} 2.0'
            in done.stdout.splitlines())
