"""Call alerts (issue 12, part 4): anyone subscribes an e-mail address to new calls of chosen
Euroclusters or objectives, double opt-in; a call's publication alerts each confirmed
subscriber once; one-click unsubscribe (RFC 8058) without logging in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import OPEN_VIEWS
from calls.alert_services import call_alerts_queue, unsubscribe_url
from calls.models import CallAlert, CallAlertSubscription, OpenCall
from calls.transitions import call_transition
from euroclusters.models import Objective
from portal.queue import registered_task
from tests.factories import EuroclusterFactory, OpenCallFactory, VoucherTypeFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/alerts/confirm/[^/\s]+/)")


def subscribe(client, email, euroclusters=(), objectives=()):
    """The form posted, and the mail it queues sent (the test's transaction never commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("calls:alerts"), {
            "email": email, "euroclusters": [e.pk for e in euroclusters],
            "objectives": list(objectives)})


def confirm_link(message) -> str:
    return LINK.search(message.body).group(1)


def confirmed(client, email, **choices) -> CallAlertSubscription:
    subscribe(client, email, **choices)
    path = confirm_link(mail.outbox[-1])
    assert client.post(path).status_code == 302
    return CallAlertSubscription.objects.get(email=email)


def draft_call(eurocluster, objective=""):
    call = OpenCallFactory(eurocluster=eurocluster, status=OpenCall.Status.DRAFT)
    VoucherTypeFactory(call=call, objective=objective)
    return call


def publish(call, by=None):
    call_transition(call=call, to=OpenCall.Status.PUBLISHED, by=by)


def alert_mails(email: str) -> list:
    return [m for m in mail.outbox if m.to == [email] and "New call" in m.subject]


# --- subscribing ---------------------------------------------------------------------------------

def test_subscribing_mails_a_confirmation_link_and_stores_nothing(client):
    dream = EuroclusterFactory(acronym="DREAM")
    response = subscribe(client, "sme@example.eu", euroclusters=[dream],
                         objectives=[Objective.GREEN_DIGITAL])
    assert response.status_code == 200
    assert "We sent a link to sme@example.eu" in response.content.decode()
    assert CallAlertSubscription.objects.count() == 0
    (message,) = mail.outbox
    assert message.to == ["sme@example.eu"]
    assert message.subject == "Confirm your call alerts"
    assert "- DREAM – " in message.body and "Adopt green and digital" in message.body
    assert LINK.search(message.body)


def test_a_subscription_without_any_choice_is_refused(client):
    response = subscribe(client, "sme@example.eu")
    assert response.status_code == 400
    assert "Choose at least one Eurocluster or objective." in response.content.decode()
    assert mail.outbox == []


def test_the_confirmation_link_shows_a_button_and_its_post_stores_the_choices(client):
    dream = EuroclusterFactory()
    subscribe(client, "SME@Example.eu", euroclusters=[dream], objectives=[Objective.TRAIN])
    path = confirm_link(mail.outbox[0])
    assert client.get(path).status_code == 200
    assert CallAlertSubscription.objects.count() == 0  # a mail scanner's GET confirms nothing
    assert client.post(path).status_code == 302
    subscription = CallAlertSubscription.objects.get()
    assert subscription.email == "sme@example.eu"
    assert list(subscription.euroclusters.all()) == [dream]
    assert subscription.objectives == [Objective.TRAIN]


def test_a_tampered_confirmation_link_stores_nothing(client):
    subscribe(client, "sme@example.eu", objectives=[Objective.TRAIN])
    path = confirm_link(mail.outbox[0])
    response = client.post(path.replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert CallAlertSubscription.objects.count() == 0


def test_a_confirmation_link_expires_after_seven_days(client, clock):
    subscribe(client, "sme@example.eu", objectives=[Objective.TRAIN])
    path = confirm_link(mail.outbox[0])
    clock(7 * 86400 + 1)
    response = client.post(path)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert CallAlertSubscription.objects.count() == 0


def test_confirming_again_replaces_the_choices(client):
    one, two = EuroclusterFactory(), EuroclusterFactory()
    confirmed(client, "sme@example.eu", euroclusters=[one])
    subscription = confirmed(client, "sme@example.eu", euroclusters=[two])
    assert CallAlertSubscription.objects.count() == 1
    assert list(subscription.euroclusters.all()) == [two]


@pytest.mark.usefixtures("time_stands_still")
def test_the_subscribe_form_is_rate_limited(client, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "call_alerts": "2/m"}
    for index in range(2):
        assert subscribe(client, f"s{index}@example.eu",
                         objectives=[Objective.TRAIN]).status_code == 200
    response = subscribe(client, "s3@example.eu", objectives=[Objective.TRAIN])
    assert response.status_code == 429
    assert response["Retry-After"]
    assert len(mail.outbox) == 2


# --- alerts --------------------------------------------------------------------------------------

def test_an_unconfirmed_subscriber_gets_nothing(client, django_capture_on_commit_callbacks):
    dream = EuroclusterFactory()
    subscribe(client, "sme@example.eu", euroclusters=[dream])
    call = draft_call(dream)
    with django_capture_on_commit_callbacks(execute=True):
        publish(call)
    assert alert_mails("sme@example.eu") == []
    assert CallAlert.objects.count() == 0


def test_publication_alerts_matching_subscribers_once_with_one_click_unsubscribe(
        client, django_capture_on_commit_callbacks):
    dream, other = EuroclusterFactory(acronym="DREAM"), EuroclusterFactory()
    confirmed(client, "cluster@example.eu", euroclusters=[dream])
    confirmed(client, "green@example.eu", objectives=[Objective.GREEN_DIGITAL])
    confirmed(client, "nobody@example.eu", euroclusters=[other], objectives=[Objective.TRAIN])
    call = draft_call(dream, objective=Objective.GREEN_DIGITAL)
    with django_capture_on_commit_callbacks(execute=True):
        publish(call)
    for email in ("cluster@example.eu", "green@example.eu"):
        (message,) = alert_mails(email)
        assert message.subject == f"New call from DREAM: {call.title}"
        assert f"http://testserver{call.get_absolute_url()}" in message.body
        unsubscribe = CallAlertSubscription.objects.get(email=email)
        assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url(unsubscribe)}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe_url(unsubscribe) in message.body
    assert alert_mails("nobody@example.eu") == []


