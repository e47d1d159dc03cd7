"""Issue 13, point 1: a person whose role reaches proposals, bank details or payments (cluster
manager, finance officer, observer, evaluator, staff, superuser) is sent to set up a second factor
before any page behind that role opens; an applicant is not."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.mfa import SESSION_KEY
from accounts.middleware import is_open
from euroclusters.models import Membership
from payments.services.agreements import agreement_generate
from portal.audit import audit_trail
from tests.evaluation.factories import CallEvaluatorFactory, EvaluatorProfileFactory
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    give_mfa,
    totp_code,
)
from tests.payments.factories import results_call, selected_application
from tests.payments.test_agreements_views import signed
from tests.security.url_table import PUBLIC, TABLE

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa_activate_totp")


def manager(mfa):
    return MembershipFactory(role=Membership.Role.MANAGER, user__mfa=mfa).user


def finance(mfa):
    return MembershipFactory(role=Membership.Role.FINANCE, user__mfa=mfa).user


def observer(mfa):
    return MembershipFactory(role=Membership.Role.OBSERVER, user__mfa=mfa).user


def evaluator(mfa):
    user = EvaluatorProfileFactory(user__mfa=mfa).user
    CallEvaluatorFactory(user=user)
    return user


def superuser(mfa):
    return UserFactory(is_staff=True, is_superuser=True, mfa=mfa)


# One page of each area, and the role that opens it.
AREAS = [
    pytest.param(manager, "reporting:dashboard", id="manager"),
    pytest.param(manager, "applications:manage_calls", id="manager-calls"),
    pytest.param(finance, "payments:finance", id="finance"),
    pytest.param(finance, "payments:finance_bank_changes", id="finance-bank"),
    pytest.param(evaluator, "evaluation:queue", id="evaluation"),
    pytest.param(evaluator, "evaluation:profile", id="evaluation-profile"),
    pytest.param(superuser, "admin:index", id="admin"),
    pytest.param(superuser, "admin:euroclusters_membership_changelist", id="admin-memberships"),
    pytest.param(observer, "admin:index", id="admin-observer"),
]


@pytest.mark.parametrize(("make", "page"), AREAS)
def test_without_a_second_factor_the_area_sends_to_the_set_up(client, make, page):
    client.force_login(make(mfa=False))
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"] == SETUP
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your role on the portal gives access to applicants' proposals, bank details and "
        "payments, so your account needs a second factor: set up an authenticator app (or, once "
        "it is on, a security key) before you continue."]


@pytest.mark.parametrize(("make", "page"), AREAS)
def test_with_a_second_factor_the_area_opens(client, make, page):
    client.force_login(make(mfa=True))
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("make", [manager, finance, evaluator, superuser])
def test_a_refused_post_changes_nothing(client, make):
    """A POST behind the role (here: a team change in the admin) is redirected before the view."""
    user = make(mfa=False)
    other = MembershipFactory(role=Membership.Role.OBSERVER)
    client.force_login(user)
    response = client.post(reverse("admin:euroclusters_membership_delete", args=[other.pk]),
                           {"post": "yes"})
    assert response["Location"] == SETUP
    assert Membership.objects.filter(pk=other.pk).exists()


def test_the_pages_of_her_own_applications_are_closed_too(client):
    """A manager who is also an SME does not read anything before the second factor."""
    user = manager(mfa=False)
    OrganisationFactory(user=user)
    client.force_login(user)
    assert client.get(reverse("applications:dashboard"))["Location"] == SETUP


@pytest.mark.parametrize("page", [
    "calls:home", "reporting:beneficiaries", "reporting:calls_json", "payments:verify",
    "mfa_index", "mfa_activate_totp", "mfa_add_webauthn"])
def test_the_public_and_the_set_up_pages_stay_open(client, page):
    client.force_login(manager(mfa=False))
    assert client.get(reverse(page)).status_code == 200


# Public in the URL-role table but closed to staff without a second factor, on purpose: metrics
# are for Prometheus's token, and a logged-in person has no password to reset.
CLOSED_PUBLIC = {"metrics", "account_reset_password", "account_reset_password_done",
                 "account_reset_password_from_key", "account_reset_password_from_key_done",
                 "account_inactive"}


def test_every_page_the_url_table_calls_public_stays_open_without_a_second_factor():
    """A public page added later (as /privacy/ was) must join OPEN_VIEWS, or a manager without
    MFA would be sent to the set-up from a footer link."""
    public = {name for name, url in TABLE.items() if url.get == PUBLIC}
    assert "accounts:privacy" in public
    assert sorted(name for name in public - CLOSED_PUBLIC if not is_open(name)) == []


def test_the_privacy_page_opens_to_a_manager_without_a_second_factor(client):
    client.force_login(manager(mfa=False))
    assert client.get(reverse("accounts:privacy")).status_code == 200


def test_logging_out_stays_open(client):
    client.force_login(manager(mfa=False))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:home")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("page", ["applications:dashboard", "applications:organisation",
                                  "payments:bank"])
def test_an_applicant_is_not_forced(client, page):
    client.force_login(OrganisationFactory().user)
    assert client.get(reverse(page)).status_code == 200
    assert client.session[SESSION_KEY] is False


def test_an_applicant_is_not_let_into_an_area_by_the_check(client):
    """The check only sends to the set-up; the area's own permission still refuses her."""
    client.force_login(OrganisationFactory().user)
    assert client.get(reverse("reporting:dashboard")).status_code == 403


