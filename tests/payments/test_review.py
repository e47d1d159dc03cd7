"""Defects found in the review of the payments app, each held by a test that failed before its
fix: money to an account the finance officer has not approved, a signature on a document the
beneficiary never saw."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import (
    BankAccount,
    GrantAgreement,
    Payment,
    PaymentBatch,
    Signature,
    Tranche,
)
from payments.services.agreements import SignatureRefused, agreement_generate, agreement_sign
from payments.services.beneficiary import bank_account_decide, bank_account_save
from payments.services.finance import (
    BatchRefused,
    batch_export,
    batch_remove_payment,
)
from tests.payments.factories import BIC_DE, IBAN_DE, results_call, selected_application
from tests.payments.test_finance_services import filled_batch, finance_officer, funded

pytestmark = pytest.mark.django_db

T = Tranche.Status
P = Payment.Status
B = PaymentBatch.Status


# --- a change of bank details between the fill and the export ---------------------------------


@pytest.fixture
def call():
    return results_call()


@pytest.fixture
def officer(call):
    return finance_officer(call.eurocluster)


def _change_bank_details(application):
    organisation = application.organisation
    return bank_account_save(organisation=organisation, by=organisation.user,
                             holder="New Holder", iban=IBAN_DE, bic=BIC_DE)


def test_export_is_refused_while_a_bank_change_of_a_payee_waits_for_approval(
        call, officer, django_capture_on_commit_callbacks):
    application, (first, second) = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    pending = _change_bank_details(application)
    assert pending.status == BankAccount.Status.PENDING

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)

    assert refused.value.message == ("Some payments cannot be exported: take them out of the "
                                     "batch first.")
    assert refused.value.details == [
        f"T{first.pk}-1: A change of bank details is waiting for a finance officer's approval.",
        f"T{second.pk}-1: A change of bank details is waiting for a finance officer's approval.",
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.sepa_file.name, batch.control_sum) == (B.DRAFT, "", None)


def test_export_is_refused_when_the_payee_account_was_replaced_after_the_fill(
        call, officer, django_capture_on_commit_callbacks):
    application, (first, second) = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    old_account = Payment.objects.get(tranche=first).bank_account
    new_account = _change_bank_details(application)
    bank_account_decide(account=new_account, by=officer, approve=True)

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)

    assert refused.value.details == [
        f"T{first.pk}-1: the bank details changed since the batch was filled.",
        f"T{second.pk}-1: the bank details changed since the batch was filled.",
    ]
    assert BankAccount.objects.get(pk=old_account.pk).status == BankAccount.Status.REPLACED
    assert PaymentBatch.objects.get(pk=batch.pk).status == B.DRAFT


def test_payments_taken_out_after_a_bank_change_let_the_rest_of_the_batch_export(
        call, officer, django_capture_on_commit_callbacks):
    application, (first, second) = funded(call)
    _other, (third, fourth) = funded(call, acronym="OTHER")
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    _change_bank_details(application)

    for payment in Payment.objects.filter(tranche__in=[first, second]):
        batch_remove_payment(payment=payment, by=officer)
    exported = batch_export(batch=batch, by=officer)

    assert exported.status == B.EXPORTED
    assert sorted(exported.payments.filter(status=P.PENDING)
                  .values_list("tranche_id", flat=True)) == sorted([third.pk, fourth.pk])
    assert exported.control_sum == third.amount + fourth.amount
    assert set(Tranche.objects.filter(pk__in=[first.pk, second.pk])
               .values_list("status", flat=True)) == {T.APPROVED}


def test_export_goes_on_when_the_bank_details_did_not_change(call, officer,
                                                             django_capture_on_commit_callbacks):
    application, _tranches = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    assert batch_export(batch=batch, by=officer).status == B.EXPORTED
    assert GrantAgreement.objects.get(application=application).status == \
        GrantAgreement.Status.COUNTERSIGNED


# --- a signature binds to the revision the beneficiary was shown ------------------------------

PASSWORD = "correct-horse-42"


@pytest.fixture
def agreement():
    call = results_call(budget=Decimal("1000000"))
    return agreement_generate(application=selected_application(call))


def _sign_data(beneficiary, **overrides):
    return {"password": PASSWORD, "full_name": beneficiary.full_name, "accept": "on",
            **overrides}


def test_a_signature_on_a_revision_older_than_the_stored_one_is_refused(agreement):
    seen = agreement.sha256
    regenerated = agreement_generate(application=agreement.application, regenerate=True)
    assert regenerated.sha256 != seen
    beneficiary = agreement.application.organisation.user

    with pytest.raises(SignatureRefused) as refused:
        agreement_sign(agreement=agreement, by=beneficiary, password=PASSWORD,
                       typed_name=beneficiary.full_name, accepted=True, ip_address="192.0.2.1",
                       user_agent="UA", document_sha256=seen)

    assert refused.value.message == ("The agreement was generated again since you opened this "
                                     "page: it is now revision 2. Download it and read it, then "
                                     "sign.")
    assert Signature.objects.count() == 0
    assert GrantAgreement.objects.get(pk=agreement.pk).status == GrantAgreement.Status.GENERATED


def test_the_sign_page_refuses_a_post_made_before_a_regeneration_then_signs_the_new_one(
        client, agreement):
    beneficiary = agreement.application.organisation.user
    url = reverse("payments:agreement", kwargs={"pk": agreement.application_id})
    client.force_login(beneficiary)
    page = client.get(url).content.decode()
    assert f'name="document_sha256" value="{agreement.sha256}"' in page
    new = agreement_generate(application=agreement.application, regenerate=True)

    refused = client.post(url, _sign_data(beneficiary, document_sha256=agreement.sha256))

    assert refused.status_code == 409
    body = refused.content.decode()
    assert "it is now revision 2" in body
    assert f'name="document_sha256" value="{new.sha256}"' in body
    assert Signature.objects.count() == 0

    signed = client.post(url, _sign_data(beneficiary, document_sha256=new.sha256))

    assert signed.status_code == 302
    assert Signature.objects.get().document_sha256 == new.sha256


def test_the_sign_page_refuses_a_post_that_does_not_name_the_document(client, agreement):
    beneficiary = agreement.application.organisation.user
    client.force_login(beneficiary)

    response = client.post(reverse("payments:agreement", kwargs={"pk": agreement.application_id}),
                           _sign_data(beneficiary))

    assert response.status_code == 409
    assert Signature.objects.count() == 0
