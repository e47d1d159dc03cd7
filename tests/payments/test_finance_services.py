"""Finance services: tranche approval, batches, export, sending, paid and failed payments."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Application
from euroclusters.models import Eurocluster, Membership
from payments.models import BankAccount, GrantAgreement, Payment, PaymentBatch, Tranche
from payments.selectors.finance import blocked_reasons, payments_blocked_reason
from payments.services.finance import (
    BatchRefused,
    PaymentRefused,
    TrancheRefused,
    batch_create,
    batch_export,
    batch_fill,
    batch_fill_sweep,
    batch_mark_sent,
    batch_remove_payment,
    batch_reopen,
    payment_mark_failed,
    payment_mark_paid,
    tranche_approve,
)
from portal.audit import audit_trail
from portal.errors import InvalidTransition
from portal.models import AuditEntry
from tests.factories import MembershipFactory
from tests.payments.factories import (
    BIC_BE,
    IBAN_BE,
    agreement_row,
    results_call,
    selected_application,
    tranche_rows,
)

pytestmark = pytest.mark.django_db

T = Tranche.Status
P = Payment.Status
B = PaymentBatch.Status


# --- helpers shared by the finance tests (imported by the other test_finance* modules) ---------


def finance_officer(eurocluster: Eurocluster):
    return MembershipFactory(eurocluster=eurocluster, role=Membership.Role.FINANCE).user


def bank_account(organisation, *, status=BankAccount.Status.ACTIVE) -> BankAccount:
    return BankAccount.objects.create(organisation=organisation, status=status,
                                      holder=f"{organisation.legal_name}", iban=IBAN_BE,
                                      bic=BIC_BE, created_by=organisation.user)


def funded(call, *, tranche_status=T.APPROVED, amount="20000", account=True,
           acronym="SWELD") -> tuple[Application, list[Tranche]]:
    """A contracted application of ``call`` with a countersigned agreement, its tranches in
    ``tranche_status`` and (unless ``account`` is False) an active bank account."""
    application = selected_application(call)
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.CONTRACTED, requested_amount=Decimal(amount), acronym=acronym)
    application.refresh_from_db()
    agreement = agreement_row(application, status=GrantAgreement.Status.COUNTERSIGNED)
    tranches = tranche_rows(agreement, status=tranche_status)
    if account:
        bank_account(application.organisation)
    return application, tranches


def filled_batch(eurocluster, by, django_capture_on_commit_callbacks) -> PaymentBatch:
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_create(eurocluster=eurocluster, by=by)
    batch.refresh_from_db()
    return batch


def sent_batch(eurocluster, by, django_capture_on_commit_callbacks) -> PaymentBatch:
    batch = filled_batch(eurocluster, by, django_capture_on_commit_callbacks)
    batch_export(batch=batch, by=by)
    return batch_mark_sent(batch=batch, by=by)


@pytest.fixture
def call():
    return results_call()


@pytest.fixture
def officer(call):
    return finance_officer(call.eurocluster)


# --- tranche approval -------------------------------------------------------------------------


def test_approve_moves_a_due_tranche_to_approved_and_records_who(call, officer):
    _application, (first, _second) = funded(call, tranche_status=T.DUE)

    tranche = tranche_approve(tranche=first, by=officer)

    assert tranche.status == T.APPROVED
    assert tranche.approved_by == officer
    assert tranche.approved_at is not None
    assert AuditEntry.objects.filter(object_id=first.pk, to_state="approved").count() == 1


def test_approve_twice_is_a_no_op(call, officer):
    _application, (first, _second) = funded(call, tranche_status=T.DUE)
    tranche_approve(tranche=first, by=officer)

    assert tranche_approve(tranche=first, by=officer).status == T.APPROVED
    assert AuditEntry.objects.filter(object_id=first.pk, to_state="approved").count() == 1


def test_approve_without_bank_account_is_refused_with_the_reason(call, officer):
    _application, (first, _second) = funded(call, tranche_status=T.DUE, account=False)

    with pytest.raises(TrancheRefused) as refused:
        tranche_approve(tranche=first, by=officer)

    assert refused.value.message == ("This tranche cannot be approved: The beneficiary has not "
                                     "given bank details yet.")
    assert Tranche.objects.get(pk=first.pk).status == T.DUE


def test_approve_with_a_pending_bank_change_is_refused(call, officer):
    application, (first, _second) = funded(call, tranche_status=T.DUE)
    bank_account(application.organisation, status=BankAccount.Status.PENDING)

    with pytest.raises(TrancheRefused) as refused:
        tranche_approve(tranche=first, by=officer)

    assert "waiting for a finance officer's approval" in refused.value.message


def test_approve_a_planned_tranche_is_refused(call, officer):
    _application, (first, _second) = funded(call, tranche_status=T.PLANNED)

    with pytest.raises(TrancheRefused):
        tranche_approve(tranche=first, by=officer)


@pytest.mark.parametrize("statuses", [[], ["active"], ["pending"], ["active", "pending"],
                                      ["rejected"], ["replaced", "active"]])
def test_bulk_blocked_reasons_say_what_the_beneficiary_service_says(call, statuses):
    application = selected_application(call)
    organisation = application.organisation
    for status in statuses:
        bank_account(organisation, status=status)

    assert blocked_reasons([organisation.pk]).get(organisation.pk) == \
        payments_blocked_reason(organisation)


def test_one_rule_for_one_and_for_many_organisations_in_one_query(
        call, django_assert_num_queries):
    without = selected_application(call).organisation
    pending = selected_application(call).organisation
    bank_account(pending, status=BankAccount.Status.PENDING)
    payable = selected_application(call).organisation
    bank_account(payable)
    ids = [without.pk, pending.pk, payable.pk]

    with django_assert_num_queries(1):
        reasons = blocked_reasons(ids, to_beneficiary=True)
    assert reasons == {
        without.pk: "Give your bank details: no tranche can be paid until you do.",
        pending.pk: "A change of bank details is waiting for a finance officer's approval."}
    with django_assert_num_queries(1):
        assert payments_blocked_reason(without, to_beneficiary=True) == reasons[without.pk]
    assert payments_blocked_reason(payable) is None


# --- batches ----------------------------------------------------------------------------------


def test_batch_create_fills_one_payment_per_approved_tranche(
        call, officer, django_capture_on_commit_callbacks):
    application, (first, second) = funded(call, tranche_status=T.APPROVED)
    other, (third, _fourth) = funded(call, tranche_status=T.DUE)

    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    today = timezone.localdate()
    assert batch.reference == f"EC-{call.eurocluster.acronym}-{today:%Y%m%d}-1"
    assert len(batch.reference) <= 35
    assert batch.status == B.DRAFT
    assert batch.filled_at is not None
    payments = list(batch.payments.order_by("tranche__position"))
    assert [(p.tranche_id, p.amount, p.status, p.end_to_end_id) for p in payments] == [
        (first.pk, Decimal("10000.00"), P.PENDING, f"T{first.pk}-1"),
        (second.pk, Decimal("10000.00"), P.PENDING, f"T{second.pk}-1"),
    ]
    assert payments[0].bank_account == BankAccount.objects.get(
        organisation=application.organisation, status="active")
    assert set(Tranche.objects.filter(pk__in=[first.pk, second.pk])
               .values_list("status", flat=True)) == {T.IN_BATCH}
    assert Tranche.objects.get(pk=third.pk).status == T.DUE


def test_batch_references_count_up_on_the_same_day(call, officer,
                                                   django_capture_on_commit_callbacks):
    funded(call)
    first = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    funded(call, acronym="OTHER")
    second = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    assert first.reference.endswith("-1")
    assert second.reference.endswith("-2")
    assert second.payments.count() == 2


def test_batch_create_without_approved_tranches_is_refused(call, officer):
    funded(call, tranche_status=T.DUE)

    with pytest.raises(BatchRefused):
        batch_create(eurocluster=call.eurocluster, by=officer)
    assert not PaymentBatch.objects.exists()


def test_batch_create_with_given_tranche_ids_takes_only_those(
        call, officer, django_capture_on_commit_callbacks):
    _application, (first, second) = funded(call)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_create(eurocluster=call.eurocluster, by=officer, tranche_ids=[second.pk])

    assert list(batch.payments.values_list("tranche_id", flat=True)) == [second.pk]
    assert Tranche.objects.get(pk=first.pk).status == T.APPROVED


def test_batch_fill_twice_creates_one_payment_per_tranche(
        call, officer, django_capture_on_commit_callbacks):
    _application, tranches = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    assert batch_fill(batch_id=batch.pk) == 0
    assert batch_fill(batch_id=batch.pk) == 0
    for tranche in tranches:
        assert Payment.objects.filter(tranche=tranche).count() == 1


def test_batch_fill_skips_tranches_of_another_eurocluster_and_blocked_ones(
        call, officer, django_capture_on_commit_callbacks):
    other_call = results_call()
    _foreign, foreign_tranches = funded(other_call)
    blocked_application, blocked_tranches = funded(call)
    bank_account(blocked_application.organisation, status=BankAccount.Status.PENDING)

    batch = PaymentBatch.objects.create(eurocluster=call.eurocluster, reference="EC-X-1",
                                        created_by=officer)
    assert batch_fill(batch_id=batch.pk,
                      tranche_ids=[t.pk for t in foreign_tranches + blocked_tranches]) == 0
    assert not Payment.objects.exists()
    assert PaymentBatch.objects.get(pk=batch.pk).filled_at is not None


def test_a_second_live_payment_of_a_tranche_is_refused_by_the_database(
        call, officer, django_capture_on_commit_callbacks):
    _application, (first, _second) = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = Payment.objects.get(tranche=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(tranche=first, batch=batch, bank_account=payment.bank_account,
                               amount=first.amount, end_to_end_id="T-other")


def test_remove_payment_from_a_draft_batch_sends_the_tranche_back(
        call, officer, django_capture_on_commit_callbacks):
    _application, (first, second) = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = Payment.objects.get(tranche=first)

    removed = batch_remove_payment(payment=payment, by=officer)

    assert removed.status == P.CANCELLED
    assert Tranche.objects.get(pk=first.pk).status == T.APPROVED
    # Next time the tranche gets a new payment with the next end-to-end id.
    assert batch_fill(batch_id=batch.pk) == 1
    assert Payment.objects.get(tranche=first, status=P.PENDING).end_to_end_id == \
        f"T{first.pk}-2"


# --- export -----------------------------------------------------------------------------------


def test_export_stores_the_file_with_its_hash_and_control_sum(
        call, officer, django_capture_on_commit_callbacks):
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    exported = batch_export(batch=batch, by=officer, execution_date=date.today() + timedelta(3))

    content = exported.sepa_file.open("rb").read()
    assert exported.status == B.EXPORTED
    assert exported.sepa_sha256 == hashlib.sha256(content).hexdigest()
    assert exported.control_sum == Decimal("20000.00")
    assert exported.execution_date == date.today() + timedelta(3)
    assert exported.sepa_file.name.startswith(f"sepa/{call.eurocluster_id}/")
    # A repeated export (double click) changes nothing.
    assert batch_export(batch=batch, by=officer).sepa_sha256 == exported.sepa_sha256


def test_export_while_filling_is_refused(call, officer):
    funded(call)
    batch = batch_create(eurocluster=call.eurocluster, by=officer)  # fill not run (no commit)

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)
    assert "still being filled" in refused.value.message


def test_export_of_an_empty_batch_is_refused(call, officer, django_capture_on_commit_callbacks):
    _application, (first, second) = funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    for payment in batch.payments.all():
        batch_remove_payment(payment=payment, by=officer)

    with pytest.raises(BatchRefused) as refused:
        batch_export(batch=batch, by=officer)
    assert refused.value.message == "This batch has no payment to export."


def test_reopen_drops_the_file_and_allows_changes(call, officer,
                                                  django_capture_on_commit_callbacks):
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    batch_export(batch=batch, by=officer)

    with pytest.raises(BatchRefused, match="only for a file that was never sent to the bank"):
        batch_reopen(batch=batch, by=officer, reason="mistake")
    reopened = batch_reopen(batch=batch, by=officer,
                            reason="Wrong execution date; the file was never uploaded.")

    assert (reopened.status, reopened.sepa_sha256, reopened.control_sum) == (B.DRAFT, "", None)
    assert audit_trail(reopened).filter(to_state=B.DRAFT).get().reason == (
        "Wrong execution date; the file was never uploaded.")


# --- sent, paid, failed -----------------------------------------------------------------------


def test_mark_sent_then_no_more_changes(call, officer, django_capture_on_commit_callbacks):
    funded(call)
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    assert batch.status == B.SENT
    assert batch.sent_at is not None
    with pytest.raises(BatchRefused):
        batch_remove_payment(payment=batch.payments.first(), by=officer)
    with pytest.raises(BatchRefused):
        batch_export(batch=batch, by=officer)
    with pytest.raises(InvalidTransition):
        batch_reopen(batch=batch, by=officer, reason="The bank never received this file.")
    assert batch_mark_sent(batch=batch, by=officer).status == B.SENT  # repeat: no-op


def test_paid_before_the_batch_is_sent_is_refused(call, officer,
                                                  django_capture_on_commit_callbacks):
    funded(call)
    batch = filled_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    with pytest.raises(PaymentRefused):
        payment_mark_paid(payment=batch.payments.first(), by=officer, bank_reference="B-1")


def test_paid_moves_payment_tranche_and_application_and_mails_the_beneficiary(
        call, officer, django_capture_on_commit_callbacks, mailoutbox):
    application, (first, second) = funded(call)
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = Payment.objects.get(tranche=first)

    with django_capture_on_commit_callbacks(execute=True):
        paid = payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-0001")

    assert (paid.status, paid.bank_reference) == (P.PAID, "BANK-0001")
    assert paid.settled_at is not None
    assert Tranche.objects.get(pk=first.pk).status == T.PAID
    assert Application.objects.get(pk=application.pk).status == Application.Status.IN_PROGRESS
    assert PaymentBatch.objects.get(pk=batch.pk).status == B.SENT  # one payment still pending
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [application.organisation.user.email]
    assert "tranche 1 of your grant is paid" in mailoutbox[0].subject
    assert "EUR 10000.00" in mailoutbox[0].body
    assert payment.end_to_end_id in mailoutbox[0].body


def test_paid_again_with_the_same_reference_is_a_no_op(
        call, officer, django_capture_on_commit_callbacks, mailoutbox):
    _application, (first, _second) = funded(call)
    sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = Payment.objects.get(tranche=first)
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-0001")
        again = payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-0001")

    assert again.status == P.PAID
    assert len(mailoutbox) == 1
    with pytest.raises(PaymentRefused) as refused:
        payment_mark_paid(payment=payment, by=officer, bank_reference="BANK-0002")
    assert "BANK-0001" in refused.value.message


def test_when_every_payment_is_settled_the_batch_closes(
        call, officer, django_capture_on_commit_callbacks):
    application, (first, second) = funded(call)
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)

    payment_mark_paid(payment=Payment.objects.get(tranche=first), by=officer,
                      bank_reference="B-1")
    payment_mark_failed(payment=Payment.objects.get(tranche=second), by=officer,
                        reason="AC04 account closed")

    assert PaymentBatch.objects.get(pk=batch.pk).status == B.CLOSED
    # Only the first payment moved the application on.
    assert Application.objects.get(pk=application.pk).status == Application.Status.IN_PROGRESS


def test_failed_goes_back_to_approved_and_the_next_batch_pays_it_once(
        call, officer, django_capture_on_commit_callbacks):
    _application, (first, _second) = funded(call)
    sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    failed_payment = Payment.objects.get(tranche=first)

    payment_mark_failed(payment=failed_payment, by=officer, reason="AC04 account closed")

    tranche = Tranche.objects.get(pk=first.pk)
    assert (tranche.status, tranche.failure_reason) == (T.APPROVED, "AC04 account closed")
    assert Payment.objects.get(pk=failed_payment.pk).status == P.FAILED
    states = list(AuditEntry.objects.filter(object_id=first.pk, action="transition",
                                            content_type__model="tranche")
                  .order_by("pk").values_list("to_state", flat=True))
    assert states[-2:] == ["failed", "approved"]
    # Failing twice is a no-op.
    assert payment_mark_failed(payment=failed_payment, by=officer, reason="again").status == \
        P.FAILED

    next_batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    retry = next_batch.payments.get(tranche=first)
    assert retry.end_to_end_id == f"T{first.pk}-2"
    payment_mark_paid(payment=retry, by=officer, bank_reference="B-2")

    assert Tranche.objects.get(pk=first.pk).status == T.PAID
    assert list(Payment.objects.filter(tranche=first).order_by("pk")
                .values_list("status", flat=True)) == [P.FAILED, P.PAID]


def test_a_paid_payment_cannot_fail(call, officer, django_capture_on_commit_callbacks):
    _application, (first, _second) = funded(call)
    sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment = Payment.objects.get(tranche=first)
    payment_mark_paid(payment=payment, by=officer, bank_reference="B-1")

    with pytest.raises(InvalidTransition):
        payment_mark_failed(payment=payment, by=officer, reason="too late")


def test_sweep_requeues_batches_whose_fill_never_finished(call, officer):
    funded(call)
    batch = batch_create(eurocluster=call.eurocluster, by=officer)  # its fill never ran
    PaymentBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=1))

    assert batch_fill_sweep(older_than=timedelta(minutes=15)) == 1  # eager: filled now

    assert PaymentBatch.objects.get(pk=batch.pk).filled_at is not None
    assert batch.payments.count() == 2
    assert batch_fill_sweep(older_than=timedelta(minutes=15)) == 0


def test_every_service_is_audited(call, officer, django_capture_on_commit_callbacks):
    _application, (first, _second) = funded(call)
    batch = sent_batch(call.eurocluster, officer, django_capture_on_commit_callbacks)
    payment_mark_paid(payment=Payment.objects.get(tranche=first), by=officer,
                      bank_reference="B-1")

    batch_states = list(AuditEntry.objects.filter(object_id=batch.pk,
                                                  content_type__model="paymentbatch")
                        .order_by("pk").values_list("action", "to_state"))
    assert batch_states == [("created", ""), ("filled", ""), ("transition", "exported"),
                            ("transition", "sent")]
    assert AuditEntry.objects.filter(content_type__model="payment", to_state="paid",
                                     actor=officer).count() == 1
