import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from applications.models import Application
from tests.factories import OpenCallFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


def _signup(client, email="new.sme@example.org"):
    return client.post(reverse("account_signup"),
                       {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def test_user_model_logs_in_by_email_without_username():
    user = User.objects.create_user("Mixed.Case@Example.ORG", PASSWORD)
    assert user.email == "mixed.case@example.org"
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username")


def test_signup_sends_a_confirmation_and_does_not_log_in_before_it(client, mailoutbox):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mailoutbox) == 1
    assert "confirm" in mailoutbox[0].body.lower()
    assert not EmailAddress.objects.get(email="new.sme@example.org").verified
    # Logging in before confirming is refused: the confirmation is sent again instead.
    client.logout()
    response = client.post(reverse("account_login"),
                           {"login": "new.sme@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_confirming_the_email_logs_in_and_opens_the_dashboard(client, mailoutbox):
    _signup(client)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new.sme@example.org").verified
    assert client.get(reverse("applications:dashboard")).status_code == 200


def test_unverified_user_cannot_start_an_application(client):
    user = UserFactory(verified=False)
    OrganisationFactory(user=user)
    client.force_login(user)
    call = OpenCallFactory()
    response = client.post(reverse("applications:start", kwargs={"slug": call.slug}),
                           follow=True)
    assert "confirm your e-mail address" in response.content.decode()
    assert not Application.objects.exists()


def test_password_reset_sends_a_link(client, mailoutbox):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_logout_ends_the_session(client):
    client.force_login(UserFactory())
    client.post(reverse("account_logout"))
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 302


def test_two_factor_setup_page_is_available(client):
    client.force_login(UserFactory())
    assert client.get(reverse("mfa_index")).status_code == 200
