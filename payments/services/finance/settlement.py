"""The SEPA file of a batch and what follows it: export (pain.001, validated), back to draft
before the bank has it, sent to the bank, and each payment's reconciliation (paid or failed).

Lock order, everywhere: the batch, then the payment, then the tranche, then the application.
"""

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.transitions import application_transition
from euroclusters.models import Eurocluster
from payments import sepa
from payments.models import BankAccount, Payment, PaymentBatch, Tranche
from payments.selectors.finance import blocked_reasons
from payments.services.finance.batches import BatchRefused
from payments.services.transitions import (
    batch_transition,
    payment_transition,
    tranche_transition,
)
from portal.errors import DomainError
from portal.notifications import notify
from portal.site import site_url


class PaymentRefused(DomainError):
    pass


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def remittance_text(payment: Payment) -> str:
    """“<call reference> <acronym> tranche <n>”: what the beneficiary's bank statement shows."""
    application = payment.tranche.agreement.application
    return (f"{application.call.reference} {application.acronym or application.pk} "
            f"tranche {payment.tranche.position}")


def eurocluster_account(eurocluster: Eurocluster) -> sepa.Account:
    return sepa.Account(holder=eurocluster.account_holder, iban=eurocluster.iban,
                        bic=eurocluster.bic)


def eurocluster_account_problem(eurocluster: Eurocluster) -> str | None:
    """Why the Eurocluster's paying account cannot be used in a SEPA file, or None."""
    problems = sepa.account_problems(eurocluster_account(eurocluster))
    if not problems:
        return None
    return _("The paying account of %(eurocluster)s is not usable (%(problems)s). An "
             "administrator of the Eurocluster corrects it in the administration.") % {
        "eurocluster": eurocluster.acronym, "problems": "; ".join(problems)}


def _refuse_stale_accounts(payments: list[Payment]) -> None:
    """Raise BatchRefused naming the payments whose beneficiary may not be paid now, or whose
    account is no longer the one in use: the bank details changed after the batch was filled
    (a change waiting for a finance officer, or approved since). Each must be taken out of the
    batch; its tranche, back to approved, is paid to the right account in a later batch."""
    reasons = blocked_reasons(p.tranche.agreement.application.organisation_id for p in payments)
    stale = []
    for payment in payments:
        reason = reasons.get(payment.tranche.agreement.application.organisation_id)
        if reason is None and payment.bank_account.status != BankAccount.Status.ACTIVE:
            reason = _("the bank details changed since the batch was filled.")
        if reason:
            stale.append(f"{payment.end_to_end_id}: {reason}")
    if stale:
        raise BatchRefused(_("Some payments cannot be exported: take them out of the batch "
                             "first."), details=stale)


