"""Every write of the finance part: tranche approval, payment batches, the SEPA file, sending and
reconciliation.

Paying at most once rests on three things, each enough to stop a second payment on its own
path: the state machine (only an ``approved`` tranche gets a payment, and the payment moves it to
``in_batch`` in the same transaction), the row lock on the tranche while that happens, and the
database constraint ``one_live_payment_per_tranche`` (one pending or paid payment per tranche).

A batch is filled by the task ``payments.fill_batch`` (``batch_fill``), one short transaction
per tranche, and records ``filled_at`` when it has gone through every tranche. A worker killed
mid-way leaves a partly filled batch with ``filled_at`` empty: it cannot be exported, and running
``batch_fill`` again (the finance officer's "Fill again" button, or ``batch_fill_sweep`` from
beat) completes it without paying anything twice.

Lock order, everywhere: the batch, then the payment, then the tranche, then the application.
"""

import hashlib
import logging
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from euroclusters.models import Eurocluster
from payments import sepa
from payments.models import BankAccount, Payment, PaymentBatch, Tranche
from payments.selectors.finance import blocked_reasons
from payments.services.transitions import (
    batch_transition,
    payment_transition,
    tranche_transition,
)
from portal.audit import audit_record
from portal.errors import DomainError
from portal.mail import mail_on_commit
from portal.queue import enqueue_on_commit, registered_task

logger = logging.getLogger(__name__)

T = Tranche.Status
B = PaymentBatch.Status
P = Payment.Status


class TrancheRefused(DomainError):
    pass


class BatchRefused(DomainError):
    pass


class PaymentRefused(DomainError):
    pass


def _blocked_reason(organisation) -> str | None:
    # The beneficiary part owns the bank details; imported here, when needed, so that the two
    # parts can be loaded in any order.
    from payments.services.beneficiary import payments_blocked_reason

    return payments_blocked_reason(organisation)


def _active_account(organisation):
    from payments.services.beneficiary import active_bank_account

    return active_bank_account(organisation)


def fill_delay_seconds() -> float:
    """FOR TESTS ONLY: seconds ``batch_fill`` waits inside each tranche's transaction.

    ``settings.PAYMENTS_FILL_DELAY_SECONDS`` (default 0, never set in production) slows a fill
    down so that the kill test (tests/integration/test_payment_kill.py) can SIGKILL a real worker
    in the middle of a batch, with a transaction open.
    """
    return float(getattr(settings, "PAYMENTS_FILL_DELAY_SECONDS", 0) or 0)


# --- tranches ---------------------------------------------------------------------------------


@transaction.atomic
def tranche_approve(*, tranche: Tranche, by: Any) -> Tranche:
    """Approve a due tranche for payment (due → approved, ``approved_by``/``approved_at``).

    Raises TrancheRefused when the tranche is not due, or when the beneficiary's payments are
    blocked (no active bank account, or a change of bank details waiting for approval): the
    message says which. Approving an approved tranche again is a no-op. Audited.
    """
    tranche = (Tranche.objects.select_for_update(of=("self",))
               .select_related("agreement__application__organisation").get(pk=tranche.pk))
    if tranche.status == T.APPROVED:
        return tranche
    if tranche.status != T.DUE:
        raise TrancheRefused(
            _("Only a due tranche can be approved; this one is “%(status)s”.")
            % {"status": tranche.get_status_display()})
    reason = _blocked_reason(tranche.agreement.application.organisation)
    if reason:
        raise TrancheRefused(_("This tranche cannot be approved: %(reason)s") % {"reason": reason})
    return tranche_transition(tranche=tranche, to=T.APPROVED, by=by,
                              extra={"approved_by": by, "approved_at": timezone.now()})


# --- batches ----------------------------------------------------------------------------------


def batch_reference_prefix(eurocluster: Eurocluster, day: date) -> str:
    """``EC-<ACRONYM>-<yyyymmdd>-``: SEPA-safe, short enough for a 35-character message id."""
    acronym = "".join(ch for ch in sepa.sepa_id(eurocluster.acronym).upper() if ch.isalnum())
    return f"EC-{acronym[:16] or eurocluster.pk}-{day:%Y%m%d}-"


def _eurocluster_tranches(eurocluster_id: int):
    return Tranche.objects.filter(agreement__application__call__eurocluster_id=eurocluster_id)


