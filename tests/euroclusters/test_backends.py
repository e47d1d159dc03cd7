"""The portal's authentication backend: the signed-in person's load brings her memberships, her
verified address and her unread count, and sessions of the former backends stay signed in."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.rules import has_verified_email
from euroclusters.backends import PATH, AuthenticationBackend, parse_pairs
from euroclusters.models import Membership
from euroclusters.rules import eurocluster_ids_with_role
from portal.models import Notification
from portal.notifications import unread_count
from tests.factories import EuroclusterFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
M = Membership.Role


def loaded(user):
    return AuthenticationBackend().get_user(user.pk)


def test_the_load_brings_every_membership_and_the_rules_ask_no_query():
    manager = MembershipFactory(role=M.MANAGER)
    person = manager.user
    other, third = EuroclusterFactory(), EuroclusterFactory()
    MembershipFactory(user=person, eurocluster=other, role=M.FINANCE)
    MembershipFactory(user=person, eurocluster=third, role=M.MANAGER)
    MembershipFactory(role=M.MANAGER)  # someone else's
    user = loaded(person)
    with CaptureQueriesContext(connection) as captured:
        managed = eurocluster_ids_with_role(user, M.MANAGER)
        finance = eurocluster_ids_with_role(user, M.FINANCE)
        observed = eurocluster_ids_with_role(user, M.OBSERVER)
    assert captured.captured_queries == []
    assert managed == {manager.eurocluster_id, third.pk}
    assert finance == {other.pk}
    assert observed == frozenset()


def test_a_person_without_memberships_holds_no_role_and_the_rules_ask_no_query():
    user = loaded(UserFactory())
    with CaptureQueriesContext(connection) as captured:
        assert eurocluster_ids_with_role(user, *M.values) == frozenset()
    assert captured.captured_queries == []


@pytest.mark.parametrize(("verified", "expected"), [(True, True), (False, False)])
def test_the_load_brings_whether_an_address_is_verified(verified, expected):
    person = UserFactory(verified=verified)
    EmailAddress.objects.create(user=person, email="second@example.org", verified=False)
    user = loaded(person)
    with CaptureQueriesContext(connection) as captured:
        assert has_verified_email(user) is expected
    assert captured.captured_queries == []


def test_the_load_brings_the_count_of_her_own_unread_notifications_only():
    person, other = UserFactory(), UserFactory()
    for recipient, read_at in [(person, None), (person, None), (person, timezone.now()),
                               (other, None)]:
        Notification.objects.create(recipient=recipient, kind="tests.backend", text="hello",
                                    read_at=read_at)
    user = loaded(person)
    with CaptureQueriesContext(connection) as captured:
        assert unread_count(person=user) == 2
    assert captured.captured_queries == []
    assert unread_count(person=loaded(UserFactory())) == 0


def test_an_inactive_or_missing_person_is_not_loaded():
    person = UserFactory()
    person.is_active = False
    person.save()
    assert loaded(person) is None
    assert AuthenticationBackend().get_user(10**9) is None


def test_pairs_are_parsed_back_into_ids_and_roles():
    assert parse_pairs(None) == []
    assert parse_pairs("") == []
    assert parse_pairs("3:manager,12:finance") == [(3, "manager"), (12, "finance")]


def test_logging_in_with_the_form_names_the_portals_backend_in_the_session(client):
    person = UserFactory()
    response = client.post(reverse("account_login"),
                           {"login": person.email, "password": "correct-horse-42"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PATH
    assert client.session[SESSION_KEY] == str(person.pk)


def test_a_wrong_password_is_refused():
    person = UserFactory()
    assert AuthenticationBackend().authenticate(None, email=person.email, password="wrong") is None
    assert AuthenticationBackend().authenticate(
        None, username=person.email, password="correct-horse-42") == person


def _session_naming(client, person, backend: str):
    session = client.session
    session.update({SESSION_KEY: str(person.pk), BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: person.get_session_auth_hash()})
    session.save()
    client.cookies["sessionid"] = session.session_key


@pytest.mark.parametrize("former", ["django.contrib.auth.backends.ModelBackend",
                                    "allauth.account.auth_backends.AuthenticationBackend"])
def test_a_session_of_a_former_backend_stays_signed_in_and_is_renamed(client, former):
    person = UserFactory()
    _session_naming(client, person, former)
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
    assert response.context["user"] == person
    assert client.session[BACKEND_SESSION_KEY] == PATH


def test_a_session_naming_an_unknown_backend_is_signed_out(client):
    person = UserFactory()
    _session_naming(client, person, "somewhere.else.Backend")
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_session_of_a_former_backend_whose_password_changed_is_signed_out(client):
    person = UserFactory()
    _session_naming(client, person, "django.contrib.auth.backends.ModelBackend")
    person.set_password("another-horse-43")
    person.save()
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 302


def test_each_load_is_of_its_own_person():
    first, second = MembershipFactory(role=M.MANAGER), MembershipFactory(role=M.FINANCE)
    Notification.objects.create(recipient=second.user, kind="tests.backend", text="hello")
    one, two = loaded(first.user), loaded(second.user)
    assert (one, two) == (first.user, second.user)
    assert eurocluster_ids_with_role(one, *M.values) == {first.eurocluster_id}
    assert eurocluster_ids_with_role(two, *M.values) == {second.eurocluster_id}
    assert (unread_count(person=one), unread_count(person=two)) == (0, 1)