@transaction.atomic
def batch_export(*, batch: PaymentBatch, by: Any,
                 execution_date: date | None = None) -> PaymentBatch:
    """Build the batch's SEPA credit transfer file (pain.001, validated against its schema) and
    move the batch draft → exported.

    The file pays every pending payment of the batch from the Eurocluster's account on
    ``execution_date`` (default: the next business day). It is stored privately with its
    SHA-256; ``control_sum`` is the sum of the payments, checked against the file's CtrlSum.
    Exporting an exported batch again is a no-op. Raises BatchRefused when the batch is not a
    draft, is still being filled, has no pending payment, when the Eurocluster's account is not
    valid, or when the file does not validate. Audited.
    """
    batch = (PaymentBatch.objects.select_for_update(of=("self",)).select_related("eurocluster")
             .get(pk=batch.pk))
    if batch.status == PaymentBatch.Status.EXPORTED:
        return batch
    if batch.status != PaymentBatch.Status.DRAFT:
        raise BatchRefused(_("This batch is “%(status)s”: its file cannot change any more.")
                           % {"status": batch.get_status_display()})
    if batch.filled_at is None:
        raise BatchRefused(_("This batch is still being filled. Wait a moment and reload the "
                             "page; if it stays unfinished, use “Fill again”."))
    today = timezone.localdate()
    execution_date = execution_date or next_business_day(today)
    if execution_date < today:
        raise BatchRefused(_("The execution date cannot be in the past."))
    problem = eurocluster_account_problem(batch.eurocluster)
    if problem:
        raise BatchRefused(problem)
    payments = list(
        batch.payments.filter(status=Payment.Status.PENDING)
        .select_related("bank_account", "tranche__agreement__application__call")
        .order_by("pk"))
    if not payments:
        raise BatchRefused(_("This batch has no payment to export."))
    _refuse_stale_accounts(payments)
    control_sum = sum((p.amount for p in payments), Decimal("0.00"))
    try:
        xml = sepa.build_credit_transfer(
            message_id=batch.reference, debtor=eurocluster_account(batch.eurocluster),
            execution_date=execution_date,
            transfers=[sepa.Transfer(
                end_to_end_id=p.end_to_end_id, amount=p.amount, remittance=remittance_text(p),
                creditor=sepa.Account(holder=p.bank_account.holder, iban=p.bank_account.iban,
                                      bic=p.bank_account.bic))
                for p in payments])
    except sepa.SepaError as error:
        raise BatchRefused(_("The SEPA file could not be built: %(error)s") % {"error": error}
                           ) from error
    totals = sepa.read_totals(xml)
    if (totals.control_sum, totals.number_of_transactions) != (control_sum, len(payments)):
        # Never expected: sepaxml sums the file itself; a mismatch must stop the export.
        raise BatchRefused(_("The SEPA file's control sum (%(file)s) does not match the batch "
                             "(%(batch)s).") % {"file": totals.control_sum, "batch": control_sum})
    batch.sepa_file.save(f"{batch.reference}.xml", ContentFile(xml), save=False)
    return batch_transition(batch=batch, to=PaymentBatch.Status.EXPORTED, by=by, extra={
        "sepa_file": batch.sepa_file.name, "sepa_sha256": hashlib.sha256(xml).hexdigest(),
        "control_sum": control_sum, "exported_at": timezone.now(),
        "execution_date": execution_date})


@transaction.atomic
def batch_reopen(*, batch: PaymentBatch, by: Any, reason: str) -> PaymentBatch:
    """Back from exported to draft, before the file went to the bank (to take a payment out):
    the file is dropped and must be exported again. Needs a written reason (audited): a file the
    bank already has would otherwise be paid twice, by it and by the next batch. Raises
    BatchRefused without one, InvalidTransition once sent."""
    reason = " ".join((reason or "").split())
    if len(reason) < 20:
        raise BatchRefused(_(
            "Going back to draft is only for a file that was never sent to the bank: say why, in "
            "at least 20 characters. If the bank has the file, mark the batch as sent instead, "
            "then mark each payment the bank rejected as failed."))
    batch = batch_transition(batch=batch, to=PaymentBatch.Status.DRAFT, by=by, reason=reason,
                             extra={"sepa_file": "", "sepa_sha256": "", "control_sum": None,
                                    "exported_at": None})
    return batch


@transaction.atomic
def batch_mark_sent(*, batch: PaymentBatch, by: Any,
                    execution_date: date | None = None) -> PaymentBatch:
    """The exported file went to the bank: exported → sent (``sent_at``, and the execution date
    when given). Nothing in the batch changes after this. Repeating it is a no-op. Raises
    InvalidTransition from any other state. Audited."""
    extra: dict[str, Any] = {"sent_at": timezone.now()}
    if execution_date is not None:
        extra["execution_date"] = execution_date
    current = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if current.status == PaymentBatch.Status.SENT:
        return current
    return batch_transition(batch=current, to=PaymentBatch.Status.SENT, by=by, extra=extra)


def _lock_for_settlement(payment: Payment) -> tuple[PaymentBatch, Payment]:
    batch = PaymentBatch.objects.select_for_update().get(pk=payment.batch_id)
    payment = (Payment.objects.select_for_update(of=("self",))
               .select_related("tranche__agreement__application__organisation__user",
                               "tranche__agreement__application__call")
               .get(pk=payment.pk))
    return batch, payment


