from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from portal.models import Notification
from portal.notifications import kind_of, notification_send, notify, register_kind
from portal.queue import registered_task
from tests.factories import UserFactory


@pytest.fixture
def erased_kind():
    # An existing template, registered under a kind of the test's own.
    return register_kind(key="tests.account_erased", label="Erased", template="account_erased")


@pytest.mark.django_db
def test_notify_records_the_notification_and_mails_it_after_commit(
        erased_kind, django_capture_on_commit_callbacks):
    user = UserFactory(email="sme@example.eu")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=user, kind="tests.account_erased",
                              context={"decision": None, "privacy_url": "/privacy/"},
                              link="/privacy/")
        assert mail.outbox == []
    notification.refresh_from_db()
    assert (notification.kind, notification.text, notification.link, notification.read_at) == (
        "tests.account_erased", "Your account on the Eurocluster portal has been erased",
        "/privacy/", None)
    assert notification.delivery == Notification.Delivery.SENT
    assert notification.emailed_at is not None
    assert [(m.to, m.subject) for m in mail.outbox] == [(["sme@example.eu"], notification.text)]
    assert "/privacy/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_second_send_of_the_same_notification_sends_nothing(
        erased_kind, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=user, kind="tests.account_erased",
                              context={"decision": None, "privacy_url": "/privacy/"})
    assert len(mail.outbox) == 1
    assert notification_send(notification_id=notification.pk) == Notification.Delivery.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_leaves_the_notification_pending_for_the_retry(erased_kind, monkeypatch):
    user = UserFactory()
    monkeypatch.setattr("django.core.mail.EmailMessage.send",
                        lambda self: (_ for _ in ()).throw(OSError("smtp down")))
    notification = notify(recipient=user, kind="tests.account_erased",
                          context={"decision": None, "privacy_url": "/privacy/"})
    with pytest.raises(OSError):
        notification_send(notification_id=notification.pk)
    assert Notification.objects.get().delivery == Notification.Delivery.PENDING


def test_an_unregistered_kind_is_refused():
    with pytest.raises(ImproperlyConfigured):
        kind_of("nobody.nothing")


@pytest.mark.django_db
def test_the_sweeper_queues_again_only_the_overdue_pending_mails(
        erased_kind, django_capture_on_commit_callbacks, monkeypatch):
    person = UserFactory(email="late@example.eu")
    context = {"decision": None, "privacy_url": "/privacy/"}
    # The broker is down at commit: the task is never queued, the notification stays pending.
    lost, recent, ancient, sent = (notify(recipient=person, kind="tests.account_erased",
                                          context=context) for _ in range(4))
    now = timezone.now()
    Notification.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=11))
    Notification.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=4))
    Notification.objects.filter(pk=sent.pk).update(created_at=now - timedelta(minutes=30),
                                                   delivery=Notification.Delivery.SENT)
    task = registered_task("portal.sweep_notifications")
    for _ in range(2):  # beat twice: the mail still goes out once
        with django_capture_on_commit_callbacks(execute=True):
            assert task.apply().get() == (1 if not mail.outbox else 0)
    assert [m.to for m in mail.outbox] == [["late@example.eu"]]
    states = dict(Notification.objects.values_list("pk", "delivery"))
    assert (states[lost.pk], states[recent.pk], states[ancient.pk]) == (
        Notification.Delivery.SENT, Notification.Delivery.PENDING, Notification.Delivery.PENDING)
