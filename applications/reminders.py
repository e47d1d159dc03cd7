"""Reminders of the applicants' drafts (beat: ``applications.remind_drafts``).

A draft in a call that still takes submissions is reminded 7 days and 1 day before the deadline;
3 hours before, a draft that is complete (nothing missing but the declarations ticked at
submission, ``applications.submission.missing_items``) and still not submitted gets one more.
Sent to the enterprise's user, once per stage and deadline (``portal.reminders``).
"""

from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Attachment, Declaration
from applications.submission import missing_items
from calls.models import OpenCall
from portal.formats import brussels
from portal.notifications import register_kind
from portal.reminders import Due, Stage, days_left, deadline_key, reminders_send, stage

DRAFT_KIND = "applications.reminder_draft"
COMPLETE_KIND = "applications.reminder_draft_complete"
DRAFT_STAGES = (Stage("7d", timedelta(days=7)), Stage("1d", timedelta(days=1)))
COMPLETE_STAGE = Stage("3h", timedelta(hours=3))


def register_kinds() -> None:
    register_kind(key=DRAFT_KIND, label=_("Reminder: a draft application before the deadline"),
                  template="applications_reminder_draft")
    register_kind(key=COMPLETE_KIND,
                  label=_("Reminder: a complete draft not submitted, 3 hours before the deadline"),
                  template="applications_reminder_draft_complete")


def _drafts_closing(now: datetime):
    """Drafts of calls taking submissions at ``now`` whose deadline is 7 days away or less, with
    everything ``missing_items`` reads (a fixed number of queries for any number of drafts)."""
    return (Application.objects
            .filter(status=Application.Status.DRAFT,
                    call__status__in=(OpenCall.Status.PUBLISHED, OpenCall.Status.OPEN),
                    call__opens_at__lte=now, call__closes_at__gt=now,
                    call__closes_at__lte=now + max(s.before for s in DRAFT_STAGES))
            .select_related("call", "voucher_type", "organisation__user")
            .prefetch_related("budget_lines", "members", "call__required_documents",
                              Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
            .order_by("pk"))


def drafts_remind(*, now: datetime | None = None) -> int:
    """Send the draft reminders due at ``now``; return how many were sent (0 on a second run)."""
    now = now or timezone.now()
    dues = []
    for application in _drafts_closing(now):
        deadline = application.call.closes_at
        recipient = application.organisation.user
        context = {"application": application, "call": application.call,
                   "deadline": brussels(deadline), "user": recipient}
        complete = (stage(deadline=deadline, now=now, stages=[COMPLETE_STAGE])
                    and not missing_items(application, Declaration.values))
        if complete:
            dues.append(Due(recipient=recipient, kind=COMPLETE_KIND,
                            key=deadline_key("draft", COMPLETE_STAGE.code, application.pk,
                                             deadline),
                            context=context,
                            link=reverse("applications:submit", kwargs={"pk": application.pk})))
            continue
        reached = stage(deadline=deadline, now=now, stages=DRAFT_STAGES)
        if reached is None:
            continue
        dues.append(Due(recipient=recipient, kind=DRAFT_KIND,
                        key=deadline_key("draft", reached.code, application.pk, deadline),
                        context={**context, "days": days_left(deadline=deadline, now=now)},
                        link=reverse("applications:edit", kwargs={"pk": application.pk})))
    return reminders_send(dues)
