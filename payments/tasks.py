"""Celery tasks of the payments app: thin adapters around the services (see STYLE.md)."""

import logging

from celery import shared_task
from django.db import OperationalError

from applications.models import Application
from payments.reminders import agreements_remind, reports_remind
from payments.services.agreements import (
    agreement_generate,
    agreements_decline_overdue,
    agreements_generate_missing,
)
from payments.services.finance import batch_fill, batch_fill_sweep
from portal.errors import DomainError

logger = logging.getLogger(__name__)

# --- finance: payment batches -------------------------------------------------------------------


@shared_task(name="payments.fill_batch", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def task_fill_batch(*, batch_id: int, tranche_ids: list[int] | None = None) -> int:
    """Fill a draft payment batch. Safe to run twice, concurrently, or again after a worker was
    killed mid-way: each tranche gets at most one live payment (see payments.services.finance)."""
    return batch_fill(batch_id=batch_id, tranche_ids=tranche_ids)


@shared_task(name="payments.sweep_batches", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_sweep_batches() -> int:
    """Queue the fill again of draft batches whose fill never finished (beat)."""
    return batch_fill_sweep()


# --- agreements: generation, declines past the deadline -----------------------------------------


@shared_task(name="payments.generate_agreement", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def task_generate_agreement(*, application_id: int) -> int | None:
    """Generate the grant agreement of a selected application (an existing one is kept). A
    refusal (budget or cap exceeded, no longer selected) is logged, not retried: the sweep and
    the manager's page show what is missing."""
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        return None
    try:
        return agreement_generate(application=application).pk
    except DomainError as error:
        logger.warning("agreement of application %s not generated: %s", application_id,
                       error.message)
        return None


@shared_task(name="payments.generate_missing_agreements", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_generate_missing_agreements() -> int:
    """Queue an agreement for every selected application of a call with published results that
    has none (beat: the evaluation app publishes results and may not import this one)."""
    return agreements_generate_missing()


@shared_task(name="payments.decline_overdue_agreements", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_decline_overdue_agreements() -> int:
    """Decline agreements still unsigned past their deadline; the reserve list moves up (beat)."""
    return agreements_decline_overdue()


# --- reminders ---------------------------------------------------------------------------------


@shared_task(name="payments.remind_agreements", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_agreements() -> int:
    """Remind beneficiaries of an unsigned agreement 5 days before its deadline (beat)."""
    return agreements_remind()


@shared_task(name="payments.remind_reports", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def task_remind_reports() -> int:
    """Remind beneficiaries of a report due in 14 and in 3 days (beat)."""
    return reports_remind()
