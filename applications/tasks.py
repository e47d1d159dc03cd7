from celery import shared_task

from applications.services import eligibility_check


@shared_task(name="applications.check_eligibility", acks_late=True)
def task_check_eligibility(*, version_id: int) -> None:
    eligibility_check(version_id=version_id)
