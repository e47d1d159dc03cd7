"""The request id: on the response, on the request's log lines, on the tasks it queues and in the
worker's run of them; and the JSON log lines of production."""

import json
import logging
import re

import pytest
from celery.signals import before_task_publish
from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from pythonjsonlogger.json import JsonFormatter

from portal.celery import app as celery_app
from portal.queue import enqueue_on_commit
from portal.request_id import RequestIdFilter, RequestIdMiddleware, current_request_id
from tests.integration.conftest import use_broker
from tests.portal.test_settings import production_variables, run_python


@celery_app.task(name="tests.request_id.echo")
def echo():
    logging.getLogger("tests.request_id").info("inside the task")
    return current_request_id()


def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_proxy_id_is_kept(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.9")["X-Request-ID"] == "lb-7f3a.9"


@pytest.mark.parametrize("forged", ["two words", "line\nbreak", "x" * 129, ""])
def test_an_id_that_could_forge_log_lines_is_replaced(client, forged):
    assert re.fullmatch(r"[0-9a-f]{32}",
                        client.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"])


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(client, caplog, settings):
    caplog.handler.addFilter(RequestIdFilter())
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # readyz logs the broker's failure

    response = client.get("/readyz", HTTP_X_REQUEST_ID="req-123")

    records = [r for r in caplog.records if r.name == "portal.health"]
    assert response["X-Request-ID"] == "req-123"
    assert [r.request_id for r in records] == ["req-123"]
    # Django logs the 503 after the middleware returned: the request still names its id.
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == ["req-123"]


def test_a_line_outside_any_request_says_so(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    logging.getLogger("tests.request_id").warning("no request")

    assert caplog.records[-1].request_id == "-"


@pytest.mark.django_db
def test_a_queued_task_carries_the_request_id_in_its_headers(django_capture_on_commit_callbacks):
    published = []

    def capture(headers=None, **kwargs):
        published.append(dict(headers))

    before_task_publish.connect(capture, weak=False)
    # Published for real, to Celery's in-memory broker (never the suite's Redis).
    previous = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    use_broker("memory://")

    def view(request):
        enqueue_on_commit("tests.request_id.echo")
        return HttpResponse()

    try:
        # The commit (and so the publish) comes after the response: the id was taken before.
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            response = RequestIdMiddleware(view)(
                RequestFactory().get("/", HTTP_X_REQUEST_ID="req-queued"))
    finally:
        before_task_publish.disconnect(capture)
        use_broker(previous)

    assert response["X-Request-ID"] == "req-queued"
    assert [(h["task"], h["request_id"]) for h in published] == [
        ("tests.request_id.echo", "req-queued")]


def test_the_task_runs_with_the_id_of_its_headers(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO, logger="tests.request_id")

    assert echo.apply_async(headers={"request_id": "req-task"}).get() == "req-task"

    assert [r.request_id for r in caplog.records if r.name == "tests.request_id"] == ["req-task"]
    # After the task, the id is gone again.
    assert current_request_id() is None


def test_json_lines_carry_time_level_logger_message_and_request_id(client, caplog):
    options = {key: value for key, value in django_settings.LOGGING["formatters"]["json"].items()
               if key != "()"}
    assert django_settings.LOGGING["formatters"]["json"]["()"] == (
        "pythonjsonlogger.json.JsonFormatter")
    formatter = JsonFormatter(**options)
    caplog.handler.addFilter(RequestIdFilter())

    response = RequestIdMiddleware(lambda request: (
        logging.getLogger("portal.example").warning("half %s", "done"), HttpResponse())[1])(
        RequestFactory().get("/", HTTP_X_REQUEST_ID="req-json"))
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("portal.example").exception("failed")

    first, second = (json.loads(formatter.format(record)) for record in caplog.records[-2:])
    assert response["X-Request-ID"] == "req-json"
    assert set(first) == {"time", "level", "logger", "message", "request_id"}
    assert (first["level"], first["logger"], first["message"], first["request_id"]) == (
        "WARNING", "portal.example", "half done", "req-json")
    assert (second["message"], second["request_id"]) == ("failed", "-")
    assert "ValueError: broken" in second["exc_info"]


def test_production_logs_one_json_object_a_line():
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('portal.example').warning('started %s', 1)")
    result = run_python("-c", code, **production_variables())

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert {key: line[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING", "logger": "portal.example", "message": "started 1",
        "request_id": "-"}


def test_development_logs_text_with_the_request_id():
    result = run_python("-c", "import django, logging; django.setup(); "
                              "logging.getLogger('portal.example').warning('started')")

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "WARNING portal.example [-] started"
