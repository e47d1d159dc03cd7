from celery import shared_task

from portal.audit_chain import audit_seal
from portal.mail import email_message
from portal.notifications import (
    digests_send,
    notification_send,
    pending_notifications_requeue,
)
from portal.scanning import pending_uploads_rescan


@shared_task(name="portal.send_mail", acks_late=True, autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def task_send_mail(*, to: list[str], subject: str, body: str,
                   language: str | None = None) -> None:
    email_message(subject=subject, body=body, to=to, language=language).send()


@shared_task(name="portal.audit_seal", acks_late=True)
def task_audit_seal() -> int:
    """Put the audit entries committed since the last run into the hash chain (beat)."""
    return audit_seal()


@shared_task(name="portal.scan_pending", acks_late=True)
def task_scan_pending() -> dict[str, int]:
    return pending_uploads_rescan()


@shared_task(name="portal.send_notification", acks_late=True, autoretry_for=(OSError,),
             max_retries=5, retry_backoff=True)
def task_send_notification(*, notification_id: int) -> str:
    """E-mail one notification; a second run (redelivery, retry) sends nothing twice."""
    return notification_send(notification_id=notification_id)


@shared_task(name="portal.send_digests", acks_late=True, autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def task_send_digests() -> int:
    """Each person's daily digest of the notifications she asked to get so (beat, daily)."""
    return digests_send()


@shared_task(name="portal.sweep_notifications", acks_late=True)
def task_sweep_notifications() -> int:
    """Queue again the e-mails of notifications whose task was lost (beat)."""
    return pending_notifications_requeue()
