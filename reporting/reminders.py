"""The managers' weekly digest of their action queue (beat: ``reporting.remind_action_queue``).

Each cluster manager gets, once a week (from Monday 07:00 Brussels time), the action queue of
the dashboard (``reporting.dashboard.selectors.manager_queue``: the same lines, counts and links)
of every Eurocluster she manages, in one message. Nobody gets an empty digest. The beat task runs
every hour: a week whose Monday morning beat missed is sent at the next run, once (the key names
the ISO week).
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from euroclusters.models import Eurocluster, Membership
from portal.formats import BRUSSELS, brussels
from portal.models import Reminder
from portal.notifications import register_kind
from portal.reminders import Due, reminders_send
from reporting.dashboard.selectors import call_figures, dashboard_calls, manager_queue

KIND = "reporting.reminder_action_queue"
SEND_AT = time(7, 0)  # Monday, Brussels time


def register_kinds() -> None:
    register_kind(key=KIND, label=_("Weekly digest of the managers' action queue"),
                  template="reporting_reminder_action_queue")


def week_key(now: datetime) -> str | None:
    """``action-queue:2026W49`` for the week of ``now`` once its Monday 07:00 (Brussels) has
    come, else None (a Monday before 07:00 belongs to the week before, already sent)."""
    local = now.astimezone(BRUSSELS)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, SEND_AT, tzinfo=BRUSSELS):
        return None
    year, week, _day = monday.isocalendar()
    return f"action-queue:{year}W{week:02d}"


def action_queue_remind(*, now: datetime | None = None) -> int:
    """Send this week's digest to every manager who has not had it and has something to do;
    return how many were sent. Queries: two, plus the queue's own per Eurocluster with a manager
    still to tell (never per manager)."""
    now = now or timezone.now()
    key = week_key(now)
    if key is None:
        return 0
    told = Reminder.objects.filter(key=key).values("recipient_id")
    memberships = (Membership.objects.filter(role=Membership.Role.MANAGER,
                                             user__is_active=True)
                   .exclude(user_id__in=told)
                   .select_related("user", "eurocluster")
                   .order_by("eurocluster__acronym", "pk"))
    managers: dict[int, list[Eurocluster]] = defaultdict(list)
    users = {}
    for membership in memberships:
        managers[membership.user_id].append(membership.eurocluster)
        users[membership.user_id] = membership.user
    queues = {}
    for eurocluster in {e.pk: e for es in managers.values() for e in es}.values():
        calls = list(dashboard_calls(eurocluster))
        queues[eurocluster.pk] = manager_queue(calls, call_figures(calls, now=now), now=now)
    dues = []
    for user_id, euroclusters in managers.items():
        sections = [(e, queues[e.pk]) for e in euroclusters if queues[e.pk]]
        if not sections:
            continue
        dues.append(Due(recipient=users[user_id], kind=KIND, key=key,
                        context={"user": users[user_id], "sections": sections,
                                 "lines": sum(len(lines) for _e, lines in sections),
                                 "week_of": brussels(now, date_only=True)},
                        link=reverse("reporting:dashboard")))
    return reminders_send(dues)
