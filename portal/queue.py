import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """Queue ``task`` after the current transaction commits, never failing the caller.

    The database is the source of truth: when the broker is down the work stays pending in the
    database and a periodic sweeper queues it again (the eligibility check has one; an e-mail
    has none and is lost), so a request that has already committed must not turn into an error
    page.
    """

    def send() -> None:
        try:
            # No publish retries: a broker that is down or hung must not hold the request.
            task.apply_async(kwargs=kwargs, retry=False)
        except Exception:  # broker outage, DNS, timeouts: all transient here
            # Ids only: other arguments may hold personal data (an e-mail's address and body).
            ids = {name: value for name, value in kwargs.items() if name.endswith("_id")}
            logger.warning("could not queue %s %s", task.name, ids, exc_info=True)

    transaction.on_commit(send)
