"""Agreement pages: the beneficiary's page, sign form and download; the manager's list,
generation buttons, countersign page and document; who is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from euroclusters.models import Membership
from evaluation.models import Ranking
from payments.models import BankAccount, GrantAgreement, Signature
from payments.services.agreements import agreement_countersign, agreement_generate, agreement_sign
from portal.audit import audit_trail
from tests.evaluation.factories import CallEvaluatorFactory
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.payments.factories import BIC_BE, IBAN_BE, results_call, selected_application

pytestmark = pytest.mark.django_db
A = GrantAgreement.Status
PASSWORD = "correct-horse-42"


@pytest.fixture
def call(eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("1000000"))
    PartnerFactory(eurocluster=eurocluster_a, name="Pôle SCS", is_coordinator=True)
    return call


@pytest.fixture
def application(call):
    return selected_application(call)


@pytest.fixture
def agreement(application):
    return agreement_generate(application=application)


@pytest.fixture
def beneficiary(application):
    return application.organisation.user


def signed(agreement, user):
    return agreement_sign(agreement=agreement, by=user, password=PASSWORD,
                          typed_name=user.full_name, accepted=True, ip_address="192.0.2.1",
                          user_agent="UA")


def urls(agreement):
    application_id = agreement.application_id
    return {
        "agreement": reverse("payments:agreement", kwargs={"pk": application_id}),
        "download": reverse("payments:agreement_download", kwargs={"pk": application_id}),
        "manage": reverse("payments:manage_agreements",
                          kwargs={"pk": agreement.application.call_id}),
        "countersign": reverse("payments:countersign", kwargs={"pk": agreement.pk}),
        "document": reverse("payments:manage_agreement_document", kwargs={"pk": agreement.pk}),
    }


# --- beneficiary ------------------------------------------------------------------------------


def test_beneficiary_sees_the_agreement_and_the_sign_form(client, agreement, beneficiary):
    client.force_login(beneficiary)
    response = client.get(urls(agreement)["agreement"])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sign-form"' in page and "Ready to sign" in page
    assert "(Brussels time)" in page and agreement.verification_code in page


def test_the_sign_page_asks_for_bank_details_first_until_they_are_given(client, agreement,
                                                                        beneficiary):
    client.force_login(beneficiary)
    assert 'id="bank-missing"' in client.get(urls(agreement)["agreement"]).content.decode()
    BankAccount.objects.create(organisation=agreement.application.organisation,
                               status=BankAccount.Status.ACTIVE, holder="Acme Robotics",
                               iban=IBAN_BE, bic=BIC_BE, created_by=beneficiary)
    assert 'id="bank-missing"' not in client.get(urls(agreement)["agreement"]).content.decode()


def test_beneficiary_signs_through_the_page(client, agreement, beneficiary):
    client.force_login(beneficiary)
    response = client.post(urls(agreement)["agreement"], {
        "password": PASSWORD, "full_name": beneficiary.full_name, "accept": "on",
        "document_sha256": agreement.sha256},
        HTTP_USER_AGENT="Mozilla/5.0 test", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.ip_address, signature.user_agent) == ("198.51.100.20", "Mozilla/5.0 test")
    assert GrantAgreement.objects.get().status == A.SIGNED_BY_BENEFICIARY


def test_a_wrong_password_on_the_page_is_refused_with_a_message(client, agreement, beneficiary):
    client.force_login(beneficiary)
    response = client.post(urls(agreement)["agreement"], {
        "password": "nope", "full_name": beneficiary.full_name, "accept": "on",
        "document_sha256": agreement.sha256})
    assert response.status_code == 409
    assert "The password is not right." in response.content.decode()
    assert [e.action for e in audit_trail(agreement)].count("agreement_sign_refused") == 1


def test_a_selected_applicant_before_generation_sees_it_is_being_prepared(client, application):
    client.force_login(application.organisation.user)
    response = client.get(reverse("payments:agreement", kwargs={"pk": application.pk}))
    assert response.status_code == 200
    assert 'id="agreement-pending"' in response.content.decode()


def test_beneficiary_downloads_the_current_then_the_final_document(
        client, agreement, beneficiary, manager_a):
    client.force_login(beneficiary)
    response = client.get(urls(agreement)["download"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == agreement.file.open("rb").read()
    signed(agreement, beneficiary)
    agreement_countersign(agreement=agreement, by=manager_a.user, password=PASSWORD,
                          typed_name=manager_a.user.full_name, accepted=True,
                          ip_address="192.0.2.2", user_agent="UA")
    agreement.refresh_from_db()
    response = client.get(urls(agreement)["download"])
    assert b"".join(response.streaming_content) == agreement.final_file.open("rb").read()
    assert "signed.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("name", ["agreement", "download"])
def test_another_beneficiary_gets_404(client, agreement, call, name):
    client.force_login(selected_application(call).organisation.user)
    assert client.get(urls(agreement)[name]).status_code == 404


@pytest.mark.parametrize("name", ["agreement", "download"])
def test_the_manager_cannot_use_the_beneficiary_pages(client, agreement, manager_a, name):
    client.force_login(manager_a.user)
    assert client.get(urls(agreement)[name]).status_code == 404


# --- managers ---------------------------------------------------------------------------------


def test_manager_list_has_a_fixed_number_of_queries(manager_client, call, agreement,
                                                    django_assert_num_queries, beneficiary):
    url = urls(agreement)["manage"]
    signed(agreement, beneficiary)
    # session; its user with her memberships and the bell's unread count (euroclusters.backends);
    # call, applications with agreements, signatures, committed sum
    with django_assert_num_queries(6):
        response = manager_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Signed by the beneficiary" in page
    assert reverse("payments:countersign", kwargs={"pk": agreement.pk}) in page
    for index in range(6):
        other = selected_application(call)
        if index % 2:
            signed(agreement_generate(application=other), other.organisation.user)
    with django_assert_num_queries(6):
        assert manager_client.get(url).status_code == 200


def test_manager_generates_and_regenerates_from_the_page(manager_client, call, application):
    url = reverse("payments:manage_agreements", kwargs={"pk": call.pk})
    response = manager_client.post(url, {"action": "generate", "application": application.pk})
    assert response.status_code == 302
    first = GrantAgreement.objects.get()
    manager_client.post(url, {"action": "regenerate", "application": application.pk})
    again = GrantAgreement.objects.get()
    assert (again.revision, again.sha256 != first.sha256) == (2, True)


def test_generate_now_queues_the_missing_agreements(manager_client, call,
                                                    django_capture_on_commit_callbacks):
    Ranking.objects.create(call=call, status=Ranking.Status.PUBLISHED)
    applications = [selected_application(call) for _ in range(2)]
    url = reverse("payments:manage_agreements", kwargs={"pk": call.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(url, {"action": "generate_missing"}, follow=True)
    assert "2 agreements are being generated" in response.content.decode()
    assert sorted(GrantAgreement.objects.values_list("application_id", flat=True)) == sorted(
        a.pk for a in applications)


def test_a_refused_generation_shows_the_figures(manager_client, eurocluster_a):
    call = results_call(eurocluster=eurocluster_a, budget=Decimal("1000"))
    application = selected_application(call)
    url = reverse("payments:manage_agreements", kwargs={"pk": call.pk})
    response = manager_client.post(url, {"action": "generate", "application": application.pk},
                                   follow=True)
    assert "more than the budget of EUR 1,000.00" in response.content.decode()
    assert not GrantAgreement.objects.exists()


def test_manager_countersigns_through_the_page(manager_client, manager_a, agreement, beneficiary):
    signed(agreement, beneficiary)
    url = urls(agreement)["countersign"]
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, {"password": PASSWORD,
                                         "full_name": manager_a.user.full_name, "accept": "on"})
    assert response.status_code == 302
    assert GrantAgreement.objects.get().status == A.COUNTERSIGNED
    assert Application.objects.get(pk=agreement.application_id).status == "contracted"


def test_manager_reads_the_document_before_countersigning(manager_client, agreement):
    response = manager_client.get(urls(agreement)["document"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == agreement.file.open("rb").read()


@pytest.mark.parametrize("name", ["manage", "countersign", "document"])
def test_a_manager_of_another_eurocluster_gets_404(client, agreement, eurocluster_b, name):
    client.force_login(MembershipFactory(eurocluster=eurocluster_b).user)
    assert client.get(urls(agreement)[name]).status_code == 404


@pytest.mark.parametrize("name", ["manage", "countersign", "document"])
def test_finance_of_the_eurocluster_and_an_evaluator_are_refused(client, agreement, call, name):
    finance = MembershipFactory(eurocluster=call.eurocluster, role=Membership.Role.FINANCE).user
    evaluator = CallEvaluatorFactory(call=call).user
    for user in (finance, evaluator):
        client.force_login(user)
        assert client.get(urls(agreement)[name]).status_code in (403, 404)


@pytest.mark.parametrize("name", ["manage", "countersign", "document"])
def test_the_beneficiary_cannot_use_the_manager_pages(client, agreement, beneficiary, name):
    client.force_login(beneficiary)
    assert client.get(urls(agreement)[name]).status_code == 404


@pytest.mark.parametrize("name", ["agreement", "download", "manage", "countersign", "document"])
def test_anonymous_is_sent_to_log_in(client, agreement, name):
    response = client.get(urls(agreement)[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_evaluator_gets_404_on_the_beneficiary_pages(client, agreement, call):
    client.force_login(CallEvaluatorFactory(call=call).user)
    assert client.get(urls(agreement)["agreement"]).status_code == 404
    assert client.get(urls(agreement)["download"]).status_code == 404


def test_a_superuser_may_manage(client, agreement):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(urls(agreement)["manage"]).status_code == 200
