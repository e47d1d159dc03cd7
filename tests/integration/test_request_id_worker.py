"""A request's id reaches the real worker: the task's JSON log lines there carry it."""

import json

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from portal.queue import enqueue_on_commit
from portal.request_id import RequestIdMiddleware
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_logs_a_queued_task_with_the_request_id(start_worker, redis_url,
                                                           monkeypatch):
    monkeypatch.setenv("DJANGO_LOG_FORMAT", "json")  # as in production; read by the worker
    worker = start_worker(broker_url=redis_url)

    def view(request):
        with transaction.atomic():
            enqueue_on_commit("portal.send_mail", to=["someone@example.eu"], subject="Hello",
                              body="Hello")
        return HttpResponse()

    middleware = RequestIdMiddleware(view)
    middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-worker-1"))

    def task_lines():
        found = []
        for line in worker.output().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "portal.send_mail" in record.get("message", ""):
                found.append(record)
        return [r for r in found if "succeeded" in r["message"]]

    (record,) = wait_until(task_lines, seconds=30, what="the task's log line", worker=worker)
    assert record["request_id"] == "req-worker-1", worker.report()
    assert record["logger"] == "celery.app.trace"
