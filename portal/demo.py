"""What the demo-seeding commands of every app share: how a seeder runs, and where it serves."""

import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.core import mail
from django.db import transaction
from django.test.utils import override_settings

SITE = "http://127.0.0.1:8000"
# Seeding sends receipts, invitations and results; in a demo they stay in memory instead of
# filling the console.
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
# Eager tasks log every run at INFO; the demo output is the commands' own tables.
NOISY_LOGGERS = ("celery.app.trace", "kombu.connection")


@contextmanager
def quiet(*names: str):
    """Loggers ``names`` at ERROR for the block."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def seed_quietly(run: Callable[[], None], *, loggers: tuple[str, ...] = ()) -> int:
    """Run ``run`` in one transaction, its e-mails kept in memory and the noisy loggers quiet;
    return how many e-mails it would have sent (queued on commit, so counted after it)."""
    with override_settings(EMAIL_BACKEND=LOCMEM), quiet(*NOISY_LOGGERS, *loggers):
        # The outbox exists only once the in-memory backend has been used.
        before = len(getattr(mail, "outbox", None) or [])
        with transaction.atomic():
            run()
        return len(getattr(mail, "outbox", None) or []) - before