def _close_when_settled(batch: PaymentBatch, by: Any) -> None:
    """A sent batch with no pending payment left is reconciled: sent → closed."""
    if (batch.status == PaymentBatch.Status.SENT
            and not batch.payments.filter(status=Payment.Status.PENDING).exists()):
        batch_transition(batch=batch, to=PaymentBatch.Status.CLOSED, by=by,
                         reason=_("Every payment of the batch is settled."))


def _refuse_unless_sent(batch: PaymentBatch) -> None:
    if batch.status != PaymentBatch.Status.SENT:
        raise PaymentRefused(_("Mark the batch as sent to the bank first; a payment is settled "
                               "only after that."))


@transaction.atomic(durable=True)
def payment_mark_paid(*, payment: Payment, by: Any, bank_reference: str) -> Payment:
    """The bank paid: payment pending → paid (``bank_reference``, ``settled_at``), its tranche
    in_batch → paid, and on the application's first paid payment contracted → in_progress.
    Queues the “payment sent” e-mail to the beneficiary on commit; closes the batch when every
    payment is settled.

    Repeating it with the same bank reference is a no-op. Raises PaymentRefused with no
    reference, before the batch is sent, or for a paid payment with another reference;
    InvalidTransition for a failed or cancelled one. Audited. Runs in a transaction of its own
    (durable): called inside another one, it raises RuntimeError.
    """
    reference = (bank_reference or "").strip()
    if not reference:
        raise PaymentRefused(_("Give the bank's reference of the transfer."))
    batch, payment = _lock_for_settlement(payment)
    if payment.status == Payment.Status.PAID:
        if payment.bank_reference == reference:
            return payment
        raise PaymentRefused(_("This payment is already marked paid, with the bank reference "
                               "“%(reference)s”.") % {"reference": payment.bank_reference})
    _refuse_unless_sent(batch)
    tranche = payment.tranche
    application = tranche.agreement.application
    payment = payment_transition(payment=payment, to=Payment.Status.PAID, by=by,
                                 extra={"bank_reference": reference, "settled_at": timezone.now()})
    tranche_transition(tranche=tranche, to=Tranche.Status.PAID, by=by, reason=reference)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status == Application.Status.CONTRACTED:
        application_transition(application=current, to=Application.Status.IN_PROGRESS, by=by,
                               reason=_("First payment made."))
    beneficiary = application.organisation.user
    if beneficiary.email:
        notify(recipient=beneficiary, kind="payments.payment_sent", context={
            "application": application, "call": application.call, "payment": payment,
            "tranche": tranche, "site_url": site_url()},
            link=reverse("payments:agreement", kwargs={"pk": application.pk}))
    _close_when_settled(batch, by)
    return payment


@transaction.atomic
def payment_mark_failed(*, payment: Payment, by: Any, reason: str) -> Payment:
    """The bank did not pay: payment pending → failed (``failure_reason``), its tranche
    in_batch → failed → approved with the reason, ready for a later batch (where it gets a new
    payment and a new end-to-end id). Closes the batch when every payment is settled.

    Repeating it is a no-op. Raises PaymentRefused without a reason or before the batch is
    sent; InvalidTransition for a paid payment. Audited.
    """
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused(_("Say why the payment failed (the bank's return reason)."))
    batch, payment = _lock_for_settlement(payment)
    if payment.status == Payment.Status.FAILED:
        return payment
    _refuse_unless_sent(batch)
    payment = payment_transition(payment=payment, to=Payment.Status.FAILED, by=by, reason=reason,
                                 extra={"failure_reason": reason, "settled_at": timezone.now()})
    tranche = payment.tranche
    tranche_transition(tranche=tranche, to=Tranche.Status.FAILED, by=by, reason=reason,
                       extra={"failure_reason": reason})
    tranche_transition(tranche=tranche, to=Tranche.Status.APPROVED, by=by,
                       reason=_("Ready for a later batch after a failed payment."))
    _close_when_settled(batch, by)
    return payment
