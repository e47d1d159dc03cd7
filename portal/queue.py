import logging

from celery import Task
from django.db import transaction

from portal.request_id import TASK_HEADER, current_request_id

logger = logging.getLogger(__name__)


def registered_task(name: str) -> Task:
    """The task registered under ``name`` in the portal's Celery app.

    A web process never runs a worker's start-up, so the apps' ``tasks`` modules may not be
    imported yet: import them (once) before giving up. An unknown name is a programming error
    and raises ``KeyError`` at once, in the caller, not later after the commit.
    """
    from portal.celery import app  # noqa: PLC0415 -- portal/__init__ imports this module's app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue_on_commit(name: str, **kwargs) -> None:
    """Queue the task registered as ``name`` after the current transaction commits.

    Queuing by name means a service never imports a ``tasks`` module (which imports services):
    no import circle inside an app. Eager mode (the embedded default and the tests) is honoured,
    since the task object itself is applied, not a ``send_task`` message.

    Never fails the caller: the database is the source of truth, and when the broker is down
    the work stays pending in the database and a periodic sweeper queues it again (the
    eligibility check and payment batches have one; an e-mail has none and is lost), so a
    request that has already committed must not turn into an error page.

    The request id of the request (or task) that queues it travels in the message's headers, so
    the worker's log lines of the task carry it too (``portal.request_id``).
    """
    task = registered_task(name)
    # Taken now: the commit may run the callback after the request's context has moved on.
    request_id = current_request_id()
    options = {"headers": {TASK_HEADER: request_id}} if request_id else {}

    def send() -> None:
        try:
            # No publish retries: a broker that is down or hung must not hold the request.
            task.apply_async(kwargs=kwargs, retry=False, **options)
        except Exception:  # broker outage, DNS, timeouts: all transient here
            # Ids only: other arguments may hold personal data (an e-mail's address and body).
            ids = {key: value for key, value in kwargs.items() if key.endswith("_id")}
            logger.warning("could not queue %s %s", name, ids, exc_info=True)

    transaction.on_commit(send)
