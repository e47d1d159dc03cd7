from celery import shared_task

from accounts.services.erasure import erased_accounts_purge, signups_remove_unconfirmed


@shared_task(name="accounts.remove_unconfirmed_signups")
def task_remove_unconfirmed_signups() -> int:
    return signups_remove_unconfirmed()


@shared_task(name="accounts.purge_erased_accounts")
def task_purge_erased_accounts() -> int:
    return erased_accounts_purge()
