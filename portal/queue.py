import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """Queue ``task`` after the current transaction commits, never failing the caller.

    The database is the source of truth: when the broker is down the work stays pending in the
    database and the periodic sweeper queues it again, so a request that has already committed
    must not turn into an error page.
    """

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:  # broker outage, DNS, timeouts: all transient here
            logger.warning("could not queue %s %s; the sweeper will retry", task.name, kwargs,
                           exc_info=True)

    transaction.on_commit(send)
