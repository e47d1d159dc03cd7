"""Issue 12, part 1: preferences applied by notify() (at once, daily digest, off; essential kinds
always e-mailed), the daily digest, the RFC 8058 one-click unsubscribe without login, the
centre's list, filters and marking read (one's own only), the bell's one query, the personal
data (export, erasure) and the read-only admin."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.services.erasure import account_erase
from accounts.services.export import personal_data_collect
from portal.models import Notification, NotificationPreference
from portal.notifications import (
    UNSUBSCRIBE_SALT,
    digests_send,
    notification_preference_set,
    notify,
    notify_many,
    register_kind,
    unread_count,
    unsubscribe_token,
)
from portal.prepared import readable
from portal.queue import registered_task
from portal.site import absolute_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Notification.Delivery
C = NotificationPreference.Choice
CONTEXT = {"decision": None, "privacy_url": "/privacy/"}  # what account_erased's templates read


@pytest.fixture(autouse=True)
def test_kinds():
    # Existing templates under kinds of the tests' own: one optional, one essential.
    register_kind(key="tests.optional", label="Optional things", template="account_erased")
    register_kind(key="tests.essential", label="Essential things", template="account_erased",
                  essential=True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def tell(person, kind="tests.optional", link="/privacy/"):
    return notify(recipient=person, kind=kind, context=CONTEXT, link=link)


# --- preferences inside notify() ------------------------------------------------------------------

@pytest.mark.parametrize(("choice", "delivery", "mails"), [
    (None, D.SENT, 1), (C.IMMEDIATE, D.SENT, 1), (C.DIGEST, D.DIGEST, 0), (C.OFF, D.OFF, 0)])
def test_notify_applies_the_persons_choice_for_an_optional_kind(committed, choice, delivery,
                                                                mails):
    person = UserFactory()
    if choice:
        NotificationPreference.objects.create(person=person, kind="tests.optional", choice=choice)
    with committed():
        notification = tell(person)
    notification.refresh_from_db()
    assert (notification.delivery, len(mail.outbox)) == (delivery, mails)
    assert Notification.objects.filter(recipient=person).count() == 1  # in the centre always


@pytest.mark.parametrize("choice", [C.DIGEST, C.OFF])
def test_an_essential_kind_is_always_emailed_at_once(committed, choice):
    person = UserFactory()
    # Even a row written behind the service's back does not stop an essential kind.
    NotificationPreference.objects.create(person=person, kind="tests.essential", choice=choice)
    with committed():
        notification = tell(person, kind="tests.essential")
    notification.refresh_from_db()
    assert notification.delivery == D.SENT
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_an_essential_kind_cannot_be_chosen():
    person = UserFactory()
    with pytest.raises(Exception, match="always e-mailed"):
        notification_preference_set(person=person, kind="tests.essential", choice=C.OFF)
    assert not NotificationPreference.objects.exists()


def test_the_preferences_of_an_optional_kind_are_kept_and_changed():
    person = UserFactory()
    assert notification_preference_set(person=person, kind="tests.optional", choice=C.DIGEST)
    assert not notification_preference_set(person=person, kind="tests.optional", choice=C.DIGEST)
    assert notification_preference_set(person=person, kind="tests.optional", choice=C.OFF)
    assert list(NotificationPreference.objects.values_list("kind", "choice")) == [
        ("tests.optional", "off")]


# --- the e-mail's links and headers -------------------------------------------------------------

def test_an_optional_kinds_mail_has_the_one_click_unsubscribe_and_the_preferences_link(
        committed):
    person = UserFactory()
    with committed():
        tell(person)
    message = mail.outbox[0]
    token = unsubscribe_token(person=person, kind="tests.optional")
    url = absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))
    assert message.extra_headers == {"List-Unsubscribe": f"<{url}>",
                                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert absolute_url("/notifications/preferences/") in message.body
    assert url in message.body
    assert message.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_essential_kinds_mail_has_the_preferences_link_but_no_unsubscribe(committed):
    person = UserFactory()
    with committed():
        tell(person, kind="tests.essential")
    message = mail.outbox[0]
    assert message.extra_headers == {}
    assert absolute_url("/notifications/preferences/") in message.body
    assert "/notifications/unsubscribe/" not in message.body


# --- the daily digest -----------------------------------------------------------------------------

def test_the_digest_groups_a_days_notifications_into_one_mail_and_runs_twice(committed):
    reader, other, immediate = UserFactory(), UserFactory(), UserFactory()
    for person in (reader, other):
        notification_preference_set(person=person, kind="tests.optional", choice=C.DIGEST)
    with committed():
        first = tell(reader, link="/privacy/")
        second = tell(reader, link="/notifications/")
        tell(other)
        tell(immediate)  # no preference: e-mailed at once, not in any digest
        tell(reader, kind="tests.essential")  # essential: at once
    assert sorted(m.to[0] for m in mail.outbox) == sorted([immediate.email, reader.email])
    mail.outbox.clear()

    assert registered_task("portal.send_digests").apply().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reader.email, other.email])
    digest = next(m for m in mail.outbox if m.to == [reader.email])
    assert digest.subject == "Your daily digest: 2 notifications on the Eurocluster portal"
    assert digest.body.count(first.text) == 2
    assert absolute_url("/privacy/") in digest.body
    assert absolute_url("/notifications/") in digest.body
    assert absolute_url("/notifications/preferences/") in digest.body
    assert sorted(Notification.objects.filter(recipient=reader).values_list("delivery",
                                                                           flat=True)) == [
        D.DIGESTED, D.DIGESTED, D.SENT]
    assert Notification.objects.get(pk=second.pk).emailed_at is not None

    mail.outbox.clear()
    assert registered_task("portal.send_digests").apply().get() == 0
    assert mail.outbox == []


def test_the_digest_leaves_what_came_after_its_moment_for_the_next_day():
    person = UserFactory()
    notification_preference_set(person=person, kind="tests.optional", choice=C.DIGEST)
    tell(person)
    later = tell(person)
    Notification.objects.filter(pk=later.pk).update(
        created_at=timezone.now() + timedelta(hours=1))
    assert digests_send(now=timezone.now()) == 1
    assert "1 notification on" in mail.outbox[0].subject
    assert Notification.objects.get(pk=later.pk).delivery == D.DIGEST


def test_a_failed_digest_leaves_them_waiting(monkeypatch):
    person = UserFactory()
    notification_preference_set(person=person, kind="tests.optional", choice=C.DIGEST)
    tell(person)
    monkeypatch.setattr("django.core.mail.EmailMessage.send",
                        lambda self: (_ for _ in ()).throw(OSError("smtp down")))
    with pytest.raises(OSError):
        digests_send()
    assert Notification.objects.get().delivery == D.DIGEST


# --- one-click unsubscribe, without login ---------------------------------------------------------

def unsubscribe_path(person, kind="tests.optional"):
    return reverse("notifications:unsubscribe",
                   kwargs={"token": unsubscribe_token(person=person, kind=kind)})


def test_the_unsubscribe_get_asks_and_changes_nothing():
    person = UserFactory()
    response = Client().get(unsubscribe_path(person))
    assert response.status_code == 200
    assert b'id="confirm-unsubscribe"' in response.content
    assert "Optional things" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_mail_clients_one_click_post_turns_the_kind_off_without_login_or_csrf(committed):
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe_path(person), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b'id="unsubscribed"' in response.content
    assert list(NotificationPreference.objects.values_list("person", "kind", "choice")) == [
        (person.pk, "tests.optional", "off")]
    assert client.post(unsubscribe_path(person)).status_code == 200  # again: no change
    assert NotificationPreference.objects.count() == 1
    with committed():
        notification = tell(person)
    assert (Notification.objects.get(pk=notification.pk).delivery, mail.outbox) == (D.OFF, [])


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered signature
    lambda token: "garbage",
    lambda token: signing.dumps({"p": 1, "k": "tests.optional"}, salt="another.salt"),
])
def test_a_tampered_unsubscribe_link_gets_a_clear_error_and_changes_nothing(mangle):
    person = UserFactory()
    token = mangle(unsubscribe_token(person=person, kind="tests.optional"))
    for method in ("get", "post"):
        response = getattr(Client(), method)(
            reverse("notifications:unsubscribe", kwargs={"token": token}))
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_unsubscribe_link_for_an_essential_kind_is_refused():
    person = UserFactory()
    token = signing.dumps({"p": person.pk, "k": "tests.essential"}, salt=UNSUBSCRIBE_SALT)
    response = Client().post(reverse("notifications:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


# --- the centre -----------------------------------------------------------------------------------

def test_the_centre_lists_ones_own_notifications_with_filters(client):
    person, other = UserFactory(), UserFactory()
    read = tell(person)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    unread = tell(person, kind="tests.essential")
    tell(other)
    client.force_login(person)
    url = reverse("notifications:list")

    def listed(query=""):
        response = client.get(url + query)
        assert response.status_code == 200
        return [row["notification"].pk for row in response.context["rows"]]

    assert listed() == [unread.pk, read.pk]
    assert listed("?unread=1") == [unread.pk]
    assert listed("?kind=tests.optional") == [read.pk]
    assert listed("?kind=tests.optional&unread=1") == []
    assert listed("?kind=no.such") == [unread.pk, read.pk]  # an unknown kind filters nothing


def test_the_centre_is_paginated(client):
    person = UserFactory()
    for _ in range(27):
        tell(person)
    client.force_login(person)
    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list") + "?page=2")
    assert (len(first.context["rows"]), len(second.context["rows"])) == (25, 2)
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("n", [1, 30])
def test_the_centre_query_count_is_fixed(client, django_assert_num_queries, n):
    person = UserFactory()
    for _ in range(n):
        tell(person)
    client.force_login(person)
    # The session; its user with her memberships (the menu) and the bell's count; the page's
    # COUNT and rows.
    with django_assert_num_queries(CENTRE_QUERIES):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["rows"]) == min(n, 25)


CENTRE_QUERIES = 4


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    person = UserFactory()
    notification = tell(person, link="/calls/")
    client.force_login(person)
    response = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    assert (response.status_code, response["Location"]) == (302, "/calls/")
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    notification.refresh_from_db()
    assert notification.read_at == first_read  # reading again keeps the first moment


def test_a_link_off_the_portal_leads_to_the_centre_instead(client):
    person = UserFactory()
    notification = tell(person, link="https://evil.example/")
    client.force_login(person)
    response = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    assert response["Location"] == reverse("notifications:list")


def test_mark_one_read_and_mark_all_read(client):
    person, other = UserFactory(), UserFactory()
    first, second, third = tell(person), tell(person), tell(person)
    theirs = tell(other)
    client.force_login(person)
    response = client.post(reverse("notifications:read", kwargs={"pk": first.pk}),
                           {"next": "/notifications/?unread=1"})
    assert response["Location"] == "/notifications/?unread=1"
    assert list(Notification.objects.filter(read_at__isnull=True).order_by("pk")
                .values_list("pk", flat=True)) == [second.pk, third.pk, theirs.pk]
    client.post(reverse("notifications:read_all"))
    assert list(Notification.objects.filter(read_at__isnull=True)
                .values_list("pk", flat=True)) == [theirs.pk]


def test_another_persons_notification_is_not_found_and_stays_unread(client):
    person, other = UserFactory(), UserFactory()
    theirs = tell(other)
    client.force_login(person)
    assert client.get(reverse("notifications:open", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("notifications:read", kwargs={"pk": theirs.pk})).status_code == 404
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize("name", ["list", "preferences", "read_all"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = (client.post if name == "read_all" else client.get)(
        reverse(f"notifications:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_visitors_cannot_open_a_notification(client):
    notification = tell(UserFactory())
    for view in ("open", "read"):
        response = (client.get if view == "open" else client.post)(
            reverse(f"notifications:{view}", kwargs={"pk": notification.pk}))
        assert response["Location"].startswith(reverse("account_login"))
    assert Notification.objects.get().read_at is None


# --- the preferences page -----------------------------------------------------------------------

def test_the_preferences_page_sets_each_optional_kind(client):
    person = UserFactory()
    client.force_login(person)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="kind-tests.optional"' in page
    assert 'name="kind-tests.essential"' not in page  # listed as always e-mailed, no choice
    assert "Essential things" in page
    response = client.post(reverse("notifications:preferences"),
                           {"kind-tests.optional": "digest", "kind-tests.essential": "off"})
    assert response.status_code == 302
    assert list(NotificationPreference.objects.values_list("person", "kind", "choice")) == [
        (person.pk, "tests.optional", "digest")]
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert ('value="digest" id="kind-tests.optional-digest" '
            'aria-label="Optional things: Daily digest" checked') in page


def test_an_empty_preferences_post_is_refused(client):
    client.force_login(UserFactory())
    assert client.post(reverse("notifications:preferences")).status_code == 400
    assert not NotificationPreference.objects.exists()


# --- the bell -------------------------------------------------------------------------------------

def bell_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_the_bell_costs_no_query_of_its_own_whatever_the_number_unread(client):
    person = UserFactory()
    client.force_login(person)
    url = reverse("accounts:my_data")
    none_page, none_count = bell_queries(client, url)
    assert b'id="notification-bell"' in none_page.content
    assert b'id="unread-count"' not in none_page.content
    for _ in range(3):
        tell(person)
    page, count = bell_queries(client, url)
    assert '<span class="badge rounded-pill text-bg-warning" id="unread-count">3' in (
        page.content.decode())
    assert count == none_count
    options = settings.TEMPLATES[0]["OPTIONS"]
    without = [p for p in options["context_processors"]
               if p != "portal.context_processors.notifications"]
    templates = [{**settings.TEMPLATES[0], "OPTIONS": {**options, "context_processors": without}}]
    with override_settings(TEMPLATES=templates):
        bare, bare_count = bell_queries(client, url)
    assert b'id="unread-count"' not in bare.content
    # The count came with the person's own row (euroclusters.backends).
    assert count == bare_count


def test_the_bells_count_is_a_subquery_of_the_persons_load_over_her_unread_rows(client):
    person = UserFactory()
    client.force_login(person)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("accounts:my_data"))
    sqls = [readable(q["sql"]) for q in captured]  # a prepared read's own SQL, not EXECUTE
    bell = [sql for sql in sqls if "portal_notification" in sql]
    assert len(bell) == 1
    assert bell[0].startswith('SELECT "accounts_user"."id"')
    assert "COUNT(" in bell[0]
    assert '"read_at" IS NULL' in bell[0]


def test_without_the_backends_count_the_bell_counts_by_itself(client):
    """A person loaded by another backend (a session of a test client, a script) still gets her
    number: one COUNT of her unread rows."""
    person = UserFactory()
    tell(person)
    tell(person)
    assert not hasattr(person, "_unread_notifications")
    with CaptureQueriesContext(connection) as captured:
        assert unread_count(person=person) == 2
    assert len(captured) == 1 and captured[0]["sql"].startswith("SELECT COUNT(*)")


def test_anonymous_visitors_have_no_bell_and_no_count_query(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("accounts:privacy"))
    assert b'id="notification-bell"' not in response.content
    assert not [q for q in captured if "portal_notification" in readable(q["sql"])]


# --- personal data and the admin ----------------------------------------------------------------

def test_the_export_holds_the_notifications_and_preferences():
    person = UserFactory()
    notification_preference_set(person=person, kind="tests.optional", choice=C.OFF)
    notification = tell(person, kind="tests.essential")
    document, _files = personal_data_collect(user=person)
    section = document["notifications"]
    assert [(n["kind"], n["text"], n["link"]) for n in section["notifications"]] == [
        ("tests.essential", notification.text, "/privacy/")]
    assert section["preferences"] == [{"kind": "tests.optional", "choice": "off"}]


def test_erasure_removes_the_notifications_and_preferences():
    person, other = UserFactory(), UserFactory()
    notification_preference_set(person=person, kind="tests.optional", choice=C.OFF)
    tell(person)
    kept = tell(other)
    account_erase(user=person, password="correct-horse-42")
    assert list(Notification.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not NotificationPreference.objects.exists()


def test_the_admin_shows_notifications_read_only(admin_client, settings):
    settings.PORTAL_REQUIRE_MFA = False  # the second factor is tests/accounts/test_mfa.py's
    notification = tell(UserFactory())
    changelist = admin_client.get(reverse("admin:portal_notification_changelist"))
    assert changelist.status_code == 200
    assert notification.text in changelist.content.decode()
    change = admin_client.get(reverse("admin:portal_notification_change",
                                      args=[notification.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert admin_client.get(reverse("admin:portal_notification_add")).status_code == 403


def test_the_digest_index_names_the_digest_state():
    index = next(i for i in Notification._meta.indexes if i.name == "notification_digest")
    assert index.condition.children == [("delivery", D.DIGEST)]


# --- many at once ---------------------------------------------------------------------------

def _notify_many_queries(count: int, committed) -> tuple[int, list]:
    people = UserFactory.create_batch(count)
    NotificationPreference.objects.create(person=people[0], kind="tests.optional", choice=C.OFF)
    messages = [(person, CONTEXT, f"/p/{person.pk}/") for person in people]
    with committed(), CaptureQueriesContext(connection) as queries:
        notify_many(kind="tests.optional", messages=messages)  # the sends run after this
    return len(queries), people


def test_notify_many_is_one_notify_each_in_a_fixed_number_of_queries(committed):
    few, _ = _notify_many_queries(2, committed)
    before = len(mail.outbox)
    many, people = _notify_many_queries(7, committed)
    assert Notification.objects.filter(recipient__in=people).count() == 7
    deliveries = dict(Notification.objects.filter(recipient__in=people)
                      .values_list("recipient_id", "delivery"))
    assert deliveries[people[0].pk] == D.OFF  # her choice, as notify() applies it
    assert {deliveries[p.pk] for p in people[1:]} == {D.SENT}
    assert len(mail.outbox) - before == 6
    assert {n.link for n in Notification.objects.filter(recipient__in=people)} == {
        f"/p/{p.pk}/" for p in people}
    assert few == many
