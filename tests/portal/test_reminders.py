"""portal.reminders: which stage a deadline calls for, and a reminder sent once per person and
event (the apps' beat tasks are tested in tests/<app>/test_reminders.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import Notification, Reminder
from portal.notifications import register_kind
from portal.reminders import Due, Stage, deadline_key, reminders_send, stage
from tests.factories import UserFactory

DEADLINE = datetime(2027, 1, 15, 11, 0, tzinfo=UTC)  # 12:00 in Brussels
STAGES = (Stage("7d", timedelta(days=7)), Stage("1d", timedelta(days=1)))
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(("now", "expected"), [
    (DEADLINE - timedelta(days=30), None),
    (DEADLINE - timedelta(days=7) - SECOND, None),  # not before its time
    (DEADLINE - timedelta(days=7), "7d"),  # exactly at it
    (DEADLINE - timedelta(days=1) - SECOND, "7d"),
    (DEADLINE - timedelta(days=1), "1d"),  # the nearer stage overtakes the earlier one
    (DEADLINE - SECOND, "1d"),
    (DEADLINE, None),  # the deadline has passed: nothing to remind
    (DEADLINE + timedelta(days=1), None),
])
def test_the_stage_is_the_nearest_one_reached_before_the_deadline(now, expected):
    reached = stage(deadline=DEADLINE, now=now, stages=STAGES)
    assert (reached.code if reached else None) == expected


def test_the_key_ends_in_the_deadline_s_day_in_brussels():
    late_evening = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)  # 16 January, 00:30 in Brussels
    assert deadline_key("draft", "7d", 12, DEADLINE) == "draft-7d:12:20270115"
    assert deadline_key("draft", "1d", 12, late_evening) == "draft-1d:12:20270116"


@pytest.fixture
def kind():
    return register_kind(key="tests.reminder", label="Reminder",
                         template="account_erased").key


@pytest.mark.django_db
def test_a_reminder_is_sent_once_per_person_and_key(kind, django_capture_on_commit_callbacks):
    anna, ben = UserFactory(email="anna@example.eu"), UserFactory(email="ben@example.eu")
    context = {"decision": None, "privacy_url": "/privacy/"}

    def dues():
        return [Due(recipient=anna, key="x-1d:1", kind=kind, context=context, link="/a/"),
                Due(recipient=ben, key="x-1d:1", kind=kind, context=context, link="/b/"),
                Due(recipient=anna, key="x-1d:1", kind=kind, context=context, link="/a/"),
                Due(recipient=anna, key="x-7d:1", kind=kind, context=context, link="/a/")]

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(dues()) == 3
    assert sorted(Reminder.objects.values_list("recipient__email", "key")) == [
        ("anna@example.eu", "x-1d:1"), ("anna@example.eu", "x-7d:1"), ("ben@example.eu", "x-1d:1")]
    assert sorted(Notification.objects.values_list("recipient__email", "link")) == [
        ("anna@example.eu", "/a/"), ("anna@example.eu", "/a/"), ("ben@example.eu", "/b/")]
    assert all(r.notification_id for r in Reminder.objects.all())
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.eu", "anna@example.eu",
                                                   "ben@example.eu"]

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(dues()) == 0
    assert (Reminder.objects.count(), Notification.objects.count(), len(mail.outbox)) == (3, 3, 3)


@pytest.mark.django_db
def test_a_closed_account_is_reminded_of_nothing(kind):
    closed = UserFactory(is_active=False)
    assert reminders_send([Due(recipient=closed, key="x-1d:1", kind=kind,
                               context={"decision": None, "privacy_url": "/"})]) == 0
    assert (Reminder.objects.count(), Notification.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_reminder_recorded_by_another_run_meanwhile_is_skipped_with_its_notification(
        kind, monkeypatch, django_capture_on_commit_callbacks):
    """Two beat processes: the other one records the reminder between this run's read of what
    was sent and its own insert. The unique key refuses the second; its notification and e-mail
    go with the savepoint."""
    user = UserFactory()
    real_filter = Reminder.objects.filter

    def stale_read(*args, **kwargs):
        Reminder.objects.create(recipient=user, key="x-1d:1")  # the other run, just now
        return real_filter(pk=0)  # what this run read before it

    monkeypatch.setattr(Reminder.objects, "filter", stale_read)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send([Due(recipient=user, key="x-1d:1", kind=kind,
                                   context={"decision": None, "privacy_url": "/"})]) == 0
    assert (Reminder.objects.count(), Notification.objects.count(), mail.outbox) == (1, 0, [])


def test_the_clock_fixture_moves_django_s_time(clock):
    before = timezone.now()
    clock(3 * 3600)
    assert timedelta(hours=3) <= timezone.now() - before < timedelta(hours=3, seconds=5)
