"""The managers' weekly digest of their action queue (``reporting.remind_action_queue``): once a
week from Monday 07:00 Brussels time, the dashboard's lines of every Eurocluster a manager
manages, never empty, never to finance officers or observers."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from euroclusters.models import Membership
from evaluation.models import CallEvaluator
from portal.formats import BRUSSELS
from portal.models import Notification, Reminder
from portal.queue import registered_task
from reporting.reminders import KIND, week_key
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def run() -> int:
    return registered_task("reporting.remind_action_queue").apply().get()


def next_monday_at_seven() -> datetime:
    local = timezone.now().astimezone(BRUSSELS)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(7, 0), tzinfo=BRUSSELS)


def move_to(clock, moment):
    clock((moment - timezone.now()).total_seconds())


@pytest.mark.parametrize(("local", "expected"), [
    # Monday before 07:00: nothing (last week's, if beat missed it all week, is not worth
    # sending a minute before this week's).
    (datetime(2026, 12, 7, 6, 59), None),
    (datetime(2026, 12, 7, 7, 0), "action-queue:2026W50"),
    (datetime(2026, 12, 13, 23, 59), "action-queue:2026W50"),  # Sunday night
    (datetime(2027, 1, 4, 7, 0), "action-queue:2027W01"),
])
def test_the_week_of_a_moment(local, expected):
    assert week_key(local.replace(tzinfo=BRUSSELS)) == expected


def test_each_manager_gets_the_week_s_digest_once_from_monday_seven(
        clock, eurocluster_a, manager_a, mailoutbox, django_capture_on_commit_callbacks):
    call = OpenCallFactory(eurocluster=eurocluster_a, reference="DREAM-OC1")
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED, responded_at=None,
                         declaration_accepted_at=None)
    both = UserFactory(email="both@example.eu", is_staff=True)
    MembershipFactory(eurocluster=eurocluster_a, user=both)
    quiet = MembershipFactory(user__email="quiet@example.eu")  # nothing waits in its Eurocluster
    MembershipFactory(eurocluster=quiet.eurocluster, user=both)
    MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.FINANCE,
                      user__email="finance@example.eu")
    MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER,
                      user__email="observer@example.eu")
    UserFactory(email="applicant@example.eu")

    monday = next_monday_at_seven()
    move_to(clock, monday + timedelta(hours=26))  # Tuesday 09:00: beat missed Monday
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 2
        assert run() == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager_a.user.email,
                                                          "both@example.eu"])
    following = monday + timedelta(days=7)
    move_to(clock, following - MINUTE)
    assert run() == 0
    move_to(clock, following + MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 2
        assert run() == 0
    assert len(mailoutbox) == 4
    this_week, next_week = week_key(monday), week_key(following)
    assert sorted(Reminder.objects.values_list("recipient__email", "key")) == sorted([
        (manager_a.user.email, this_week), ("both@example.eu", this_week),
        (manager_a.user.email, next_week), ("both@example.eu", next_week)])
    assert set(Notification.objects.values_list("kind", "link")) == {
        (KIND, reverse("reporting:dashboard"))}

    digest = next(m for m in mailoutbox if m.to == ["both@example.eu"])
    assert digest.subject == "Your week in the portal: one thing waits for you"
    pool = reverse("evaluation:manage_pool", args=[call.pk])
    assert (f"- 1 evaluator has not answered the invitation (DREAM-OC1): "
            f"http://testserver{pool}") in digest.body
    assert eurocluster_a.acronym in digest.body
    assert quiet.eurocluster.acronym not in digest.body  # nothing to do there: no section


def _queries(eurocluster, n: int) -> tuple[int, int]:
    for _ in range(n):
        MembershipFactory(eurocluster=eurocluster)
    with CaptureQueriesContext(connection) as first:
        assert run() == n
    with CaptureQueriesContext(connection) as second:
        assert run() == 0
    return len(first), len(second)


def test_the_queries_grow_with_the_euroclusters_not_with_the_managers(clock):
    move_to(clock, next_monday_at_seven() + timedelta(hours=2))  # never a Monday before 07:00
    call = OpenCallFactory()
    CallEvaluatorFactory(call=call, status=CallEvaluator.Status.INVITED, responded_at=None,
                         declaration_accepted_at=None)
    one, two, many = (_queries(call.eurocluster, n) for n in (1, 2, 5))
    # Once told: one query (the managers not told this week: none), whatever their number.
    assert one[1] == two[1] == many[1] == 1
    per_reminder = two[0] - one[0]
    assert many[0] == one[0] + 4 * per_reminder
    assert per_reminder <= 8
