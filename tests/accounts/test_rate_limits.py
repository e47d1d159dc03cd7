"""allauth's rate limits and the log-in lock-out, as portal/settings.py states them: each bites on
the attempt past its limit and lets attempts through again once its window has passed (the
``clock`` fixture moves time on; nothing clears the cache)."""

import re

import pytest
from allauth.account import app_settings
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("time_stands_still")]

PASSWORD = "a-long-and-unusual-passphrase"
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
RESET = reverse("account_reset_password")
LOCKED = ("Too many failed log-in attempts: log-in is locked for up to 5 minutes. Try again "
          "then, or reset your password.")
THROTTLED = ("Too many attempts in a short time. For your security this is paused: please wait "
             "a minute and try again.")


def log_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def assert_throttled_page(response):
    assert response.status_code == 429
    assert f'<p class="rate-limit-message">{THROTTLED}</p>' in response.content.decode()


def test_the_limits_are_the_documented_ones(settings):
    assert settings.ACCOUNT_RATE_LIMITS == {
        "login": "30/m/ip",
        "login_failed": "10/m/ip,5/300s/key",
        "signup": "20/m/ip",
        "reset_password": "20/m/ip,5/m/key",
        "reset_password_from_key": "20/m/ip",
        "confirm_email": "1/180s/key",
        "change_password": "5/m/user",
        "manage_email": "10/m/user",
        "reauthenticate": "10/m/user",
    }
    # allauth reads them (its defaults differ: "1/180s/key" is its cooldown, the rest agree).
    assert app_settings.RATE_LIMITS["login_failed"] == "10/m/ip,5/300s/key"
    assert app_settings.RATE_LIMITS["confirm_email"] == "1/180s/key"


# --- the lock-out -----------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one_for_five_minutes(
        client, clock):
    user = UserFactory(password=PASSWORD)
    for _ in range(5):
        response = log_in(client, user.email, "wrong-password-123")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    response = log_in(client, user.email)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    clock(4 * 60)
    assert LOCKED in log_in(client, user.email).content.decode()
    clock(61)
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_lock_out_is_per_e_mail_address(client):
    locked, other = UserFactory(password=PASSWORD), UserFactory(password=PASSWORD)
    for _ in range(5):
        log_in(client, locked.email, "wrong-password-123")
    assert LOCKED in log_in(client, locked.email).content.decode()
    assert log_in(client, other.email).status_code == 302


