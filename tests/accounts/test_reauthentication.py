"""Issue 13, point 1: signing, countersigning, approving bank details, exporting SEPA files and
changing roles ask for a re-authentication (password or second factor) within the last 10
minutes. A stale session is sent to re-authenticate; a POST without it changes nothing."""

from decimal import Decimal

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from euroclusters.models import Membership
from payments.models import BankAccount, GrantAgreement, PaymentBatch, Signature
from payments.services.agreements import agreement_generate
from tests.factories import MembershipFactory, PartnerFactory, UserFactory, totp_code
from tests.logins import log_in
from tests.payments.factories import results_call, selected_application
from tests.payments.test_agreements_views import PASSWORD, signed
from tests.payments.test_beneficiary_views import _finance_of, _pending_change, contracted
from tests.payments.test_finance_services import filled_batch, finance_officer, funded

pytestmark = pytest.mark.django_db
REAUTHENTICATE = reverse("account_reauthenticate")
RESEND = ("For your security, confirm it is you (your password or your second factor), then send "
          "the form again: nothing was done.")


def age(client, seconds: float) -> None:
    """Move every authentication of the session ``seconds`` into the past."""
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - seconds} for record in records]
    session.save()


def stale(client) -> None:
    age(client, 10 * 60 + 1)


def sent_to_reauthenticate(response, back: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"{REAUTHENTICATE}?next=" + (
        back.replace("/", "%2F"))


@pytest.fixture
def agreement(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("1000000"))
    PartnerFactory(eurocluster=eurocluster_a, name="Pôle SCS", is_coordinator=True)
    return agreement_generate(application=selected_application(call))


def countersign_url(agreement):
    return reverse("payments:countersign", kwargs={"pk": agreement.pk})


def countersign_form(user):
    return {"password": PASSWORD, "full_name": user.full_name, "accept": "on"}


# --- countersigning -----------------------------------------------------------------------------


def test_the_countersign_page_of_a_stale_session_asks_to_reauthenticate_first(
        manager_client, agreement):
    stale(manager_client)
    url = countersign_url(agreement)
    assert sent_to_reauthenticate(manager_client.get(url), url)


def test_a_countersignature_without_recent_reauthentication_changes_nothing(
        manager_client, manager_a, agreement):
    signed(agreement, agreement.application.organisation.user)
    stale(manager_client)
    url = countersign_url(agreement)
    response = manager_client.post(url, countersign_form(manager_a.user))
    assert sent_to_reauthenticate(response, url)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [RESEND]
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.SIGNED_BY_BENEFICIARY
    assert Signature.objects.count() == 1
    # The form (and the password typed into it) is not kept in the session to be replayed.
    assert "account_reauthentication_state" not in manager_client.session


def test_reauthenticating_with_the_password_opens_the_countersignature(
        manager_client, manager_a, agreement):
    signed(agreement, agreement.application.organisation.user)
    stale(manager_client)
    url = countersign_url(agreement)
    back = manager_client.post(f"{REAUTHENTICATE}?next={url}", {"password": PASSWORD})
    assert back["Location"] == url
    response = manager_client.post(url, countersign_form(manager_a.user))
    assert response.status_code == 302
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.COUNTERSIGNED


def test_reauthenticating_with_the_authenticator_app_opens_the_countersignature(
        manager_client, agreement):
    stale(manager_client)
    url = countersign_url(agreement)
    back = manager_client.post(f"{reverse('mfa_reauthenticate')}?next={url}",
                               {"code": totp_code()})
    assert back["Location"] == url
    assert manager_client.get(url).status_code == 200


def test_a_wrong_password_does_not_reauthenticate(manager_client, agreement):
    stale(manager_client)
    url = countersign_url(agreement)
    response = manager_client.post(f"{REAUTHENTICATE}?next={url}", {"password": "wrong-one-42"})
    assert response.status_code == 200
    assert sent_to_reauthenticate(manager_client.get(url), url)


@pytest.mark.parametrize(("seconds", "asked"), [(9 * 60 + 50, False), (10 * 60 + 10, True)])
def test_a_reauthentication_holds_for_ten_minutes(manager_client, agreement, seconds, asked):
    age(manager_client, seconds)
    response = manager_client.get(countersign_url(agreement))
    assert (response.status_code == 302) is asked


def test_logging_in_is_not_a_reauthentication(client, agreement, manager_a):
    """A real login (password and authenticator app) still asks to confirm before the act."""


    log_in(client, manager_a.user.email, PASSWORD)
    url = countersign_url(agreement)
    assert sent_to_reauthenticate(client.get(url), url)


# --- signing ------------------------------------------------------------------------------------


def test_a_signature_without_recent_reauthentication_changes_nothing(client, agreement):
    beneficiary = agreement.application.organisation.user
    client.force_login(beneficiary)
    stale(client)
    url = reverse("payments:agreement", kwargs={"pk": agreement.application_id})
    response = client.post(url, {"password": PASSWORD, "full_name": beneficiary.full_name,
                                 "accept": "on", "document_sha256": agreement.sha256})
    assert sent_to_reauthenticate(response, url)
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.GENERATED
    assert not Signature.objects.exists()


def test_the_agreement_page_itself_opens_without_reauthentication(client, agreement):
    client.force_login(agreement.application.organisation.user)
    stale(client)
    url = reverse("payments:agreement", kwargs={"pk": agreement.application_id})
    assert client.get(url).status_code == 200


# --- bank details -------------------------------------------------------------------------------


def test_approving_bank_details_without_recent_reauthentication_changes_nothing(client):
    agreement = contracted()
    pending = _pending_change(agreement)
    client.force_login(_finance_of(agreement.application.call.eurocluster))
    stale(client)
    response = client.post(reverse("payments:finance_bank_decide", args=[pending.pk]),
                           {f"a{pending.pk}-decision": "approve", f"a{pending.pk}-note": ""})
    assert sent_to_reauthenticate(response, reverse("payments:finance_bank_changes"))
    pending.refresh_from_db()
    assert pending.status == BankAccount.Status.PENDING
    assert client.get(reverse("payments:finance_bank_changes")).status_code == 200


# --- SEPA ---------------------------------------------------------------------------------------


@pytest.fixture
def batch(django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    return officer, filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)


def test_exporting_sepa_without_recent_reauthentication_changes_nothing(client, batch):
    officer, batch = batch
    client.force_login(officer)
    stale(client)
    url = batch.get_absolute_url()
    assert sent_to_reauthenticate(client.post(url, {"action": "export"}), url)
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.DRAFT
    assert not batch.sepa_file


def test_other_batch_actions_need_no_reauthentication(client, batch):
    officer, batch = batch
    client.force_login(officer)
    stale(client)
    response = client.post(batch.get_absolute_url(), {"action": "fill"})
    assert response["Location"] == batch.get_absolute_url()


def test_downloading_the_sepa_file_asks_to_reauthenticate(client, batch):
    officer, batch = batch
    client.force_login(officer)
    client.post(batch.get_absolute_url(), {"action": "export"})
    batch.refresh_from_db()
    assert batch.sepa_file
    url = reverse("payments:batch_sepa", args=[batch.pk])
    assert client.get(url).status_code == 200
    stale(client)
    assert sent_to_reauthenticate(client.get(url), url)


# --- roles --------------------------------------------------------------------------------------


def test_giving_a_role_without_recent_reauthentication_changes_nothing(manager_client,
                                                                      eurocluster_a):
    person = UserFactory()
    stale(manager_client)
    url = reverse("admin:euroclusters_membership_add")
    response = manager_client.post(url, {"email": person.email, "eurocluster": eurocluster_a.pk,
                                         "role": Membership.Role.FINANCE})
    assert sent_to_reauthenticate(response, url)
    assert not Membership.objects.filter(user=person).exists()
    assert sent_to_reauthenticate(manager_client.get(url), url)


def test_changing_and_taking_away_a_role_without_recent_reauthentication_change_nothing(
        manager_client, eurocluster_a):
    other = MembershipFactory(eurocluster=eurocluster_a, role=Membership.Role.OBSERVER)
    stale(manager_client)
    change = reverse("admin:euroclusters_membership_change", args=[other.pk])
    assert sent_to_reauthenticate(manager_client.post(change, {"role": "manager"}), change)
    delete = reverse("admin:euroclusters_membership_delete", args=[other.pk])
    assert sent_to_reauthenticate(manager_client.post(delete, {"post": "yes"}), delete)
    changelist = reverse("admin:euroclusters_membership_changelist")
    assert sent_to_reauthenticate(manager_client.post(changelist, {
        "action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}), changelist)
    other.refresh_from_db()
    assert other.role == Membership.Role.OBSERVER
    # The list itself opens.
    assert manager_client.get(changelist).status_code == 200


def test_with_a_recent_reauthentication_a_role_is_given(manager_client, eurocluster_a):
    person = UserFactory()
    response = manager_client.post(reverse("admin:euroclusters_membership_add"), {
        "email": person.email, "eurocluster": eurocluster_a.pk, "role": Membership.Role.FINANCE})
    assert response.status_code == 302
    assert Membership.objects.get(user=person).role == Membership.Role.FINANCE


def test_changing_a_persons_superuser_flag_asks_to_reauthenticate(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory()
    client.force_login(admin_user)
    stale(client)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    assert sent_to_reauthenticate(client.post(url, {"email": person.email,
                                                    "is_superuser": "on"}), url)
    person.refresh_from_db()
    assert not person.is_superuser


# --- who may act is checked before the re-authentication -----------------------------------------
# A person who may not act gets her refusal at once, not a request to confirm her password for
# an act she could never do (with a stale session, as an attacker holding a stolen one would).


def test_someone_elses_agreement_is_not_found_before_any_reauthentication(client, agreement):
    client.force_login(UserFactory())
    stale(client)
    url = reverse("payments:agreement", kwargs={"pk": agreement.application_id})
    response = client.post(url, {"password": PASSWORD, "full_name": "X", "accept": "on",
                                 "document_sha256": agreement.sha256})
    assert response.status_code == 404
    assert not Signature.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_countersigning_another_clusters_agreement_is_refused_before_any_reauthentication(
        client, agreement, eurocluster_b, method):
    client.force_login(MembershipFactory(eurocluster=eurocluster_b,
                                         role=Membership.Role.MANAGER).user)
    stale(client)
    response = getattr(client, method)(countersign_url(agreement))
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_bank_details_are_refused_to_a_non_finance_person_before_any_reauthentication(client):
    pending = _pending_change(contracted())
    client.force_login(UserFactory())
    stale(client)
    response = client.post(reverse("payments:finance_bank_decide", args=[pending.pk]),
                           {f"a{pending.pk}-decision": "approve", f"a{pending.pk}-note": ""})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == BankAccount.Status.PENDING


@pytest.mark.parametrize("action", ["export", "download"])
def test_another_clusters_batch_is_not_found_before_any_reauthentication(
        client, batch, eurocluster_b, action):
    _officer, batch = batch
    client.force_login(finance_officer(eurocluster_b))
    stale(client)
    if action == "export":
        response = client.post(batch.get_absolute_url(), {"action": "export"})
    else:
        response = client.get(reverse("payments:batch_sepa", args=[batch.pk]))
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.DRAFT
