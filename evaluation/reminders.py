"""Reminders of the evaluators (beat: ``evaluation.remind_reviews``,
``evaluation.remind_invitations``).

- An evaluator who accepted a call and still has reviews to finish (assignments waiting for the
  conflict-of-interest declaration or for the review) is reminded 3 days and 1 day before the
  call's evaluation deadline: one message per evaluator and call, with the count.
- An invitation to evaluate that is still unanswered 3 days after it was sent is reminded once,
  while the call's evaluation is still ahead (no results yet, the evaluation deadline not past).
"""

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import OpenCall
from evaluation.models import Assignment, CallEvaluator
from portal.formats import brussels
from portal.notifications import register_kind
from portal.reminders import Due, Stage, deadline_key, reminders_send, stage

REVIEWS_KIND = "evaluation.reminder_reviews"
INVITATION_KIND = "evaluation.reminder_invitation"
REVIEW_STAGES = (Stage("3d", timedelta(days=3)), Stage("1d", timedelta(days=1)))
INVITATION_AFTER = timedelta(days=3)
# Calls whose evaluation is over: nobody is asked to review or to join any more.
FINISHED = (OpenCall.Status.RESULTS, OpenCall.Status.COMPLETED)
UNFINISHED = (Assignment.Status.ASSIGNED, Assignment.Status.ACTIVE)


def register_kinds() -> None:
    register_kind(key=REVIEWS_KIND, label=_("Reminder: reviews to finish before the evaluation "
                                            "deadline"),
                  template="evaluation_reminder_reviews")
    register_kind(key=INVITATION_KIND, label=_("Reminder: an invitation to evaluate not answered"),
                  template="evaluation_reminder_invitation")


def reviews_remind(*, now: datetime | None = None) -> int:
    """Send the review reminders due at ``now`` (one query to find them); return how many."""
    now = now or timezone.now()
    entries = (CallEvaluator.objects
               .filter(status=CallEvaluator.Status.ACCEPTED,
                       call__evaluation_deadline__gt=now,
                       call__evaluation_deadline__lte=now + max(s.before for s in REVIEW_STAGES))
               .exclude(call__status__in=FINISHED)
               .annotate(unfinished=Count("assignments",
                                          filter=Q(assignments__status__in=UNFINISHED)))
               .filter(unfinished__gt=0)
               .select_related("call", "user").order_by("pk"))
    dues = []
    for entry in entries:
        deadline = entry.call.evaluation_deadline
        reached = stage(deadline=deadline, now=now, stages=REVIEW_STAGES)
        if reached is None:
            continue
        dues.append(Due(recipient=entry.user, kind=REVIEWS_KIND,
                        key=deadline_key("reviews", reached.code, entry.pk, deadline),
                        context={"user": entry.user, "call": entry.call,
                                 "unfinished": entry.unfinished,
                                 "deadline": brussels(deadline)},
                        link=reverse("evaluation:queue")))
    return reminders_send(dues)


def invitations_remind(*, now: datetime | None = None) -> int:
    """Remind, once, the invitations unanswered for 3 days (one query to find them)."""
    now = now or timezone.now()
    entries = (CallEvaluator.objects
               .filter(status=CallEvaluator.Status.INVITED, invited_at__lte=now - INVITATION_AFTER)
               .exclude(call__status__in=FINISHED)
               .exclude(call__evaluation_deadline__lte=now)
               .select_related("call__eurocluster", "user").order_by("pk"))
    return reminders_send(
        Due(recipient=entry.user, kind=INVITATION_KIND, key=f"invitation-3d:{entry.pk}",
            context={"user": entry.user, "call": entry.call, "call_evaluator": entry,
                     "invited_on": brussels(entry.invited_at, date_only=True),
                     "deadline": brussels(entry.call.evaluation_deadline)},
            link=reverse("evaluation:invitation", kwargs={"token": entry.token}))
        for entry in entries)
