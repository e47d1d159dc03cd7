"""What the demo-seeding commands of every app share: how a seeder runs, and where it serves."""

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from portal.site import site_url

# The authenticator-app secret (base32) of every demo account that must have a second factor: the
# administrator, the Euroclusters' staff, the evaluators. Published like the demo password, so the
# demo never loads into production (DemoCommand's guard). `python manage.py demo_totp` prints the
# current code; `oathtool --totp -b SECRET` (or any authenticator app given the secret) computes
# the same.
DEMO_TOTP_SECRET = "DEMOPORTALSTAFFSECONDFACTORKEY23"


def demo_totp_code(at: float | None = None, secret: str = DEMO_TOTP_SECRET) -> str:
    """The code an authenticator app with ``secret`` (the demo's) shows at ``at`` (default now):
    RFC 6238 as allauth checks it."""
    moment = time.time() if at is None else at
    return format_hotp_value(hotp_value(secret, int(moment) // mfa_settings.TOTP_PERIOD))


# Where the demo's pages are served (PORTAL_SITE_URL; `make demo` serves the default).
SITE = site_url()
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


def seed_quietly(run: Callable[[], None], *, loggers: tuple[str, ...] = (),
                 atomic: bool = True) -> int:
    """Run ``run`` in one transaction (unless ``atomic`` is False: services that refuse to run
    inside another transaction, durable ones, commit step by step), its e-mails kept in memory
    and the noisy loggers quiet; return how many e-mails it would have sent (queued on commit,
    so counted after it)."""
    with override_settings(EMAIL_BACKEND=LOCMEM), quiet(*NOISY_LOGGERS, *loggers):
        # The outbox exists only once the in-memory backend has been used.
        before = len(getattr(mail, "outbox", None) or [])
        if atomic:
            with transaction.atomic():
                run()
        else:
            run()
        return len(getattr(mail, "outbox", None) or []) - before


class DemoCommand(BaseCommand):
    """A demo-seeding command: refused in production unless ``--allow-production`` is given (the
    demo accounts share a published password), and able to print a plain-text table.

    A subclass names what it loads in ``refused_what`` and does its work in :meth:`seed`.
    """

    refused_what = "the demo"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Run even with PORTAL_ENV=production (demo accounts share a known password).",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        if getattr(settings, "PRODUCTION", False) and not allow_production:
            raise CommandError(
                f"Refusing to load {self.refused_what} into a production portal. Use "
                "--allow-production for a throw-away demo instance.")
        self.seed()

    def seed(self) -> None:
        raise NotImplementedError

    def table(self, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write(
            "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows:
            self.stdout.write(
                "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
