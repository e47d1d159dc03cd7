"""The services that move money run in a transaction of their own: called inside another one
they refuse (RuntimeError), so nobody holds their locks, or leaves their work uncommitted, by
mistake.

pytest-django runs each test inside a transaction of Django's TestCase, which Django lets a
durable block open inside; the ``transaction.atomic()`` of each test below is the caller's own,
which it refuses.
"""

import pytest
from django.db import transaction

from payments.models import GrantAgreement, Payment, PaymentBatch, Tranche
from payments.services.agreements import agreement_countersign, agreement_generate, agreement_sign
from payments.services.finance import batch_create, batch_fill, payment_mark_paid
from tests.payments.factories import results_call, selected_application
from tests.payments.test_finance_services import (
    filled_batch,
    finance_officer,
    funded,
    sent_batch,
)

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"
NESTED = "A durable atomic block cannot be nested within another atomic block."


def signature(user) -> dict:
    return {"by": user, "password": PASSWORD, "typed_name": user.full_name, "accepted": True,
            "ip_address": "198.51.100.7", "user_agent": "Firefox/128.0"}


def test_agreement_generate_refuses_to_run_inside_another_transaction():
    application = selected_application(results_call())
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        agreement_generate(application=application)
    assert not GrantAgreement.objects.exists()
    assert agreement_generate(application=application).status == GrantAgreement.Status.GENERATED


def test_signatures_refuse_to_run_inside_another_transaction(manager_a):
    application = selected_application(results_call(eurocluster=manager_a.eurocluster))
    agreement = agreement_generate(application=application)
    beneficiary = application.organisation.user
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        agreement_sign(agreement=agreement, **signature(beneficiary))
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.GENERATED

    agreement = agreement_sign(agreement=agreement, **signature(beneficiary))
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        agreement_countersign(agreement=agreement, **signature(manager_a.user))
    assert GrantAgreement.objects.get().status == GrantAgreement.Status.SIGNED_BY_BENEFICIARY
    assert agreement_countersign(agreement=agreement, **signature(manager_a.user)).status == (
        GrantAgreement.Status.COUNTERSIGNED)


def test_batch_fill_refuses_to_run_inside_another_transaction():
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    batch = batch_create(eurocluster=call.eurocluster, by=officer)  # its fill is not run
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        batch_fill(batch_id=batch.pk)
    assert not Payment.objects.exists()
    assert PaymentBatch.objects.get(pk=batch.pk).filled_at is None
    assert batch_fill(batch_id=batch.pk) == 2


def test_payment_mark_paid_refuses_to_run_inside_another_transaction(
        django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    sent = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = sent.payments.order_by("pk").first()
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-1")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING
    assert payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-1").status == (
        Payment.Status.PAID)
    assert Tranche.objects.get(pk=payment.tranche_id).status == Tranche.Status.PAID


def test_a_fill_queued_on_commit_runs_once_the_callers_transaction_is_over(
        django_capture_on_commit_callbacks):
    call = results_call()
    officer = finance_officer(call.eurocluster)
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    assert batch.filled_at is not None
    assert batch.payments.count() == 2