@transaction.atomic
def batch_create(*, eurocluster: Eurocluster, by: Any,
                 tranche_ids: list[int] | None = None) -> PaymentBatch:
    """Create a draft batch of ``eurocluster`` and queue ``payments.fill_batch`` on commit.

    The batch takes every approved tranche of the Eurocluster, or only ``tranche_ids``. Its
    reference is ``EC-<acronym>-<yyyymmdd>-<n>`` (the Eurocluster row is locked to number it).
    Raises BatchRefused when no approved tranche waits for a batch. Audited.
    """
    Eurocluster.objects.select_for_update().filter(pk=eurocluster.pk).first()
    waiting = _eurocluster_tranches(eurocluster.pk).filter(status=T.APPROVED)
    if tranche_ids is not None:
        tranche_ids = sorted({int(pk) for pk in tranche_ids})
        waiting = waiting.filter(pk__in=tranche_ids)
    if not waiting.exists():
        raise BatchRefused(_("No approved tranche of %(eurocluster)s waits for a payment batch.")
                           % {"eurocluster": eurocluster.acronym})
    prefix = batch_reference_prefix(eurocluster, timezone.localdate())
    number = PaymentBatch.objects.filter(reference__startswith=prefix).count() + 1
    batch = PaymentBatch.objects.create(eurocluster=eurocluster, reference=f"{prefix}{number}",
                                        created_by=by)
    audit_record(subject=batch, action="created", actor=by,
                 data={"tranche_ids": tranche_ids} if tranche_ids is not None else {})
    enqueue_on_commit("payments.fill_batch", batch_id=batch.pk, tranche_ids=tranche_ids)
    return batch


def _fill_one(*, batch_id: int, tranche_id: int, delay: float) -> Payment | None:
    """Put one tranche into the batch, in its own transaction; None when it is skipped."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != B.DRAFT:
            return None
        # Re-check under the lock: another fill, of this batch or another one, may have taken
        # the tranche since it was listed.
        tranche = (Tranche.objects.select_for_update(of=("self",))
                   .select_related("agreement__application__organisation",
                                   "agreement__application__call")
                   .get(pk=tranche_id))
        application = tranche.agreement.application
        if (tranche.status != T.APPROVED
                or application.call.eurocluster_id != batch.eurocluster_id):
            return None
        organisation = application.organisation
        reason = _blocked_reason(organisation)
        account = None if reason else _active_account(organisation)
        if account is None:
            logger.info("tranche %s left out of batch %s: %s", tranche.pk, batch.pk, reason)
            return None
        attempt = tranche.payments.count() + 1
        payment = Payment.objects.create(
            tranche=tranche, batch=batch, bank_account=account, amount=tranche.amount,
            status=P.PENDING, end_to_end_id=f"T{tranche.pk}-{attempt}")
        tranche_transition(tranche=tranche, to=T.IN_BATCH, by=None, reason=batch.reference)
        if delay:
            time.sleep(delay)  # tests only, see fill_delay_seconds
        return payment


def batch_fill(*, batch_id: int, tranche_ids: list[int] | None = None) -> int:
    """Put the approved tranches of the batch's Eurocluster (or only ``tranche_ids``) into the
    draft batch ``batch_id``; return how many payments were created.

    One transaction per tranche: lock it, skip it unless it is approved, of this Eurocluster and
    not blocked (bank details), create its pending Payment (amount of the tranche, the active
    bank account, end-to-end id ``T<tranche id>-<attempt>``) and move it approved → in_batch.
    Records ``filled_at`` at the end. Safe to run twice, concurrently, or after a worker was
    killed mid-way: a tranche that already has its payment is no longer approved.
    """
    batch = PaymentBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != B.DRAFT:
        logger.info("batch %s is not a draft any more: nothing to fill", batch_id)
        return 0
    candidates = _eurocluster_tranches(batch.eurocluster_id).filter(status=T.APPROVED)
    if tranche_ids is not None:
        candidates = candidates.filter(pk__in=tranche_ids)
    delay = fill_delay_seconds()
    created = 0
    for tranche_id in candidates.order_by("pk").values_list("pk", flat=True):
        if _fill_one(batch_id=batch.pk, tranche_id=tranche_id, delay=delay) is not None:
            created += 1
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == B.DRAFT:
            batch.filled_at = timezone.now()
            batch.save(update_fields=["filled_at"])
            audit_record(subject=batch, action="filled", data={"payments_created": created})
    return created


def batch_refill(*, batch: PaymentBatch, by: Any) -> None:
    """Queue ``payments.fill_batch`` again for a draft batch ("Fill again"): it completes a fill
    that a lost or killed worker left half done, and adds tranches approved since. Raises
    BatchRefused when the batch is no longer a draft. Audited."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != B.DRAFT:
            raise BatchRefused(_("Only a draft batch can be filled."))
        audit_record(subject=batch, action="refill", actor=by)
        enqueue_on_commit("payments.fill_batch", batch_id=batch.pk, tranche_ids=None)


def batch_fill_sweep(*, older_than: timedelta = timedelta(minutes=15)) -> int:
    """Queue the fill again of every draft batch created more than ``older_than`` ago whose
    fill never finished (a lost message, a killed worker); return how many were queued."""
    stale = list(PaymentBatch.objects.filter(
        status=B.DRAFT, filled_at__isnull=True, created_at__lt=timezone.now() - older_than,
    ).values_list("pk", flat=True))
    fill = registered_task("payments.fill_batch")
    for batch_id in stale:
        # At once, not after a commit: the beat task calling this runs in no transaction.
        fill.apply_async(kwargs={"batch_id": batch_id, "tranche_ids": None}, retry=False)
    return len(stale)