def test_a_password_reset_lifts_the_lock_out(client, mailoutbox):
    user = UserFactory(password=PASSWORD)
    for _ in range(6):
        log_in(client, user.email, "wrong-password-123")
    assert LOCKED in log_in(client, user.email).content.decode()
    client.post(RESET, {"email": user.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)",
                     mailoutbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    new = "another-long-passphrase-77"
    assert client.post(form_url, {"password1": new, "password2": new}).status_code == 302
    assert log_in(client, user.email, new).status_code == 302


def test_ten_failed_log_ins_a_minute_from_one_address_lock_it_whatever_the_e_mail(client, clock):
    users = [UserFactory(password=PASSWORD) for _ in range(11)]
    for user in users[:10]:
        assert LOCKED not in log_in(client, user.email, "wrong-password-123").content.decode()
    assert LOCKED in log_in(client, users[10].email).content.decode()
    # Another address is not concerned.
    assert log_in(client, users[10].email, REMOTE_ADDR="192.0.2.9").status_code == 302


# --- log-in, sign-up, password reset: 429 -------------------------------------------------------


def test_the_31st_log_in_post_a_minute_from_one_address_gets_429_and_then_passes(client, clock):
    user = UserFactory(password=PASSWORD)
    for _ in range(30):
        assert client.post(LOGIN, {}).status_code == 200  # an empty form: counted all the same
    assert_throttled_page(log_in(client, user.email))
    assert "_auth_user_id" not in client.session
    clock(61)
    assert log_in(client, user.email).status_code == 302


def test_the_21st_sign_up_a_minute_from_one_address_gets_429_and_creates_nobody(client, clock,
                                                                               mailoutbox):
    for _ in range(20):
        assert client.post(SIGNUP, {"email": "not-an-address"}).status_code == 200
    data = {"email": "new.sme@example.org", "password1": PASSWORD, "password2": PASSWORD}
    assert_throttled_page(client.post(SIGNUP, data))
    assert not User.objects.filter(email="new.sme@example.org").exists()
    assert mailoutbox == []
    # Another address may sign up.
    assert client.post(SIGNUP, data, REMOTE_ADDR="192.0.2.9").status_code == 302
    clock(61)
    data["email"] = "second.sme@example.org"
    assert client.post(SIGNUP, data).status_code == 302


def test_a_sixth_reset_e_mail_to_one_address_within_a_minute_is_refused(client, mailoutbox,
                                                                       clock):
    user, other = UserFactory(), UserFactory()
    for _ in range(5):
        assert client.post(RESET, {"email": user.email}).status_code == 302
    assert_throttled_page(client.post(RESET, {"email": user.email}))
    assert len(mailoutbox) == 5
    # Another e-mail address is counted on its own.
    assert client.post(RESET, {"email": other.email}).status_code == 302
    clock(61)
    assert client.post(RESET, {"email": user.email}).status_code == 302
    assert len(mailoutbox) == 7


def test_the_21st_reset_request_a_minute_from_one_address_is_refused(client, mailoutbox):
    for n in range(20):
        assert client.post(RESET, {"email": f"someone{n}@example.org"}).status_code == 302
    sent = len(mailoutbox)
    assert_throttled_page(client.post(RESET, {"email": "someone.else@example.org"}))
    assert len(mailoutbox) == sent


def test_the_21st_new_password_post_a_minute_from_one_address_is_refused(client, clock):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "forged"})
    for _ in range(20):
        assert client.post(url, {"password1": "x", "password2": "x"}).status_code == 200
    assert_throttled_page(client.post(url, {"password1": "x", "password2": "x"}))
    clock(61)
    assert client.post(url, {"password1": "x", "password2": "x"}).status_code == 200


# --- the confirmation e-mail ------------------------------------------------------------------


def test_the_confirmation_e_mail_is_sent_again_at_most_once_in_three_minutes(client, mailoutbox,
                                                                            clock):
    client.post(SIGNUP, {"email": "new.sme@example.org", "password1": PASSWORD,
                         "password2": PASSWORD})
    assert len(mailoutbox) == 1
    client.logout()
    # Logging in before confirming asks for the e-mail again: too soon, none is sent, and the
    # page says why.
    response = log_in(client, "new.sme@example.org", follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert len(mailoutbox) == 1
    assert ("A new confirmation e-mail is sent at most once every 3 minutes: if you asked again "
            "sooner, use the link in the e-mail you already have (it still works)."
            ) in response.content.decode()
    clock(2 * 60)
    log_in(client, "new.sme@example.org")
    assert len(mailoutbox) == 1
    clock(61)
    log_in(client, "new.sme@example.org")
    assert len(mailoutbox) == 2
    assert not EmailAddress.objects.get(email="new.sme@example.org").verified


def test_the_cooldown_is_per_address(client, mailoutbox):
    for email in ("first.sme@example.org", "second.sme@example.org"):
        client.post(SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD})
        client.logout()
    assert [m.to for m in mailoutbox] == [["first.sme@example.org"], ["second.sme@example.org"]]


COOLDOWN = ("A new confirmation e-mail is sent at most once every 3 minutes: if you asked again "
            "sooner, use the link in the e-mail you already have (it still works).")


def test_re_sending_from_the_e_mail_page_waits_three_minutes_and_the_page_says_so(
        client, mailoutbox, clock):
    user = UserFactory()
    client.force_login(user)
    url = reverse("account_email")
    assert COOLDOWN not in client.get(url).content.decode()  # every address confirmed
    client.post(url, {"action_add": "", "email": "second@example.org"})
    assert [m.to for m in mailoutbox] == [["second@example.org"]]
    page = client.get(url).content.decode()
    assert COOLDOWN in page
    assert "Re-send Verification" in page
    client.post(url, {"action_send": "", "email": "second@example.org"})
    assert len(mailoutbox) == 1
    clock(181)
    client.post(url, {"action_send": "", "email": "second@example.org"})
    assert len(mailoutbox) == 2
