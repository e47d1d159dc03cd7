"""A request id on every log line of a request, on its response, and on the tasks it queues.

The middleware takes the ``X-Request-ID`` a proxy set (when it looks like an id) or makes one,
keeps it in a context variable for the request, and returns it in the response header. The log
filter puts it on every record (``request_id``, "-" outside a request). A task published while
it is set carries it in its message headers (``portal.queue.enqueue_on_commit`` passes it, and
``before_task_publish`` adds it to any other publish), and the worker sets it again for the
task's run (``task_prerun``), so the worker's log lines of that task carry the same id.
"""

import contextlib
import logging
import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "request_id"
# What a proxy's id may look like: no spaces or control characters to forge log lines with.
VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task_tokens: dict[str, object] = {}


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: even a refused request gets an id on its response and log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(META_KEY, "")
        request_id = incoming if VALID.match(incoming) else new_request_id()
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs a 4xx/5xx after the middleware returned, with the request.
            record.request_id = (_request_id.get()
                                 or getattr(getattr(record, "request", None), "request_id", None)
                                 or "-")
        return True


@before_task_publish.connect(dispatch_uid="portal.request_id.publish")
def _tag_published_task(headers=None, **kwargs) -> None:
    """A task published inside a request (or inside a task that has one) carries its id."""
    request_id = _request_id.get()
    if headers is not None and request_id and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


@task_prerun.connect(dispatch_uid="portal.request_id.prerun")
def _enter_task(task_id=None, task=None, **kwargs) -> None:
    if task is None:
        return
    # A worker merges the message's own headers into the request; an eager run keeps them apart.
    request_id = (getattr(task.request, TASK_HEADER, None)
                  or (getattr(task.request, "headers", None) or {}).get(TASK_HEADER))
    if request_id and VALID.match(str(request_id)) and task_id:
        _task_tokens[task_id] = _request_id.set(str(request_id))


@task_postrun.connect(dispatch_uid="portal.request_id.postrun")
def _leave_task(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        with contextlib.suppress(ValueError):  # set in another context (a thread pool's)
            _request_id.reset(token)