def test_setting_up_the_authenticator_app_opens_the_area_at_once(
        client, django_capture_on_commit_callbacks):
    user = manager(mfa=False)
    client.force_login(user)
    assert client.get(reverse("reporting:dashboard"))["Location"] == SETUP
    page = client.get(SETUP)
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in page.content.decode()  # shown to type into the app without the QR code
    with django_capture_on_commit_callbacks(execute=True):  # allauth's signal, after commit
        response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).count() == 1
    assert client.get(reverse("reporting:dashboard")).status_code == 200
    assert client.session[SESSION_KEY] is True
    # Audited: the TOTP app and the recovery codes made with it; their kind, never a secret.
    assert [(e.action, e.actor_id, e.data) for e in audit_trail(user)] == [
        ("mfa_added", user.pk, {"type": "recovery_codes"}),
        ("mfa_added", user.pk, {"type": "totp"})]


def test_a_wrong_code_sets_nothing_up(client):
    user = manager(mfa=False)
    client.force_login(user)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()
    assert client.get(reverse("reporting:dashboard"))["Location"] == SETUP


def test_removing_the_second_factor_closes_the_area_again(
        client, django_capture_on_commit_callbacks):
    user = manager(mfa=True)
    client.force_login(user)
    assert client.get(reverse("reporting:dashboard")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("reporting:dashboard"))["Location"] == SETUP
    assert [(e.action, e.data) for e in audit_trail(user)] == [
        ("mfa_removed", {"type": "totp"})]


def test_a_role_given_during_the_session_is_caught_on_the_next_page(client):
    user = OrganisationFactory().user
    client.force_login(user)
    assert client.get(reverse("applications:dashboard")).status_code == 200
    MembershipFactory(user=user, role=Membership.Role.FINANCE)
    assert client.get(reverse("applications:dashboard"))["Location"] == SETUP


def test_a_second_factor_set_up_in_another_session_is_read_on_the_next_page(client):
    user = manager(mfa=False)
    client.force_login(user)
    assert client.get(reverse("reporting:dashboard"))["Location"] == SETUP
    give_mfa(user)
    assert client.get(reverse("reporting:dashboard")).status_code == 200


def test_the_setting_turns_the_check_off(client, settings):
    settings.PORTAL_REQUIRE_MFA = False
    client.force_login(manager(mfa=False))
    assert client.get(reverse("reporting:dashboard")).status_code == 200


def test_the_check_costs_no_query_once_the_second_factor_is_known(client, settings):
    """The answer is in the session from the login: a page costs what it cost without the
    check."""
    client.force_login(manager(mfa=True))
    url = reverse("reporting:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as checked:
        client.get(url)
    settings.PORTAL_REQUIRE_MFA = False
    with CaptureQueriesContext(connection) as unchecked:
        client.get(url)
    assert len(checked) == len(unchecked)


# --- applicants are invited once their agreement is signed ----------------------------------------


INVITATION = 'id="mfa-invitation"'


@pytest.fixture
def beneficiary_agreement():
    return agreement_generate(application=selected_application(results_call()))


def _sign(agreement):
    signed(agreement, agreement.application.organisation.user)


def test_an_applicant_who_signed_is_invited_to_set_up_a_second_factor(
        client, beneficiary_agreement):
    user = beneficiary_agreement.application.organisation.user
    client.force_login(user)
    agreement_page = reverse("payments:agreement",
                             kwargs={"pk": beneficiary_agreement.application_id})
    assert INVITATION not in client.get(reverse("applications:dashboard")).content.decode()
    assert INVITATION not in client.get(agreement_page).content.decode()
    _sign(beneficiary_agreement)
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert INVITATION in dashboard
    assert f'href="{reverse("mfa_index")}"' in dashboard
    assert INVITATION in client.get(agreement_page).content.decode()


def test_an_applicant_with_a_second_factor_is_not_invited(client, beneficiary_agreement):
    user = beneficiary_agreement.application.organisation.user
    _sign(beneficiary_agreement)
    give_mfa(user)
    client.force_login(user)
    assert INVITATION not in client.get(reverse("applications:dashboard")).content.decode()


def test_an_applicant_may_turn_a_second_factor_on(client):
    user = OrganisationFactory().user
    client.force_login(user)
    assert client.get(SETUP).status_code == 200
    client.post(SETUP, {"code": totp_code(client.session[SECRET_SESSION_KEY])})
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("applications:dashboard")).status_code == 200