@transaction.atomic
def batch_remove_payment(*, payment: Payment, by: Any, reason: str = "") -> Payment:
    """Take a pending payment out of its draft batch: the payment is cancelled and its tranche
    goes back to approved (ready for another batch). Raises BatchRefused unless the batch is a
    draft. Audited."""
    batch = PaymentBatch.objects.select_for_update().get(pk=payment.batch_id)
    if batch.status != B.DRAFT:
        raise BatchRefused(_("A payment can only be taken out of a draft batch."))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == P.CANCELLED:
        return payment
    payment = payment_transition(payment=payment, to=P.CANCELLED, by=by, reason=reason,
                                 extra={"settled_at": timezone.now()})
    tranche_transition(tranche=payment.tranche, to=T.APPROVED, by=by,
                       reason=reason or _("Taken out of batch %(reference)s")
                       % {"reference": batch.reference})
    return payment


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
    if batch.status == B.EXPORTED:
        return batch
    if batch.status != B.DRAFT:
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
        batch.payments.filter(status=P.PENDING)
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
    return batch_transition(batch=batch, to=B.EXPORTED, by=by, extra={
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
    batch = batch_transition(batch=batch, to=B.DRAFT, by=by, reason=reason, extra={
        "sepa_file": "", "sepa_sha256": "", "control_sum": None, "exported_at": None})
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
    if current.status == B.SENT:
        return current
    return batch_transition(batch=current, to=B.SENT, by=by, extra=extra)


def _lock_for_settlement(payment: Payment) -> tuple[PaymentBatch, Payment]:
    batch = PaymentBatch.objects.select_for_update().get(pk=payment.batch_id)
    payment = (Payment.objects.select_for_update(of=("self",))
               .select_related("tranche__agreement__application__organisation__user",
                               "tranche__agreement__application__call")
               .get(pk=payment.pk))
    return batch, payment


def _close_when_settled(batch: PaymentBatch, by: Any) -> None:
    """A sent batch with no pending payment left is reconciled: sent → closed."""
    if batch.status == B.SENT and not batch.payments.filter(status=P.PENDING).exists():
        batch_transition(batch=batch, to=B.CLOSED, by=by,
                         reason=_("Every payment of the batch is settled."))


def _refuse_unless_sent(batch: PaymentBatch) -> None:
    if batch.status != B.SENT:
        raise PaymentRefused(_("Mark the batch as sent to the bank first; a payment is settled "
                               "only after that."))


@transaction.atomic
def payment_mark_paid(*, payment: Payment, by: Any, bank_reference: str) -> Payment:
    """The bank paid: payment pending → paid (``bank_reference``, ``settled_at``), its tranche
    in_batch → paid, and on the application's first paid payment contracted → in_progress.
    Queues the “payment sent” e-mail to the beneficiary on commit; closes the batch when every
    payment is settled.

    Repeating it with the same bank reference is a no-op. Raises PaymentRefused with no
    reference, before the batch is sent, or for a paid payment with another reference;
    InvalidTransition for a failed or cancelled one. Audited.
    """
    reference = (bank_reference or "").strip()
    if not reference:
        raise PaymentRefused(_("Give the bank's reference of the transfer."))
    batch, payment = _lock_for_settlement(payment)
    if payment.status == P.PAID:
        if payment.bank_reference == reference:
            return payment
        raise PaymentRefused(_("This payment is already marked paid, with the bank reference "
                               "“%(reference)s”.") % {"reference": payment.bank_reference})
    _refuse_unless_sent(batch)
    tranche = payment.tranche
    application = tranche.agreement.application
    payment = payment_transition(payment=payment, to=P.PAID, by=by,
                                 extra={"bank_reference": reference, "settled_at": timezone.now()})
    tranche_transition(tranche=tranche, to=T.PAID, by=by, reason=reference)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status == Application.Status.CONTRACTED:
        from applications.transitions import application_transition

        application_transition(application=current, to=Application.Status.IN_PROGRESS, by=by,
                               reason=_("First payment made."))
    beneficiary = application.organisation.user
    if beneficiary.email:
        mail_on_commit(to=[beneficiary.email], template="payments_payment_sent", context={
            "application": application, "call": application.call, "payment": payment,
            "tranche": tranche, "site_url": settings.PORTAL_SITE_URL})
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
    if payment.status == P.FAILED:
        return payment
    _refuse_unless_sent(batch)
    payment = payment_transition(payment=payment, to=P.FAILED, by=by, reason=reason,
                                 extra={"failure_reason": reason, "settled_at": timezone.now()})
    tranche = payment.tranche
    tranche_transition(tranche=tranche, to=T.FAILED, by=by, reason=reason,
                       extra={"failure_reason": reason})
    tranche_transition(tranche=tranche, to=T.APPROVED, by=by,
                       reason=_("Ready for a later batch after a failed payment."))
    _close_when_settled(batch, by)
    return payment
