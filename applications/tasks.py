from celery import shared_task
from django.db import OperationalError

from applications.clarifications import clarifications_remind_overdue
from applications.eligibility_services import eligibility_check, eligibility_sweep
from applications.personal_data import drafts_remove_expired
from applications.reminders import drafts_remind


@shared_task(name="applications.check_eligibility", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def task_check_eligibility(*, version_id: int, recheck: bool = False) -> None:
    eligibility_check(version_id=version_id, recheck=recheck)


@shared_task(name="applications.sweep_eligibility")
def task_sweep_eligibility() -> None:
    eligibility_sweep()


@shared_task(name="applications.remove_expired_drafts")
def task_remove_expired_drafts() -> int:
    return drafts_remove_expired()


@shared_task(name="applications.remind_drafts", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_drafts() -> int:
    """Remind applicants of their drafts before the deadline (beat); safe to run twice."""
    return drafts_remind()


@shared_task(name="applications.remind_overdue_clarifications")
def task_remind_overdue_clarifications() -> int:
    return clarifications_remind_overdue()
