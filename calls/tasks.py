from celery import shared_task

from calls.alert_services import call_alert_send, call_alerts_queue, call_alerts_sweep
from calls.services import calls_sync_statuses


@shared_task(name="calls.sync_statuses", acks_late=True)
def task_sync_call_statuses() -> None:
    calls_sync_statuses()


@shared_task(name="calls.queue_call_alerts", acks_late=True)
def task_queue_call_alerts(*, call_id: int) -> int:
    """Record and queue the alerts of a newly published call (run twice: nothing new)."""
    return call_alerts_queue(call_id=call_id)


@shared_task(name="calls.send_call_alert", acks_late=True, autoretry_for=(OSError,),
             max_retries=5, retry_backoff=True)
def task_send_call_alert(*, alert_id: int) -> bool:
    """E-mail one call alert; a second run sends nothing."""
    return call_alert_send(alert_id=alert_id)


@shared_task(name="calls.sweep_call_alerts", acks_late=True)
def task_sweep_call_alerts() -> int:
    """Queue again the alerts of the calls published in the last day (beat)."""
    return call_alerts_sweep()
