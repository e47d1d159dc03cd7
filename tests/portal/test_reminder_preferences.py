from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Notification, NotificationPreference, Reminder
from tests.applications.test_reminders import run
from tests.factories import ApplicationFactory, OpenCallFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("choice", "delivery", "mails"), [
    ("immediate", "sent", 1), ("digest", "digest", 0), ("off", "off", 0)])
def test_preferences(choice, delivery, mails, mailoutbox, django_capture_on_commit_callbacks):
    call = OpenCallFactory(closes_at=timezone.now() + timedelta(hours=20))
    draft = ApplicationFactory(call=call)
    NotificationPreference.objects.create(person=draft.organisation.user,
                                          kind="applications.reminder_draft", choice=choice)
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 1
        assert run() == 0
    assert Notification.objects.get().delivery == delivery
    assert Reminder.objects.count() == 1
    assert len(mailoutbox) == mails
