from celery import shared_task

from calls.services import calls_sync_statuses


@shared_task(name="calls.sync_statuses", acks_late=True)
def task_sync_call_statuses() -> None:
    calls_sync_statuses()