def test_publishing_twice_and_running_the_tasks_twice_alert_once(
        client, django_capture_on_commit_callbacks):
    dream = EuroclusterFactory()
    confirmed(client, "sme@example.eu", euroclusters=[dream])
    call = draft_call(dream)
    with django_capture_on_commit_callbacks(execute=True):
        publish(call)
    with django_capture_on_commit_callbacks(execute=True):
        call_transition(call=call, to=OpenCall.Status.DRAFT, by=None)
        publish(call)
    with django_capture_on_commit_callbacks(execute=True):
        assert registered_task("calls.queue_call_alerts").apply(
            kwargs={"call_id": call.pk}).get() == 0
        assert registered_task("calls.queue_call_alerts").apply(
            kwargs={"call_id": call.pk}).get() == 0
    alert = CallAlert.objects.get()
    assert registered_task("calls.send_call_alert").apply(
        kwargs={"alert_id": alert.pk}).get() is False
    assert len(alert_mails("sme@example.eu")) == 1


def test_a_draft_call_alerts_nobody(client):
    dream = EuroclusterFactory()
    confirmed(client, "sme@example.eu", euroclusters=[dream])
    assert call_alerts_queue(call_id=draft_call(dream).pk) == 0
    assert CallAlert.objects.count() == 0


# --- unsubscribing -------------------------------------------------------------------------------

def test_one_click_unsubscribe_works_without_login_or_csrf_token(
        client, django_capture_on_commit_callbacks):
    dream = EuroclusterFactory()
    subscription = confirmed(client, "sme@example.eu", euroclusters=[dream])
    path = unsubscribe_url(subscription).removeprefix("http://testserver")
    mail_client = Client(enforce_csrf_checks=True)
    page = mail_client.get(path)
    assert page.status_code == 200 and "sme@example.eu" in page.content.decode()
    response = mail_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert CallAlertSubscription.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft_call(dream))
    assert alert_mails("sme@example.eu") == []
    # The link used again says so, and fails nothing.
    assert mail_client.post(path).status_code == 200


def test_a_tampered_unsubscribe_link_is_refused(client):
    subscription = confirmed(client, "sme@example.eu", objectives=[Objective.TRAIN])
    path = unsubscribe_url(subscription).removeprefix("http://testserver")
    forged = path.replace("/unsubscribe/", "/unsubscribe/A")
    assert client.get(forged).status_code == 400
    assert client.post(forged).status_code == 400
    assert CallAlertSubscription.objects.count() == 1


@pytest.mark.parametrize("name", ["calls:alerts", "calls:alerts_confirm",
                                  "calls:alerts_unsubscribe"])
def test_the_alert_pages_are_open_without_a_second_factor(name):
    assert name in OPEN_VIEWS


def test_the_beat_sweep_sends_alerts_a_lost_task_left_once(client, monkeypatch):
    """The broker was down at publication: the queue task never ran. The sweep, run twice as
    beat may, sends the alert once; a call published more than a day ago is left alone."""
    dream = EuroclusterFactory()
    confirmed(client, "sme@example.eu", euroclusters=[dream])
    monkeypatch.setattr("calls.transitions.enqueue_on_commit", lambda *a, **k: None)
    call, old = draft_call(dream), draft_call(dream)
    publish(call)
    publish(old)
    OpenCall.objects.filter(pk=old.pk).update(
        published_at=timezone.now() - timedelta(days=1, minutes=1))
    assert alert_mails("sme@example.eu") == []
    sweep = registered_task("calls.sweep_call_alerts")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep.apply().get() == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep.apply().get() == 0
    (message,) = alert_mails("sme@example.eu")
    assert call.title in message.subject
    assert list(CallAlert.objects.values_list("call", flat=True)) == [call.pk]
