"""The reporting app's tasks, found by Celery's autodiscovery here."""

from celery import shared_task
from django.db import OperationalError

from reporting.exports.tasks import task_build_export, task_remove_expired_exports
from reporting.reminders import action_queue_remind

__all__ = ["task_build_export", "task_remind_action_queue", "task_remove_expired_exports"]


@shared_task(name="reporting.remind_action_queue", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_action_queue() -> int:
    """Send each manager this week's digest of her action queue, once (beat, hourly)."""
    return action_queue_remind()
