"""Reminders of the applicants' drafts (``applications.remind_drafts``): 7 days and 1 day before
the call's deadline, 3 hours before for a complete draft, each once; never for a submitted or
withdrawn application, nor for a call that takes no submissions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, Declaration
from applications.reminders import COMPLETE_KIND, DRAFT_KIND
from applications.services import application_submit
from calls.models import OpenCall
from portal.formats import BRUSSELS
from portal.models import Notification, Reminder
from portal.queue import registered_task
from tests.factories import ApplicationFactory, OpenCallFactory, UserFactory, complete_application

pytestmark = pytest.mark.django_db

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


def run() -> int:
    return registered_task("applications.remind_drafts").apply().get()


def sent() -> list[tuple[str, str, str]]:
    """(application acronym or title, kind, stage) of every reminder, in order."""
    rows = []
    for reminder in Reminder.objects.select_related("notification").order_by("pk"):
        stage_code, rest = reminder.key.split(":", 1)
        application = Application.objects.get(pk=int(rest.split(":")[0]))
        rows.append((application.acronym, reminder.notification.kind, stage_code))
    return rows


def move_to(clock, moment):
    clock((moment - timezone.now()).total_seconds())


@pytest.fixture
def call():
    return OpenCallFactory(closes_at=timezone.now() + 10 * DAY)


def test_each_reminder_comes_at_its_time_once_and_only_for_drafts(
        call, clock, mailoutbox, django_capture_on_commit_callbacks):
    incomplete = ApplicationFactory(call=call, acronym="HALF", title="Half done")
    complete = complete_application(call=call, acronym="FULL")
    submitted = complete_application(call=call, acronym="SENT")
    application_submit(application=submitted, by=submitted.created_by,
                       declarations=Declaration.values)
    withdrawn = ApplicationFactory(call=call, acronym="GONE", status=Application.Status.WITHDRAWN)
    # Another call that is still a draft itself (not published): takes no submissions.
    unpublished = OpenCallFactory(status=OpenCall.Status.DRAFT, closes_at=call.closes_at)
    ApplicationFactory(call=unpublished, acronym="UNPUB")
    deadline = call.closes_at

    expected: list[tuple[str, str, str]] = []

    def step(moment, new):
        move_to(clock, moment)
        with django_capture_on_commit_callbacks(execute=True):
            assert run() == len(new)
            assert run() == 0  # the beat task run twice: nothing more
        expected.extend(new)
        assert sent() == expected

    step(deadline - 7 * DAY - MINUTE, [])  # not before its time
    step(deadline - 7 * DAY + MINUTE, [("HALF", DRAFT_KIND, "draft-7d"),
                                       ("FULL", DRAFT_KIND, "draft-7d")])
    step(deadline - 2 * DAY, [])
    step(deadline - DAY + MINUTE, [("HALF", DRAFT_KIND, "draft-1d"),
                                   ("FULL", DRAFT_KIND, "draft-1d")])
    step(deadline - 3 * HOUR - MINUTE, [])
    step(deadline - 3 * HOUR + MINUTE, [("FULL", COMPLETE_KIND, "draft-3h")])
    step(deadline + MINUTE, [])
    # Never the submitted (SENT), withdrawn (GONE) or unpublished call's (UNPUB) application.
    assert {acronym for acronym, _kind, _stage in sent()} == {"HALF", "FULL"}
    assert withdrawn.status == Application.Status.WITHDRAWN
    # Each was e-mailed to the enterprise's user, with the page to go to.
    assert [m.to[0] for m in mailoutbox] == [
        incomplete.organisation.user.email, complete.organisation.user.email,
        incomplete.organisation.user.email, complete.organisation.user.email,
        complete.organisation.user.email]
    assert mailoutbox[0].subject == f"{call.reference}: 7 days left to submit your application"
    assert f"http://testserver/applications/{incomplete.pk}/edit/" in mailoutbox[0].body
    assert mailoutbox[2].subject == f"{call.reference}: one day left to submit your application"
    assert mailoutbox[4].subject == (f"{call.reference}: your application is complete but not "
                                     "submitted")
    assert f"http://testserver/applications/{complete.pk}/submit/" in mailoutbox[4].body
    links = list(Notification.objects.filter(kind__in=(DRAFT_KIND, COMPLETE_KIND))
                 .order_by("pk").values_list("link", flat=True))
    assert links == [f"/applications/{incomplete.pk}/edit/", f"/applications/{complete.pk}/edit/",
                     f"/applications/{incomplete.pk}/edit/", f"/applications/{complete.pk}/edit/",
                     f"/applications/{complete.pk}/submit/"]


def test_a_draft_started_the_day_before_gets_only_the_one_day_reminder(call, clock):
    ApplicationFactory(call=call, acronym="LATE")
    move_to(clock, call.closes_at - 12 * HOUR)
    assert run() == 1
    assert sent() == [("LATE", DRAFT_KIND, "draft-1d")]


def test_a_deadline_moved_to_another_day_is_reminded_again(call, clock):
    ApplicationFactory(call=call, acronym="MOVED")
    move_to(clock, call.closes_at - 12 * HOUR)
    assert run() == 1
    OpenCall.objects.filter(pk=call.pk).update(closes_at=call.closes_at + 3 * DAY)
    # The new deadline is a new event: 3.5 days before it, its 7-day stage is due (late).
    assert run() == 1
    move_to(clock, call.closes_at + 3 * DAY - 12 * HOUR)
    assert run() == 1
    assert run() == 0
    new_day = (call.closes_at + 3 * DAY).astimezone(BRUSSELS).strftime("%Y%m%d")
    old_day = call.closes_at.astimezone(BRUSSELS).strftime("%Y%m%d")
    pk = call.applications.get().pk
    assert list(Reminder.objects.order_by("pk").values_list("key", flat=True)) == [
        f"draft-1d:{pk}:{old_day}", f"draft-7d:{pk}:{new_day}", f"draft-1d:{pk}:{new_day}"]
    assert [n.text for n in Notification.objects.filter(kind=DRAFT_KIND).order_by("pk")] == [
        f"{call.reference}: one day left to submit your application",
        f"{call.reference}: 4 days left to submit your application",
        f"{call.reference}: one day left to submit your application"]


def test_submitted_between_two_stages_ends_the_reminders(call, clock):
    application = complete_application(call=call, acronym="DONE")
    move_to(clock, call.closes_at - 7 * DAY + MINUTE)
    assert run() == 1
    application_submit(application=application, by=application.created_by,
                       declarations=Declaration.values)
    move_to(clock, call.closes_at - 2 * HOUR)
    assert run() == 0
    assert sent() == [("DONE", DRAFT_KIND, "draft-7d")]


def _queries(n: int) -> tuple[int, int]:
    """Queries of the first run (reminding ``n`` drafts) and of the second (nothing to send)."""
    call = OpenCallFactory(closes_at=timezone.now() + 20 * HOUR)
    for _ in range(n):
        complete_application(call=call, organisation__user=UserFactory())
    with CaptureQueriesContext(connection) as first:
        assert run() == n
    with CaptureQueriesContext(connection) as second:
        assert run() == 0
    Application.objects.filter(call=call).update(status=Application.Status.WITHDRAWN)
    return len(first), len(second)


def test_the_queries_do_not_grow_with_the_drafts_found_only_with_the_reminders_sent():
    one_first, one_second = _queries(1)
    two_first, _ = _queries(2)
    many_first, many_second = _queries(6)
    # Finding the drafts and what was sent: the same at 1 and at 6 drafts.
    assert one_second == many_second
    # Each reminder sent costs the same few writes (the record and notify()'s), nothing else.
    per_reminder = two_first - one_first
    assert many_first == one_first + 5 * per_reminder
    assert per_reminder <= 8
