"""Following a call (issue 12, part 4): a signed-in person follows a call and is told when its
deadline moves (an essential notification), a document is added, or a Q&A is published (the
last in tests/calls/test_questions.py)."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application
from calls.follow_services import call_deadline_moved, call_follow, followers_notify
from calls.models import CallFollower, OpenCall
from portal.audit import audit_trail
from portal.models import Notification, NotificationPreference
from portal.notifications import kind_of
from tests.calls.test_admin import _with_document, call_form_data, change_url
from tests.factories import MINIMAL_PDF, ApplicationFactory, OpenCallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(eurocluster_a):
    return OpenCallFactory(eurocluster=eurocluster_a, reference="DREAM-OC3",
                           slug="innovation-vouchers-for-manufacturing",
                           opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                           closes_at=datetime(2027, 3, 10, 16, tzinfo=UTC),
                           status=OpenCall.Status.PUBLISHED)


def notified(kind: str) -> list:
    return list(Notification.objects.filter(kind=kind).order_by("pk")
                .values_list("recipient__email", flat=True))


def test_a_signed_in_sme_follows_and_unfollows_a_call(client, call):
    sme = UserFactory()
    client.force_login(sme)
    assert 'id="follow"' in client.get(call.get_absolute_url()).content.decode()
    assert client.post(reverse("calls:follow", args=[call.slug])).status_code == 302
    assert client.post(reverse("calls:follow", args=[call.slug])).status_code == 302
    assert list(CallFollower.objects.values_list("user", "call")) == [(sme.pk, call.pk)]
    assert 'id="unfollow"' in client.get(call.get_absolute_url()).content.decode()
    assert client.post(reverse("calls:unfollow", args=[call.slug])).status_code == 302
    assert CallFollower.objects.count() == 0


def test_an_anonymous_visitor_cannot_follow(client, call):
    response = client.post(reverse("calls:follow", args=[call.slug]))
    assert response["Location"].startswith(reverse("account_login"))
    assert CallFollower.objects.count() == 0
    assert 'id="follow"' not in client.get(call.get_absolute_url()).content.decode()


def test_a_draft_call_cannot_be_followed(client, eurocluster_a):
    draft = OpenCallFactory(eurocluster=eurocluster_a, status=OpenCall.Status.DRAFT)
    client.force_login(UserFactory())
    assert client.post(reverse("calls:follow", args=[draft.slug])).status_code == 404
    assert CallFollower.objects.count() == 0


def test_moving_the_deadline_in_the_admin_tells_the_followers(
        manager_client, manager_a, call, django_capture_on_commit_callbacks):
    follower, bystander = UserFactory(), UserFactory()
    call_follow(call=call, user=follower)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(change_url(call), call_form_data(
            closes_at_0="2027-03-17", closes_at_1="17:00:00"))
    assert response.status_code == 302
    assert notified("calls.deadline_changed") == [follower.email]
    assert kind_of("calls.deadline_changed").essential is True
    (message,) = [m for m in mail.outbox if m.to == [follower.email]]
    assert message.subject == "DREAM-OC3: the deadline has moved"
    assert "from 10 March 2027, 17:00 to 17 March 2027, 17:00 (Brussels time)" in message.body
    assert bystander.email not in notified("calls.deadline_changed")
    (entry,) = [e for e in audit_trail(call) if e.action == "calls.deadline_moved"]
    assert entry.actor == manager_a.user


def test_a_moved_deadline_tells_the_applicants_who_can_still_change_their_application_once(
        call, eurocluster_a):
    drafting, submitted, withdrawn = (ApplicationFactory(call=call, status=status) for status in (
        Application.Status.DRAFT, Application.Status.SUBMITTED, Application.Status.WITHDRAWN))
    elsewhere = ApplicationFactory(call=OpenCallFactory(eurocluster=eurocluster_a))
    both = drafting.organisation.user
    call_follow(call=call, user=both)  # follows the call and has a draft in it: told once

    told = call_deadline_moved(call=call, previous=datetime(2027, 3, 3, 16, tzinfo=UTC), by=None)

    assert told == 2
    assert sorted(notified("calls.deadline_changed")) == sorted(
        [both.email, submitted.organisation.user.email])
    assert withdrawn.organisation.user.email not in notified("calls.deadline_changed")
    assert elsewhere.organisation.user.email not in notified("calls.deadline_changed")


def test_saving_the_call_without_moving_the_deadline_tells_nobody(manager_client, call):
    call_follow(call=call, user=UserFactory())
    response = manager_client.post(change_url(call), call_form_data(
        closes_at_0="2027-03-10", closes_at_1="17:00:00", title="A better title"))
    assert response.status_code == 302
    assert notified("calls.deadline_changed") == []


def test_the_service_tells_nobody_when_the_deadline_did_not_move(call):
    call_follow(call=call, user=UserFactory())
    assert call_deadline_moved(call=call, previous=call.closes_at, by=None) == 0


def test_a_new_document_in_the_admin_tells_the_followers(manager_client, call):
    follower = UserFactory()
    call_follow(call=call, user=follower)
    upload = SimpleUploadedFile("guide.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = manager_client.post(change_url(call), _with_document(
        call_form_data(closes_at_0="2027-03-10", closes_at_1="17:00:00"), call, upload))
    assert response.status_code == 302
    assert notified("calls.document_added") == [follower.email]
    notification = Notification.objects.get(kind="calls.document_added")
    assert notification.text == "DREAM-OC3: a new document"
    assert notification.link == call.get_absolute_url()
    assert notified("calls.deadline_changed") == []


@pytest.mark.parametrize("kind", ["calls.document_added", "calls.deadline_changed"])
def test_telling_the_followers_costs_the_same_queries_for_one_or_many(call, kind):
    def told_with_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            told = followers_notify(call=call, kind=kind, context={"call": call},
                                    link=call.get_absolute_url())
        return told, len(queries)

    first = UserFactory()
    call_follow(call=call, user=first)
    told_one, queries_one = told_with_queries()
    for _ in range(5):
        call_follow(call=call, user=UserFactory())
    # One of them turned the optional kind off: still in her centre, not e-mailed.
    NotificationPreference.objects.create(person=first, kind="calls.document_added",
                                          choice=NotificationPreference.Choice.OFF)
    told_six, queries_six = told_with_queries()

    assert (told_one, told_six) == (1, 6)
    assert queries_six == queries_one
    assert Notification.objects.filter(kind=kind).count() == 7
    if kind == "calls.document_added":
        assert Notification.objects.filter(
            recipient=first, kind=kind).latest("pk").delivery == Notification.Delivery.OFF
