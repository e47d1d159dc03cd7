import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def connections_between_tasks(sender=None, **_kwargs) -> None:
    """Before and after each task, Django's rules for its database connections, as between two
    requests: one past CONN_MAX_AGE, or that saw an error and is no longer usable, is closed; a
    kept one is checked before its next query (CONN_HEALTH_CHECKS). Celery's own closing of every
    connection around every task is turned down to a recycle every CELERY_DB_REUSE_MAX tasks
    (settings). A task run eagerly, inside a request or a test, is left alone, as Celery does."""
    request = getattr(sender, "request", None)
    if request is not None and getattr(request, "is_eager", False):
        return
    close_old_connections()
