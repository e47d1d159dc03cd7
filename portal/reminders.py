"""Reminders: a notification sent once per person and event, by the apps' beat tasks
(``<app>.remind_<what>``).

Each app finds who is due a reminder (a fixed number of queries, whatever the number of people)
and hands the lot to ``reminders_send``, which sends through ``notify()`` (so the person's
preferences apply) only those whose ``(recipient, key)`` has no ``portal.models.Reminder`` yet,
and records each one sent. The key names the event, e.g. ``draft-7d:12:20270115``: a beat task
run twice, a retry or a second beat process sends nothing more, and a deadline moved to another
day is a new event (it ends in the deadline's date).

``stage()`` picks the reminder a deadline calls for: of the stages already reached (``7 days``,
``1 day`` before it, ...), the nearest to the deadline; none before the first or once the
deadline has passed. A reminder stage passed while beat was down is sent late, once; a stage
overtaken by a nearer one is skipped (nobody gets "7 days left" the day before).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from portal.formats import BRUSSELS
from portal.models import Reminder
from portal.notifications import notify


@dataclass(frozen=True)
class Stage:
    code: str  # in the key: "7d", "1d", "3h"
    before: timedelta  # how long before the deadline it is sent


@dataclass
class Due:
    """A reminder to send: to ``recipient`` (a User), once for ``key``."""

    recipient: Any
    key: str
    kind: str
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""


def stage(*, deadline: datetime, now: datetime, stages: Sequence[Stage]) -> Stage | None:
    """The nearest stage reached at ``now`` before ``deadline``, or None (too early, or past)."""
    if deadline is None or now >= deadline:
        return None
    reached = [s for s in stages if now >= deadline - s.before]
    return min(reached, key=lambda s: s.before) if reached else None


def days_left(*, deadline: datetime, now: datetime) -> int:
    """Whole days to ``deadline``, rounded up (a reminder sent late says what is left)."""
    return max(1, math.ceil((deadline - now) / timedelta(days=1)))


def deadline_key(prefix: str, stage_code: str, object_id: int, deadline: datetime) -> str:
    """``<prefix>-<stage>:<id>:<deadline's Brussels date>``, e.g. ``draft-7d:12:20270115``."""
    return f"{prefix}-{stage_code}:{object_id}:{deadline.astimezone(BRUSSELS):%Y%m%d}"


def reminders_send(dues: Iterable[Due]) -> int:
    """Send each reminder not sent before (one query to find those sent); return how many.

    Each one is recorded (``Reminder``) and notified in its own savepoint: a reminder recorded
    meanwhile by another run (the unique key) is skipped, and a notification that fails rolls
    back its record so the next run tries again. The number of queries is one, plus a fixed
    number per reminder actually sent (the record and ``notify()``'s own): nothing per person
    already reminded.
    """
    dues = list(dues)
    if not dues:
        return 0
    sent = set(Reminder.objects.filter(key__in={d.key for d in dues},
                                       recipient__in={d.recipient.pk for d in dues})
               .values_list("recipient_id", "key"))
    count = 0
    for due in dues:
        # An account closed (or erased, which closes it) is told nothing more.
        if (due.recipient.pk, due.key) in sent or not due.recipient.is_active:
            continue
        sent.add((due.recipient.pk, due.key))  # the same reminder twice in one run: once
        try:
            with transaction.atomic():
                notification = notify(recipient=due.recipient, kind=due.kind,
                                      context=due.context, link=due.link)
                Reminder.objects.create(recipient=due.recipient, key=due.key,
                                        notification=notification)
        except IntegrityError:  # recorded by a concurrent run since the read above: its
            # notification (and the e-mail queued on commit) is rolled back with the savepoint.
            continue
        count += 1
    return count
