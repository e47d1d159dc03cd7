from celery import shared_task
from django.core.mail import send_mail


@shared_task(name="portal.send_mail", acks_late=True, autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def task_send_mail(*, to: list[str], subject: str, body: str) -> None:
    send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
