"""Celery tasks of the evaluation app: thin adapters around the services (see STYLE.md).

Services queue these by their registered name (``portal.queue.enqueue_on_commit``) and never
import this module, so it imports them at the top: no import circle.
"""

from celery import shared_task
from django.db import OperationalError

from calls.models import OpenCall
from evaluation.reminders import invitations_remind, reviews_remind
from evaluation.services.assignment import RunBusy
from evaluation.services.assignment_runs import (
    assignment_fill,
    assignment_run_execute,
    assignment_runs_sweep,
)
from evaluation.services.ranking import reserves_promote_all

# --- pool and assignment ---------------------------------------------------------------------


@shared_task(name="evaluation.run_assignment", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def task_run_assignment(*, run_id: int) -> None:
    assignment_run_execute(run_id=run_id)


@shared_task(name="evaluation.sweep_assignment_runs", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_sweep_assignment_runs() -> int:
    """Queue again the runs whose worker was killed or whose message was lost (beat)."""
    return assignment_runs_sweep()


@shared_task(name="evaluation.fill_assignments", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def task_fill_assignments(self, *, call_id: int) -> None:
    call = OpenCall.objects.filter(pk=call_id).first()
    if call is None:
        return
    try:
        assignment_fill(call=call)
    except RunBusy as busy:
        # Another run holds the call: try again once it is likely done.
        raise self.retry(countdown=60, max_retries=10, exc=busy) from None


# --- results: ranking, reserve list, redress ---------------------------------------------------


@shared_task(name="evaluation.promote_reserves", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_promote_reserves() -> int:
    """Move up reserves of every published ranking where a selected applicant left (beat: every
    minute, so that withdrawals on the applications' own page are caught; that app may not
    import this one). Safe to run twice: a second run finds nothing more that fits."""
    return reserves_promote_all()


# --- reminders ---------------------------------------------------------------------------------


@shared_task(name="evaluation.remind_reviews", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_reviews() -> int:
    """Remind evaluators of unfinished reviews before the evaluation deadline (beat)."""
    return reviews_remind()


@shared_task(name="evaluation.remind_invitations", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_invitations() -> int:
    """Remind evaluators of invitations unanswered for 3 days (beat)."""
    return invitations_remind()
